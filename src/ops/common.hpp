// What every op does before its kernel: refuse undefined or symbolic tensors and mixed devices, name
// itself in the error, allocate the output.
#pragma once

#include <string>
#include <vector>

#include "strata/autograd/node.hpp"
#include "strata/backend/backend.hpp"
#include "strata/core/tensor.hpp"

namespace strata::ops::detail {

inline void require_concrete(const Tensor& x, const char* op) {
    if (!x.defined()) throw ValueError(std::string(op) + ": got an undefined tensor");
    if (x.is_symbolic())
        throw ValueError(std::string(op) + ": got a symbolic tensor of shape " + x.shape().to_string() +
                         "; symbolic tensors only flow through layers");
}

inline void require_same_device(const Tensor& a, const Tensor& b, const char* op) {
    if (a.device() != b.device())
        throw DeviceError(std::string(op) + ": tensors on different devices, " + a.device().to_string() + " and " +
                          b.device().to_string());
}

inline void require_floating(const Tensor& x, const char* op) {
    if (!is_floating(x.dtype()))
        throw TypeError(std::string(op) + ": expected a float32 or float64 tensor, got " + dtype_name(x.dtype()) +
                        " with shape " + x.shape().to_string());
}

inline Tensor empty_like(const Tensor& x) { return Tensor::empty(x.shape(), x.dtype(), x.device()); }

// The tensor's data with no autograd history: what a backward closure keeps of an output, so that the
// output does not own itself through its own node.
inline Tensor saved(const Tensor& x) { return x.detach(); }

// Sorted, distinct, non-negative axes; all axes when `axes` is empty.
std::vector<int> normalize_axes(const Shape& shape, const std::vector<int>& axes, const char* op);

}  // namespace strata::ops::detail
