#include "strata/models/model.hpp"

#include "graph.hpp"
#include "model_layer.hpp"

namespace strata {

Model::Model(const Tensor& inputs, const Tensor& outputs, ModelOptions options)
    : Model(std::vector<Tensor>{inputs}, std::vector<Tensor>{outputs}, std::move(options)) {}

Model::Model(const std::vector<Tensor>& inputs, const std::vector<Tensor>& outputs, ModelOptions options)
    : graph_(std::make_shared<detail::Graph>()) {
    graph_->name = options.name.empty() ? unique_layer_name("functional") : options.name;
    graph_->build(inputs, outputs);
}

Model::Model(Deferred, const std::string& name) : graph_(std::make_shared<detail::Graph>()) {
    graph_->name = name;
    graph_->sequential = true;
}

const std::string& Model::name() const { return graph_->name; }

Tensor Model::operator()(const Tensor& x, CallOptions options) {
    std::vector<Tensor> out = (*this)(std::vector<Tensor>{x}, options);
    if (out.size() != 1)
        throw ValueError("model \"" + name() + "\" has " + std::to_string(out.size()) +
                         " outputs; call it with a list of inputs to get them all");
    return out[0];
}

std::vector<Tensor> Model::operator()(const std::vector<Tensor>& xs, CallOptions options) {
    // On symbolic tensors the model joins the caller's graph as one layer, as a Keras model called on
    // keras.Input tensors does.
    if (!xs.empty() && xs[0].defined() && xs[0].is_symbolic()) return {(*detail::ModelLayer::of(graph_))(xs, options)};
    graph_->ensure_built(xs);
    return graph_->run(xs, options.training);
}

std::vector<std::shared_ptr<Layer>> Model::layers() const { return graph_->visible_layers(); }

std::shared_ptr<Layer> Model::get_layer(const std::string& layer_name) const {
    for (const auto& layer : layers())
        if (layer->name() == layer_name) return layer;
    throw ValueError("model \"" + name() + "\" has no layer named \"" + layer_name + "\"");
}

const std::vector<Tensor>& Model::inputs() const { return graph_->inputs; }
const std::vector<Tensor>& Model::outputs() const { return graph_->outputs; }

std::vector<Tensor> Model::weights() const { return graph_->weights(); }
std::vector<Tensor> Model::trainable_weights() const { return graph_->trainable_weights(); }
std::vector<Tensor> Model::non_trainable_weights() const { return graph_->non_trainable_weights(); }
std::vector<Tensor> Model::losses() const { return graph_->losses(); }

std::vector<Tensor> Model::get_weights() const {
    std::vector<Tensor> out;
    for (const Tensor& w : weights()) out.push_back(w.clone());
    return out;
}

void Model::set_weights(const std::vector<Tensor>& values) { graph_->set_weights(values); }

bool Model::trainable() const { return graph_->trainable; }
void Model::set_trainable(bool trainable) { graph_->set_trainable(trainable); }

Model::operator std::shared_ptr<Layer>() const { return detail::ModelLayer::of(graph_); }

std::int64_t Model::count_params() const {
    std::int64_t n = 0;
    for (const Tensor& w : weights()) n += w.numel();
    return n;
}

}  // namespace strata
