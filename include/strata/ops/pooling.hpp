// Pooling over the spatial axes of channels-last tensors, as keras.ops.max_pool and keras.ops.average_pool:
// x is [batch, length, channels] (1-D) or [batch, height, width, channels] (2-D), the rank says which.
//
// pool_size and strides take one value per spatial axis, or one value for all of them; strides default to
// pool_size. padding is "valid" (only whole windows) or "same" (ceil(length / stride) outputs, the input
// padded evenly with the extra element after, as TF). Padding is never pooled: a max ignores it and an
// average divides by the number of real elements in its window.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "strata/core/tensor.hpp"

namespace strata::ops {

// The gradient goes to the first maximum of each window (row-major order), as TF's MaxPoolGrad.
Tensor max_pool(const Tensor& x, const std::vector<std::int64_t>& pool_size,
                const std::vector<std::int64_t>& strides = {}, const std::string& padding = "valid");
// The gradient of each output is spread evenly over the real elements of its window.
Tensor average_pool(const Tensor& x, const std::vector<std::int64_t>& pool_size,
                    const std::vector<std::int64_t>& strides = {}, const std::string& padding = "valid");

// The output extent of one pooled axis, as Keras's compute_pooling_output_shape: "valid" gives
// floor((length - pool) / stride) + 1 (negative when the window does not fit), "same" ceil(length / stride);
// an unknown length (-1) stays unknown. `padding` must be "valid" or "same".
std::int64_t pool_output_length(std::int64_t length, std::int64_t pool_size, std::int64_t stride,
                                const std::string& padding);

}  // namespace strata::ops
