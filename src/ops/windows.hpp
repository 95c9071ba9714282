// The backend geometry of Keras's windowed ops from their arguments: shared by the ops and by the planned
// step's layers (training/planned/), which call the same kernels without going through the ops.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "strata/backend/backend.hpp"

namespace strata::ops::detail {

// The convolution from an input of extents `in` to one of extents `out`, with Keras's padding ("valid",
// "same" or "causal", lower case): "same" is TF's (total = max((out - 1) s + k_eff - in, 0), the odd one at
// the end), "causal" all at the beginning.
backend::Backend::ConvGeometry conv_geometry(const std::vector<std::int64_t>& in, const std::vector<std::int64_t>& out,
                                             const std::vector<std::int64_t>& k, const std::vector<std::int64_t>& strides,
                                             const std::vector<std::int64_t>& dilations, const std::string& padding,
                                             std::int64_t groups);

// The 2-D pooling window over an input of `length[2]` rows and columns, with Keras's padding ("valid" or
// "same", lower case), and the output's extents; false where a "valid" window does not fit.
bool pool_window(const std::int64_t length[2], const std::vector<std::int64_t>& pool_size,
                 const std::vector<std::int64_t>& strides, const std::string& padding,
                 backend::Backend::PoolWindow& window, std::int64_t out_extent[2]);

}  // namespace strata::ops::detail
