// The CPU backend: oneDNN for matrix products, vectorised loops for the rest, threads from OpenMP.
#pragma once

#include "strata/backend/backend.hpp"

namespace strata::backend::cpu {

class CpuBackend final : public Backend {
public:
    void fill(Tensor& out, double value) const override;
    void copy(const Tensor& x, Tensor& out) const override;
    void cast(const Tensor& x, Tensor& out) const override;
    void transfer(void* host, Tensor& device_tensor, bool to_host) const override;
    void unary(UnaryOp op, const Tensor& x, Tensor& out, double alpha) const override;
    void binary(BinaryOp op, const Tensor& a, const Tensor& b, Tensor& out) const override;
    void where(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out) const override;
    void reduce(ReduceOp op, const Tensor& x, std::span<const int> axes, Tensor& out) const override;
    void argmax(const Tensor& x, int axis, Tensor& out) const override;
    void matmul(const Tensor& a, const Tensor& b, const Tensor* bias, bool transpose_a, bool transpose_b,
                Epilogue epilogue, Tensor& out) const override;
    void softmax(const Tensor& x, bool log, Tensor& out) const override;
    void transpose(const Tensor& x, std::span<const int> perm, Tensor& out) const override;
    void take_rows(const Tensor& x, const Tensor& indices, Tensor& out) const override;
    void scatter_add_rows(const Tensor& x, const Tensor& indices, Tensor& out) const override;
    void one_hot(const Tensor& labels, Tensor& out) const override;

    // Convolutions, channels-last.
    void conv_forward(const Tensor& x, const Tensor& kernel, const Tensor* bias, const ConvGeometry& geometry,
                      Epilogue epilogue, Tensor& out) const override;
    void conv_backward_data(const Tensor& grad_out, const Tensor& kernel, const ConvGeometry& geometry,
                            Tensor& grad_x) const override;
    void conv_backward_weights(const Tensor& x, const Tensor& grad_out, const ConvGeometry& geometry,
                               Tensor& grad_kernel, Tensor* grad_bias) const override;

    // Pooling, channels-last.
    void pool2d(bool max, const Tensor& x, const PoolWindow& window, Tensor& out) const override;
    void pool2d_backward(bool max, const Tensor& x, const Tensor& grad_out, const PoolWindow& window,
                         Tensor& grad_x) const override;
};

const Backend& instance();

}  // namespace strata::backend::cpu
