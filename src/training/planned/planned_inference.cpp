#include "planned_inference.hpp"

#include <cstring>

#include "../../models/graph.hpp"

namespace strata::detail {

std::unique_ptr<InferencePlan> InferencePlan::make(const Graph& graph, std::string& why) {
    const LayerGraph calls = layer_graph(graph, /*shared_layers=*/true, why);
    if (calls.layers.empty()) return nullptr;
    const Tensor& input = graph.inputs[0];
    auto plan = std::unique_ptr<InferencePlan>(new InferencePlan());
    plan->input_features_ = input.shape().without_batch();
    if (input.dtype() != float32 || !plan->input_features_.is_fully_defined()) {
        why = "the plan takes one float32 input of a known shape";
        return nullptr;
    }
    plan->layers_ = plan_layers(calls, plan->input_features_, /*training=*/false, why);
    if (plan->layers_.empty()) return nullptr;
    plan->inputs_ = calls.inputs;
    plan->node_count_ = graph.nodes.size();
    plan->last_call_ = graph.nodes.back().call.get();
    return plan;
}

bool InferencePlan::accepts(const Tensor& x) const {
    if (!x.defined() || x.is_symbolic() || x.dtype() != float32 || x.device() != Device::cpu()) return false;
    if (x.rank() != input_features_.rank() + 1 || x.shape()[0] < 1 || x.shape()[0] > kMaxRows) return false;
    for (int axis = 1; axis < x.rank(); ++axis)
        if (x.shape()[axis] != input_features_[axis - 1]) return false;
    return true;
}

bool InferencePlan::still_valid(const Graph& graph) const {
    if (graph.nodes.size() != node_count_ || graph.nodes.empty() || graph.nodes.back().call.get() != last_call_)
        return false;
    for (const auto& layer : layers_)
        if (!layer->unchanged()) return false;
    return true;
}

std::unique_ptr<InferencePlan::Buffers> InferencePlan::take(std::int64_t rows) {
    {
        std::lock_guard lock(mutex_);
        auto found = free_.find(rows);
        if (found != free_.end() && !found->second.empty()) {
            std::unique_ptr<Buffers> b = std::move(found->second.back());
            found->second.pop_back();
            return b;
        }
    }
    // All in use (or a new size): a set for this caller, kept in the pool afterwards.
    auto b = std::make_unique<Buffers>();
    b->activations.resize(layers_.size() + 1);
    b->scratch.resize(layers_.size());
    b->merge_x.resize(layers_.size());
    b->activations[0] = Tensor::empty(input_features_.with_batch(rows), float32, Device::cpu());
    for (std::size_t i = 0; i < layers_.size(); ++i) {
        const Shape shape = layers_[i]->output_features().with_batch(rows);
        layers_[i]->allocate(rows, /*training=*/false, b->scratch[i]);
        b->merge_x[i].resize(inputs_[i].size());
        b->activations[i + 1] = layers_[i]->is_view() ? view_as(b->activations[inputs_[i][0]], shape)
                                                      : Tensor::empty(shape, float32, Device::cpu());
    }
    return b;
}

void InferencePlan::give_back(std::int64_t rows, std::unique_ptr<Buffers> buffers) {
    std::lock_guard lock(mutex_);
    std::vector<std::unique_ptr<Buffers>>& pool = free_[rows];
    // The room grows with the number of concurrent callers, so a steady stream of calls never allocates.
    if (pool.size() == pool.capacity()) pool.reserve(pool.capacity() * 2 + 2);
    pool.push_back(std::move(buffers));
}

void InferencePlan::forward(Buffers& b, const Tensor& x) {
    std::memcpy(b.activations[0].raw_data(), x.raw_data(), static_cast<std::size_t>(x.numel()) * sizeof(float));
    for (std::size_t i = 0; i < layers_.size(); ++i) {
        PlannedLayer& layer = *layers_[i];
        if (layer.is_view()) continue;
        if (layer.arity() > 1) {
            for (std::size_t k = 0; k < inputs_[i].size(); ++k) b.merge_x[i][k] = &b.activations[inputs_[i][k]];
            layer.forward_merge(b.merge_x[i].data(), b.activations[i + 1]);
        } else {
            layer.forward(b.activations[inputs_[i][0]], b.activations[i + 1], /*training=*/false, b.scratch[i]);
        }
    }
}

Tensor InferencePlan::predict(const Tensor& x) {
    const std::int64_t rows = x.shape()[0];
    std::unique_ptr<Buffers> b = take(rows);
    forward(*b, x);
    const Tensor& last = b->activations.back();
    Tensor out = Tensor::empty(last.shape(), float32, Device::cpu());
    std::memcpy(out.raw_data(), last.raw_data(), static_cast<std::size_t>(last.numel()) * sizeof(float));
    give_back(rows, std::move(b));
    return out;
}

void InferencePlan::predict_into(const Tensor& x, Tensor& out) {
    const std::int64_t rows = x.shape()[0];
    std::unique_ptr<Buffers> b = take(rows);
    forward(*b, x);
    const Tensor& last = b->activations.back();
    std::memcpy(out.raw_data(), last.raw_data(), static_cast<std::size_t>(last.numel()) * sizeof(float));
    give_back(rows, std::move(b));
}

bool InferencePlan::output_fits(const Tensor& out, std::int64_t rows) const {
    const Shape& features = layers_.back()->output_features();
    if (!out.defined() || out.is_symbolic() || out.dtype() != float32 || out.device() != Device::cpu()) return false;
    if (out.rank() != features.rank() + 1 || out.shape()[0] != rows) return false;
    for (int axis = 1; axis < out.rank(); ++axis)
        if (out.shape()[axis] != features[axis - 1]) return false;
    return true;
}

}  // namespace strata::detail
