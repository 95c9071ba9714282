// The backward of a 2-D convolution (bias and activation fused) whose output goes through max pooling over
// windows that tile it, as one kernel. Max pooling sends each gradient to one position of its window, so all
// but one in pool_h * pool_w of the convolution's outputs get a zero gradient, and the convolution's dense
// backward spends that share of its work on zeros. Here the sums run over the windows' maxima alone, read
// from the pooling's indices (max_pool2d_with_indices):
//
//   dz                = g_pooled[o] * f'(y_pooled[o])      y_pooled is the convolution's output at the maximum
//   dW[k][:][o]      += dz * x[at(o) + k][:]               for each kernel position k that lies inside x
//   dx[at(o) + k][:] += dz * W[k][:][o]
//   db[o]            += dz
//
// where at(o) is where the receptive field of output channel o's maximum starts in x. For Keras's small
// convnet that is a quarter of the dense passes' arithmetic, with no gradient of the convolution's output
// written to memory and read back, and no pooling backward.
//
// Vectors run over the input channels (backward_images), with W and dW kept as [o][kh][kw][c_in] (a
// transposed copy of W, and the slices' partial sums of dW), so both updates run along contiguous floats; with
// few input channels the weights' gradient runs them over the output channels: with AVX-512 in the kernels
// of conv_max_pool_few_channels.hpp, which keep the sums in registers, elsewhere in weights_across_outputs.
//
// Threads: the batch is cut into slices by its size alone, each slice on one thread, writing its images' dx
// and its own partial dW and db; the partials are added in slice order, so the bits do not depend on the
// thread count.
#include <algorithm>
#include <cstring>

#include "conv_max_pool_few_channels.hpp"
#include "conv_max_pool_many_channels.hpp"
#include "convolution.hpp"
#include "parallel.hpp"
#include "scratch.hpp"
#include "training_kernels.hpp"

