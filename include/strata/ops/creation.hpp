// Tensors made from a shape and a value, as keras.ops.zeros, ones, full and their _like forms.
#pragma once

#include "strata/core/tensor.hpp"

namespace strata::ops {

Tensor zeros(const Shape& shape, DType dtype = float32);
Tensor ones(const Shape& shape, DType dtype = float32);
Tensor full(const Shape& shape, double fill_value, DType dtype = float32);
Tensor zeros_like(const Tensor& x);
Tensor ones_like(const Tensor& x);
Tensor full_like(const Tensor& x, double fill_value);

}  // namespace strata::ops
