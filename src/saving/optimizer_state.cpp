// The optimizer's part of a weights file: optimizer/vars/<i> holds optimizer.variables in Keras's order
// (Optimizer.save_own_variables / load_own_variables).
#include "strata/backend/backend.hpp"
#include "strata/models/model.hpp"
#include "strata/ops/shape.hpp"
#include "strata/training/optimizer.hpp"
#include "saving/weights_layout.hpp"

namespace strata::saving {

std::vector<Tensor> optimizer_variables(const optimizers::Optimizer& optimizer) { return optimizer.variables(); }

void prepare_optimizer_for_loading(optimizers::Optimizer& optimizer, const Model& model, std::size_t saved_count) {
    // A model compiled before load_weights has an optimizer without slots yet (they are made on the first
    // step); building it on the model's trainable weights gives it the variables the file holds, so that
    // training resumes from the saved state, as Keras documents for ModelCheckpoint.
    if (saved_count > 0 && !optimizer.built()) optimizer.build(model.trainable_weights());
}

void assign_optimizer_variables(const std::vector<Tensor>& targets, const std::vector<Tensor>& values) {
    for (std::size_t i = 0; i < targets.size() && i < values.size(); ++i) {
        Tensor source = ops::cast(values[i].detach(), targets[i].dtype()).to(targets[i].device());
        Tensor target = targets[i];
        backend::of(target).copy(source, target);
    }
}

}  // namespace strata::saving
