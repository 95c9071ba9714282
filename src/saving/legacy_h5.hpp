// Keras 2's whole-model HDF5 files (model.save("m.h5"); Keras 3 still writes them for an .h5 name), after
// keras/src/legacy/saving/legacy_h5_format.py: the root attribute model_config (the model's JSON),
// training_config (compile's arguments), and model_weights/<layer name>/<weight name> datasets ordered by the
// layer_names and weight_names attributes.
#pragma once

#include <string>

#include "strata/models/model.hpp"

namespace strata::saving {

// IOError for a file that holds only weights or no model; ValueError naming the layer for a config or weights
// that do not fit.
Model load_legacy_h5(const std::string& filepath, bool compile);

}  // namespace strata::saving
