// Convolutions in float64, as plain loops over the widened (depth, height, width) geometry. They serve the
// gradient checks, so they favour plainness over speed; every sum runs in a fixed order on one thread.
#include <cmath>

#include "convolution.hpp"
#include "parallel.hpp"

namespace strata::backend::cpu {

ConvDims conv_dims(const Shape& x, const Shape& kernel, const Shape& out, const Backend::ConvGeometry& geometry) {
    ConvDims d;
    d.spatial = x.rank() - 2;
    d.n = x[0];
    d.c_in = x[x.rank() - 1];
    d.c_out = out[out.rank() - 1];
    d.groups = geometry.groups;
    int offset = 3 - d.spatial;
    for (int i = 0; i < d.spatial; ++i) {
        auto at = static_cast<std::size_t>(i);
        auto to = static_cast<std::size_t>(offset + i);
        d.in[to] = x[i + 1];
        d.out[to] = out[i + 1];
        d.k[to] = kernel[i];
        d.stride[to] = geometry.strides[at];
        d.dilation[to] = geometry.dilations[at];
        d.pad_begin[to] = geometry.pad_begin[at];
        d.pad_end[to] = geometry.pad_end[at];
    }
    return d;
}

namespace {

double activate(double v, Epilogue e) {
    switch (e) {
        case Epilogue::none: return v;
        case Epilogue::relu: return v > 0.0 ? v : 0.0;
        case Epilogue::sigmoid: return v >= 0.0 ? 1.0 / (1.0 + std::exp(-v)) : std::exp(v) / (1.0 + std::exp(v));
        case Epilogue::tanh: return std::tanh(v);
    }
    return v;
}

// The input position that kernel tap `tap` of output position `o` reads along one axis; may fall outside.
inline std::int64_t input_at(const ConvDims& d, int axis, std::int64_t o, std::int64_t tap) {
    auto a = static_cast<std::size_t>(axis);
    return o * d.stride[a] - d.pad_begin[a] + tap * d.dilation[a];
}

// Calls fn(out_pixel, in_pixel, tap) for every output position and kernel tap whose input lies inside.
template <class Fn>
void for_each_tap(const ConvDims& d, Fn&& fn) {
    for (std::int64_t od = 0; od < d.out[0]; ++od)
        for (std::int64_t oh = 0; oh < d.out[1]; ++oh)
            for (std::int64_t ow = 0; ow < d.out[2]; ++ow) {
                std::int64_t op = (od * d.out[1] + oh) * d.out[2] + ow;
                for (std::int64_t kd = 0; kd < d.k[0]; ++kd) {
                    std::int64_t id = input_at(d, 0, od, kd);
                    if (id < 0 || id >= d.in[0]) continue;
                    for (std::int64_t kh = 0; kh < d.k[1]; ++kh) {
                        std::int64_t ih = input_at(d, 1, oh, kh);
                        if (ih < 0 || ih >= d.in[1]) continue;
                        for (std::int64_t kw = 0; kw < d.k[2]; ++kw) {
                            std::int64_t iw = input_at(d, 2, ow, kw);
                            if (iw < 0 || iw >= d.in[2]) continue;
                            fn(op, (id * d.in[1] + ih) * d.in[2] + iw, (kd * d.k[1] + kh) * d.k[2] + kw);
                        }
                    }
                }
            }
}

}  // namespace

void conv_forward_f64(const ConvDims& d, const double* x, const double* kernel, const double* bias,
                      Epilogue epilogue, double* out) {
    const std::int64_t cig = d.c_in_per_group(), cog = d.c_out_per_group();
    parallel_for(d.n, d.out_pixels() * d.c_out * d.k_pixels() * cig, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t b = begin; b < end; ++b) {
            const double* xb = x + b * d.in_pixels() * d.c_in;
            double* ob = out + b * d.out_pixels() * d.c_out;
            for (std::int64_t p = 0; p < d.out_pixels(); ++p)
                for (std::int64_t o = 0; o < d.c_out; ++o) ob[p * d.c_out + o] = bias ? bias[o] : 0.0;
            for_each_tap(d, [&](std::int64_t op, std::int64_t ip, std::int64_t tap) {
                // kernel[tap, ci, o]: each output channel o reads the channels of its group g = o / cog.
                for (std::int64_t o = 0; o < d.c_out; ++o) {
                    std::int64_t g = o / cog;
                    double s = 0.0;
                    for (std::int64_t ci = 0; ci < cig; ++ci)
                        s += xb[ip * d.c_in + g * cig + ci] * kernel[(tap * cig + ci) * d.c_out + o];
                    ob[op * d.c_out + o] += s;
                }
            });
            for (std::int64_t i = 0; i < d.out_pixels() * d.c_out; ++i) ob[i] = activate(ob[i], epilogue);
        }
    });
}

void conv_backward_data_f64(const ConvDims& d, const double* grad_out, const double* kernel, double* grad_x) {
    const std::int64_t cig = d.c_in_per_group(), cog = d.c_out_per_group();
    parallel_for(d.n, d.out_pixels() * d.c_out * d.k_pixels() * cig, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t b = begin; b < end; ++b) {
            const double* gb = grad_out + b * d.out_pixels() * d.c_out;
            double* xb = grad_x + b * d.in_pixels() * d.c_in;
            for (std::int64_t i = 0; i < d.in_pixels() * d.c_in; ++i) xb[i] = 0.0;
            for_each_tap(d, [&](std::int64_t op, std::int64_t ip, std::int64_t tap) {
                for (std::int64_t c = 0; c < d.c_in; ++c) {
                    std::int64_t g = c / cig, ci = c % cig;
                    double s = 0.0;
                    for (std::int64_t o = g * cog; o < (g + 1) * cog; ++o)
                        s += gb[op * d.c_out + o] * kernel[(tap * cig + ci) * d.c_out + o];
                    xb[ip * d.c_in + c] += s;
                }
            });
        }
    });
}

void conv_backward_weights_f64(const ConvDims& d, const double* x, const double* grad_out, double* grad_kernel,
                               double* grad_bias) {
    const std::int64_t cig = d.c_in_per_group(), cog = d.c_out_per_group();
    const std::int64_t taps = d.k_pixels();
    for (std::int64_t i = 0; i < taps * cig * d.c_out; ++i) grad_kernel[i] = 0.0;
    // One thread per kernel tap: it alone sums that tap's weights, over the batch and positions in order.
    parallel_for(taps, d.n * d.out_pixels() * cig * d.c_out, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t b = 0; b < d.n; ++b) {
            const double* xb = x + b * d.in_pixels() * d.c_in;
            const double* gb = grad_out + b * d.out_pixels() * d.c_out;
            for_each_tap(d, [&](std::int64_t op, std::int64_t ip, std::int64_t tap) {
                if (tap < begin || tap >= end) return;
                for (std::int64_t ci = 0; ci < cig; ++ci)
                    for (std::int64_t o = 0; o < d.c_out; ++o)
                        grad_kernel[(tap * cig + ci) * d.c_out + o] +=
                            xb[ip * d.c_in + (o / cog) * cig + ci] * gb[op * d.c_out + o];
            });
        }
    });
    if (!grad_bias) return;
    for (std::int64_t o = 0; o < d.c_out; ++o) grad_bias[o] = 0.0;
    for (std::int64_t r = 0; r < d.n * d.out_pixels(); ++r)
        for (std::int64_t o = 0; o < d.c_out; ++o) grad_bias[o] += grad_out[r * d.c_out + o];
}

}  // namespace strata::backend::cpu
