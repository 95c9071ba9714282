// The kernels of conv_max_pool_few_channels.hpp, and the fused forward that the planned step calls
// (conv2d_max_pool_forward, training_kernels.hpp).
#include "conv_max_pool_few_channels.hpp"

#include <algorithm>

#include "parallel.hpp"
#include "training_kernels.hpp"

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12 takes the placeholder vectors inside AVX-512 intrinsics for values that may be used uninitialized
// (GCC bug 105593); they are not. The warning points into the intrinsics' header, hence before it.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#define STRATA_FEW_CHANNEL_KERNELS 1
#endif

namespace strata::backend::cpu {

namespace {

// The weights' gradient holds a patch in two vectors; the forward reads it from memory, and takes more.
constexpr std::int64_t kPatchInRegisters = 32;
constexpr std::int64_t kPatchInMemory = 256;
// Kernel rows (taps times input channels) held in registers, and positions in a pooling window (their
// offsets are one vector of indices).
constexpr std::int64_t kMaxRows = 32;
constexpr std::int64_t kMaxPositions = 16;
// As the convolutions (convolution.cpp): slices by the batch size alone, so the bits do not depend on the
// thread count.
constexpr std::int64_t kSlices = 16;

// Where the values of one window's receptive field lie, from where the field starts: position a of the window
// (row-major) has its own field start at position[a], and kernel row k (Keras's [kh][kw][c_in] order) finds
// its value row[k] floats on from there. `pitch` is the floats from one row of x (or of a patch) to the next.
struct Offsets {
    alignas(64) std::int32_t position[kMaxPositions] = {};
    std::int32_t row[kMaxRows] = {};
};

// A window's receptive field in x: its "patch" [rows][columns][c_in].
struct PatchLayout {
    std::int64_t rows = 0, columns = 0, floats = 0;
    std::int64_t positions = 0, kernel_rows = 0;
    Offsets in_patch, in_image;  // within a patch copied out, and within x itself
};

Offsets offsets_for(const ConvUnderPool& c, std::int64_t pitch) {
    const ConvDims& d = c.d;
    Offsets o;
    for (std::int64_t a = 0; a < c.pool.pool[0] * c.pool.pool[1]; ++a) {
        const std::int64_t row = a / c.pool.pool[1], column = a % c.pool.pool[1];
        o.position[a] = static_cast<std::int32_t>(row * d.stride[1] * pitch + column * d.stride[2] * d.c_in);
    }
    for (std::int64_t kh = 0, k = 0; kh < d.k[1]; ++kh)
        for (std::int64_t kw = 0; kw < d.k[2]; ++kw)
            for (std::int64_t ci = 0; ci < d.c_in; ++ci, ++k)
                o.row[k] = static_cast<std::int32_t>(kh * d.dilation[1] * pitch + kw * d.dilation[2] * d.c_in + ci);
    return o;
}

PatchLayout layout_of(const ConvUnderPool& c) {
    const ConvDims& d = c.d;
    PatchLayout l;
    l.rows = (c.pool.pool[0] - 1) * d.stride[1] + (d.k[1] - 1) * d.dilation[1] + 1;
    l.columns = (c.pool.pool[1] - 1) * d.stride[2] + (d.k[2] - 1) * d.dilation[2] + 1;
    l.floats = l.rows * l.columns * d.c_in;
    l.positions = c.pool.pool[0] * c.pool.pool[1];
    l.kernel_rows = d.k[1] * d.k[2] * d.c_in;
    if (l.positions > kMaxPositions || l.kernel_rows > kMaxRows) return l;  // not covered: no offsets
    l.in_patch = offsets_for(c, l.columns * d.c_in);
    l.in_image = offsets_for(c, d.in[2] * d.c_in);
    return l;
}

bool covers(const ConvUnderPool& c, std::int64_t max_patch) {
#ifdef STRATA_FEW_CHANNEL_KERNELS
    const ConvDims& d = c.d;
    const PatchLayout l = layout_of(c);
    return d.spatial == 2 && d.groups == 1 && pool_windows_tile(c.pool) && c.pooled_h * c.pool.pool[0] <= d.out[1] &&
           c.pooled_w * c.pool.pool[1] <= d.out[2] && l.positions <= kMaxPositions && l.kernel_rows <= kMaxRows &&
           l.floats <= max_patch;
#else
    (void)c;
    (void)max_patch;
    return false;
#endif
}

// Window (i, j) of the pooling: where its receptive field starts in x (row, column; in the padding when
// negative), and whether it lies wholly inside x.
struct Field {
    std::int64_t top, left;
    bool inside;
};

Field field_of(const ConvUnderPool& c, const PatchLayout& l, std::int64_t i, std::int64_t j) {
    const ConvDims& d = c.d;
    const std::int64_t top = i * c.pool.strides[0] * d.stride[1] - d.pad_begin[1];
    const std::int64_t left = j * c.pool.strides[1] * d.stride[2] - d.pad_begin[2];
    return {top, left, top >= 0 && left >= 0 && top + l.rows <= d.in[1] && left + l.columns <= d.in[2]};
}

// A field that reaches into the padding, copied out of `image` with zeros there and after it.
void copy_patch(const ConvUnderPool& c, const PatchLayout& l, const float* image, const Field& f, float* patch,
                std::int64_t size) {
    const ConvDims& d = c.d;
    const std::int64_t ch = d.c_in, run = l.columns * ch;
    for (std::int64_t r = 0; r < l.rows; ++r)
        for (std::int64_t col = 0; col < l.columns; ++col) {
            const std::int64_t ih = f.top + r, iw = f.left + col;
            const bool in_x = ih >= 0 && ih < d.in[1] && iw >= 0 && iw < d.in[2];
            for (std::int64_t ci = 0; ci < ch; ++ci)
                patch[r * run + col * ch + ci] = in_x ? image[(ih * d.in[2] + iw) * ch + ci] : 0.0f;
        }
    std::fill(patch + l.floats, patch + size, 0.0f);
}

#ifdef STRATA_FEW_CHANNEL_KERNELS

// The lanes of output channels [o0, o0 + 16) that exist.
__mmask16 lanes_from(std::int64_t o0, std::int64_t o_n) {
    return o_n - o0 >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << (o_n - o0)) - 1);
}

