// Model.losses: every layer's losses, as Keras's Layer.losses walks the model's layers.
#include <set>

#include "graph.hpp"
#include "strata/models/model.hpp"

namespace strata {

std::vector<Tensor> Model::losses() const {
    // A layer called from several places appears once in the list (its call losses already hold every
    // call of the last forward pass), so its weight penalties count once, as in Keras.
    const std::vector<std::shared_ptr<Layer>>& layers = graph_->layers.empty() ? graph_->stack : graph_->layers;
    std::set<const Layer*> seen;
    std::vector<Tensor> out;
    for (const auto& layer : layers) {
        if (!seen.insert(layer.get()).second) continue;
        for (const Tensor& loss : layer->losses()) out.push_back(loss);
    }
    return out;
}

}  // namespace strata
