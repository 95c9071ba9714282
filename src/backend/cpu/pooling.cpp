// Max and average pooling, channels-last, forward and backward. The channel axis is innermost, so every
// step of a window is a vector operation over the channels.
//
// Threads: the forward splits the output rows (n * oh), each written by one thread. The backward scatters
// into overlapping windows, so it splits the input by image and block of channels: each thread owns its
// slice of grad_x and adds to it in a fixed order, and the result does not depend on the thread count.
#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "cpu_backend.hpp"
#include "parallel.hpp"
#include "training_kernels.hpp"

namespace strata::backend::cpu {

namespace {

using PoolWindow = Backend::PoolWindow;

// Channels a backward work item covers: 64 floats are four cache lines, and the per-channel state
// (best value, its position) fits in registers and L1.
constexpr std::int64_t kChannelBlock = 64;

struct Dims {
    std::int64_t n, h, w, c, oh, ow;
};

Dims dims_of(const Tensor& x, const Tensor& out) {
    return {x.shape()[0], x.shape()[1], x.shape()[2], x.shape()[3], out.shape()[1], out.shape()[2]};
}

// The part of window (i, j) inside the input: rows [r0, r1), columns [c0, c1).
struct Span {
    std::int64_t r0, r1, c0, c1;
    std::int64_t count() const { return (r1 - r0) * (c1 - c0); }
};

inline Span window_at(const Dims& d, const PoolWindow& win, std::int64_t i, std::int64_t j) {
    std::int64_t r = i * win.strides[0] - win.pad[0], c = j * win.strides[1] - win.pad[1];
    return {std::max<std::int64_t>(r, 0), std::min(r + win.pool[0], d.h), std::max<std::int64_t>(c, 0),
            std::min(c + win.pool[1], d.w)};
}

template <class T>
void pool_forward(bool max, const T* x, T* out, const Dims& d, const PoolWindow& win) {
    const std::int64_t cost = d.ow * win.pool[0] * win.pool[1] * d.c;
    parallel_for(d.n * d.oh, cost, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t row = begin; row < end; ++row) {
            std::int64_t b = row / d.oh, i = row % d.oh;
            const T* image = x + b * d.h * d.w * d.c;
            for (std::int64_t j = 0; j < d.ow; ++j) {
                T* o = out + (row * d.ow + j) * d.c;
                Span s = window_at(d, win, i, j);
                const T* first = image + (s.r0 * d.w + s.c0) * d.c;
#pragma omp simd
                for (std::int64_t k = 0; k < d.c; ++k) o[k] = first[k];
                for (std::int64_t r = s.r0; r < s.r1; ++r)
                    for (std::int64_t col = s.c0; col < s.c1; ++col) {
                        if (r == s.r0 && col == s.c0) continue;
                        const T* p = image + (r * d.w + col) * d.c;
                        if (max) {
#pragma omp simd
                            for (std::int64_t k = 0; k < d.c; ++k) o[k] = p[k] > o[k] ? p[k] : o[k];
                        } else {
#pragma omp simd
                            for (std::int64_t k = 0; k < d.c; ++k) o[k] += p[k];
                        }
                    }
                if (!max) {
                    T scale = T(1) / static_cast<T>(s.count());
#pragma omp simd
                    for (std::int64_t k = 0; k < d.c; ++k) o[k] *= scale;
                }
            }
        }
    });
}