// One image's forward, 16 output channels at a time, the kernel's rows for them in registers, each window's
// values read from x where its field lies inside it (from a patch copied out where it reaches into the
// padding). FixedRows and FixedPositions, when not 0, fix the loops' lengths at compile time, so that the
// sums stay in registers (Keras's 3 x 3 kernels on one channel under 2 x 2 pools).
template <int FixedRows, int FixedPositions>
void forward_image(const ConvUnderPool& c, const PatchLayout& l, const float* image, const float* kernel,
                   const float* bias, float* pooled, std::uint8_t* indices) {
    const std::int64_t rows = FixedRows ? FixedRows : l.kernel_rows;
    const std::int64_t positions = FixedPositions ? FixedPositions : l.positions;
    const std::int64_t o_n = c.d.c_out;
    const bool relu = c.activation == Epilogue::relu;
    alignas(64) float patch[kPatchInMemory];
    for (std::int64_t o0 = 0; o0 < o_n; o0 += 16) {
        const __mmask16 lanes = lanes_from(o0, o_n);
        __m512 w[FixedRows ? FixedRows : kMaxRows]{};
#pragma GCC unroll 32
        for (std::int64_t k = 0; k < rows; ++k) w[k] = _mm512_maskz_loadu_ps(lanes, kernel + k * o_n + o0);
        const __m512 b = bias ? _mm512_maskz_loadu_ps(lanes, bias + o0) : _mm512_setzero_ps();
        for (std::int64_t i = 0, window = 0; i < c.pooled_h; ++i)
            for (std::int64_t j = 0; j < c.pooled_w; ++j, ++window) {
                const Field f = field_of(c, l, i, j);
                const float* origin = patch;
                const Offsets* at = &l.in_patch;
                if (f.inside) {
                    origin = image + (f.top * c.d.in[2] + f.left) * c.d.c_in;
                    at = &l.in_image;
                } else {
                    copy_patch(c, l, image, f, patch, l.floats);
                }
                __m512 sum[FixedPositions ? FixedPositions : kMaxPositions]{};
#pragma GCC unroll 16
                for (std::int64_t a = 0; a < positions; ++a) sum[a] = b;
#pragma GCC unroll 32
                for (std::int64_t k = 0; k < rows; ++k)
#pragma GCC unroll 16
                    for (std::int64_t a = 0; a < positions; ++a)
                        sum[a] = _mm512_fmadd_ps(_mm512_set1_ps(origin[at->position[a] + at->row[k]]), w[k], sum[a]);
                // max(0, s) returns s when s is NaN (its second operand), as the relu of the eager ops does.
                if (relu)
#pragma GCC unroll 16
                    for (std::int64_t a = 0; a < positions; ++a) sum[a] = _mm512_max_ps(_mm512_setzero_ps(), sum[a]);
                // The first maximum on ties, as max_pool2d_with_indices: a later position takes it only when greater.
                __m512 best = sum[0];
                __m512i where = _mm512_setzero_si512();
#pragma GCC unroll 16
                for (std::int64_t a = 1; a < positions; ++a) {
                    const __mmask16 greater = _mm512_cmp_ps_mask(sum[a], best, _CMP_GT_OQ);
                    best = _mm512_mask_mov_ps(best, greater, sum[a]);
                    where = _mm512_mask_mov_epi32(where, greater, _mm512_set1_epi32(static_cast<int>(a)));
                }
                _mm512_mask_storeu_ps(pooled + window * o_n + o0, lanes, best);
                _mm512_mask_cvtepi32_storeu_epi8(indices + window * o_n + o0, lanes, where);
            }
    }
}

