#include "planned_step.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <system_error>

#include "../../models/graph.hpp"
#include "../training_state.hpp"
#include "backend/cpu/training_kernels.hpp"

namespace strata::detail {

namespace {

// The bytes of one row (sample) of `t`, without making a Shape (a step allocates nothing).
std::size_t row_bytes(const Tensor& t) {
    std::size_t elements = 1;
    for (int axis = 1; axis < t.rank(); ++axis) elements *= static_cast<std::size_t>(t.shape()[axis]);
    return elements * dtype_size(t.dtype());
}

// total += part, elementwise: a gradient that reaches a value along a second path.
void add_into(Tensor& total, const Tensor& part) {
    float* t = total.data<float>();
    const float* p = part.data<float>();
    const std::int64_t n = total.numel();
#pragma omp simd
    for (std::int64_t i = 0; i < n; ++i) t[i] += p[i];
}

}  // namespace

std::unique_ptr<TrainingPlan> TrainingPlan::make(const Graph& graph, TrainingState& state, const Arrays& data,
                                                 std::string& why) {
    if (state.compile_options && state.compile_options->run_eagerly) {
        why = "compiled with run_eagerly";
        return nullptr;
    }
    if (!state.optimizer || !state.optimizer->plain_updates()) {
        why = "the optimizer clips, decays weights, scales the loss, accumulates gradients or keeps an EMA";
        return nullptr;
    }
    const LayerGraph calls = layer_graph(graph, /*shared_layers=*/false, why);
    if (calls.layers.empty()) return nullptr;
    const Tensor& input = graph.inputs[0];
    if (input.dtype() != float32 || data.x.size() != 1 || data.y.size() != 1 || !data.y[0].defined()) {
        why = "the plan takes one float32 input and one target array";
        return nullptr;
    }
    auto plan = std::unique_ptr<TrainingPlan>(new TrainingPlan());
    plan->input_features_ = input.shape().without_batch();
    if (!plan->input_features_.is_fully_defined()) {
        why = "the input shape " + input.shape().to_string() + " is not fully known";
        return nullptr;
    }
    plan->layers_ = plan_layers(calls, plan->input_features_, /*training=*/true, why);
    if (plan->layers_.empty()) return nullptr;
    plan->inputs_ = calls.inputs;
    const std::size_t n = plan->layers_.size();
    // How many layer inputs read each value. A view (Flatten) shares its input's buffers, its gradient too: the
    // plan takes one only where nothing else reads that input.
    std::vector<std::size_t> readers(n + 1, 0);
    for (const auto& inputs : plan->inputs_)
        for (std::size_t v : inputs) ++readers[v];
    for (std::size_t i = 0; i < n; ++i)
        if (plan->layers_[i]->is_view() && readers[plan->inputs_[i][0]] != 1) {
            why = "layer \"" + calls.layers[i]->name() + "\" reshapes a value that other layers also read";
            return nullptr;
        }
    plan->merge_x_.resize(n);
    plan->merge_gx_.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        plan->merge_x_[i].resize(plan->inputs_[i].size());
        plan->merge_gx_[i].resize(plan->inputs_[i].size());
    }
    const Shape& features = plan->layers_.back()->output_features();
    plan->target_features_ = data.y[0].shape().without_batch();
    plan->target_dtype_ = data.y[0].dtype();
    plan->head_ = PlannedHead::make(state, plan->target_features_, plan->target_dtype_, features, why);
    if (!plan->head_) return nullptr;
    if (!plan->accepts(data)) {
        why = "the arrays are not float32 on the CPU, or come with sample weights";
        return nullptr;
    }

