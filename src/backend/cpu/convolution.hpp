// The geometry every convolution kernel of the CPU backend works on: one to three spatial axes widened to
// three (depth, height, width), the missing leading ones of extent 1, so that a single loop nest or oneDNN
// descriptor serves Conv1D, Conv2D and Conv3D.
#pragma once

#include <array>
#include <cstdint>

#include "cpu_backend.hpp"

namespace strata::backend::cpu {

struct ConvDims {
    int spatial = 0;  // the caller's spatial rank, 1 to 3
    std::int64_t n = 0, c_in = 0, c_out = 0, groups = 1;
    std::array<std::int64_t, 3> in{1, 1, 1}, out{1, 1, 1}, k{1, 1, 1}, stride{1, 1, 1}, dilation{1, 1, 1},
        pad_begin{0, 0, 0}, pad_end{0, 0, 0};

    std::int64_t c_in_per_group() const { return c_in / groups; }
    std::int64_t c_out_per_group() const { return c_out / groups; }
    std::int64_t in_pixels() const { return in[0] * in[1] * in[2]; }
    std::int64_t out_pixels() const { return out[0] * out[1] * out[2]; }
    std::int64_t k_pixels() const { return k[0] * k[1] * k[2]; }
};

// A 2-D convolution with its activation under max pooling whose windows tile the convolution's output
// (conv_max_pool_*.cpp): pooled_h x pooled_w windows.
struct ConvUnderPool {
    ConvDims d;
    Backend::PoolWindow pool;
    std::int64_t pooled_h = 0, pooled_w = 0;
    Epilogue activation = Epilogue::none;
};

// x [n, in..., c_in], kernel [k..., c_in / groups, c_out], out [n, out..., c_out].
ConvDims conv_dims(const Shape& x, const Shape& kernel, const Shape& out, const Backend::ConvGeometry& geometry);

// The float64 loops (oneDNN has no double-precision convolution): each output element is summed by one
// thread in a fixed order, so the result does not depend on the thread count.
void conv_forward_f64(const ConvDims& d, const double* x, const double* kernel, const double* bias,
                      Epilogue epilogue, double* out);
void conv_backward_data_f64(const ConvDims& d, const double* grad_out, const double* kernel, double* grad_x);
void conv_backward_weights_f64(const ConvDims& d, const double* x, const double* grad_out, double* grad_kernel,
                               double* grad_bias);

}  // namespace strata::backend::cpu