// dz = g * f'(z) from y = f(z), in activation_backward's order of products.
__m512 through_activation(Epilogue activation, __m512 g, __m512 y) {
    const __m512 one = _mm512_set1_ps(1.0f);
    switch (activation) {
        case Epilogue::none: return g;
        case Epilogue::relu: return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(y, _mm512_setzero_ps(), _CMP_GT_OQ), g);
        case Epilogue::sigmoid: return _mm512_mul_ps(_mm512_mul_ps(g, y), _mm512_sub_ps(one, y));
        case Epilogue::tanh: return _mm512_mul_ps(g, _mm512_sub_ps(one, _mm512_mul_ps(y, y)));
    }
    return g;
}

// Where the rows of a patch go in two vectors: row r fills lanes [r * run, (r + 1) * run), which a masked
// load from `run * r` floats before the row fills from it and reads nothing else (still within x: a row of x
// is at least `run` long).
struct PatchRows {
    std::int64_t rows = 0;
    std::int64_t shift[kPatchInRegisters] = {};  // from the field's start to row r's load, in floats
    __mmask16 low[kPatchInRegisters] = {}, high[kPatchInRegisters] = {};
};

PatchRows patch_rows(const ConvUnderPool& c, const PatchLayout& l) {
    PatchRows p;
    const std::int64_t pitch = c.d.in[2] * c.d.c_in, run = l.columns * c.d.c_in;
    p.rows = std::min(l.rows, kPatchInRegisters);
    for (std::int64_t r = 0; r < p.rows && (r + 1) * run <= kPatchInRegisters; ++r) {
        const std::uint64_t bits = ((std::uint64_t{1} << run) - 1) << (r * run);
        p.shift[r] = r * (pitch - run);
        p.low[r] = static_cast<__mmask16>(bits & 0xFFFF);
        p.high[r] = static_cast<__mmask16>(bits >> 16);
    }
    return p;
}

