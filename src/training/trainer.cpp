// The training loop: fit, evaluate and predict over batches, each around one small step function
// (train_step, test_step, predict_step), as Keras's Trainer.
#include <cmath>
#include <cstdio>
#include <mutex>

#include "../models/graph.hpp"
#include "arrays.hpp"
#include "planned/planned_inference.hpp"
#include "planned/planned_step.hpp"
#include "strata/autograd/gradient_tape.hpp"
#include "strata/autograd/node.hpp"
#include "strata/backend/backend.hpp"
#include "strata/models/model.hpp"
#include "strata/training/callbacks/progbar_logger.hpp"
#include "strata/training/callbacks/terminate_on_nan.hpp"
#include "training_state.hpp"

namespace strata {

namespace {

using detail::Arrays;
using detail::TrainingState;

std::string label(const Model& m) { return "model \"" + m.name() + "\""; }

void check_positive(std::int64_t value, const char* what, const char* method) {
    if (value <= 0)
        throw ValueError(std::string(method) + ": " + what + " must be a positive integer, got " + std::to_string(value));
}

void check_compiled(const Model& m, const TrainingState& state, const char* method) {
    if (!state.compiled) throw ValueError(label(m) + ": call compile() before " + method + "()");
    if (!state.has_loss()) throw ValueError(label(m) + ": compile() was given no loss; " + method + "() needs one");
}

// Calls every callback's hook: the user's first, then History, then the progress bar, as Keras's CallbackList.
struct CallbackList {
    std::vector<std::shared_ptr<Callback>> callbacks;
    // TerminateOnNaN keeps the weights from before a NaN: the step that produced it is not applied.
    bool guard_nan = false;
    template <class Hook>
    void each(Hook hook) {
        for (auto& c : callbacks) hook(*c);
    }
};

CallbackList make_callbacks(Model* model, const std::vector<std::shared_ptr<Callback>>& given,
                            const std::shared_ptr<History>& history, int verbose, std::map<std::string, double> params) {
    CallbackList list;
    bool has_progbar = false;
    for (const auto& c : given) {
        if (!c) throw ValueError("callbacks: got a null callback");
        list.callbacks.push_back(c);
        has_progbar = has_progbar || dynamic_cast<callbacks::ProgbarLogger*>(c.get());
        list.guard_nan = list.guard_nan || dynamic_cast<callbacks::TerminateOnNaN*>(c.get());
    }
    if (history) list.callbacks.push_back(history);
    if (verbose != 0 && !has_progbar) list.callbacks.push_back(std::make_shared<callbacks::ProgbarLogger>());
    for (auto& c : list.callbacks) {
        c->set_model(model);
        c->set_params(params);
    }
    return list;
}

// The layers' regularization losses, added to the compiled loss as Keras's compute_loss does.
std::vector<Tensor> regularization_losses(const Model& model) { return model.losses(); }

std::int64_t steps_for(std::int64_t samples, std::int64_t batch_size) { return (samples + batch_size - 1) / batch_size; }

// The number of classes the first output tells apart, for class_weight: its last extent, 2 for one unit.
std::int64_t output_classes(const detail::Graph& graph) {
    const Shape& shape = graph.outputs.at(0).shape();
    std::int64_t last = shape.rank() ? shape[shape.rank() - 1] : 1;
    return last <= 1 ? 2 : last;
}

// The planned step for steps on `data`: the state's plan when it takes these arrays and is still valid, else
// a new one; null where the steps run eagerly. Before the first batch the losses and metrics are resolved
// from the shapes (as the first eager step would), so a planned fit is planned from its first step.
std::shared_ptr<detail::TrainingPlan> plan_for(const Model& model, const detail::Graph& graph, TrainingState& state,
                                               const Arrays& data) {
    if (state.plan && state.plan->accepts(data) && state.plan->still_valid(state)) return state.plan;
    if (state.outputs.empty()) {
        if (data.y.size() != graph.outputs.size()) {
            state.eager_reason = "the targets do not match the outputs";
            return nullptr;
        }
        std::vector<Shape> ys, y_preds;
        for (const Tensor& y : data.y) ys.push_back(y.shape());
        for (const Tensor& out : graph.outputs) {
            Shape shape = out.shape();
            if (shape.rank() == 0 || !shape.without_batch().is_fully_defined()) {
                state.eager_reason = "an output shape is not fully known";
                return nullptr;
            }
            y_preds.push_back(shape.without_batch().with_batch(data.size()));
        }
        state.resolve_shapes(model.output_names(), ys, y_preds);
    }
    std::string why;
    state.plan = detail::TrainingPlan::make(graph, state, data, why);
    state.eager_reason = state.plan ? "" : why;
    return state.plan;
}

// The plan for one train_on_batch call, or null. A batch shaped and typed as the last one refused is not
// tried again: making a plan only to be refused costs more than a small step.
std::shared_ptr<detail::TrainingPlan> batch_plan_for(const Model& model, const detail::Graph& graph,
                                                     TrainingState& state, const Arrays& batch) {
    std::vector<Shape> signature{Shape{static_cast<std::int64_t>(batch.x.size()), static_cast<std::int64_t>(batch.y.size()),
                                       batch.sample_weight.defined() ? 1 : 0}};
    for (const auto* arrays : {&batch.x, &batch.y})
        for (const Tensor& t : *arrays) {
            signature.push_back(t.shape());
            signature.push_back(Shape{static_cast<std::int64_t>(t.dtype()), static_cast<std::int64_t>(t.device().kind())});
        }
    if (!state.plan && signature == state.refused_batch) return nullptr;
    std::shared_ptr<detail::TrainingPlan> plan = plan_for(model, graph, state, batch);
    if (plan) {
        plan->discard_ahead();
        state.refused_batch.clear();
    } else {
        state.refused_batch = std::move(signature);
    }
    return plan;
}

// Chooses the planned or the eager step, once per fit or evaluate and again when a plan goes stale. It keeps
// its plan alive: fit's validation may make another plan for other arrays.
class StepRunner {
public:
    StepRunner(const Model& model, const detail::Graph& graph, TrainingState& state, const Arrays& data)
        : model_(model), graph_(graph), state_(state), data_(data) {}