namespace strata::backend::cpu {

namespace {

// As the convolutions (convolution.cpp): enough slices for a large CPU's threads, whatever the thread count.
constexpr std::int64_t kSlices = 16;
// Under this many input channels, and with no dx asked for, the weights' gradient runs its vectors over the
// output channels (weights_across_outputs).
constexpr std::int64_t kVectorChannels = 16;

// dz[k] = g[k] * f'(z[k]) for k < m, from y = f(z): activation_backward's products, in vectors.
void through_activation(Epilogue activation, const float* g, const float* y, float* dz, std::int64_t m) {
    switch (activation) {
        case Epilogue::none: std::copy_n(g, m, dz); return;
        case Epilogue::relu:
#pragma omp simd
            for (std::int64_t k = 0; k < m; ++k) dz[k] = g[k] * (y[k] > 0.0f ? 1.0f : 0.0f);
            return;
        case Epilogue::sigmoid:
#pragma omp simd
            for (std::int64_t k = 0; k < m; ++k) dz[k] = g[k] * y[k] * (1.0f - y[k]);
            return;
        case Epilogue::tanh:
#pragma omp simd
            for (std::int64_t k = 0; k < m; ++k) dz[k] = g[k] * (1.0f - y[k] * y[k]);
            return;
    }
}

struct Problem {
    ConvDims d;
    Backend::PoolWindow pool;
    std::int64_t pooled_h, pooled_w;
    Epilogue activation;
    const float* x;
    const float* pooled;
    const float* grad_pooled;
    const std::uint8_t* indices;
    const float* kernel_t;  // [o][kh][kw][c_in], or null when dx is not wanted
    float* grad_x;          // or null
};

// dW_t (and dx) along one run of `len` contiguous floats of x, dW_t, W_t and dx.
inline void accumulate(std::int64_t len, float dz, const float* x, float* grad_w, const float* w, float* grad_x) {
#pragma omp simd
    for (std::int64_t i = 0; i < len; ++i) grad_w[i] += dz * x[i];
    if (!grad_x) return;
#pragma omp simd
    for (std::int64_t i = 0; i < len; ++i) grad_x[i] += dz * w[i];
}

// Images [begin, end): adds their share to grad_w_t [o][kh][kw][c_in] and grad_b [o], and writes their dx.
void backward_images(const Problem& p, std::int64_t begin, std::int64_t end, float* grad_w_t, float* grad_b) {
    const ConvDims& d = p.d;
    const std::int64_t ih_n = d.in[1], iw_n = d.in[2], ow_n = d.out[2];
    const std::int64_t kh_n = d.k[1], kw_n = d.k[2], c = d.c_in, o_n = d.c_out;
    const std::int64_t sh = d.stride[1], sw = d.stride[2], dh = d.dilation[1], dw = d.dilation[2];
    // Where position a of a window lies in it, (row_of[a], column_of[a]), for windows table_width wide: a
    // division per output channel would cost more than its whole update.
    std::uint8_t row_of[256], column_of[256];
    std::int64_t table_width = 0;
    for (std::int64_t b = begin; b < end; ++b) {
        const float* image = p.x + b * ih_n * iw_n * c;
        float* grad_image = p.grad_x ? p.grad_x + b * ih_n * iw_n * c : nullptr;
        if (grad_image) std::fill_n(grad_image, ih_n * iw_n * c, 0.0f);
        for (std::int64_t i = 0; i < p.pooled_h; ++i) {
            const std::int64_t r0 = i * p.pool.strides[0];
            for (std::int64_t j = 0; j < p.pooled_w; ++j) {
                const std::int64_t c0 = j * p.pool.strides[1];
                // The window as the pooling saw it: clipped at the output's edge, positions row-major from 0.
                const std::int64_t width = std::min(c0 + p.pool.pool[1], ow_n) - c0;
                if (width != table_width) {
                    for (std::int64_t a = 0; a < p.pool.pool[0] * width; ++a) {
                        row_of[a] = static_cast<std::uint8_t>(a / width);
                        column_of[a] = static_cast<std::uint8_t>(a % width);
                    }
                    table_width = width;
                }
                const std::int64_t window = ((b * p.pooled_h + i) * p.pooled_w + j) * o_n;
                for (std::int64_t o = 0; o < o_n; ++o) {
                    const float dz = activation_backward(p.activation, p.grad_pooled[window + o], p.pooled[window + o]);
                    if (dz == 0.0f) continue;  // adds nothing: a relu's zero, most often
                    grad_b[o] += dz;
                    const std::uint8_t position = p.indices[window + o];
                    const std::int64_t top = (r0 + row_of[position]) * sh - d.pad_begin[1];
                    const std::int64_t left = (c0 + column_of[position]) * sw - d.pad_begin[2];
                    // The kernel's columns that fall inside x: iw = left + kw * dw in [0, iw_n).
                    std::int64_t kw0 = 0, kw1 = kw_n;
                    if (dw == 1) {
                        kw0 = std::max<std::int64_t>(0, -left);
                        kw1 = std::min(kw_n, iw_n - left);
                    } else {
                        kw0 = left >= 0 ? 0 : (-left + dw - 1) / dw;
                        kw1 = std::min(kw_n, left >= iw_n ? 0 : (iw_n - 1 - left) / dw + 1);
                    }
                    if (kw0 >= kw1) continue;
                    // With dilation 1 a kernel row's columns lie side by side in x, W_t, dW_t and dx alike: one run.
                    const std::int64_t runs = dw == 1 ? 1 : kw1 - kw0, len = (dw == 1 ? kw1 - kw0 : 1) * c;
                    for (std::int64_t kh = 0; kh < kh_n; ++kh) {
                        const std::int64_t ih = top + kh * dh;
                        if (ih < 0 || ih >= ih_n) continue;
                        const std::int64_t row = (o * kh_n + kh) * kw_n;  // of W_t and dW_t, in runs of c_in
                        for (std::int64_t kw = kw0; kw < kw0 + runs; ++kw) {
                            const std::int64_t pixel = ih * iw_n + left + kw * dw;
                            accumulate(len, dz, image + pixel * c, grad_w_t + (row + kw) * c,
                                       p.kernel_t ? p.kernel_t + (row + kw) * c : nullptr,
                                       grad_image ? grad_image + pixel * c : nullptr);
                        }
                    }
                }
            }
        }
    }
}

// With few input channels (an image's first convolution) runs of c_in floats are too short for vectors: the
// weights' gradient runs its vectors over the output channels instead, in Keras's layout [kh][kw][c_in][o].
// Per window, dz is split by where each channel's maximum lies, dz_at[a][o] = dz[o] where at(o) = a, else 0;
// then dW[k][ci][:] += x[a + k][ci] * dz_at[a][:] for each position a whose x lies inside the image (not
// in the padding). Images [begin, end): adds their share to grad_w and grad_b [o]; no dx.
void weights_across_outputs(const Problem& p, std::int64_t begin, std::int64_t end, float* grad_w, float* grad_b) {
    constexpr std::int64_t kBlock = 64;  // output channels at a time: their state stays in L1
    const ConvDims& d = p.d;
    const std::int64_t ih_n = d.in[1], iw_n = d.in[2], oh_n = d.out[1], ow_n = d.out[2];
    const std::int64_t kh_n = d.k[1], kw_n = d.k[2], c = d.c_in, o_n = d.c_out;
    std::int64_t top[256], left[256];  // where each position's receptive field starts in x
    float dz[kBlock], at[kBlock];      // positions as floats: compared beside floats, they vectorise
    float dz_at[256][kBlock];
    for (std::int64_t b = begin; b < end; ++b) {
        const float* image = p.x + b * ih_n * iw_n * c;
        for (std::int64_t i = 0; i < p.pooled_h; ++i) {
            const std::int64_t r0 = i * p.pool.strides[0], r1 = std::min(r0 + p.pool.pool[0], oh_n);
            for (std::int64_t j = 0; j < p.pooled_w; ++j) {
                const std::int64_t c0 = j * p.pool.strides[1], c1 = std::min(c0 + p.pool.pool[1], ow_n);
                // Row-major within the (clipped) window, as the pooling numbers them.
                std::int64_t positions = 0;
                for (std::int64_t oh = r0; oh < r1; ++oh)
                    for (std::int64_t ow = c0; ow < c1; ++ow, ++positions) {
                        top[positions] = oh * d.stride[1] - d.pad_begin[1];
                        left[positions] = ow * d.stride[2] - d.pad_begin[2];
                    }
                const std::int64_t window = ((b * p.pooled_h + i) * p.pooled_w + j) * o_n;
                for (std::int64_t o0 = 0; o0 < o_n; o0 += kBlock) {
                    const std::int64_t m = std::min(kBlock, o_n - o0);
                    const std::int64_t first = window + o0;
                    through_activation(p.activation, p.grad_pooled + first, p.pooled + first, dz, m);
#pragma omp simd
                    for (std::int64_t k = 0; k < m; ++k) {
                        at[k] = static_cast<float>(p.indices[first + k]);
                        grad_b[o0 + k] += dz[k];
                    }
                    for (std::int64_t a = 0; a < positions; ++a) {
                        const float position = static_cast<float>(a);
#pragma omp simd
                        for (std::int64_t k = 0; k < m; ++k) dz_at[a][k] = at[k] == position ? dz[k] : 0.0f;
                    }
                    for (std::int64_t kh = 0; kh < kh_n; ++kh)
                        for (std::int64_t kw = 0; kw < kw_n; ++kw)
                            for (std::int64_t a = 0; a < positions; ++a) {
                                const std::int64_t ih = top[a] + kh * d.dilation[1];
                                const std::int64_t iw = left[a] + kw * d.dilation[2];
                                if (ih < 0 || ih >= ih_n || iw < 0 || iw >= iw_n) continue;  // padding
                                const float* xs = image + (ih * iw_n + iw) * c;
                                for (std::int64_t ci = 0; ci < c; ++ci) {
                                    const float value = xs[ci];
                                    float* gw = grad_w + ((kh * kw_n + kw) * c + ci) * o_n + o0;
#pragma omp simd
                                    for (std::int64_t k = 0; k < m; ++k) gw[k] += value * dz_at[a][k];
                                }
                            }
                }
            }
        }
    }
}

}  // namespace

void conv2d_backward_through_max_pool(const Tensor& x, const Tensor& kernel, const Tensor& conv_output,
                                      const Backend::ConvGeometry& geometry, Epilogue activation,
                                      const Tensor& pooled, const Tensor& grad_pooled, const std::uint8_t* indices,
                                      const Backend::PoolWindow& pool, Tensor* grad_kernel, Tensor* grad_bias,
                                      Tensor* grad_x, bool portable) {
    Problem p{conv_dims(x.shape(), kernel.shape(), conv_output.shape(), geometry),
              pool,
              pooled.shape()[1],
              pooled.shape()[2],
              activation,
              x.data<float>(),
              pooled.data<float>(),
              grad_pooled.data<float>(),
              indices,
              nullptr,
              grad_x ? grad_x->data<float>() : nullptr};
    const ConvDims& d = p.d;
    const std::int64_t taps = d.k[1] * d.k[2], weights = taps * d.c_in * d.c_out;
    const bool across_outputs = !grad_x && d.c_in < kVectorChannels;
    // Where AVX-512 kernels cover the shapes, their sums stay in registers.
    const ConvUnderPool pair{d, pool, p.pooled_h, p.pooled_w, activation};
    const bool few_in_registers = across_outputs && !portable && few_channel_weights_gradient_covers(pair);
    const bool many_in_registers = !across_outputs && !portable && many_channel_backward_covers(pair);
    if (grad_x && d.n > 0) {
        // W [kh][kw][c_in][o] -> W_t [o][kh][kw][c_in]
        auto* t = static_cast<float*>(thread_scratch(Scratch::weights, static_cast<std::size_t>(weights) * sizeof(float)));
        const float* w = kernel.data<float>();
        for (std::int64_t k = 0; k < taps; ++k)
            for (std::int64_t ci = 0; ci < d.c_in; ++ci)
                for (std::int64_t o = 0; o < d.c_out; ++o) t[(o * taps + k) * d.c_in + ci] = w[(k * d.c_in + ci) * d.c_out + o];
        p.kernel_t = t;
    }
    // Each slice's dW and db, one after the other; with no images, a single zero one.
    const std::int64_t size = std::max<std::int64_t>(1, (d.n + kSlices - 1) / kSlices);
    const std::int64_t slices = std::max<std::int64_t>(1, (d.n + size - 1) / size), stride = weights + d.c_out;
    auto* partial = static_cast<float*>(
        thread_scratch(Scratch::partial, static_cast<std::size_t>(slices * stride) * sizeof(float)));
    std::fill_n(partial, stride, 0.0f);
    if (d.n > 0)
        for_each_slice(d.n, slices, [&](std::int64_t s, std::int64_t begin, std::int64_t end) {
            float* mine = partial + s * stride;
            if (s > 0) std::fill_n(mine, stride, 0.0f);
            if (few_in_registers)
                few_channel_weights_gradient(pair, p.x, p.pooled, p.grad_pooled, p.indices, begin, end, mine,
                                             mine + weights);
            else if (many_in_registers)
                many_channel_backward(pair, p.x, p.kernel_t, p.pooled, p.grad_pooled, p.indices, begin, end, mine,
                                      mine + weights, p.grad_x);
            else if (across_outputs) weights_across_outputs(p, begin, end, mine, mine + weights);
            else backward_images(p, begin, end, mine, mine + weights);
        });
    if (!grad_kernel && !grad_bias) return;
    // The slices' sums in slice order into the first, then (unless it is already) in Keras's [kh][kw][c_in][o].
    parallel_for(stride, slices, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t s = 1; s < slices; ++s) {
            const float* from = partial + s * stride;
#pragma omp simd
            for (std::int64_t i = begin; i < end; ++i) partial[i] += from[i];
        }
    });
    if (grad_kernel && across_outputs) {
        std::memcpy(grad_kernel->data<float>(), partial, static_cast<std::size_t>(weights) * sizeof(float));
    } else if (grad_kernel) {
        float* gw = grad_kernel->data<float>();
        for (std::int64_t o = 0; o < d.c_out; ++o)
            for (std::int64_t k = 0; k < taps; ++k)
                for (std::int64_t ci = 0; ci < d.c_in; ++ci) gw[(k * d.c_in + ci) * d.c_out + o] = partial[(o * taps + k) * d.c_in + ci];
    }
    if (grad_bias) std::memcpy(grad_bias->data<float>(), partial + weights, static_cast<std::size_t>(d.c_out) * sizeof(float));
}

}  // namespace strata::backend::cpu
