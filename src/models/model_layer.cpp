#include "model_layer.hpp"

namespace strata::detail {

namespace {

std::string model_label(const Graph& graph) { return "model \"" + graph.name + "\""; }

LayerArgs args_of(const Graph& graph) {
    // Named after the model (no new automatic name), in the dtype of its first input so that a float64
    // model is not cast to float32 on the way in.
    DType dtype = graph.built             ? graph.inputs.front().dtype()
                  : graph.stack.empty()   ? graph.sequential_input_dtype.value_or(float32)
                                          : graph.sequential_input_dtype.value_or(graph.stack.front()->dtype());
    return {.input_shape = {}, .name = graph.name, .trainable = true, .dtype = dtype};
}

}  // namespace

std::shared_ptr<ModelLayer> ModelLayer::of(const std::shared_ptr<Graph>& graph) {
    if (auto layer = std::static_pointer_cast<ModelLayer>(graph->as_layer.lock())) return layer;
    if (graph->built && graph->outputs.size() != 1)
        throw ValueError(model_label(*graph) + " has " + std::to_string(graph->outputs.size()) +
                         " outputs; only a model with one output can be used as a layer of another model");
    auto layer = std::make_shared<ModelLayer>(graph);
    graph->as_layer = layer;
    return layer;
}

ModelLayer::ModelLayer(std::shared_ptr<Graph> graph) : Layer("", args_of(*graph)), graph_(std::move(graph)) {
    Layer::set_trainable(graph_->trainable);
}

bool ModelLayer::contains(const Graph* graph) const {
    if (graph_.get() == graph) return true;
    for (const auto& layer : graph_->owning_layers())
        if (auto* inner = dynamic_cast<const ModelLayer*>(layer.get()); inner && inner->contains(graph)) return true;
    return false;
}

std::vector<Tensor> ModelLayer::weights() const { return graph_->weights(); }
std::vector<Tensor> ModelLayer::trainable_weights() const { return graph_->trainable_weights(); }
std::vector<Tensor> ModelLayer::non_trainable_weights() const { return graph_->non_trainable_weights(); }
std::vector<std::string> ModelLayer::weight_names() const { return graph_->weight_names(); }
void ModelLayer::set_weights(const std::vector<Tensor>& values) { graph_->set_weights(values); }
std::vector<Tensor> ModelLayer::losses() const { return graph_->losses(); }
void ModelLayer::set_trainable(bool trainable) { graph_->set_trainable(trainable); }

std::int64_t ModelLayer::count_params() const {
    std::int64_t n = 0;
    for (const Tensor& w : weights()) n += w.numel();
    return n;
}

void ModelLayer::build_multi(const std::vector<Shape>& input_shapes) {
    if (graph_->built) return;
    // A Sequential given no input shape is built by its first call, here with the outer graph's shapes.
    if (!graph_->sequential) throw ValueError(model_label(*graph_) + " has no graph");
    if (graph_->stack.empty()) throw ValueError(model_label(*graph_) + " has no layers; add() some before calling it");
    if (input_shapes.size() != 1)
        throw ValueError(model_label(*graph_) + " takes 1 input, got " + std::to_string(input_shapes.size()));
    graph_->build_sequential(input_shapes[0].without_batch());
}

Shape ModelLayer::compute_output_shape_multi(const std::vector<Shape>& input_shapes) const {
    if (input_shapes.size() != graph_->inputs.size())
        throw ValueError(model_label(*graph_) + " expects " + std::to_string(graph_->inputs.size()) +
                         " input(s), got " + std::to_string(input_shapes.size()));
    for (std::size_t i = 0; i < input_shapes.size(); ++i) {
        const Shape& expected = graph_->inputs[i].shape();
        const Shape& got = input_shapes[i];
        bool ok = expected.rank() == got.rank();
        for (int a = 0; ok && a < got.rank(); ++a) ok = expected[a] == -1 || got[a] == -1 || expected[a] == got[a];
        if (!ok)
            throw ShapeError("Input " + std::to_string(i) + " of " + model_label(*graph_) +
                             " is incompatible: expected shape " + expected.to_string() + ", got " + got.to_string());
    }
    if (graph_->outputs.size() != 1)
        throw ValueError(model_label(*graph_) + " has " + std::to_string(graph_->outputs.size()) +
                         " outputs; only a model with one output can be used as a layer of another model");
    // The inner graph's output shape, with the caller's batch extent.
    Shape out = graph_->outputs[0].shape();
    if (out.rank() > 0 && !input_shapes.empty() && input_shapes[0].rank() > 0) out[0] = input_shapes[0][0];
    return out;
}

Tensor ModelLayer::call_multi(const std::vector<Tensor>& inputs, bool training) {
    return graph_->run(inputs, training).front();
}

}  // namespace strata::detail
