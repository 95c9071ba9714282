// KerasHistory: what a symbolic tensor remembers of the layer call that produced it (Keras's
// `_keras_history`). Following these links back from a model's outputs gives its graph.
#pragma once

#include <memory>
#include <vector>

#include "strata/core/tensor.hpp"

namespace strata {

class Layer;

struct KerasHistory {
    std::shared_ptr<Layer> layer;
    std::vector<Tensor> inputs;  // the symbolic inputs of the call; none for an InputLayer
};

}  // namespace strata
