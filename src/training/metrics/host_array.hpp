// Metric inputs brought to the host as float64 arrays. The metrics in this folder that keep more than a
// total and a count (confusion counts, per-class sums, a confusion matrix) update them element by element
// in double, so a batch is copied to the host once and read there.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "strata/autograd/node.hpp"
#include "strata/core/error.hpp"
#include "strata/core/tensor.hpp"
#include "strata/ops/shape.hpp"

namespace strata::metrics::detail {

struct HostArray {
    std::vector<double> values;
    std::vector<std::int64_t> dims;

    int rank() const { return static_cast<int>(dims.size()); }
    std::int64_t last() const { return dims.empty() ? 1 : dims.back(); }
    // Number of rows when the last axis is the row: every axis but the last, multiplied.
    std::int64_t rows() const { return last() == 0 ? 0 : static_cast<std::int64_t>(values.size()) / last(); }
};

inline HostArray host_array(const std::string& who, const char* arg, const Tensor& t) {
    if (!t.defined()) throw ValueError(who + ": " + arg + " is an undefined tensor");
    if (t.is_symbolic())
        throw ValueError(who + ": " + arg + " is a symbolic tensor of shape " + t.shape().to_string() +
                         "; metrics take concrete tensors");
    autograd::NoGradScope no_grad;
    Tensor h = ops::cast(t.detach().to(Device::cpu()), float64);
    return HostArray{h.to_vector<double>(), t.shape().dims()};
}

// numpy broadcasting of `from` to the extents `to`, for sample weights; throws ShapeError naming `who`.
inline std::vector<double> broadcast_host(const std::string& who, const HostArray& from,
                                          const std::vector<std::int64_t>& to) {
    const int rank = static_cast<int>(to.size());
    const int offset = rank - from.rank();
    auto fail = [&] {
        throw ShapeError(who + ": sample_weight of shape " + Shape(from.dims).to_string() +
                         " does not broadcast to shape " + Shape(to).to_string());
    };
    if (offset < 0) fail();
    std::vector<std::int64_t> strides(static_cast<std::size_t>(rank), 0);
    std::int64_t stride = 1;
    for (int a = from.rank() - 1; a >= 0; --a) {
        const std::int64_t d = from.dims[static_cast<std::size_t>(a)];
        const std::int64_t target = to[static_cast<std::size_t>(a + offset)];
        if (d != target && d != 1) fail();
        strides[static_cast<std::size_t>(a + offset)] = d == 1 ? 0 : stride;
        stride *= d;
    }
    std::int64_t n = 1;
    for (std::int64_t d : to) n *= d;
    std::vector<double> out(static_cast<std::size_t>(n));
    std::vector<std::int64_t> index(static_cast<std::size_t>(rank), 0);
    for (std::int64_t i = 0; i < n; ++i) {
        std::int64_t src = 0;
        for (int a = 0; a < rank; ++a) src += index[static_cast<std::size_t>(a)] * strides[static_cast<std::size_t>(a)];
        out[static_cast<std::size_t>(i)] = from.values[static_cast<std::size_t>(src)];
        for (int a = rank - 1; a >= 0; --a) {
            if (++index[static_cast<std::size_t>(a)] < to[static_cast<std::size_t>(a)]) break;
            index[static_cast<std::size_t>(a)] = 0;
        }
    }
    return out;
}

}  // namespace strata::metrics::detail
