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
    // x [n, in..., c_in], kernel [k..., c_in / groups, c_out] (Keras's layout), out [n, out..., c_out], with one
    // to three spatial axes. Padding is explicit and exact per axis: in + pad_begin + pad_end =
    // (out - 1) * stride + (k - 1) * dilation + 1; a negative pad_end leaves the input's last positions unused.
    struct ConvGeometry {
        std::vector<std::int64_t> strides, dilations, pad_begin, pad_end;
        std::int64_t groups = 1;
    };
    // out = conv(x, kernel) (+ bias[c_out]) then the epilogue.
    virtual void conv_forward(const Tensor& x, const Tensor& kernel, const Tensor* bias, const ConvGeometry& geometry,
                              Epilogue epilogue, Tensor& out) const = 0;
    // grad_x = the gradient of conv(x, kernel) with respect to x, shaped as x (a transposed convolution).
    virtual void conv_backward_data(const Tensor& grad_out, const Tensor& kernel, const ConvGeometry& geometry,
                                    Tensor& grad_x) const = 0;
    // grad_kernel (shaped as the kernel) and, when given, grad_bias = grad_out summed over all but the channels.
    virtual void conv_backward_weights(const Tensor& x, const Tensor& grad_out, const ConvGeometry& geometry,
                                       Tensor& grad_kernel, Tensor* grad_bias) const = 0;

    // Pooling, channels-last.
    // x [n, h, w, c] -> out [n, oh, ow, c]: windows of pool[0] x pool[1] moved by strides, the first starting
    // pad[0] rows above and pad[1] columns left of the input ("same" padding). Padding is never read: a window
    // covers only its elements inside the input, and an average divides by their count (TF's rule).
    struct PoolWindow {
        std::int64_t pool[2];
        std::int64_t strides[2];
        std::int64_t pad[2];
    };
    virtual void pool2d(bool max, const Tensor& x, const PoolWindow& window, Tensor& out) const = 0;
    // Overwrites grad_x with the gradient of the pooling: max sends each output's gradient to the first maximum
    // of its window (row-major, as TF), average spreads it evenly over the window's elements.
    virtual void pool2d_backward(bool max, const Tensor& x, const Tensor& grad_out, const PoolWindow& window,
                                 Tensor& grad_x) const = 0;
};

// The kernels of a device; throws DeviceError where no backend is registered for it.
const Backend& of(Device device);
inline const Backend& of(const Tensor& x) { return of(x.device()); }
void register_backend(Device::Kind kind, const Backend* backend);

}  // namespace strata::backend
