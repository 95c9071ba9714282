// A Keras argument that is "an integer or a tuple of integers" (kernel_size, strides, pool_size,
// dilation_rate, size): `3` means (3, 3) in a 2-D layer, `{3, 2}` is the tuple. Empty means "not given",
// for arguments whose default depends on another (pooling strides default to the pool size).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace strata::layers {

class IntTuple {
public:
    IntTuple() = default;
    IntTuple(std::int64_t value) : values_{value}, scalar_(true) {}
    IntTuple(std::initializer_list<std::int64_t> values) : values_(values) {}
    IntTuple(std::vector<std::int64_t> values) : values_(std::move(values)) {}

    bool empty() const { return values_.empty(); }
    bool is_scalar() const { return scalar_; }
    const std::vector<std::int64_t>& values() const { return values_; }

    // The `rank` values: a scalar repeated, or the tuple when it has exactly `rank` values. ValueError naming
    // `layer` and `argument` otherwise, or when a value is below `minimum` (Keras: "The `kernel_size` argument
    // must be a tuple of 2 integers. Received: ...").
    std::vector<std::int64_t> expand(std::size_t rank, const std::string& layer, const std::string& argument,
                                     std::int64_t minimum = 1) const;

private:
    std::vector<std::int64_t> values_;
    bool scalar_ = false;
};

}  // namespace strata::layers
