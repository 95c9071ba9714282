#include "strata/models/sequential.hpp"

#include "graph.hpp"
#include "model_layer.hpp"
#include "strata/models/input.hpp"

namespace strata {

Sequential::Sequential(ModelOptions options)
    : Model(Deferred{}, options.name.empty() ? unique_layer_name("sequential") : options.name) {}

Sequential::Sequential(std::initializer_list<std::shared_ptr<Layer>> layers, ModelOptions options)
    : Sequential(std::move(options)) {
    for (const auto& layer : layers) add(layer);
}

void Sequential::add(std::shared_ptr<Layer> layer) {
    if (!layer) throw ValueError("Sequential \"" + name() + "\": add() got a null layer");
    if (dynamic_cast<InputLayer*>(layer.get()))
        throw ValueError("Sequential \"" + name() + "\": give the input shape as the first layer's input_shape");
    if (auto* model = dynamic_cast<detail::ModelLayer*>(layer.get()); model && model->contains(graph_.get()))
        throw ValueError("Sequential \"" + name() + "\": add() got the model itself, or a model that contains it");
    for (const auto& existing : graph_->stack)
        if (existing->name() == layer->name())
            throw ValueError("Sequential \"" + name() + "\": all layers added must have unique names; \"" +
                             layer->name() + "\" is already in the model");
    graph_->stack.push_back(layer);
    // The input shape comes from the first layer's input_shape; once known, the graph is rebuilt at every
    // add, so a layer that does not fit the previous one is refused here, naming both shapes.
    Shape input_shape = graph_->sequential_input_shape;
    if (graph_->stack.size() == 1 && !layer->declared_input_shape().empty()) input_shape = layer->declared_input_shape();
    if (input_shape.empty()) return;
    try {
        graph_->build_sequential(input_shape);
    } catch (...) {
        graph_->stack.pop_back();
        throw;
    }
}

void Sequential::add(const Tensor& input) {
    const auto& history = input.defined() && input.impl() ? input.impl()->keras_history : nullptr;
    if (!input.is_symbolic() || !history || !dynamic_cast<InputLayer*>(history->layer.get()))
        throw ValueError("Sequential \"" + name() + "\": add() takes layers, or a tensor made by strata::Input(); got a " +
                         std::string(input.defined() ? "concrete tensor of shape " + input.shape().to_string() : "undefined tensor"));
    if (!graph_->stack.empty() || !graph_->sequential_input_shape.empty())
        throw ValueError("Sequential \"" + name() + "\": an Input can only be added first, before any layer");
    graph_->sequential_input_shape = input.shape().without_batch();
    graph_->sequential_input_dtype = input.dtype();
    graph_->sequential_input = input;
}

std::shared_ptr<Layer> Sequential::pop() {
    if (graph_->stack.empty()) throw ValueError("Sequential \"" + name() + "\": pop() on a model with no layers");
    std::shared_ptr<Layer> last = graph_->stack.back();
    graph_->stack.pop_back();
    graph_->built = false;
    graph_->nodes.clear();
    graph_->layers.clear();
    if (!graph_->stack.empty() && !graph_->sequential_input_shape.empty())
        graph_->build_sequential(graph_->sequential_input_shape);
    return last;
}

}  // namespace strata
