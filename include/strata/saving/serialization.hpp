// Layers to and from the dicts Keras writes in a .keras file's config.json, as keras.saving's
// serialize_keras_object / deserialize_keras_object, and register_keras_serializable for users' own layers:
//     {"module": "keras.layers", "class_name": "Dense", "config": {...}, "registered_name": null,
//      "build_config": {"input_shape": [null, 12]}}
// Deserialization reads data only: a class is found among strata's layers or the registered factories, never
// from the config's "module", and nothing in a config is run.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "strata/layers/layer.hpp"

namespace strata::saving {

// Keras's serialize_keras_object for a layer: module, class_name, config (get_config()), registered_name (null for
// built-in classes, "package>Name" for registered ones), and build_config {"input_shape": [...]} once built.
nlohmann::json serialize_layer(const Layer& layer);

// Keras's deserialize_keras_object for a layer: the class is looked up among strata's built-in layers, then among
// registered ones; the config's fields are read with Keras's accepted forms. Refuses (ValueError naming the class
// and, for a field, the layer's name and the field): an unknown class, a Lambda (it would run code), anything
// with "module" not starting with "keras" for a built-in class name, a constraint that is not null (strata has
// none), a field with the wrong type. Never runs anything from the config. A build_config builds the layer for
// that input shape, so that its weights exist to be loaded.
std::shared_ptr<Layer> deserialize_layer(const nlohmann::json& serialized);

// Keras's register_keras_serializable(package=...) for users' own layers: `factory` builds the layer from its
// config (what its get_config() wrote). registered_name = package + ">" + class_name. ValueError when the name
// is already registered, as Keras.
using LayerFactory = std::function<std::shared_ptr<Layer>(const nlohmann::json& config)>;
void register_keras_serializable(const std::string& package, const std::string& class_name, LayerFactory factory);

}  // namespace strata::saving
