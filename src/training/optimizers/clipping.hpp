// Gradient clipping as Keras's base optimizer does it (keras/src/optimizers/base_optimizer.py).
#pragma once

#include <vector>

#include "strata/core/tensor.hpp"

namespace strata::optimizers::detail {

// g * clip_norm / max(||g||_2, clip_norm): g unchanged when its norm is at most clip_norm.
Tensor clip_by_norm(const Tensor& gradient, double clip_norm);

// Every gradient times one factor, clip_norm * min(1 / global_norm, 1 / clip_norm), where global_norm is the
// L2 norm of all of them together; a non-finite global norm makes the factor NaN, as Keras.
std::vector<Tensor> clip_by_global_norm(const std::vector<Tensor>& gradients, double clip_norm);

}  // namespace strata::optimizers::detail
