// The table of strata's built-in layer classes by Keras class name: one small factory per class reads the
// config's fields into the layer's options struct. Split by family: layer_registry_core.cpp (core,
// activation, normalization, regularization, reshaping, merging) and layer_registry_vision.cpp
// (convolution, pooling, spatial reshaping).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "saving/layer_config.hpp"
#include "strata/layers/layer.hpp"

namespace strata::saving::detail {

// Reads the config's fields (the common ones through c.common(), except for InputLayer) and builds the layer.
using BuiltinFactory = std::shared_ptr<Layer> (*)(LayerConfig& c);
using BuiltinTable = std::map<std::string, BuiltinFactory>;

void add_core_layers(BuiltinTable& table);
void add_vision_layers(BuiltinTable& table);

}  // namespace strata::saving::detail
