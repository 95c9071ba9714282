// Matrix products. float32 runs on oneDNN's single-threaded GEMM, one call per slice of the product, with the
// bias and activation applied to each slice's rows after it.
// float64 (gradient checks) runs on plain loops: oneDNN has no double-precision matmul on CPUs.
#include <cmath>
#include <cstring>
#include <string>

#include <oneapi/dnnl/dnnl.h>

#include "cpu_backend.hpp"
#include "parallel.hpp"

namespace strata::backend::cpu {

namespace {

// Determinism (DESIGN.md): oneDNN's GEMM chooses its blocking, and on some CPUs (AVX2 ones among them) whether
// to split the inner axis k across threads, from the thread count, so one product could round one way on one
// thread and another way on two. strata never lets oneDNN thread a product: it cuts the product into slices of
// the batch, of the rows or of the columns, whose number depends on the shape alone, and runs each slice as one
// single-threaded GEMM on OpenMP's pool (oneDNN runs on one thread inside a parallel region, and
// for_each_slice gives it one thread outside). Every output element is then summed by the same kernel in the
// same order, whatever the thread count.
//
// The products run through oneDNN's GEMM (dnnl_sgemm) rather than its matmul primitive: the primitive's
// execute() builds a hash map of its arguments on every call (18 heap allocations a product), the GEMM none,
// so that a planned training step allocates nothing. Bias and activation follow on each slice's rows while
// they are still in cache.

template <class T>
T apply_epilogue(T v, Epilogue e) {
    switch (e) {
        case Epilogue::none: return v;
        case Epilogue::relu: return v > T(0) ? v : T(0);
        case Epilogue::sigmoid: return v >= T(0) ? T(1) / (T(1) + std::exp(-v)) : std::exp(v) / (T(1) + std::exp(v));
        case Epilogue::tanh: return std::tanh(v);
    }
    return v;
}

// out[rows, n] += bias, then the epilogue; one pass per row.
void bias_and_epilogue(float* out, std::int64_t rows, std::int64_t n, std::int64_t ldc, const float* bias,
                       Epilogue epilogue) {
    for (std::int64_t i = 0; i < rows; ++i) {
        float* row = out + i * ldc;
        if (bias) {
#pragma omp simd
            for (std::int64_t j = 0; j < n; ++j) row[j] += bias[j];
        }
        switch (epilogue) {
            case Epilogue::none: break;
            case Epilogue::relu:
#pragma omp simd
                for (std::int64_t j = 0; j < n; ++j) row[j] = row[j] > 0.0f ? row[j] : 0.0f;
                break;
            default:
                for (std::int64_t j = 0; j < n; ++j) row[j] = apply_epilogue(row[j], epilogue);
        }
    }
}

// Up to this many rows (one image through a Dense layer, a few at a time) a product runs on few_rows_gemm.
constexpr std::int64_t kFewRows = 4;

// Sixteen floats, loaded and stored unaligned; GCC and clang map the arithmetic onto the widest vectors the
// target has (one AVX-512 register, two AVX ones).
using Floats16 = float __attribute__((vector_size(64), aligned(4)));

inline Floats16 load16(const float* p) {
    Floats16 v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// c[m, n] = a[m, k] b[k, n] for a few rows: each row of c is the rows of b weighted by a row of a, summed in
// four interleaved lanes of k (so that the adds do not wait on each other) and 32 columns at a time, all
// in registers. oneDNN's GEMM spends longer setting up than this takes: 1.4 us against about 0.3 us for one
// row of 784 by a 784 x 32 matrix.
void few_rows_gemm(std::int64_t m, std::int64_t n, std::int64_t k, const float* a, std::int64_t lda, const float* b,
                   std::int64_t ldb, float* c, std::int64_t ldc) {
    for (std::int64_t i = 0; i < m; ++i) {
        const float* row = a + i * lda;
        float* out = c + i * ldc;
        std::int64_t j0 = 0;
        for (; j0 + 32 <= n; j0 += 32) {
            Floats16 acc[4][2] = {};
            std::int64_t p = 0;
            for (; p + 4 <= k; p += 4)
                for (int lane = 0; lane < 4; ++lane) {
                    const float* b_row = b + (p + lane) * ldb + j0;
                    const float w = row[p + lane];
                    acc[lane][0] += w * load16(b_row);
                    acc[lane][1] += w * load16(b_row + 16);
                }
            for (; p < k; ++p) {
                acc[0][0] += row[p] * load16(b + p * ldb + j0);
                acc[0][1] += row[p] * load16(b + p * ldb + j0 + 16);
            }
            for (int half = 0; half < 2; ++half) {
                Floats16 sum = (acc[0][half] + acc[1][half]) + (acc[2][half] + acc[3][half]);
                std::memcpy(out + j0 + 16 * half, &sum, sizeof sum);
            }
        }
        for (std::int64_t j = j0; j < n; ++j) {  // the last columns, under 32
            float lane_sums[4] = {};
            std::int64_t p = 0;
            for (; p + 4 <= k; p += 4)
                for (int lane = 0; lane < 4; ++lane) lane_sums[lane] += row[p + lane] * b[(p + lane) * ldb + j];
            for (; p < k; ++p) lane_sums[0] += row[p] * b[p * ldb + j];
            out[j] = (lane_sums[0] + lane_sums[1]) + (lane_sums[2] + lane_sums[3]);
        }
    }
}

// One single-threaded GEMM: c[m, n] = op(a)[m, k] op(b)[k, n], row-major, with leading dimensions.
void gemm(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, const float* a, std::int64_t lda,
          const float* b, std::int64_t ldb, float* c, std::int64_t ldc) {
    if (m <= kFewRows && !ta && !tb) {
        few_rows_gemm(m, n, k, a, lda, b, ldb, c, ldc);
        return;
    }
    dnnl_status_t status = dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc);
    if (status != dnnl_success)
        throw DeviceError("matmul: oneDNN's sgemm failed with status " + std::to_string(static_cast<int>(status)) +
                          " for a " + std::to_string(m) + "x" + std::to_string(k) + " by " + std::to_string(k) +
                          "x" + std::to_string(n) + " product");
}

// Below this many multiply-adds a product runs as one slice: waking a thread costs more than it saves.
constexpr std::int64_t kMacsPerSlice = std::int64_t{1} << 20;
// The most slices a product is cut into, whatever the thread count: enough for the threads of a mid-sized CPU.
// Each slice packs the whole of the other operand again, so thinner slices cost more than they share: a
// 256 x 1024 x 1024 product in 16 slices of 64 columns takes 15 to 35% longer on one core than in 8 slices
// (oneDNN 2.6's GEMM, its three orientations in a training step).
constexpr std::int64_t kMaxSlices = 8;

// How many slices a product of `macs` multiply-adds is cut into along an axis of `extent`: a power of two (an
// even split over two threads), at most one per kMacsPerSlice, and no slice thinner than `min_extent`.
std::int64_t slice_count(std::int64_t macs, std::int64_t extent, std::int64_t min_extent) {
    std::int64_t slices = 1;
    while (slices * 2 <= kMaxSlices && macs / (slices * 2) >= kMacsPerSlice && extent / (slices * 2) >= min_extent)
        slices *= 2;
    return slices;
}

void matmul_f32(const float* a, const float* b, const float* bias, std::int64_t batch, std::int64_t m, std::int64_t k,
                std::int64_t n, bool ta, bool tb, Epilogue epilogue, float* out) {
    const std::int64_t lda = ta ? m : k, ldb = tb ? k : n, ldc = n;
    const std::int64_t sa = m * k, sb = k * n, sc = m * n;
    const std::int64_t macs = batch * m * k * n;
    // Slice the batch when there is one, else the longer of the rows and the columns.
    enum class Axis { batch, rows, cols } axis = batch > 1 ? Axis::batch : (m >= n ? Axis::rows : Axis::cols);
    std::int64_t extent = axis == Axis::batch ? batch : axis == Axis::rows ? m : n;
    std::int64_t slices = slice_count(macs, extent, axis == Axis::batch ? 1 : 16);

    for_each_slice(extent, slices, [&](std::int64_t, std::int64_t begin, std::int64_t end) {
        const std::int64_t count = end - begin;
        switch (axis) {
            case Axis::batch:
                for (std::int64_t i = begin; i < end; ++i) {
                    gemm(ta, tb, m, n, k, a + i * sa, lda, b + i * sb, ldb, out + i * sc, ldc);
                    bias_and_epilogue(out + i * sc, m, n, ldc, bias, epilogue);
                }
                break;
            case Axis::rows:
                gemm(ta, tb, count, n, k, ta ? a + begin : a + begin * lda, lda, b, ldb, out + begin * ldc, ldc);
                bias_and_epilogue(out + begin * ldc, count, n, ldc, bias, epilogue);
                break;
            case Axis::cols:
                gemm(ta, tb, m, count, k, a, lda, tb ? b + begin * ldb : b + begin, ldb, out + begin, ldc);
                bias_and_epilogue(out + begin, m, count, ldc, bias ? bias + begin : nullptr, epilogue);
                break;
        }
    });
}

void matmul_f64(const double* a, const double* b, const double* bias, std::int64_t batch, std::int64_t m,
                std::int64_t k, std::int64_t n, bool ta, bool tb, Epilogue e, double* out) {
    parallel_for(batch * m, k * n, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t row = begin; row < end; ++row) {
            std::int64_t bi = row / m, i = row % m;
            const double* pa = a + bi * m * k;
            const double* pb = b + bi * k * n;
            double* po = out + bi * m * n + i * n;
            for (std::int64_t j = 0; j < n; ++j) po[j] = bias ? bias[j] : 0.0;
            for (std::int64_t p = 0; p < k; ++p) {
                double av = ta ? pa[p * m + i] : pa[i * k + p];
                for (std::int64_t j = 0; j < n; ++j) po[j] += av * (tb ? pb[j * k + p] : pb[p * n + j]);
            }
            for (std::int64_t j = 0; j < n; ++j) po[j] = apply_epilogue(po[j], e);
        }
    });
}

}  // namespace