    // The gradient of a value is needed when it depends on trainable weights: those of the layer that made it,
    // or of one before on a path to it. The loss's gradient of the output always is.
    plan->needs_gradient_.assign(n + 1, false);
    for (std::size_t i = 0; i < n; ++i) {
        plan->layers_[i]->collect(plan->variables_, plan->grads_);
        bool needs = plan->layers_[i]->has_trainable_weights();
        for (std::size_t v : plan->inputs_[i]) needs = needs || plan->needs_gradient_[v];
        plan->needs_gradient_[i + 1] = needs;
    }
    plan->needs_gradient_[n] = true;
    // A value read by several layer inputs gets the sum of their gradients: the last reader writes it (the
    // first to run backward), the others add theirs (written to a buffer of their own), in a fixed order.
    plan->writes_gradient_.resize(n);
    std::vector<bool> written(n + 1, false);
    for (std::size_t i = n; i-- > 0;) {
        plan->writes_gradient_[i].resize(plan->inputs_[i].size());
        for (std::size_t k = 0; k < plan->inputs_[i].size(); ++k) {
            const std::size_t v = plan->inputs_[i][k];
            plan->writes_gradient_[i][k] = !written[v];
            written[v] = true;
        }
    }
    // A convolution followed by max pooling: the convolution's backward runs the pooling's, at the windows'
    // maxima, and for an image's first convolution its forward runs the pooling's too. Otherwise, a relu
    // followed by max pooling: the pooling's backward runs the relu's. Only where the pooling alone reads the
    // layer's output.
    plan->runs_below_.assign(n, false);
    plan->forward_below_.assign(n, false);
    for (std::size_t i = 0; i + 1 < n; ++i) {
        PlannedLayer& layer = *plan->layers_[i];
        PlannedLayer& next = *plan->layers_[i + 1];
        if (readers[i + 1] != 1 || plan->inputs_[i + 1] != std::vector<std::size_t>{i + 1} || layer.arity() != 1)
            continue;
        const auto* window = next.max_pool_with_indices();
        if (window && layer.take_max_pool_backward(*window, plan->needs_gradient_[plan->inputs_[i][0]])) {
            plan->runs_below_[i + 1] = true;
            plan->forward_below_[i + 1] = layer.take_max_pool_forward(next.output_features());
        } else if (layer.ends_in_relu() && next.take_relu_backward_of_input())
            layer.leave_relu_backward_to_next();
    }
    // The values that are the input under another shape: views of it, of those, and so on.
    for (std::size_t v = 0, i = 0; i < n; ++i)
        if (plan->layers_[i]->is_view() && plan->inputs_[i][0] == v) plan->input_aliases_.push_back(v = i + 1);
    if (plan->variables_.empty()) {
        why = "the model has no trainable weights";
        return nullptr;
    }
    // apply_planned skips the build: the optimizer is built on the variables here, as apply_gradients would.
    state.optimizer->build(plan->variables_);
    plan->optimizer_ = state.optimizer.get();
    return plan;
}

bool TrainingPlan::accepts(const Arrays& data) const {
    if (data.x.size() != 1 || data.y.size() != 1 || data.sample_weight.defined()) return false;
    const Tensor& x = data.x[0];
    const Tensor& y = data.y[0];
    return x.defined() && y.defined() && x.dtype() == float32 && x.device() == Device::cpu() &&
           x.rank() >= 1 && x.shape().without_batch() == input_features_ && y.device() == Device::cpu() &&
           y.rank() >= 1 && y.dtype() == target_dtype_ && y.shape().without_batch() == target_features_;
}

bool TrainingPlan::still_valid(const TrainingState& state) const {
    if (state.optimizer.get() != optimizer_) return false;
    for (const auto& layer : layers_)
        if (!layer->unchanged()) return false;
    return true;
}