    detail::TrainingPlan* plan() {
        if (!tried_) {
            tried_ = true;
            plan_ = plan_for(model_, graph_, state_, data_);
            if (plan_) plan_->discard_ahead();
        }
        if (plan_ && !plan_->still_valid(state_)) plan_ = plan_for(model_, graph_, state_, data_);
        return plan_.get();
    }

private:
    const Model& model_;
    const detail::Graph& graph_;
    TrainingState& state_;
    const Arrays& data_;
    bool tried_ = false;
    std::shared_ptr<detail::TrainingPlan> plan_;
};

// The planned forward for `x`, made on first use; null where the forward runs eagerly (a model or an input
// outside the plan). The lock guards only the graph's plan pointer: the plan serves concurrent callers itself.
std::shared_ptr<detail::InferencePlan> inference_plan_for(detail::Graph& graph, const Tensor& x) {
    static std::mutex mutex;
    if (!graph.built || graph.nodes.empty()) return nullptr;
    std::lock_guard lock(mutex);
    const void* last_call = graph.nodes.back().call.get();
    if (!graph.inference || !graph.inference->still_valid(graph)) {
        graph.inference.reset();
        if (graph.inference_refused_for == last_call && graph.inference_refused_nodes == graph.nodes.size())
            return nullptr;
        std::string why;
        graph.inference = detail::InferencePlan::make(graph, why);
        if (!graph.inference) {
            graph.inference_refused_for = last_call;
            graph.inference_refused_nodes = graph.nodes.size();
            return nullptr;
        }
    }
    return graph.inference->accepts(x) ? graph.inference : nullptr;
}

}  // namespace

// --- steps -------------------------------------------------------------------------------------------------

namespace {

struct StepResult {
    bool applied = true;
};

// One optimisation step on a batch: forward, loss (plus the layers' regularization losses), gradients,
// update, metrics.
StepResult train_step(Model& model, detail::Graph& graph, TrainingState& state, const Arrays& batch, bool guard_nan) {
    std::vector<Tensor> variables = model.trainable_weights();
    std::vector<Tensor> y_preds;
    Tensor loss;
    double loss_value;
    StepResult result;
    {
        GradientTape tape;
        y_preds = graph.run(batch.x, /*training=*/true);
        state.resolve(model.output_names(), batch.y, y_preds);
        loss = state.compute_loss(batch.y, y_preds, batch.sample_weight);
        for (const Tensor& extra : regularization_losses(model)) loss = loss + extra;
        {
            autograd::NoGradScope no_grad;
            loss_value = loss.astype(float64).item<double>();
        }
        if (guard_nan && !std::isfinite(loss_value)) {
            result.applied = false;
        } else {
            // Keras scales the loss by loss_scale_factor for the gradients; the optimizer unscales them.
            std::vector<Tensor> grads = tape.gradient(state.optimizer->scale_loss(loss), variables);
            state.optimizer->apply_gradients(grads, variables);
        }
    }
    state.update_metrics(loss_value, batch.y, y_preds, batch.sample_weight, batch.size());
    return result;
}

void test_step(Model& model, detail::Graph& graph, TrainingState& state, const Arrays& batch) {
    autograd::NoGradScope no_grad;
    std::vector<Tensor> y_preds = graph.run(batch.x, false);
    state.resolve(model.output_names(), batch.y, y_preds);
    Tensor loss = state.compute_loss(batch.y, y_preds, batch.sample_weight);
    for (const Tensor& extra : regularization_losses(model)) loss = loss + extra;
    state.update_metrics(loss.astype(float64).item<double>(), batch.y, y_preds, batch.sample_weight, batch.size());
}

// Runs evaluate's loop with a callback list that is already set up (fit's, for validation).
Logs run_evaluation(Model& model, detail::Graph& graph, TrainingState& state, const Arrays& data,
                    std::int64_t batch_size, std::int64_t steps_limit, CallbackList& callbacks) {
    std::int64_t n = data.size();
    std::int64_t steps = steps_for(n, batch_size);
    if (steps_limit > 0) steps = std::min(steps, steps_limit);
    autograd::NoGradScope no_grad;
    state.reset_metrics();
    callbacks.each([](Callback& c) { c.on_test_begin({}); });
    StepRunner runner(model, graph, state, data);
    Logs logs;
    for (std::int64_t step = 0; step < steps; ++step) {
        std::int64_t begin = step * batch_size, end = std::min(n, begin + batch_size);
        callbacks.each([&](Callback& c) { c.on_test_batch_begin(static_cast<int>(step), {}); });
        detail::TrainingPlan* plan = runner.plan();
        if (!plan || !plan->test_step(data, begin, end, state)) test_step(model, graph, state, data.rows({}, begin, end));
        state.write_results(logs);
        callbacks.each([&](Callback& c) { c.on_test_batch_end(static_cast<int>(step), logs); });
    }
    callbacks.each([&](Callback& c) { c.on_test_end(logs); });
    return logs;
}

}  // namespace

std::string Model::eager_reason() const {
    if (!compiled()) return "not compiled";
    return training().eager_reason;
}

// --- step-level API ----------------------------------------------------------------------------------------

std::map<std::string, double> Model::train_on_batch(const std::vector<Tensor>& x, const std::vector<Tensor>& y,
                                                    const Tensor& sample_weight) {
    TrainingState& state = training();
    check_compiled(*this, state, "train_on_batch");
    Arrays batch{x, y, sample_weight};
    detail::check_arrays("train_on_batch", batch);
    graph_->ensure_built(x);
    state.reset_metrics();
    std::shared_ptr<detail::TrainingPlan> plan = batch_plan_for(*this, *graph_, state, batch);
    if (!plan || plan->train_step(batch, Tensor(), {0, batch.size()}, /*guard_nan=*/false, state) ==
                     detail::TrainingPlan::Outcome::eager)
        train_step(*this, *graph_, state, batch, /*guard_nan=*/false);
    return state.results();
}

std::map<std::string, double> Model::train_on_batch(const Tensor& x, const Tensor& y, const Tensor& sample_weight) {
    return train_on_batch(std::vector<Tensor>{x}, std::vector<Tensor>{y}, sample_weight);
}

std::map<std::string, double> Model::test_on_batch(const std::vector<Tensor>& x, const std::vector<Tensor>& y,
                                                   const Tensor& sample_weight) {
    TrainingState& state = training();
    check_compiled(*this, state, "test_on_batch");
    Arrays batch{x, y, sample_weight};
    detail::check_arrays("test_on_batch", batch);
    graph_->ensure_built(x);
    state.reset_metrics();
    test_step(*this, *graph_, state, batch);
    return state.results();
}

std::map<std::string, double> Model::test_on_batch(const Tensor& x, const Tensor& y, const Tensor& sample_weight) {
    return test_on_batch(std::vector<Tensor>{x}, std::vector<Tensor>{y}, sample_weight);
}

std::vector<Tensor> Model::predict_on_batch(const std::vector<Tensor>& x) {
    graph_->ensure_built(x);
    if (x.size() == 1)
        if (std::shared_ptr<detail::InferencePlan> plan = inference_plan_for(*graph_, x[0])) return {plan->predict(x[0])};
    autograd::NoGradScope no_grad;
    return graph_->run(x, false);
}

Tensor Model::predict_on_batch(const Tensor& x) {
    // One image through a built model: straight to the planned forward, with no list made around it.
    if (graph_->built)
        if (std::shared_ptr<detail::InferencePlan> plan = inference_plan_for(*graph_, x)) return plan->predict(x);
    return predict_on_batch(std::vector<Tensor>{x})[0];
}

void Model::predict_on_batch(const Tensor& x, Tensor& out) {
    if (graph_->built)
        if (std::shared_ptr<detail::InferencePlan> plan = inference_plan_for(*graph_, x))
            if (plan->output_fits(out, x.shape()[0])) return plan->predict_into(x, out);
    // Otherwise the output in a tensor of its own, then into `out`; this path also says what does not match.
    const Tensor y = predict_on_batch(x);
    const std::string where = "predict_on_batch(x, out) of model \"" + name() + "\": out ";
    if (!out.defined() || out.is_symbolic()) throw ValueError(where + "is not a concrete tensor");
    if (out.dtype() != y.dtype())
        throw TypeError(where + "has dtype " + dtype_name(out.dtype()) + ", the output " + dtype_name(y.dtype()));
    if (out.device() != y.device())
        throw DeviceError(where + "is on " + out.device().to_string() + ", the output on " + y.device().to_string());
    if (out.shape() != y.shape())
        throw ShapeError(where + "has shape " + out.shape().to_string() + ", the output " + y.shape().to_string());
    backend::of(y).copy(y, out);
}

// --- fit ---------------------------------------------------------------------------------------------------

History Model::fit(const std::vector<Tensor>& x_all, const std::vector<Tensor>& y_all, FitOptions options) {
    TrainingState& state = training();
    check_compiled(*this, state, "fit");
    check_positive(options.batch_size, "batch_size", "fit");
    check_positive(options.epochs, "epochs", "fit");
    if (options.steps_per_epoch < 0) check_positive(options.steps_per_epoch, "steps_per_epoch", "fit");
    if (options.validation_steps < 0) check_positive(options.validation_steps, "validation_steps", "fit");
    if (options.validation_batch_size < 0) check_positive(options.validation_batch_size, "validation_batch_size", "fit");
    check_positive(options.validation_freq, "validation_freq", "fit");
    if (options.initial_epoch < 0 || options.initial_epoch >= options.epochs)
        throw ValueError("fit: initial_epoch must be in [0, epochs), got " + std::to_string(options.initial_epoch) +
                         " with epochs " + std::to_string(options.epochs));
    if (!(options.validation_split >= 0.0 && options.validation_split < 1.0))
        throw ValueError("fit: validation_split must be in [0, 1), got " + std::to_string(options.validation_split));
    Arrays data{x_all, y_all, options.sample_weight};
    detail::check_arrays("fit", data);
    graph_->ensure_built(x_all);
    std::vector<Tensor> first;
    for (const Tensor& t : x_all) first.push_back(t.slice(0, std::min<std::int64_t>(1, t.shape()[0])));
    graph_->check_inputs(first);
    if (y_all.size() != graph_->outputs.size())
        throw ValueError("fit: " + label(*this) + " has " + std::to_string(graph_->outputs.size()) + " outputs, got " +
                         std::to_string(y_all.size()) + " target arrays; give one y per output");

    if (!options.class_weight.empty()) {
        // Keras: class_weight is for single-output models, and replaces sample_weight rather than joining it.
        if (options.sample_weight.defined())
            throw ValueError("fit: you cannot use class_weight and sample_weight at the same time");
        if (y_all.size() != 1) throw ValueError("fit: class_weight is only supported for models with a single output");
        data.sample_weight = detail::class_weight_to_sample_weights(y_all[0], options.class_weight, output_classes(*graph_));
    }

    // Keras takes the validation split from the end of the data, before shuffling.
    Arrays validation{options.validation_data.x, options.validation_data.y, options.validation_data.sample_weight};
    std::int64_t n = data.size();
    if (options.validation_split > 0.0 && validation.x.empty()) {
        auto split = static_cast<std::int64_t>(std::floor(static_cast<double>(n) * (1.0 - options.validation_split)));
        if (split <= 0 || split >= n)
            throw ValueError("fit: validation_split " + std::to_string(options.validation_split) + " of " +
                             std::to_string(n) + " samples leaves no training or no validation data");
        validation = data.rows({}, split, n);
        data = data.rows({}, 0, split);
        n = split;
    }
    if (!validation.x.empty()) {
        detail::check_arrays("fit (validation_data)", validation);
        std::vector<Tensor> first_val;
        for (const Tensor& t : validation.x) first_val.push_back(t.slice(0, std::min<std::int64_t>(1, t.shape()[0])));
        graph_->check_inputs(first_val);
        if (validation.y.size() != y_all.size())
            throw ValueError("fit: validation_data has " + std::to_string(validation.y.size()) +
                             " target arrays, but the model has " + std::to_string(y_all.size()) + " outputs");
    }
    if (n == 0) throw ValueError("fit: x has no samples");

    detail::BatchCursor cursor(n, options.batch_size, options.shuffle);
    std::int64_t steps = options.steps_per_epoch > 0 ? options.steps_per_epoch : cursor.batches_per_pass();
    auto history = std::make_shared<History>();
    CallbackList callbacks = make_callbacks(this, options.callbacks, history, options.verbose,
                                            {{"epochs", options.epochs},
                                             {"steps", static_cast<double>(steps)},
                                             {"verbose", options.verbose}});
    std::int64_t validation_batch_size = options.validation_batch_size > 0 ? options.validation_batch_size : options.batch_size;

    StepRunner runner(*this, *graph_, state, data);
    state.stop_training = false;
    state.initial_epoch.reset();
    callbacks.each([](Callback& c) { c.on_train_begin({}); });
    int initial_epoch = state.initial_epoch.value_or(options.initial_epoch);
    state.initial_epoch.reset();
    Logs epoch_logs;
    for (int epoch = initial_epoch; epoch < options.epochs && !state.stop_training; ++epoch) {
        state.reset_metrics();
        callbacks.each([&](Callback& c) { c.on_epoch_begin(epoch, {}); });
        // Without steps_per_epoch every epoch is one pass; with it, an epoch goes on where the last one
        // stopped, and ends early when the data runs out (Keras warns and starts a new pass next epoch).
        if (options.steps_per_epoch == 0 || cursor.exhausted() || cursor.at_pass_start()) cursor.restart();
        Logs logs;
        for (std::int64_t step = 0; step < steps; ++step) {
            if (cursor.exhausted()) {
                std::fprintf(stderr,
                             "Your input ran out of data; interrupting the epoch after %lld of steps_per_epoch=%lld "
                             "batches.\n",
                             static_cast<long long>(step), static_cast<long long>(steps));
                break;
            }
            callbacks.each([&](Callback& c) { c.on_train_batch_begin(static_cast<int>(step), {}); });
            detail::BatchCursor::Batch b = cursor.next();
            detail::TrainingPlan* plan = runner.plan();
            // The next batch of this epoch, for the plan to gather while this one computes.
            std::optional<detail::TrainingPlan::Rows> next;
            if (auto peeked = cursor.peek(); peeked && step + 1 < steps) next = detail::TrainingPlan::Rows{peeked->begin, peeked->end};
            if (!plan || plan->train_step(data, cursor.order(), {b.begin, b.end}, callbacks.guard_nan, state, next) ==
                             detail::TrainingPlan::Outcome::eager)
                train_step(*this, *graph_, state, data.rows(cursor.order(), b.begin, b.end), callbacks.guard_nan);
            state.write_results(logs);
            callbacks.each([&](Callback& c) { c.on_train_batch_end(static_cast<int>(step), logs); });
            if (state.stop_training) break;
        }
        epoch_logs = logs;
        if (!validation.x.empty() && (epoch + 1) % options.validation_freq == 0) {
            Logs val = run_evaluation(*this, *graph_, state, validation, validation_batch_size, options.validation_steps,
                                      callbacks);
            for (const auto& [name, value] : val) epoch_logs["val_" + name] = value;
        }
        callbacks.each([&](Callback& c) { c.on_epoch_end(epoch, epoch_logs); });
    }
    // With use_ema, Keras swaps the moving averages into the model when training ends.
    state.optimizer->finalize_variable_values(trainable_weights());
    callbacks.each([&](Callback& c) { c.on_train_end(epoch_logs); });
    return *history;
}

History Model::fit(const Tensor& x, const Tensor& y, FitOptions options) {
    if (!y.defined()) throw ValueError("fit: y is undefined");
    return fit(std::vector<Tensor>{x}, std::vector<Tensor>{y}, std::move(options));
}

// --- evaluate ----------------------------------------------------------------------------------------------

std::map<std::string, double> Model::evaluate(const std::vector<Tensor>& x, const std::vector<Tensor>& y,
                                              EvaluateOptions options) {
    TrainingState& state = training();
    check_compiled(*this, state, "evaluate");
    check_positive(options.batch_size, "batch_size", "evaluate");
    if (options.steps < 0) check_positive(options.steps, "steps", "evaluate");
    Arrays data{x, y, options.sample_weight};
    detail::check_arrays("evaluate", data);
    graph_->ensure_built(x);
    if (y.size() != graph_->outputs.size())
        throw ValueError("evaluate: " + label(*this) + " has " + std::to_string(graph_->outputs.size()) +
                         " outputs, got " + std::to_string(y.size()) + " target arrays");
    std::int64_t n = data.size();
    if (n == 0) throw ValueError("evaluate: x has no samples");
    std::int64_t steps = steps_for(n, options.batch_size);
    if (options.steps > 0) steps = std::min(steps, options.steps);
    CallbackList callbacks = make_callbacks(this, options.callbacks, nullptr, options.verbose,
                                            {{"steps", static_cast<double>(steps)}, {"verbose", options.verbose}});
    return run_evaluation(*this, *graph_, state, data, options.batch_size, options.steps, callbacks);
}

std::map<std::string, double> Model::evaluate(const Tensor& x, const Tensor& y, EvaluateOptions options) {
    if (!y.defined()) throw ValueError("evaluate: y is undefined");
    return evaluate(std::vector<Tensor>{x}, std::vector<Tensor>{y}, std::move(options));
}

// --- predict -----------------------------------------------------------------------------------------------

std::vector<Tensor> Model::predict(const std::vector<Tensor>& x, PredictOptions options) {
    check_positive(options.batch_size, "batch_size", "predict");
    if (options.steps < 0) check_positive(options.steps, "steps", "predict");
    Arrays data{x, {}, {}};
    detail::check_arrays("predict", data);
    graph_->ensure_built(x);
    graph_->check_inputs(x);
    std::int64_t n = data.size();
    if (n == 0) throw ValueError("predict: x has no samples");
    std::int64_t steps = steps_for(n, options.batch_size);
    if (options.steps > 0) steps = std::min(steps, options.steps);
    std::int64_t rows = std::min(n, steps * options.batch_size);
    CallbackList callbacks = make_callbacks(this, options.callbacks, nullptr, options.verbose,
                                            {{"steps", static_cast<double>(steps)}, {"verbose", options.verbose}});

    autograd::NoGradScope no_grad;
    callbacks.each([](Callback& c) { c.on_predict_begin({}); });
    std::vector<Tensor> results;
    for (std::int64_t step = 0; step < steps; ++step) {
        std::int64_t begin = step * options.batch_size, end = std::min(rows, begin + options.batch_size);
        callbacks.each([&](Callback& c) { c.on_predict_batch_begin(static_cast<int>(step), {}); });
        Arrays slice = data.rows({}, begin, end);
        std::shared_ptr<detail::InferencePlan> plan =
            slice.x.size() == 1 ? inference_plan_for(*graph_, slice.x[0]) : nullptr;
        std::vector<Tensor> batch = plan ? std::vector<Tensor>{plan->predict(slice.x[0])} : graph_->run(slice.x, false);
        if (steps == 1) {
            results = batch;
        } else {
            if (results.empty())
                for (const Tensor& b : batch)
                    results.push_back(Tensor::empty(b.shape().without_batch().with_batch(rows), b.dtype(), b.device()));
            for (std::size_t i = 0; i < batch.size(); ++i) {
                Tensor target = results[i].slice(begin, end);  // a view into the result
                backend::of(target).copy(batch[i], target);
            }
        }
        callbacks.each([&](Callback& c) { c.on_predict_batch_end(static_cast<int>(step), {}); });
    }
    callbacks.each([](Callback& c) { c.on_predict_end({}); });
    return results;
}

Tensor Model::predict(const Tensor& x, PredictOptions options) {
    return predict(std::vector<Tensor>{x}, std::move(options))[0];
}

}  // namespace strata
