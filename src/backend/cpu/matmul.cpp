// Matrix products. float32 runs on oneDNN's matmul primitive, created once per slice shape, transposition,
// bias and epilogue and cached; bias and activation are oneDNN post-ops, so they cost no extra pass over memory.
// float64 (gradient checks) runs on plain loops: oneDNN has no double-precision matmul on CPUs.
#include <cmath>
#include <map>
#include <unordered_map>
#include <mutex>
#include <tuple>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "cpu_backend.hpp"
#include "parallel.hpp"

namespace strata::backend::cpu {

namespace {

dnnl::engine& engine() {
    static dnnl::engine e(dnnl::engine::kind::cpu, 0);
    return e;
}

dnnl::stream& stream() {
    thread_local dnnl::stream s(engine());
    return s;
}

// Determinism (DESIGN.md): oneDNN chooses its blocking, and on some CPUs (AVX2 ones among them) whether to
// split the inner axis k across threads, from the thread count, so one product could round one way on one
// thread and another way on two. strata never lets oneDNN thread a product: it cuts the product into slices
// of the batch, of the rows or of the columns, whose number depends on the shape alone, creates each slice's
// primitive for one thread, and runs the slices on OpenMP's pool. Every output element is then summed by the
// same kernel in the same order, whatever the thread count.

// A slice of the product: its extents and the strides of the whole operands it reads and writes.
struct MatmulKey {
    std::int64_t batch, m, k, n;
    std::int64_t lda, ldb, ldc;  // leading dimensions of the stored operands
    std::int64_t sa, sb, sc;     // their batch strides
    bool transpose_a, transpose_b, bias;
    Epilogue epilogue;
    auto operator<=>(const MatmulKey&) const = default;
};

// A [batch, rows, cols] operand inside a larger one: rows `ld` apart, or, stored transposed, columns `ld` apart.
dnnl::memory::desc operand_desc(std::int64_t batch, std::int64_t rows, std::int64_t cols, bool transposed,
                                std::int64_t ld, std::int64_t batch_stride) {
    using dims = dnnl::memory::dims;
    dims strides = transposed ? dims{batch_stride, 1, ld} : dims{batch_stride, ld, 1};
    return dnnl::memory::desc(dims{batch, rows, cols}, dnnl::memory::data_type::f32, strides);
}

// A primitive, the layouts of its operands, and the scratchpad it asks for: slices run at once, each with
// its own scratchpad.
struct MatmulEntry {
    dnnl::matmul primitive;
    dnnl::memory::desc a, b, bias, c, scratchpad;
};

const MatmulEntry& primitive_for(const MatmulKey& key) {
    static std::mutex mutex;
    static std::map<MatmulKey, MatmulEntry> cache;
    std::lock_guard lock(mutex);
    auto it = cache.find(key);
    if (it != cache.end()) return it->second;

    OneThreadScope one_thread;
    auto a = operand_desc(key.batch, key.m, key.k, key.transpose_a, key.lda, key.sa);
    auto b = operand_desc(key.batch, key.k, key.n, key.transpose_b, key.ldb, key.sb);
    auto c = operand_desc(key.batch, key.m, key.n, false, key.ldc, key.sc);
    dnnl::post_ops ops;
    switch (key.epilogue) {
        case Epilogue::none: break;
        case Epilogue::relu: ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f); break;
        case Epilogue::sigmoid: ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_logistic, 0.0f, 0.0f); break;
        case Epilogue::tanh: ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_tanh, 0.0f, 0.0f); break;
    }
    dnnl::primitive_attr attr;
    attr.set_post_ops(ops);
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    auto bias = operand_desc(1, 1, key.n, false, key.n, key.n);
    dnnl::matmul::desc desc = key.bias ? dnnl::matmul::desc(a, b, bias, c) : dnnl::matmul::desc(a, b, c);
    dnnl::matmul::primitive_desc pd(desc, attr, engine());
    return cache.emplace(key, MatmulEntry{dnnl::matmul(pd), a, b, bias, c, pd.scratchpad_desc()}).first->second;
}

// The arguments of a cached primitive on this thread, pointed at this call's buffers. Making a dnnl::memory
// allocates, pointing one at another buffer does not: each thread makes the memory objects of each primitive
// it runs once, and a product then costs no allocation (a one-image model(x) runs a handful of them).
const std::unordered_map<int, dnnl::memory>& bound_arguments(const MatmulEntry& entry, float* a, float* b,
                                                             float* bias, float* c, std::uint8_t* scratchpad) {
    // Entries live as long as the process (the cache only grows), so their addresses are stable keys.
    thread_local std::unordered_map<const MatmulEntry*, std::unordered_map<int, dnnl::memory>> bound;
    auto [found, made] = bound.try_emplace(&entry);
    std::unordered_map<int, dnnl::memory>& args = found->second;
    if (made) {
        args.emplace(DNNL_ARG_SRC, dnnl::memory(entry.a, engine(), DNNL_MEMORY_NONE));
        args.emplace(DNNL_ARG_WEIGHTS, dnnl::memory(entry.b, engine(), DNNL_MEMORY_NONE));
        args.emplace(DNNL_ARG_DST, dnnl::memory(entry.c, engine(), DNNL_MEMORY_NONE));
        if (bias) args.emplace(DNNL_ARG_BIAS, dnnl::memory(entry.bias, engine(), DNNL_MEMORY_NONE));
        args.emplace(DNNL_ARG_SCRATCHPAD, dnnl::memory(entry.scratchpad, engine(), DNNL_MEMORY_NONE));
    }
    args.at(DNNL_ARG_SRC).set_data_handle(a);
    args.at(DNNL_ARG_WEIGHTS).set_data_handle(b);
    args.at(DNNL_ARG_DST).set_data_handle(c);
    if (bias) args.at(DNNL_ARG_BIAS).set_data_handle(bias);
    args.at(DNNL_ARG_SCRATCHPAD).set_data_handle(scratchpad);
    return args;
}

// Below this many multiply-adds a product runs as one slice: waking a thread costs more than it saves.
constexpr std::int64_t kMacsPerSlice = std::int64_t{1} << 20;
// The most slices a product is cut into: enough for the threads of a large CPU, whatever the thread count.
constexpr std::int64_t kMaxSlices = 16;

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
        std::int64_t count = end - begin;
        MatmulKey key{batch, m, k, n, lda, ldb, ldc, sa, sb, sc, ta, tb, bias != nullptr, epilogue};
        const float *pa = a, *pb = b, *pbias = bias;
        float* pc = out;
        switch (axis) {
            case Axis::batch:
                key.batch = count;
                pa += begin * sa, pb += begin * sb, pc += begin * sc;
                break;
            case Axis::rows:
                key.m = count;
                pa += ta ? begin : begin * lda, pc += begin * ldc;
                break;
            case Axis::cols:
                key.n = count;
                pb += tb ? begin * ldb : begin, pc += begin;
                if (pbias) pbias += begin;
                break;
        }
        const MatmulEntry& entry = primitive_for(key);
        // oneDNN takes every buffer as void*; it writes only the destination and the scratchpad.
        thread_local std::vector<std::uint8_t> scratch;
        if (scratch.size() < entry.scratchpad.get_size()) scratch.resize(entry.scratchpad.get_size());
        const std::unordered_map<int, dnnl::memory>& args =
            bound_arguments(entry, const_cast<float*>(pa), const_cast<float*>(pb), const_cast<float*>(pbias), pc,
                            scratch.data());
        entry.primitive.execute(stream(), args);
        stream().wait();
    });
}

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
