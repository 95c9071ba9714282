// What save_weights and load_weights share: the keys of a model's layers in a weights file, and the optimizer
// state saved beside them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "strata/core/tensor.hpp"
#include "saving/hdf5.hpp"
#include "strata/layers/layer.hpp"

namespace strata {
class Model;
namespace optimizers {
class Optimizer;
}
}  // namespace strata

namespace strata::saving {

// One entry of model.layers and the group it is stored under, "dense", "dense_1"... (layers/<key>/vars).
struct LayerEntry {
    std::shared_ptr<Layer> layer;
    std::string key;
};

// Keras's _save_container_state over model.layers: the snake_case class name, suffixed _1, _2... for repeats
// of the same class, in model.layers order (Sequential leaves out its InputLayer; functional models list theirs).
std::vector<LayerEntry> layer_entries(const std::vector<std::shared_ptr<Layer>>& layers);

// A model's weights (and its optimizer's, when compiled) in Keras 3's .weights.h5 layout, into an open file;
// and back, everything checked before anything is assigned (ValueError naming the layer and both shapes).
void write_weights(const Model& model, const h5::File& file);
void read_weights(Model& model, const h5::File& file);

// The optimizer's variables in Keras's order (optimizer.variables: iterations, the learning rate, then the
// slots of each trainable variable).
std::vector<Tensor> optimizer_variables(const optimizers::Optimizer& optimizer);

// Before reading `saved_count` optimizer variables into an optimizer that has none yet: builds its slots for
// the model's trainable weights, so that a model compiled before load_weights resumes its optimizer.
void prepare_optimizer_for_loading(optimizers::Optimizer& optimizer, const Model& model, std::size_t saved_count);

// Writes each value into its target's storage (the targets keep their identity).
void assign_optimizer_variables(const std::vector<Tensor>& targets, const std::vector<Tensor>& values);

}  // namespace strata::saving