// The backward of one image's block of channels [c0, c0 + width). With `through_relu` (max only), the gradient
// that reaches a maximum is also multiplied by relu'(x) = [x > 0] there, which is the relu backward of the
// layer below for every position that gets a gradient at all.
template <class T>
void pool_backward_block(bool max, bool through_relu, const T* image, const T* g, T* grad_image, std::int64_t b,
                         std::int64_t c0, std::int64_t width, const Dims& d, const PoolWindow& win) {
    // Positions as 32-bit integers (an image has far fewer): the compare-and-select loops below then run as
    // wide vectors beside the values.
    T best[kChannelBlock];
    std::int32_t at[kChannelBlock];
    const bool tiled = pool_windows_tile(win);
    if (!tiled)
        for (std::int64_t p = 0; p < d.h * d.w; ++p) std::fill_n(grad_image + p * d.c, width, T(0));
    for (std::int64_t i = 0; i < d.oh; ++i)
        for (std::int64_t j = 0; j < d.ow; ++j) {
            const T* go = g + ((b * d.oh + i) * d.ow + j) * d.c + c0;
            Span s = window_at(d, win, i, j);
            if (max) {
                // The first maximum in row-major window order takes the gradient: strict `>` keeps it.
                const auto first = static_cast<std::int32_t>(s.r0 * d.w + s.c0);
                for (std::int64_t k = 0; k < width; ++k) {
                    best[k] = image[first * d.c + k];
                    at[k] = first;
                }
                for (std::int64_t r = s.r0; r < s.r1; ++r)
                    for (std::int64_t col = s.c0; col < s.c1; ++col) {
                        const auto p = static_cast<std::int32_t>(r * d.w + col);
                        const T* v = image + p * d.c;
#pragma omp simd
                        for (std::int64_t k = 0; k < width; ++k) {
                            bool greater = v[k] > best[k];
                            best[k] = greater ? v[k] : best[k];
                            at[k] = greater ? p : at[k];
                        }
                    }
                T taken[kChannelBlock];
                for (std::int64_t k = 0; k < width; ++k)
                    taken[k] = through_relu ? go[k] * (best[k] > T(0) ? T(1) : T(0)) : go[k];
                if (tiled) {
                    for (std::int64_t r = s.r0; r < s.r1; ++r)
                        for (std::int64_t col = s.c0; col < s.c1; ++col) {
                            const auto p = static_cast<std::int32_t>(r * d.w + col);
                            T* dst = grad_image + p * d.c;
#pragma omp simd
                            for (std::int64_t k = 0; k < width; ++k) dst[k] = at[k] == p ? taken[k] : T(0);
                        }
                } else {
                    for (std::int64_t k = 0; k < width; ++k) grad_image[at[k] * d.c + k] += taken[k];
                }
            } else {
                T scale = T(1) / static_cast<T>(s.count());
                for (std::int64_t r = s.r0; r < s.r1; ++r)
                    for (std::int64_t col = s.c0; col < s.c1; ++col) {
                        T* dst = grad_image + (r * d.w + col) * d.c;
                        if (tiled) {
#pragma omp simd
                            for (std::int64_t k = 0; k < width; ++k) dst[k] = go[k] * scale;
                        } else {
#pragma omp simd
                            for (std::int64_t k = 0; k < width; ++k) dst[k] += go[k] * scale;
                        }
                    }
            }
        }
    if (!tiled) return;
    // The rows and columns past the last window get no gradient.
    for (std::int64_t r = 0; r < d.h; ++r)
        for (std::int64_t col = r < d.oh * win.strides[0] ? d.ow * win.strides[1] : 0; col < d.w; ++col)
            std::fill_n(grad_image + (r * d.w + col) * d.c, width, T(0));
}

template <class T>
void pool_backward(bool max, bool through_relu, const T* x, const T* g, T* gx, const Dims& d, const PoolWindow& win) {
    const std::int64_t blocks = (d.c + kChannelBlock - 1) / kChannelBlock;
    const std::int64_t cost = d.oh * d.ow * win.pool[0] * win.pool[1] * std::min(d.c, kChannelBlock);
    parallel_for(d.n * blocks, cost, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t item = begin; item < end; ++item) {
            std::int64_t b = item / blocks, c0 = (item % blocks) * kChannelBlock;
            std::int64_t offset = b * d.h * d.w * d.c + c0;
            pool_backward_block(max, through_relu, x + offset, g, gx + offset, b, c0, std::min(kChannelBlock, d.c - c0),
                                d, win);
        }
    });
}

template <class Fn>
void dispatch_floating(DType dtype, const char* op, Fn&& fn) {
    dispatch_dtype(dtype, [&]<class T>() {
        if constexpr (std::is_floating_point_v<T>) fn.template operator()<T>();
        else throw TypeError(std::string(op) + ": expected a float32 or float64 tensor, got " + dtype_name(dtype));
    });
}

}  // namespace

void CpuBackend::pool2d(bool max, const Tensor& x, const PoolWindow& window, Tensor& out) const {
    if (out.numel() == 0) return;
    Dims d = dims_of(x, out);
    dispatch_floating(x.dtype(), "pool2d", [&]<class T>() { pool_forward(max, x.data<T>(), out.data<T>(), d, window); });
}

void CpuBackend::pool2d_backward(bool max, const Tensor& x, const Tensor& grad_out, const PoolWindow& window,
                                 Tensor& grad_x) const {
    if (grad_x.numel() == 0) return;
    if (grad_out.numel() == 0) return fill(grad_x, 0.0);
    Dims d = dims_of(x, grad_out);
    dispatch_floating(x.dtype(), "pool2d_backward", [&]<class T>() {
        pool_backward(max, false, x.data<T>(), grad_out.data<T>(), grad_x.data<T>(), d, window);
    });
}

// Both keep a window's indices as floats in a block of channels while they work (kChannelBlock at a time):
// compares and selects on floats run as wide vectors, on bytes beside floats they do not.
bool pool_windows_tile(const Backend::PoolWindow& window) {
    return window.strides[0] == window.pool[0] && window.strides[1] == window.pool[1] && window.pad[0] == 0 &&
           window.pad[1] == 0;
}

