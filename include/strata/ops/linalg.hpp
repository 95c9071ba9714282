// Matrix products on oneDNN (float32) or blocked loops (float64).
#pragma once

#include "strata/backend/backend.hpp"
#include "strata/core/tensor.hpp"

namespace strata::ops {

// [m, k] x [k, n] -> [m, n]. Inputs of rank > 2 multiply their last two axes, batched over the leading
// ones when both have the same leading shape, or with b of rank 2 shared by every batch.
Tensor matmul(const Tensor& a, const Tensor& b);

// x[..., k] * kernel[k, n] + bias[n], then an activation fused into the same kernel where the backend can
// (Dense's forward). bias may be undefined. The backward uses the output for relu, sigmoid and tanh.
Tensor linear(const Tensor& x, const Tensor& kernel, const Tensor& bias,
              backend::Epilogue activation = backend::Epilogue::none);

}  // namespace strata::ops
