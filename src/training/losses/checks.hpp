// What every loss and metric function checks of its arguments, with errors that name the function and both
// shapes.
#pragma once

#include <string>

#include "strata/core/tensor.hpp"

namespace strata::losses::detail {

// "y_true (8, 10) and y_pred (8, 3)".
std::string describe(const Tensor& y_true, const Tensor& y_pred);

// y_true and y_pred must be concrete tensors of rank >= 1 (y_true may be a scalar when allowed).
void require_inputs(const char* who, const Tensor& y_true, const Tensor& y_pred, bool allow_scalar_y_true = false);

// y_pred as a floating tensor (integers become float32, as Keras's floatx), and y_true cast to its dtype.
Tensor floating(const Tensor& y_pred);

// Throws ShapeError unless the two shapes broadcast together.
void require_broadcastable(const char* who, const Tensor& y_true, const Tensor& y_pred);

// Throws ShapeError unless the two shapes are equal (the crossentropies, as Keras's backends require).
void require_same_shape(const char* who, const Tensor& y_true, const Tensor& y_pred);

// The labels of a sparse target as int64, checked to be whole numbers in [0, classes) except `ignored` ones
// (which become 0 when ignore is set). Throws ValueError naming `who` and both shapes.
Tensor sparse_labels(const char* who, const Tensor& y_true, const Tensor& y_pred, std::int64_t classes,
                     bool ignore, std::int64_t ignored);

}  // namespace strata::losses::detail
