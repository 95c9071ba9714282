// Operations that move elements without computing: reshape, transpose, slices, concatenation, gathers.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "strata/core/tensor.hpp"

namespace strata::ops {

Tensor reshape(const Tensor& x, const Shape& shape);  // one extent may be -1
Tensor transpose(const Tensor& x, const std::vector<int>& perm = {});  // default: reverse the axes
Tensor slice(const Tensor& x, std::int64_t begin, std::int64_t end);   // first axis, [begin, end)
Tensor broadcast_to(const Tensor& x, const Shape& shape);
Tensor expand_dims(const Tensor& x, int axis);
Tensor squeeze(const Tensor& x, int axis);
// Rows of x (first axis) at `indices` (an integer tensor), shaped indices.shape + x.shape[1:] as NumPy's
// take along axis 0; the gradient scatters back, adding repeats.
Tensor take(const Tensor& x, const Tensor& indices);
Tensor cast(const Tensor& x, DType dtype);  // differentiable between floating types
// One-hot rows of integer labels: [n] -> [n, classes], float32.
Tensor one_hot(const Tensor& labels, std::int64_t classes, DType dtype = float32);

// Joins tensors of equal shape except along `axis` (negative counts from the end), as numpy.concatenate;
// the gradient of each input is its slice of the output's gradient.
Tensor concatenate(const std::vector<Tensor>& xs, int axis);
// A copy of x[..., begin:end, ...] along `axis`, 0 <= begin <= end <= extent; the gradient pads back with zeros.
Tensor slice_axis(const Tensor& x, int axis, std::int64_t begin, std::int64_t end);
// numpy.pad(x, paddings, constant_values=value): one (before, after) pair per axis, both non-negative; the
// gradient slices the interior back out.
Tensor pad(const Tensor& x, const std::vector<std::pair<std::int64_t, std::int64_t>>& paddings, double value = 0.0);

}  // namespace strata::ops
