// The training loop: fit, evaluate and predict over batches, each around one small step function
// (train_step, test_step, predict_step), as Keras's Trainer.
#include <cmath>
#include <cstdio>

#include "../models/graph.hpp"
#include "progbar.hpp"
#include "strata/autograd/gradient_tape.hpp"
#include "strata/autograd/node.hpp"
#include "strata/backend/backend.hpp"
#include "strata/ops/random.hpp"
#include "strata/ops/shape.hpp"
#include "strata/models/model.hpp"
#include "training_state.hpp"

namespace strata {

namespace {

using detail::TrainingState;

std::string label(const Model& m) { return "model \"" + m.name() + "\""; }

void check_positive(std::int64_t value, const char* what, const char* method) {
    if (value <= 0)
        throw ValueError(std::string(method) + ": " + what + " must be a positive integer, got " + std::to_string(value));
}

// x and y (and sample weights) must hold the same number of samples.
void check_samples(const Model& m, const char* method, const Tensor& x, const Tensor& y, const Tensor& sample_weight) {
    if (!x.defined()) throw ValueError(std::string(method) + ": x is undefined");
    if (x.rank() < 1) throw ShapeError(std::string(method) + ": x must have a batch axis, got shape " + x.shape().to_string());
    if (y.defined() && (y.rank() < 1 || y.shape()[0] != x.shape()[0]))
        throw ValueError(std::string(method) + " on " + label(m) + ": x and y must have the same number of samples, got x " +
                         x.shape().to_string() + " and y " + y.shape().to_string());
    if (sample_weight.defined() && (sample_weight.rank() < 1 || sample_weight.shape()[0] != x.shape()[0]))
        throw ValueError(std::string(method) + " on " + label(m) + ": sample_weight must have one weight per sample (" +
                         std::to_string(x.shape()[0]) + "), got shape " + sample_weight.shape().to_string());
}

Tensor rows(const Tensor& t, const Tensor& indices, std::int64_t begin, std::int64_t end) {
    if (!t.defined()) return {};
    if (!indices.defined()) return t.slice(begin, end);  // no shuffling: a view, no copy
    return ops::take(t, indices.slice(begin, end));
}

void resolve_metrics(TrainingState& state, const Tensor& y, const Tensor& y_pred) {
    if (!state.metrics.empty() || state.metric_specs.empty()) return;
    for (const metrics::MetricSpec& spec : state.metric_specs)
        state.metrics.push_back(metrics::get(spec, y.shape(), y_pred.shape()));
}

void reset_metrics(TrainingState& state) {
    state.loss_tracker.reset();
    for (auto& m : state.metrics) m->reset_state();
}

Logs metrics_result(const TrainingState& state) {
    Logs logs{{"loss", state.loss_tracker.result()}};
    for (const auto& m : state.metrics) logs[m->name()] = m->result();
    return logs;
}

void update_metrics(TrainingState& state, const Tensor& loss, const Tensor& y, const Tensor& y_pred,
                    const Tensor& sample_weight) {
    autograd::NoGradScope no_grad;
    state.loss_tracker.update(loss.astype(float64).item<double>(), static_cast<double>(y_pred.shape()[0]));
    resolve_metrics(state, y, y_pred);
    Tensor detached = y_pred.detach();
    for (auto& m : state.metrics) m->update_state(y, detached, sample_weight);
}

// Calls every callback's hook.
struct CallbackList {
    std::vector<std::shared_ptr<Callback>> callbacks;
    template <class Hook>
    void each(Hook hook) {
        for (auto& c : callbacks) hook(*c);
    }
};

CallbackList make_callbacks(Model* model, const std::vector<std::shared_ptr<Callback>>& given,
                            std::map<std::string, double> params) {
    CallbackList list;
    for (const auto& c : given) {
        if (!c) throw ValueError("callbacks: got a null callback");
        list.callbacks.push_back(c);
    }
    for (auto& c : list.callbacks) {
        c->set_model(model);
        c->set_params(params);
    }
    return list;
}

std::int64_t steps_for(std::int64_t samples, std::int64_t batch_size) { return (samples + batch_size - 1) / batch_size; }

}  // namespace

std::map<std::string, double> Model::train_on_batch(const Tensor& x, const Tensor& y, const Tensor& sample_weight) {
    TrainingState& state = training();
    if (!state.compiled) throw ValueError(label(*this) + ": call compile() before train_on_batch()");
    if (state.loss_spec.empty()) throw ValueError(label(*this) + ": compile() was given no loss; training needs one");
    check_samples(*this, "train_on_batch", x, y, sample_weight);
    graph_->ensure_built({x});

    std::vector<Tensor> variables = trainable_weights();
    GradientTape tape;
    Tensor y_pred = graph_->run({x}, /*training=*/true)[0];
    Tensor loss = state.compute_loss(y, y_pred, sample_weight);
    std::vector<Tensor> grads = tape.gradient(loss, variables);
    state.optimizer->apply_gradients(grads, variables);

    reset_metrics(state);
    update_metrics(state, loss, y, y_pred, sample_weight);
    return metrics_result(state);
}

std::map<std::string, double> Model::test_on_batch(const Tensor& x, const Tensor& y, const Tensor& sample_weight) {
    TrainingState& state = training();
    if (!state.compiled) throw ValueError(label(*this) + ": call compile() before test_on_batch()");
    if (state.loss_spec.empty()) throw ValueError(label(*this) + ": compile() was given no loss; evaluation needs one");
    check_samples(*this, "test_on_batch", x, y, sample_weight);
    graph_->ensure_built({x});
    autograd::NoGradScope no_grad;
    Tensor y_pred = graph_->run({x}, false)[0];
    reset_metrics(state);
    update_metrics(state, state.compute_loss(y, y_pred, sample_weight), y, y_pred, sample_weight);
    return metrics_result(state);
}

Tensor Model::predict_on_batch(const Tensor& x) {
    graph_->ensure_built({x});
    autograd::NoGradScope no_grad;
    return graph_->run({x}, false)[0];
}

History Model::fit(const Tensor& x_all, const Tensor& y_all, FitOptions options) {
    TrainingState& state = training();
    if (!state.compiled) throw ValueError(label(*this) + ": call compile() before fit()");
    if (state.loss_spec.empty()) throw ValueError(label(*this) + ": compile() was given no loss; fit() needs one");
    check_positive(options.batch_size, "batch_size", "fit");
    check_positive(options.epochs, "epochs", "fit");
    if (options.initial_epoch < 0 || options.initial_epoch >= options.epochs)
        throw ValueError("fit: initial_epoch must be in [0, epochs), got " + std::to_string(options.initial_epoch) +
                         " with epochs " + std::to_string(options.epochs));
    if (!(options.validation_split >= 0.0 && options.validation_split < 1.0))
        throw ValueError("fit: validation_split must be in [0, 1), got " + std::to_string(options.validation_split));
    check_samples(*this, "fit", x_all, y_all, options.sample_weight);
    graph_->ensure_built({x_all});
    graph_->check_inputs({x_all.slice(0, std::min<std::int64_t>(1, x_all.shape()[0]))});

    // Keras takes the validation split from the end of the data, before shuffling.
    Tensor x = x_all, y = y_all, sample_weight = options.sample_weight;
    ValidationData validation = options.validation_data;
    std::int64_t n = x_all.shape()[0];
    if (options.validation_split > 0.0 && validation.empty()) {
        auto split = static_cast<std::int64_t>(std::floor(static_cast<double>(n) * (1.0 - options.validation_split)));
        if (split <= 0 || split >= n)
            throw ValueError("fit: validation_split " + std::to_string(options.validation_split) + " of " +
                             std::to_string(n) + " samples leaves no training or no validation data");
        validation = {x_all.slice(split, n), y_all.slice(split, n),
                      options.sample_weight.defined() ? options.sample_weight.slice(split, n) : Tensor()};
        x = x_all.slice(0, split);
        y = y_all.slice(0, split);
        if (sample_weight.defined()) sample_weight = sample_weight.slice(0, split);
        n = split;
    }
    if (!validation.empty()) {
        check_samples(*this, "fit (validation_data)", validation.x, validation.y, validation.sample_weight);
        graph_->check_inputs({validation.x.slice(0, std::min<std::int64_t>(1, validation.x.shape()[0]))});
    }
    if (n == 0) throw ValueError("fit: x has no samples");

    std::int64_t steps = steps_for(n, options.batch_size);
    auto history = std::make_shared<History>();
    std::vector<std::shared_ptr<Callback>> all = options.callbacks;
    all.push_back(history);
    CallbackList callbacks = make_callbacks(
        this, all, {{"epochs", options.epochs}, {"steps", static_cast<double>(steps)}, {"verbose", options.verbose}});

    state.stop_training = false;
    callbacks.each([](Callback& c) { c.on_train_begin({}); });
    Logs epoch_logs;
    for (int epoch = options.initial_epoch; epoch < options.epochs && !state.stop_training; ++epoch) {
        reset_metrics(state);
        callbacks.each([&](Callback& c) { c.on_epoch_begin(epoch, {}); });
        if (options.verbose) std::printf("Epoch %d/%d\n", epoch + 1, options.epochs);
        detail::Progbar progbar(steps, options.verbose);
        Tensor order = options.shuffle ? random::permutation(n) : Tensor();
        Logs logs;
        for (std::int64_t step = 0; step < steps; ++step) {
            std::int64_t begin = step * options.batch_size, end = std::min(n, begin + options.batch_size);
            callbacks.each([&](Callback& c) { c.on_train_batch_begin(static_cast<int>(step), {}); });
            Tensor xb = rows(x, order, begin, end), yb = rows(y, order, begin, end);
            Tensor wb = rows(sample_weight, order, begin, end);

            std::vector<Tensor> variables = trainable_weights();
            Tensor y_pred, loss;
            {
                GradientTape tape;
                y_pred = graph_->run({xb}, /*training=*/true)[0];
                loss = state.compute_loss(yb, y_pred, wb);
                std::vector<Tensor> grads = tape.gradient(loss, variables);
                state.optimizer->apply_gradients(grads, variables);
            }
            update_metrics(state, loss, yb, y_pred, wb);
            logs = metrics_result(state);
            callbacks.each([&](Callback& c) { c.on_train_batch_end(static_cast<int>(step), logs); });
            progbar.update(step + 1, logs);
            if (state.stop_training) break;
        }
        epoch_logs = logs;
        if (!validation.empty()) {
            std::map<std::string, double> val = evaluate(validation.x, validation.y,
                                                         {.batch_size = options.batch_size, .verbose = 0,
                                                          .sample_weight = validation.sample_weight, .callbacks = {}});
            for (const auto& [name, value] : val) epoch_logs["val_" + name] = value;
        }
        progbar.update(steps, epoch_logs, /*finalize=*/true);
        callbacks.each([&](Callback& c) { c.on_epoch_end(epoch, epoch_logs); });
    }
    callbacks.each([&](Callback& c) { c.on_train_end(epoch_logs); });
    return *history;
}

std::map<std::string, double> Model::evaluate(const Tensor& x, const Tensor& y, EvaluateOptions options) {
    TrainingState& state = training();
    if (!state.compiled) throw ValueError(label(*this) + ": call compile() before evaluate()");
    if (state.loss_spec.empty()) throw ValueError(label(*this) + ": compile() was given no loss; evaluate() needs one");
    check_positive(options.batch_size, "batch_size", "evaluate");
    check_samples(*this, "evaluate", x, y, options.sample_weight);
    graph_->ensure_built({x});
    std::int64_t n = x.shape()[0];
    if (n == 0) throw ValueError("evaluate: x has no samples");
    std::int64_t steps = steps_for(n, options.batch_size);
    CallbackList callbacks = make_callbacks(this, options.callbacks, {{"steps", static_cast<double>(steps)}, {"verbose", options.verbose}});

    autograd::NoGradScope no_grad;
    reset_metrics(state);
    callbacks.each([](Callback& c) { c.on_test_begin({}); });
    detail::Progbar progbar(steps, options.verbose);
    Logs logs;
    for (std::int64_t step = 0; step < steps; ++step) {
        std::int64_t begin = step * options.batch_size, end = std::min(n, begin + options.batch_size);
        callbacks.each([&](Callback& c) { c.on_test_batch_begin(static_cast<int>(step), {}); });
        Tensor xb = x.slice(begin, end), yb = y.slice(begin, end);
        Tensor wb = options.sample_weight.defined() ? options.sample_weight.slice(begin, end) : Tensor();
        Tensor y_pred = graph_->run({xb}, false)[0];
        update_metrics(state, state.compute_loss(yb, y_pred, wb), yb, y_pred, wb);
        logs = metrics_result(state);
        callbacks.each([&](Callback& c) { c.on_test_batch_end(static_cast<int>(step), logs); });
        progbar.update(step + 1, logs);
    }
    progbar.update(steps, logs, /*finalize=*/true);
    callbacks.each([&](Callback& c) { c.on_test_end(logs); });
    return logs;
}

Tensor Model::predict(const Tensor& x, PredictOptions options) {
    check_positive(options.batch_size, "batch_size", "predict");
    check_samples(*this, "predict", x, {}, {});
    graph_->ensure_built({x});
    graph_->check_inputs({x});
    std::int64_t n = x.shape()[0];
    std::int64_t steps = steps_for(n, options.batch_size);
    CallbackList callbacks = make_callbacks(this, options.callbacks, {{"steps", static_cast<double>(steps)}, {"verbose", options.verbose}});

    autograd::NoGradScope no_grad;
    callbacks.each([](Callback& c) { c.on_predict_begin({}); });
    detail::Progbar progbar(steps, options.verbose);
    Tensor result;
    for (std::int64_t step = 0; step < steps; ++step) {
        std::int64_t begin = step * options.batch_size, end = std::min(n, begin + options.batch_size);
        callbacks.each([&](Callback& c) { c.on_predict_batch_begin(static_cast<int>(step), {}); });
        Tensor batch = graph_->run({x.slice(begin, end)}, false)[0];
        if (!result.defined()) {
            if (steps == 1) result = batch;
            else result = Tensor::empty(batch.shape().without_batch().with_batch(n), batch.dtype(), batch.device());
        }
        if (steps > 1) {
            Tensor target = result.slice(begin, end);  // a view into the result
            backend::of(target).copy(batch, target);
        }
        callbacks.each([&](Callback& c) { c.on_predict_batch_end(static_cast<int>(step), {}); });
        progbar.update(step + 1, {});
    }
    progbar.update(steps, {}, /*finalize=*/true);
    callbacks.each([](Callback& c) { c.on_predict_end({}); });
    if (!result.defined()) throw ValueError("predict: x has no samples");
    return result;
}

}  // namespace strata
