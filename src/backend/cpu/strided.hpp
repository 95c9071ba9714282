// Index arithmetic for broadcasting: where row r of the output (all axes but the last) starts in an
// operand that broadcasts to it. Broadcast axes get stride 0.
#pragma once

#include <cstdint>
#include <vector>

#include "strata/core/shape.hpp"

namespace strata::backend::cpu {

class BroadcastIndexer {
public:
    BroadcastIndexer(const Shape& operand, const Shape& out) {
        int rank = out.rank();
        strides_.assign(static_cast<std::size_t>(rank), 0);
        extents_.assign(out.begin(), out.end());
        std::int64_t stride = 1;
        for (int i = operand.rank() - 1; i >= 0; --i) {
            int axis = rank - operand.rank() + i;
            strides_[static_cast<std::size_t>(axis)] = operand[i] == 1 ? 0 : stride;
            stride *= operand[i];
        }
    }

    std::int64_t inner_stride() const { return strides_.empty() ? 0 : strides_.back(); }

    // Offset of the first element of output row r, where rows enumerate all axes but the last.
    std::int64_t row_offset(std::int64_t r) const {
        std::int64_t offset = 0;
        for (int axis = static_cast<int>(extents_.size()) - 2; axis >= 0 && r > 0; --axis) {
            std::int64_t extent = extents_[static_cast<std::size_t>(axis)];
            offset += (r % extent) * strides_[static_cast<std::size_t>(axis)];
            r /= extent;
        }
        return offset;
    }

private:
    std::vector<std::int64_t> strides_;
    std::vector<std::int64_t> extents_;
};

}  // namespace strata::backend::cpu