TrainingPlan::Buffers& TrainingPlan::buffers_for(std::int64_t batch) {
    auto found = buffers_.find(batch);
    if (found != buffers_.end()) return found->second;
    Buffers& b = buffers_[batch];
    const std::size_t n = layers_.size();
    b.targets = head_->make_target_buffer(batch);
    b.activations.resize(n + 1);
    b.gradients.resize(n + 1);
    b.scratch.resize(n);
    b.activations[0] = Tensor::empty(input_features_.with_batch(batch), float32, Device::cpu());
    b.next_input = Tensor::empty(input_features_.with_batch(batch), float32, Device::cpu());
    b.next_targets = head_->make_target_buffer(batch);
    b.next_indices.resize(static_cast<std::size_t>(batch));
    if (needs_gradient_[0]) b.gradients[0] = Tensor::empty(input_features_.with_batch(batch), float32, Device::cpu());
    b.added_gradients.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        const Shape shape = layers_[i]->output_features().with_batch(batch);
        layers_[i]->allocate(batch, /*training=*/true, b.scratch[i]);
        b.added_gradients[i].resize(inputs_[i].size());
        for (std::size_t k = 0; k < inputs_[i].size(); ++k) {
            const std::size_t v = inputs_[i][k];
            if (needs_gradient_[v] && !writes_gradient_[i][k])
                b.added_gradients[i][k] = Tensor::empty(b.activations[v].shape(), float32, Device::cpu());
        }
        if (layers_[i]->is_view()) {
            const std::size_t v = inputs_[i][0];
            b.activations[i + 1] = view_as(b.activations[v], shape);
            if (b.gradients[v].defined()) b.gradients[i + 1] = view_as(b.gradients[v], shape);
        } else {
            b.activations[i + 1] = Tensor::empty(shape, float32, Device::cpu());
            // A pooling whose backward the layer below runs never writes the gradient of its input.
            const bool skipped = i + 1 < n && runs_below_[i + 1];
            if (needs_gradient_[i + 1] && !skipped) b.gradients[i + 1] = Tensor::empty(shape, float32, Device::cpu());
        }
    }
    return b;
}

void TrainingPlan::gather(const Arrays& data, const Tensor& order, Rows rows, Tensor& input, Tensor& targets) const {
    const std::int64_t* indices = order.defined() ? order.data<std::int64_t>() : nullptr;
    backend::cpu::gather_rows(data.x[0].raw_data(), row_bytes(data.x[0]), indices, rows.begin, rows.end,
                              input.raw_data());
    backend::cpu::gather_rows(data.y[0].raw_data(), row_bytes(data.y[0]), indices, rows.begin, rows.end,
                              targets.raw_data());
}

void TrainingPlan::gather_in_chunks(const Arrays& data, const Tensor& order, Rows rows, Tensor& input,
                                    Tensor& targets, bool background) {
    // Each chunk gathers its rows into their place in the buffers: the same bytes however the chunks fall.
    auto chunk = [](void* context, std::int64_t item) {
        const auto& c = *static_cast<const GatherChunks*>(context);
        const std::int64_t begin = c.rows.begin + item * kGatherChunk;
        const std::int64_t end = std::min(c.rows.end, begin + kGatherChunk);
        const std::int64_t* indices = c.order->defined() ? c.order->data<std::int64_t>() : nullptr;
        const std::size_t x_row = row_bytes(c.data->x[0]), y_row = row_bytes(c.data->y[0]);
        const std::size_t offset = static_cast<std::size_t>(begin - c.rows.begin);
        backend::cpu::gather_rows(c.data->x[0].raw_data(), x_row, indices, begin, end,
                                  static_cast<unsigned char*>(c.input->raw_data()) + offset * x_row);
        backend::cpu::gather_rows(c.data->y[0].raw_data(), y_row, indices, begin, end,
                                  static_cast<unsigned char*>(c.targets->raw_data()) + offset * y_row);
    };
    chunks_ = {&data, &order, rows, &input, &targets};
    const backend::cpu::WorkItems work{chunk, &chunks_, (rows.end - rows.begin + kGatherChunk - 1) / kGatherChunk};
    if (background) helper_->start_background(work);
    else helper_->run(work);
}

