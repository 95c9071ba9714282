// Loading whole models, as keras.models.load_model and model_from_json; saving is Model::save and
// Model::to_json. A model file is never code: loading rebuilds only the layer classes strata has (and those
// a caller registered with saving::register_keras_serializable), and refuses anything else by name.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "strata/models/model.hpp"

namespace strata::models {

// Keras: load_model(filepath, custom_objects=None, compile=True, safe_mode=True).
struct LoadModelOptions {
    bool compile = true;  // compile with the file's compile_config (optimizer state included), when it has one
};

// A Keras 3 .keras archive or a legacy whole-model HDF5 file (Keras 2's model.save("m.h5"), or Keras 3's with
// an .h5 name), told apart by their first bytes, not by the extension. IOError for a file that is neither, is
// truncated, or holds only weights; ValueError naming the layer for a config or weights strata cannot rebuild.
Model load_model(const std::string& filepath, LoadModelOptions options = {});

// Keras's model_from_json(json_string): the model model.to_json() describes, with fresh weights.
Model model_from_json(const std::string& json_string);
// Keras's Model.from_config / deserialize_keras_object on a model's serialized form or its bare config (a
// Sequential's or Functional's).
Model model_from_config(const nlohmann::json& config);

// Keras's clone_model(model): the same architecture with new layers and freshly initialized weights.
Model clone_model(const Model& model);

}  // namespace strata::models
