// A model's weights, gathered from its layers for Model and for a model used as a layer alike.
#include <set>

#include "graph.hpp"

namespace strata::detail {

namespace {

std::string model_label(const std::string& name) { return "model \"" + name + "\""; }

// (decltype does not evaluate front(), so an empty list is fine.)
template <class Get>
auto collect(const std::vector<std::shared_ptr<Layer>>& layers, Get get) {
    decltype(get(*layers.front())) out;
    for (const auto& layer : layers)
        for (auto& item : get(*layer)) out.push_back(std::move(item));
    return out;
}

}  // namespace

std::vector<Tensor> Graph::weights() const {
    return collect(owning_layers(), [](const Layer& l) { return l.weights(); });
}

std::vector<Tensor> Graph::trainable_weights() const {
    return collect(owning_layers(), [](const Layer& l) { return l.trainable_weights(); });
}

std::vector<Tensor> Graph::non_trainable_weights() const {
    return collect(owning_layers(), [](const Layer& l) { return l.non_trainable_weights(); });
}

std::vector<std::string> Graph::weight_names() const {
    return collect(owning_layers(), [](const Layer& l) { return l.weight_names(); });
}

void Graph::set_weights(const std::vector<Tensor>& values) const {
    std::size_t expected = weights().size();
    if (values.size() != expected)
        throw ValueError(model_label(name) + ": set_weights expected " + std::to_string(expected) +
                         " arrays (the length of get_weights()), got " + std::to_string(values.size()));
    // Every layer's shapes are checked before any is assigned, so a mismatch leaves all weights as they were.
    std::vector<Tensor> targets = weights();
    for (std::size_t i = 0; i < values.size(); ++i)
        if (!values[i].defined() || values[i].shape() != targets[i].shape())
            throw ShapeError(model_label(name) + ": set_weights: weight " + std::to_string(i) + " expects shape " +
                             targets[i].shape().to_string() + ", got " +
                             (values[i].defined() ? values[i].shape().to_string() : std::string("an undefined tensor")));
    std::size_t offset = 0;
    for (const auto& layer : owning_layers()) {
        std::size_t n = layer->weights().size();
        layer->set_weights(std::vector<Tensor>(values.begin() + static_cast<std::ptrdiff_t>(offset),
                                               values.begin() + static_cast<std::ptrdiff_t>(offset + n)));
        offset += n;
    }
}

std::vector<Tensor> Graph::losses() const {
    // A layer called from several places appears once in the list (its call losses already hold every
    // call of the last forward pass), so its weight penalties count once, as in Keras.
    std::set<const Layer*> seen;
    std::vector<Tensor> out;
    for (const auto& layer : owning_layers()) {
        if (!seen.insert(layer.get()).second) continue;
        for (const Tensor& loss : layer->losses()) out.push_back(loss);
    }
    return out;
}

void Graph::set_trainable(bool value) {
    trainable = value;
    for (const auto& layer : owning_layers()) layer->set_trainable(value);
    if (auto layer = as_layer.lock()) layer->Layer::set_trainable(value);
}

}  // namespace strata::detail