// A window's patch in two vectors, its element e in lane e: loaded row by row from x where the field lies
// inside it, copied out (with zeros in the padding) where it does not.
[[gnu::always_inline]] inline void load_patch(const ConvUnderPool& c, const PatchLayout& l, const PatchRows& p,
                                              const float* image, const Field& f, __m512& low, __m512& high) {
    if (!f.inside) {
        alignas(64) float patch[kPatchInRegisters];
        copy_patch(c, l, image, f, patch, kPatchInRegisters);
        low = _mm512_load_ps(patch);
        high = _mm512_load_ps(patch + 16);
        return;
    }
    const float* first = image + (f.top * c.d.in[2] + f.left) * c.d.c_in;
    low = _mm512_setzero_ps();
    high = _mm512_setzero_ps();
    for (std::int64_t r = 0; r < p.rows; ++r) {
        low = _mm512_mask_loadu_ps(low, p.low[r], first + p.shift[r]);
        if (p.high[r]) high = _mm512_mask_loadu_ps(high, p.high[r], first + p.shift[r] + 16);
    }
}

// One image: adds to grad_w and grad_b, 16 output channels at a time. A channel's value at kernel row k is
// the patch's element at its maximum's offset plus k's, which one permutation of the patch's two vectors
// picks for all 16. The sums stay in registers across the image's windows (FixedRows, when not 0, fixes
// their count at compile time).
template <int FixedRows>
void weights_gradient_image(const ConvUnderPool& c, const PatchLayout& l, const float* image, const float* pooled,
                            const float* grad_pooled, const std::uint8_t* indices, float* grad_w, float* grad_b) {
    const std::int64_t rows = FixedRows ? FixedRows : l.kernel_rows;
    const std::int64_t o_n = c.d.c_out;
    const __m512i position_offset = _mm512_load_si512(l.in_patch.position);
    __m512i row_offset[FixedRows ? FixedRows : kMaxRows]{};
#pragma GCC unroll 32
    for (std::int64_t k = 0; k < rows; ++k) row_offset[k] = _mm512_set1_epi32(l.in_patch.row[k]);
    const PatchRows patch_rows_ = patch_rows(c, l);
    for (std::int64_t o0 = 0; o0 < o_n; o0 += 16) {
        const __mmask16 lanes = lanes_from(o0, o_n);
        __m512 sum[FixedRows ? FixedRows : kMaxRows]{};
#pragma GCC unroll 32
        for (std::int64_t k = 0; k < rows; ++k) sum[k] = _mm512_maskz_loadu_ps(lanes, grad_w + k * o_n + o0);
        __m512 bias_sum = _mm512_maskz_loadu_ps(lanes, grad_b + o0);
        for (std::int64_t i = 0, window = 0; i < c.pooled_h; ++i)
            for (std::int64_t j = 0; j < c.pooled_w; ++j, ++window) {
                const std::int64_t first = window * o_n + o0;
                const __m512 dz = through_activation(c.activation, _mm512_maskz_loadu_ps(lanes, grad_pooled + first),
                                                     _mm512_maskz_loadu_ps(lanes, pooled + first));
                const __m512i at = _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(lanes, indices + first));
                const __m512i origin = _mm512_permutexvar_epi32(at, position_offset);
                __m512 low, high;
                load_patch(c, l, patch_rows_, image, field_of(c, l, i, j), low, high);
#pragma GCC unroll 32
                for (std::int64_t k = 0; k < rows; ++k) {
                    const __m512 value = _mm512_permutex2var_ps(low, _mm512_add_epi32(origin, row_offset[k]), high);
                    sum[k] = _mm512_fmadd_ps(value, dz, sum[k]);
                }
                bias_sum = _mm512_add_ps(bias_sum, dz);
            }
#pragma GCC unroll 32
        for (std::int64_t k = 0; k < rows; ++k) _mm512_mask_storeu_ps(grad_w + k * o_n + o0, lanes, sum[k]);
        _mm512_mask_storeu_ps(grad_b + o0, lanes, bias_sum);
    }
}

#endif  // STRATA_FEW_CHANNEL_KERNELS

}  // namespace

bool few_channel_forward_covers(const ConvUnderPool& c) {
    return (c.activation == Epilogue::relu || c.activation == Epilogue::none) && covers(c, kPatchInMemory);
}

bool few_channel_weights_gradient_covers(const ConvUnderPool& c) { return covers(c, kPatchInRegisters); }

