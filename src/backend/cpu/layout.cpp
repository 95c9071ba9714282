// Kernels that move elements: transpose, row gathers, one-hot.
#include <cstring>
#include <vector>

#include "cpu_backend.hpp"
#include "parallel.hpp"

namespace strata::backend::cpu {

namespace {

template <class T>
void transpose_2d(const T* in, T* out, std::int64_t rows, std::int64_t cols) {
    constexpr std::int64_t kBlock = 32;  // a block of each fits in L1
    parallel_for((rows + kBlock - 1) / kBlock, kBlock * cols, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t rb = begin * kBlock; rb < std::min(rows, end * kBlock); rb += kBlock)
            for (std::int64_t cb = 0; cb < cols; cb += kBlock)
                for (std::int64_t r = rb; r < std::min(rows, rb + kBlock); ++r)
                    for (std::int64_t c = cb; c < std::min(cols, cb + kBlock); ++c) out[c * rows + r] = in[r * cols + c];
    });
}

}  // namespace

void CpuBackend::transpose(const Tensor& x, std::span<const int> perm, Tensor& out) const {
    int rank = x.rank();
    dispatch_dtype(x.dtype(), [&]<class T>() {
        const T* in = x.data<T>();
        T* o = out.data<T>();
        if (rank == 2 && perm[0] == 1) return transpose_2d(in, o, x.shape()[0], x.shape()[1]);
        // General: walk the output in order; the input offset follows the permuted strides.
        std::vector<std::int64_t> in_strides(static_cast<std::size_t>(rank), 1);
        for (int i = rank - 2; i >= 0; --i) in_strides[static_cast<std::size_t>(i)] = in_strides[static_cast<std::size_t>(i + 1)] * x.shape()[i + 1];
        std::vector<std::int64_t> strides(static_cast<std::size_t>(rank)), extents(static_cast<std::size_t>(rank));
        for (int i = 0; i < rank; ++i) {
            strides[static_cast<std::size_t>(i)] = in_strides[static_cast<std::size_t>(perm[static_cast<std::size_t>(i)])];
            extents[static_cast<std::size_t>(i)] = out.shape()[i];
        }
        parallel_for(out.numel(), 1, [&](std::int64_t begin, std::int64_t end) {
            for (std::int64_t j = begin; j < end; ++j) {
                std::int64_t rem = j, offset = 0;
                for (int i = rank - 1; i >= 0; --i) {
                    std::int64_t e = extents[static_cast<std::size_t>(i)];
                    offset += (rem % e) * strides[static_cast<std::size_t>(i)];
                    rem /= e;
                }
                o[j] = in[offset];
            }
        });
    });
}

void CpuBackend::take_rows(const Tensor& x, const Tensor& indices, Tensor& out) const {
    std::int64_t rows = indices.numel();
    std::int64_t row_bytes = x.rank() ? (x.numel() / std::max<std::int64_t>(x.shape()[0], 1)) *
                                            static_cast<std::int64_t>(dtype_size(x.dtype()))
                                      : 0;
    const std::int64_t* idx = indices.data<std::int64_t>();
    const char* in = static_cast<const char*>(x.raw_data());
    char* o = static_cast<char*>(out.raw_data());
    parallel_for(rows, row_bytes / 4 + 1, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t r = begin; r < end; ++r)
            std::memcpy(o + r * row_bytes, in + idx[r] * row_bytes, static_cast<std::size_t>(row_bytes));
    });
}

void CpuBackend::scatter_add_rows(const Tensor& x, const Tensor& indices, Tensor& out) const {
    std::int64_t rows = indices.numel();
    std::int64_t width = rows ? x.numel() / rows : 0;
    const std::int64_t* idx = indices.data<std::int64_t>();
    dispatch_dtype(x.dtype(), [&]<class T>() {
        if constexpr (std::is_same_v<T, bool>) throw TypeError("scatter_add_rows: bool tensors take no sums");
        else {
            const T* in = x.data<T>();
            T* o = out.data<T>();
            // Serial: two indices may name the same row, and the order of additions must not vary.
            for (std::int64_t r = 0; r < rows; ++r) {
                T* dst = o + idx[r] * width;
                const T* src = in + r * width;
#pragma omp simd
                for (std::int64_t i = 0; i < width; ++i) dst[i] += src[i];
            }
        }
    });
}

void CpuBackend::one_hot(const Tensor& labels, Tensor& out) const {
    fill(out, 0.0);
    std::int64_t classes = out.shape()[1];
    dispatch_dtype(labels.dtype(), [&]<class L>() {
        const L* l = labels.data<L>();
        dispatch_dtype(out.dtype(), [&]<class T>() {
            T* o = out.data<T>();
            for (std::int64_t i = 0; i < labels.numel(); ++i) o[i * classes + static_cast<std::int64_t>(l[i])] = T(1);
        });
    });
}

const Backend& instance() {
    static const CpuBackend backend;
    return backend;
}

}  // namespace strata::backend::cpu