void CpuBackend::matmul(const Tensor& a, const Tensor& b, const Tensor* bias, bool transpose_a, bool transpose_b,
                        Epilogue epilogue, Tensor& out) const {
    // a: [batch?, m, k] (or [batch?, k, m] transposed); b: [batch?, k, n] (or [batch?, n, k]).
    int ra = a.rank();
    std::int64_t batch = ra == 3 ? a.shape()[0] : 1;
    std::int64_t m = out.shape()[out.rank() - 2], n = out.shape()[out.rank() - 1];
    std::int64_t k = transpose_a ? a.shape()[ra - 2] : a.shape()[ra - 1];
    if (out.numel() == 0) return;  // no batch, row or column: nothing to write (oneDNN refuses empty shapes)
    if (k == 0) {
        fill(out, 0.0);
        return;
    }
    if (a.dtype() == float64) {
        matmul_f64(a.data<double>(), b.data<double>(), bias ? bias->data<double>() : nullptr, batch, m, k, n,
                   transpose_a, transpose_b, epilogue, out.data<double>());
        return;
    }
    matmul_f32(a.data<float>(), b.data<float>(), bias ? bias->data<float>() : nullptr, batch, m, k, n, transpose_a,
               transpose_b, epilogue, out.data<float>());
}

}  // namespace strata::backend::cpu
