// Matrix products on oneDNN (float32) or blocked loops (float64).
#pragma once

#include "strata/backend/backend.hpp"
#include "strata/core/tensor.hpp"

namespace strata::ops {

// [m, k] x [k, n] -> [m, n]. Inputs of rank > 2 multiply their last two axes, batched over the leading
// ones, which broadcast as NumPy's (b of rank 2 is shared by every batch without a copy). A vector is a
// row when first and a column when second, and its axis is dropped from the result, as NumPy.
Tensor matmul(const Tensor& a, const Tensor& b);

// x[..., k] * kernel[k, n] + bias[n], then an activation fused into the same kernel where the backend can
// (Dense's forward). bias may be undefined. The backward uses the output for relu, sigmoid and tanh.
Tensor linear(const Tensor& x, const Tensor& kernel, const Tensor& bias,
              backend::Epilogue activation = backend::Epilogue::none);

}  // namespace strata::ops