void few_channel_forward(const ConvUnderPool& c, const float* x, const float* kernel, const float* bias,
                         std::int64_t begin, std::int64_t end, float* pooled, std::uint8_t* indices) {
#ifdef STRATA_FEW_CHANNEL_KERNELS
    const ConvDims& d = c.d;
    const PatchLayout l = layout_of(c);
    const std::int64_t image = d.in[1] * d.in[2] * d.c_in, out = c.pooled_h * c.pooled_w * d.c_out;
    const bool keras_first_layer = l.kernel_rows == 9 && l.positions == 4;
    for (std::int64_t b = begin; b < end; ++b) {
        if (keras_first_layer) forward_image<9, 4>(c, l, x + b * image, kernel, bias, pooled + b * out, indices + b * out);
        else forward_image<0, 0>(c, l, x + b * image, kernel, bias, pooled + b * out, indices + b * out);
    }
#else
    (void)c, (void)x, (void)kernel, (void)bias, (void)begin, (void)end, (void)pooled, (void)indices;
#endif
}

void few_channel_weights_gradient(const ConvUnderPool& c, const float* x, const float* pooled,
                                  const float* grad_pooled, const std::uint8_t* indices, std::int64_t begin,
                                  std::int64_t end, float* grad_w, float* grad_b) {
#ifdef STRATA_FEW_CHANNEL_KERNELS
    const ConvDims& d = c.d;
    const PatchLayout l = layout_of(c);
    const std::int64_t image = d.in[1] * d.in[2] * d.c_in, out = c.pooled_h * c.pooled_w * d.c_out;
    for (std::int64_t b = begin; b < end; ++b) {
        const std::int64_t first = b * out;
        if (l.kernel_rows == 9)
            weights_gradient_image<9>(c, l, x + b * image, pooled + first, grad_pooled + first, indices + first,
                                      grad_w, grad_b);
        else
            weights_gradient_image<0>(c, l, x + b * image, pooled + first, grad_pooled + first, indices + first,
                                      grad_w, grad_b);
    }
#else
    (void)c, (void)x, (void)pooled, (void)grad_pooled, (void)indices, (void)begin, (void)end, (void)grad_w, (void)grad_b;
#endif
}

namespace {

ConvUnderPool conv_under_pool(const Shape& x, const Shape& kernel, const Shape& conv_output, const Shape& pooled,
                              const Backend::ConvGeometry& geometry, Epilogue activation,
                              const Backend::PoolWindow& pool) {
    return {conv_dims(x, kernel, conv_output, geometry), pool, pooled[1], pooled[2], activation};
}

}  // namespace

bool conv2d_max_pool_forward_covers(const Shape& x, const Shape& kernel, const Shape& conv_output, const Shape& pooled,
                                    const Backend::ConvGeometry& geometry, Epilogue activation,
                                    const Backend::PoolWindow& pool) {
    if (x.rank() != 4 || kernel.rank() != 4 || conv_output.rank() != 4 || pooled.rank() != 4) return false;
    return few_channel_forward_covers(conv_under_pool(x, kernel, conv_output, pooled, geometry, activation, pool));
}

void conv2d_max_pool_forward(const Tensor& x, const Tensor& kernel, const Tensor* bias, const Tensor& conv_output,
                             const Backend::ConvGeometry& geometry, Epilogue activation,
                             const Backend::PoolWindow& pool, Tensor& pooled, std::uint8_t* indices) {
    const ConvUnderPool c =
        conv_under_pool(x.shape(), kernel.shape(), conv_output.shape(), pooled.shape(), geometry, activation, pool);
    const std::int64_t n = c.d.n;
    if (n == 0) return;
    const float* x_data = x.data<float>();
    const float* w = kernel.data<float>();
    const float* b = bias ? bias->data<float>() : nullptr;
    float* out = pooled.data<float>();
    // Each image's outputs are its own: any slicing gives the same bits.
    for_each_slice(n, kSlices, [&](std::int64_t, std::int64_t begin, std::int64_t end) {
        few_channel_forward(c, x_data, w, b, begin, end, out, indices);
    });
}

}  // namespace strata::backend::cpu
