// A model's configuration in Keras's JSON forms, both ways: Sequential and Functional get_config/from_config
// (Keras 3's, as config.json in a .keras archive holds them, and Keras 2's, as a legacy .h5 file's
// model_config attribute does), with models nested as layers at any depth.
#pragma once

#include <nlohmann/json.hpp>

#include "models/graph.hpp"
#include "strata/models/model.hpp"

namespace strata::saving {

// Keras's serialize_keras_object(model): module, class_name ("Sequential" or "Functional"), config,
// registered_name, build_config.
nlohmann::json serialize_model(const detail::Graph& graph);
// The "config" part alone: what model.get_config() returns.
nlohmann::json model_config(const detail::Graph& graph);

// Any layer, models included, serialized the way its class is; and back.
nlohmann::json serialize_any_layer(const Layer& layer);
std::shared_ptr<Layer> deserialize_any_layer(const nlohmann::json& serialized);

// A model from its serialized form ({"class_name": "Sequential" | "Functional" | "Model", "config": ...}).
// ValueError naming the layer for anything it cannot rebuild: an unknown class, a dangling or cyclic inbound
// node, a layer name used twice.
Model deserialize_model(const nlohmann::json& serialized);

// Parses JSON from a file or a string with limits on size and nesting depth (hostile files); ValueError
// naming `origin` for malformed or oversized text.
nlohmann::json parse_json(const std::string& text, const std::string& origin);

}  // namespace strata::saving
