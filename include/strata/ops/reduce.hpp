// Reductions over axes (all of them when `axes` is empty), with keepdims as in NumPy.
#pragma once

#include <vector>

#include "strata/core/tensor.hpp"

namespace strata::ops {

Tensor sum(const Tensor& x, const std::vector<int>& axes = {}, bool keepdims = false);
Tensor mean(const Tensor& x, const std::vector<int>& axes = {}, bool keepdims = false);
// The gradient of max/min goes to the elements equal to the extremum, split evenly among ties.
Tensor max(const Tensor& x, const std::vector<int>& axes = {}, bool keepdims = false);
Tensor min(const Tensor& x, const std::vector<int>& axes = {}, bool keepdims = false);
Tensor argmax(const Tensor& x, int axis = -1);  // int64, first maximum on ties, no gradient
Tensor logsumexp(const Tensor& x, const std::vector<int>& axes = {}, bool keepdims = false);

// Sums a broadcast gradient back down to `shape` (the engine's one place for broadcast gradients).
Tensor sum_to(const Tensor& x, const Shape& shape);

}  // namespace strata::ops