void max_pool2d_with_indices(const Tensor& x, const Backend::PoolWindow& window, Tensor& out, std::uint8_t* indices) {
    if (out.numel() == 0) return;
    const Dims d = dims_of(x, out);
    const float* in = x.data<float>();
    float* o = out.data<float>();
    parallel_for(d.n * d.oh, d.ow * window.pool[0] * window.pool[1] * d.c, [&](std::int64_t begin, std::int64_t end) {
        float at[kChannelBlock];
        for (std::int64_t row = begin; row < end; ++row) {
            const std::int64_t b = row / d.oh, i = row % d.oh;
            const float* image = in + b * d.h * d.w * d.c;
            for (std::int64_t j = 0; j < d.ow; ++j) {
                const Span s = window_at(d, window, i, j);
                for (std::int64_t c0 = 0; c0 < d.c; c0 += kChannelBlock) {
                    const std::int64_t width = std::min(kChannelBlock, d.c - c0);
                    float* best = o + (row * d.ow + j) * d.c + c0;
                    // Positions are numbered row-major within the (possibly clipped) window, from 0.
                    const float* first = image + (s.r0 * d.w + s.c0) * d.c + c0;
#pragma omp simd
                    for (std::int64_t k = 0; k < width; ++k) {
                        best[k] = first[k];
                        at[k] = 0.0f;
                    }
                    float index = 0.0f;
                    for (std::int64_t r = s.r0; r < s.r1; ++r)
                        for (std::int64_t col = s.c0; col < s.c1; ++col, index += 1.0f) {
                            if (index == 0.0f) continue;
                            const float* v = image + (r * d.w + col) * d.c + c0;
#pragma omp simd
                            for (std::int64_t k = 0; k < width; ++k) {
                                const bool greater = v[k] > best[k];  // strict: the first maximum keeps it, as pool2d
                                best[k] = greater ? v[k] : best[k];
                                at[k] = greater ? index : at[k];
                            }
                        }
                    std::uint8_t* out_at = indices + (row * d.ow + j) * d.c + c0;
                    for (std::int64_t k = 0; k < width; ++k) out_at[k] = static_cast<std::uint8_t>(at[k]);
                }
            }
        }
    });
}

void max_pool2d_backward_from_indices(const Tensor& grad_out, const Tensor* relu_output, const std::uint8_t* indices,
                                      const Backend::PoolWindow& window, Tensor& grad_x) {
    if (grad_x.numel() == 0) return;
    const Dims d = dims_of(grad_x, grad_out);
    const float* g = grad_out.data<float>();
    const float* y = relu_output ? relu_output->data<float>() : nullptr;
    float* gx = grad_x.data<float>();
    // Output rows own disjoint input rows (the windows tile the input): each writes its rows once.
    parallel_for(d.n * d.oh, d.ow * window.pool[0] * window.pool[1] * d.c, [&](std::int64_t begin, std::int64_t end) {
        float at[kChannelBlock], taken[kChannelBlock];
        for (std::int64_t row = begin; row < end; ++row) {
            const std::int64_t b = row / d.oh, i = row % d.oh;
            float* image = gx + b * d.h * d.w * d.c;
            Span rows{};
            for (std::int64_t j = 0; j < d.ow; ++j) {
                const Span s = window_at(d, window, i, j);
                rows = s;
                for (std::int64_t c0 = 0; c0 < d.c; c0 += kChannelBlock) {
                    const std::int64_t width = std::min(kChannelBlock, d.c - c0);
                    const std::int64_t out = (row * d.ow + j) * d.c + c0;
                    for (std::int64_t k = 0; k < width; ++k) at[k] = indices[out + k];
                    if (y) {
#pragma omp simd
                        for (std::int64_t k = 0; k < width; ++k) taken[k] = g[out + k] * (y[out + k] > 0.0f ? 1.0f : 0.0f);
                    } else {
#pragma omp simd
                        for (std::int64_t k = 0; k < width; ++k) taken[k] = g[out + k];
                    }
                    float index = 0.0f;  // numbered as the forward numbers them
                    for (std::int64_t r = s.r0; r < s.r1; ++r)
                        for (std::int64_t col = s.c0; col < s.c1; ++col, index += 1.0f) {
                            float* dst = image + (r * d.w + col) * d.c + c0;
#pragma omp simd
                            for (std::int64_t k = 0; k < width; ++k) dst[k] = at[k] == index ? taken[k] : 0.0f;
                        }
                }
            }
            // The columns past the last window, and after the last output row the rows past it: no gradient.
            for (std::int64_t r = rows.r0; r < rows.r1; ++r)
                std::fill(image + (r * d.w + std::min(d.ow * window.strides[1], d.w)) * d.c, image + (r + 1) * d.w * d.c,
                          0.0f);
            if (i == d.oh - 1) std::fill(image + rows.r1 * d.w * d.c, image + d.h * d.w * d.c, 0.0f);
        }
    });
}

void max_pool2d_backward_through_relu(const Tensor& x, const Tensor& grad_out, const Backend::PoolWindow& window,
                                      Tensor& grad_x) {
    if (grad_x.numel() == 0) return;
    Dims d = dims_of(x, grad_out);
    pool_backward(true, true, x.data<float>(), grad_out.data<float>(), grad_x.data<float>(), d, window);
}

}  // namespace strata::backend::cpu
