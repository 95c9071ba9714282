// Elementwise operations with NumPy broadcasting. Each is differentiable in float32 and float64.
#pragma once

#include "strata/core/tensor.hpp"

namespace strata::ops {

Tensor add(const Tensor& a, const Tensor& b);
Tensor subtract(const Tensor& a, const Tensor& b);
Tensor multiply(const Tensor& a, const Tensor& b);
Tensor divide(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
// a ** b, both tensors; power(x, 2.0) for a constant exponent.
Tensor power(const Tensor& a, const Tensor& b);
Tensor power(const Tensor& x, double exponent);

Tensor negative(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor log1p(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor square(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor sign(const Tensor& x);     // no gradient (zero almost everywhere)
Tensor round(const Tensor& x);    // no gradient, as Keras's ops.round
Tensor floor(const Tensor& x);    // no gradient
Tensor reciprocal(const Tensor& x);
Tensor erf(const Tensor& x);
// Clips to [lo, hi]; the gradient passes where lo <= x <= hi, as in Keras's ops.clip.
Tensor clip(const Tensor& x, double lo, double hi);
// cond ? a : b with broadcasting; the gradient flows to the branch that was taken.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);

// Comparisons give bool tensors and no gradient.
Tensor equal(const Tensor& a, const Tensor& b);
Tensor not_equal(const Tensor& a, const Tensor& b);
Tensor less(const Tensor& a, const Tensor& b);
Tensor less_equal(const Tensor& a, const Tensor& b);
Tensor greater(const Tensor& a, const Tensor& b);
Tensor greater_equal(const Tensor& a, const Tensor& b);

// A constant shaped [] with x's dtype and device.
Tensor scalar_like(const Tensor& x, double value);

}  // namespace strata::ops