void TrainingPlan::gather_ahead(const Arrays& data, const Tensor& order, Rows rows, std::int64_t serial) {
    Buffers& b = buffers_.at(rows.end - rows.begin);
    for (std::int64_t i = rows.begin; i < rows.end; ++i)
        b.next_indices[static_cast<std::size_t>(i - rows.begin)] = order.defined() ? order.data<std::int64_t>()[i] : i;
    b.next_x = data.x[0].raw_data();
    b.next_y = data.y[0].raw_data();
    b.next_serial = serial;
    gather_in_chunks(data, order, rows, b.next_input, b.next_targets, /*background=*/true);
}

bool TrainingPlan::take_ahead(const Arrays& data, const Tensor& order, Rows rows, Buffers& b) {
    if (b.next_serial != serial_ || b.next_x != data.x[0].raw_data() || b.next_y != data.y[0].raw_data()) return false;
    for (std::int64_t i = rows.begin; i < rows.end; ++i) {
        const std::int64_t index = order.defined() ? order.data<std::int64_t>()[i] : i;
        if (b.next_indices[static_cast<std::size_t>(i - rows.begin)] != index) return false;
    }
    // Swap the storage under the input and the leading views of it (Flatten), and the target buffers.
    std::swap(b.activations[0].impl()->storage, b.next_input.impl()->storage);
    for (std::size_t v : input_aliases_) b.activations[v].impl()->storage = b.activations[0].impl()->storage;
    std::swap(b.targets, b.next_targets);
    b.next_serial = -1;
    return true;
}

void TrainingPlan::forward(Buffers& b, bool training) {
    const std::size_t n = layers_.size();
    for (std::size_t i = 0; i < n; ++i) {
        PlannedLayer& layer = *layers_[i];
        if (layer.is_view() || forward_below_[i]) continue;
        if (layer.arity() > 1) {
            for (std::size_t k = 0; k < inputs_[i].size(); ++k) merge_x_[i][k] = &b.activations[inputs_[i][k]];
            layer.forward_merge(merge_x_[i].data(), b.activations[i + 1]);
            continue;
        }
        const Tensor& x = b.activations[inputs_[i][0]];
        if (i + 1 < n && forward_below_[i + 1])
            layer.forward_through_max_pool(x, b.activations[i + 1], b.activations[i + 2], b.scratch[i + 1]);
        else
            layer.forward(x, b.activations[i + 1], training, b.scratch[i]);
    }
}

void TrainingPlan::backward(Buffers& b) {
    const std::size_t n = layers_.size();
    for (std::size_t i = n; i-- > 0;) {
        PlannedLayer& layer = *layers_[i];
        // A view's gradient is its input's, under another shape; a pooling run by the layer below has none.
        if (runs_below_[i] || layer.is_view()) continue;
        // Through a max pooling above (make() pairs them), the gradient comes from the pooling's output.
        const bool through_pool = i + 1 < n && runs_below_[i + 1];
        Tensor& gy = b.gradients[through_pool ? i + 2 : i + 1];
        // Nothing before this layer has trainable weights: nothing to send back.
        if (!gy.defined()) continue;
        // Each input's gradient goes to the value's buffer, or (when a later reader wrote it) to one of its own.
        std::vector<Tensor*>& gx = merge_gx_[i];
        for (std::size_t k = 0; k < inputs_[i].size(); ++k) {
            const std::size_t v = inputs_[i][k];
            gx[k] = !needs_gradient_[v] ? nullptr : writes_gradient_[i][k] ? &b.gradients[v] : &b.added_gradients[i][k];
        }
        if (layer.arity() > 1) {
            for (std::size_t k = 0; k < inputs_[i].size(); ++k) merge_x_[i][k] = &b.activations[inputs_[i][k]];
            layer.backward_merge(merge_x_[i].data(), gy, gx.data());
        } else if (through_pool) {
            layer.backward_through_max_pool(b.activations[inputs_[i][0]], b.activations[i + 1], b.activations[i + 2], gy,
                                            b.scratch[i + 1], gx[0], b.scratch[i]);
        } else {
            layer.backward(b.activations[inputs_[i][0]], b.activations[i + 1], gy, gx[0], b.scratch[i]);
        }
        for (std::size_t k = 0; k < inputs_[i].size(); ++k)
            if (gx[k] && !writes_gradient_[i][k]) add_into(b.gradients[inputs_[i][k]], *gx[k]);
    }
}

