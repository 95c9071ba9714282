// The kernel interface: one table of kernels per device. Ops check their arguments, allocate the output and
// call the kernel of the tensors' device through `backend::of(x)`; a backend never sees bad input.
// Kernels take contiguous row-major tensors and write a preallocated output of the right shape and dtype.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "strata/core/device.hpp"
#include "strata/core/tensor.hpp"

namespace strata::backend {

enum class UnaryOp {
    identity, negative, exp, log, sqrt, rsqrt, square, abs, sign, reciprocal, round, floor, erf, log1p,
    // Activations, with their parameter in `alpha` where they take one.
    relu, sigmoid, tanh, elu, selu, gelu, gelu_tanh, softplus, softsign, silu, leaky_relu, hard_sigmoid,
    // Steps used by backward passes: 1 where x > 0 (else 0); 1 where |x| < alpha.
    positive_step, inside_step,
    // x ** alpha.
    power,
};

enum class BinaryOp { add, subtract, multiply, divide, maximum, minimum, power, equal, not_equal, less,
                      less_equal, greater, greater_equal, logical_and };

enum class ReduceOp { sum, max, min };

// An activation fused into a matmul's output, where the backend can (oneDNN post-ops).
enum class Epilogue { none, relu, sigmoid, tanh };

class Backend {
public:
    virtual ~Backend() = default;

    virtual void fill(Tensor& out, double value) const = 0;
    virtual void copy(const Tensor& x, Tensor& out) const = 0;
    virtual void cast(const Tensor& x, Tensor& out) const = 0;
    // Copies memory between this device and the host: `to_host` false copies `host` into `device`.
    virtual void transfer(void* host, Tensor& device_tensor, bool to_host) const = 0;

    virtual void unary(UnaryOp op, const Tensor& x, Tensor& out, double alpha = 0.0) const = 0;
    // Broadcasting per NumPy; `out` has the broadcast shape and the result dtype (bool for comparisons).
    virtual void binary(BinaryOp op, const Tensor& a, const Tensor& b, Tensor& out) const = 0;
    // out = cond ? a : b, broadcasting all three.
    virtual void where(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out) const = 0;
    // Reduces the sorted, distinct `axes`; `out` has the kept shape with the reduced axes removed.
    virtual void reduce(ReduceOp op, const Tensor& x, std::span<const int> axes, Tensor& out) const = 0;
    virtual void argmax(const Tensor& x, int axis, Tensor& out) const = 0;

    // out[m, n] = op(a)[m, k] * op(b)[k, n] (+ bias[n]) then the epilogue; op transposes when asked.
    virtual void matmul(const Tensor& a, const Tensor& b, const Tensor* bias, bool transpose_a,
                        bool transpose_b, Epilogue epilogue, Tensor& out) const = 0;
    // Softmax (or log-softmax) over the last axis, stable: the row maximum is subtracted first.
    virtual void softmax(const Tensor& x, bool log, Tensor& out) const = 0;
    virtual void transpose(const Tensor& x, std::span<const int> perm, Tensor& out) const = 0;
    // out[i, ...] = x[indices[i], ...] along the first axis.
    virtual void take_rows(const Tensor& x, const Tensor& indices, Tensor& out) const = 0;
    // out[indices[i], ...] += x[i, ...] along the first axis, in order (repeats add up).
    virtual void scatter_add_rows(const Tensor& x, const Tensor& indices, Tensor& out) const = 0;
    // out = one-hot rows of `labels` (integers), with `out` shaped [n, classes].
    virtual void one_hot(const Tensor& labels, Tensor& out) const = 0;

    // Convolutions, channels-last.

    // Pooling, channels-last.
};

// The kernels of a device; throws DeviceError where no backend is registered for it.
const Backend& of(Device device);
inline const Backend& of(const Tensor& x) { return of(x.device()); }
void register_backend(Device::Kind kind, const Backend* backend);

}  // namespace strata::backend
