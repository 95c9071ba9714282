// The kernels of conv_max_pool_many_channels.hpp.
#include "conv_max_pool_many_channels.hpp"

#include <algorithm>

#include "scratch.hpp"
#include "training_kernels.hpp"

#if defined(__AVX512F__)
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12 takes the placeholder vectors inside AVX-512 intrinsics for values that may be used uninitialized
// (GCC bug 105593); they are not. The warning points into the intrinsics' header, hence before it.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#define STRATA_MANY_CHANNEL_KERNELS 1
#endif

namespace strata::backend::cpu {

namespace {

// The kernel, the pool, and the patch of x that a window's four receptive fields cover together.
constexpr int kKernel = 3, kPool = 2, kPatch = kPool + kKernel - 1, kTaps = kKernel * kKernel;

// x (and dx) with the padding made real where a window's fields reach into it: h x w positions, x's own
// starting at (top, left).
struct Frame {
    std::int64_t h, w, top, left;
    bool padded;
};

Frame frame_of(const ConvUnderPool& c) {
    const ConvDims& d = c.d;
    Frame f{};
    f.top = d.pad_begin[1];
    f.left = d.pad_begin[2];
    // Window (i, j)'s fields cover rows [2 i, 2 i + 4) and columns [2 j, 2 j + 4) of the frame.
    f.h = std::max(d.in[1] + f.top, c.pooled_h * kPool + kKernel - 1);
    f.w = std::max(d.in[2] + f.left, c.pooled_w * kPool + kKernel - 1);
    f.padded = f.top != 0 || f.left != 0 || f.h != d.in[1] || f.w != d.in[2];
    return f;
}

#ifdef STRATA_MANY_CHANNEL_KERNELS

// The terms of one image, each a maximum's dz with where its receptive field starts in the frame (in floats),
// listed per output channel in window order; zeros are left out.
struct ChannelTerms {
    std::int32_t* start;
    float* dz;
    std::int32_t* count;  // per output channel
};

// dW[o][k][c0, c0 + 16) += sum over o's terms of dz * x[start + k][c0, c0 + 16), for the 9 taps k, in registers.
void weights_gradient(const ConvUnderPool& c, const Frame& f, const float* image, const ChannelTerms& terms,
                      std::int64_t windows, float* grad_w_t) {
    const std::int64_t ch = c.d.c_in, o_n = c.d.c_out;
    std::int64_t tap[kTaps];
    for (int k = 0; k < kTaps; ++k) tap[k] = (k / kKernel * f.w + k % kKernel) * ch;
    for (std::int64_t o = 0; o < o_n; ++o) {
        const std::int32_t* start = terms.start + o * windows;
        const float* dz = terms.dz + o * windows;
        const std::int32_t n = terms.count[o];
        if (n == 0) continue;
        for (std::int64_t c0 = 0; c0 < ch; c0 += 16) {
            float* gw = grad_w_t + o * kTaps * ch + c0;
            __m512 sum[kTaps];
            for (int k = 0; k < kTaps; ++k) sum[k] = _mm512_loadu_ps(gw + k * ch);
            for (std::int32_t t = 0; t < n; ++t) {
                const float* field = image + start[t] + c0;
                const __m512 g = _mm512_set1_ps(dz[t]);
                for (int k = 0; k < kTaps; ++k) sum[k] = _mm512_fmadd_ps(g, _mm512_loadu_ps(field + tap[k]), sum[k]);
            }
            for (int k = 0; k < kTaps; ++k) _mm512_storeu_ps(gw + k * ch, sum[k]);
        }
    }
}

// The terms of one window: output channels with their dz, listed per position of the window holding their
// maximum (capacity o_n each); zeros are left out.
struct WindowTerms {
    std::int32_t* channel;
    float* dz;
    std::int32_t count[kPool * kPool];
};

// patch[(ar + kh) * 4 + ac + kw] += sum over the terms at position (ar, ac) of dz * W[o][kh][kw][c0, c0 + 16):
// the position fixed at compile time, so that the 16 sums stay in registers.
template <int Position>
[[gnu::always_inline]] inline void add_position(const WindowTerms& terms, std::int64_t o_n, const float* kernel_t,
                                                std::int64_t ch, std::int64_t c0, __m512 (&patch)[kPatch * kPatch]) {
    constexpr int row = Position / kPool, column = Position % kPool;
    const std::int32_t* channel = terms.channel + Position * o_n;
    const float* dz = terms.dz + Position * o_n;
    for (std::int32_t t = 0; t < terms.count[Position]; ++t) {
        const float* w = kernel_t + channel[t] * kTaps * ch + c0;
        const __m512 g = _mm512_set1_ps(dz[t]);
#pragma GCC unroll 9
        for (int k = 0; k < kTaps; ++k) {
            __m512& p = patch[(row + k / kKernel) * kPatch + column + k % kKernel];
            p = _mm512_fmadd_ps(g, _mm512_loadu_ps(w + k * ch), p);
        }
    }
}

// One window's terms into dx: `field` is where the window's patch starts in the frame's dx, `pitch` the floats
// from one of its rows to the next. 16 input channels at a time, each patch position's sum in a register,
// added into dx once.
void input_gradient(const WindowTerms& terms, std::int64_t o_n, const float* kernel_t, std::int64_t ch,
                    float* field, std::int64_t pitch) {
    for (std::int64_t c0 = 0; c0 < ch; c0 += 16) {
        __m512 patch[kPatch * kPatch];
        for (auto& p : patch) p = _mm512_setzero_ps();
        add_position<0>(terms, o_n, kernel_t, ch, c0, patch);
        add_position<1>(terms, o_n, kernel_t, ch, c0, patch);
        add_position<2>(terms, o_n, kernel_t, ch, c0, patch);
        add_position<3>(terms, o_n, kernel_t, ch, c0, patch);
#pragma GCC unroll 16
        for (int e = 0; e < kPatch * kPatch; ++e) {
            float* at = field + (e / kPatch) * pitch + (e % kPatch) * ch + c0;
            _mm512_storeu_ps(at, _mm512_add_ps(_mm512_loadu_ps(at), patch[e]));
        }
    }
}

#endif  // STRATA_MANY_CHANNEL_KERNELS

}  // namespace

bool many_channel_backward_covers(const ConvUnderPool& c) {
#ifdef STRATA_MANY_CHANNEL_KERNELS
    const ConvDims& d = c.d;
    return d.spatial == 2 && d.groups == 1 && d.c_in > 0 && d.c_in % 16 == 0 && d.k[1] == kKernel &&
           d.k[2] == kKernel && d.stride[1] == 1 && d.stride[2] == 1 && d.dilation[1] == 1 && d.dilation[2] == 1 &&
           c.pool.pool[0] == kPool && c.pool.pool[1] == kPool && pool_windows_tile(c.pool) &&
           c.pooled_h * kPool <= d.out[1] && c.pooled_w * kPool <= d.out[2];
#else
    (void)c;
    return false;
#endif
}

void many_channel_backward(const ConvUnderPool& c, const float* x, const float* kernel_t, const float* pooled,
                           const float* grad_pooled, const std::uint8_t* indices, std::int64_t begin,
                           std::int64_t end, float* grad_w_t, float* grad_b, float* grad_x) {
#ifdef STRATA_MANY_CHANNEL_KERNELS
    const ConvDims& d = c.d;
    const Frame f = frame_of(c);
    const std::int64_t ch = d.c_in, o_n = d.c_out, windows = c.pooled_h * c.pooled_w;
    const std::int64_t image_floats = d.in[1] * d.in[2] * ch, frame_floats = f.h * f.w * ch, pitch = f.w * ch;
    float* frame_x = f.padded ? static_cast<float*>(thread_scratch(
                                    Scratch::relayout0, static_cast<std::size_t>(frame_floats) * sizeof(float)))
                              : nullptr;
    float* frame_dx = f.padded && grad_x ? static_cast<float*>(thread_scratch(
                                               Scratch::relayout1, static_cast<std::size_t>(frame_floats) * sizeof(float)))
                                         : nullptr;
    // The terms: per output channel for the image (start, dz, count), per position for a window (channel, dz).
    const std::size_t channel_terms = static_cast<std::size_t>(o_n * windows), window_terms = static_cast<std::size_t>(kPool * kPool * o_n);
    auto* block = static_cast<std::int32_t*>(thread_scratch(
        Scratch::sparse_terms, (2 * channel_terms + static_cast<std::size_t>(o_n) + 2 * window_terms) * 4));
    ChannelTerms image_terms{block, reinterpret_cast<float*>(block + channel_terms), block + 2 * channel_terms};
    WindowTerms terms{block + 2 * channel_terms + o_n, reinterpret_cast<float*>(block + 2 * channel_terms + o_n + window_terms), {}};
    for (std::int64_t b = begin; b < end; ++b) {
        const float* image = x + b * image_floats;
        if (f.padded) {
            std::fill_n(frame_x, frame_floats, 0.0f);
            for (std::int64_t r = 0; r < d.in[1]; ++r)
                std::copy_n(image + r * d.in[2] * ch, d.in[2] * ch, frame_x + ((f.top + r) * f.w + f.left) * ch);
            image = frame_x;
        }
        const std::int64_t first = b * windows * o_n;  // the image's first pooled element
        // The weights' gradient, from the terms listed per output channel (and the bias's, in window order).
        std::fill_n(image_terms.count, o_n, 0);
        for (std::int64_t i = 0, window = 0; i < c.pooled_h; ++i)
            for (std::int64_t j = 0; j < c.pooled_w; ++j, ++window)
                for (std::int64_t o = 0; o < o_n; ++o) {
                    const std::int64_t e = first + window * o_n + o;
                    const float dz = activation_backward(c.activation, grad_pooled[e], pooled[e]);
                    grad_b[o] += dz;
                    const int position = indices[e];
                    const std::int64_t row = i * kPool + position / kPool, column = j * kPool + position % kPool;
                    const std::int32_t n = image_terms.count[o];
                    image_terms.start[o * windows + n] = static_cast<std::int32_t>((row * f.w + column) * ch);
                    image_terms.dz[o * windows + n] = dz;
                    image_terms.count[o] = n + (dz != 0.0f);  // a zero is overwritten by the next term
                }
        weights_gradient(c, f, image, image_terms, windows, grad_w_t);
        if (!grad_x) continue;
        // The input's gradient, window by window, from the terms listed per position.
        float* dx = f.padded ? frame_dx : grad_x + b * image_floats;
        std::fill_n(dx, frame_floats, 0.0f);
        for (std::int64_t i = 0, window = 0; i < c.pooled_h; ++i)
            for (std::int64_t j = 0; j < c.pooled_w; ++j, ++window) {
                std::fill_n(terms.count, kPool * kPool, 0);
                for (std::int64_t o = 0; o < o_n; ++o) {
                    const std::int64_t e = first + window * o_n + o;
                    const float dz = activation_backward(c.activation, grad_pooled[e], pooled[e]);
                    const int position = indices[e];
                    const std::int32_t n = terms.count[position];
                    terms.channel[position * o_n + n] = static_cast<std::int32_t>(o);
                    terms.dz[position * o_n + n] = dz;
                    terms.count[position] = n + (dz != 0.0f);
                }
                input_gradient(terms, o_n, kernel_t, ch, dx + (i * kPool * f.w + j * kPool) * ch, pitch);
            }
        if (f.padded)
            for (std::int64_t r = 0; r < d.in[1]; ++r)
                std::copy_n(frame_dx + ((f.top + r) * f.w + f.left) * ch, d.in[2] * ch,
                            grad_x + b * image_floats + r * d.in[2] * ch);
    }
#else
    (void)c, (void)x, (void)kernel_t, (void)pooled, (void)grad_pooled, (void)indices, (void)begin, (void)end;
    (void)grad_w_t, (void)grad_b, (void)grad_x;
#endif
}

}  // namespace strata::backend::cpu