TrainingPlan::Outcome TrainingPlan::compute_step(Buffers& b, bool guard_nan, TrainingState& state) {
    if (!head_->read_targets(b.targets)) return Outcome::eager;
    forward(b, /*training=*/true);
    const Tensor& output = b.activations.back();
    // The loss is a float32 value on the eager path; so it is here.
    const double loss = static_cast<float>(head_->loss(output, b.targets, &b.gradients.back()));
    Outcome outcome = Outcome::applied;
    if (guard_nan && !std::isfinite(loss)) {
        outcome = Outcome::skipped;
    } else {
        backward(b);
        state.optimizer->apply_planned(grads_, variables_);
    }
    head_->update_metrics(state, loss, output, b.targets);
    return outcome;
}

backend::cpu::HelperThread* TrainingPlan::helper_for(std::int64_t rows) {
    // A small batch runs on this thread and a helper (helper_thread.hpp): its kernels are too short to wake
    // OpenMP's pool for. A large batch's products run on the pool when it has more than two threads.
    const int threads = omp_get_max_threads();
    if (threads < 2 || omp_in_parallel() || (threads > 2 && rows > kHelpedRows)) return nullptr;
    if (!helper_ && !no_helper_) {
        try {
            helper_ = std::make_unique<backend::cpu::HelperThread>();
        } catch (const std::system_error&) {
            no_helper_ = true;  // no thread to be had (a process limit): the steps run on OpenMP's pool instead
        }
    }
    return helper_.get();
}

TrainingPlan::Outcome TrainingPlan::train_step(const Arrays& data, const Tensor& order, Rows rows, bool guard_nan,
                                               TrainingState& state, std::optional<Rows> next) {
    Buffers& b = buffers_for(rows.end - rows.begin);
    backend::cpu::HelperThread* helper = helper_for(rows.end - rows.begin);
    if (!helper) {
        if (!take_ahead(data, order, rows, b)) gather(data, order, rows, b.activations[0], b.targets);
        ++serial_;
        return compute_step(b, guard_nan, state);
    }
    backend::cpu::HelperScope scope(*helper);
    if (!take_ahead(data, order, rows, b)) gather_in_chunks(data, order, rows, b.activations[0], b.targets, false);
    const std::int64_t serial = ++serial_;
    if (!next) return compute_step(b, guard_nan, state);
    // The helper gathers the next batch between the pieces of this step it takes part in. The gather reads
    // `data` and `order`, which may not outlive this call: it is finished before the step returns, even when
    // the step throws.
    buffers_for(next->end - next->begin);
    gather_ahead(data, order, *next, serial);
    struct FinishGather {
        backend::cpu::HelperThread& helper;
        bool done = false;
        ~FinishGather() {
            if (done) return;
            try {
                helper.finish_background();
            } catch (...) {  // the step's own error is the one to report
            }
        }
    } finish{*helper};
    const Outcome outcome = compute_step(b, guard_nan, state);
    finish.done = true;
    helper->finish_background();
    return outcome;
}

bool TrainingPlan::test_step(const Arrays& data, std::int64_t begin, std::int64_t end, TrainingState& state) {
    Buffers& b = buffers_for(end - begin);
    std::optional<backend::cpu::HelperScope> scope;
    if (backend::cpu::HelperThread* helper = helper_for(end - begin)) scope.emplace(*helper);
    gather(data, Tensor(), Rows{begin, end}, b.activations[0], b.targets);
    if (!head_->read_targets(b.targets)) return false;
    forward(b, /*training=*/false);
    const Tensor& output = b.activations.back();
    const double loss = static_cast<float>(head_->loss(output, b.targets, nullptr));
    head_->update_metrics(state, loss, output, b.targets);
    return true;
}

}  // namespace strata::detail
