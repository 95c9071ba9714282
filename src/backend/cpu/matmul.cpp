// Matrix products. float32 runs on oneDNN's matmul primitive, created once per shape, transposition, bias
// and epilogue and cached; bias and activation are oneDNN post-ops, so they cost no extra pass over memory.
// float64 (gradient checks) runs on plain loops: oneDNN has no double-precision matmul on CPUs.
#include <cmath>
#include <map>
#include <unordered_map>
#include <mutex>
#include <tuple>

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

// oneDNN fixes a primitive's thread count when it creates it, so the count is part of the key: a primitive
// made for two threads would otherwise keep using two after set_num_threads(1).
struct MatmulKey {
    std::int64_t batch, m, k, n;
    bool transpose_a, transpose_b, bias;
    Epilogue epilogue;
    int threads;
    auto operator<=>(const MatmulKey&) const = default;
};

// Strides of a [batch, rows, cols] operand stored as [batch, cols, rows] when transposed.
dnnl::memory::desc operand_desc(std::int64_t batch, std::int64_t rows, std::int64_t cols, bool transposed) {
    using dims = dnnl::memory::dims;
    dims strides = transposed ? dims{rows * cols, 1, rows} : dims{rows * cols, cols, 1};
    return dnnl::memory::desc(dims{batch, rows, cols}, dnnl::memory::data_type::f32, strides);
}

const dnnl::matmul& primitive_for(const MatmulKey& key) {
    static std::mutex mutex;
    static std::map<MatmulKey, dnnl::matmul> cache;
    std::lock_guard lock(mutex);
    auto it = cache.find(key);
    if (it != cache.end()) return it->second;

    auto a = operand_desc(key.batch, key.m, key.k, key.transpose_a);
    auto b = operand_desc(key.batch, key.k, key.n, key.transpose_b);
    auto c = operand_desc(key.batch, key.m, key.n, false);
    dnnl::post_ops ops;
    switch (key.epilogue) {
        case Epilogue::none: break;
        case Epilogue::relu: ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f); break;
        case Epilogue::sigmoid: ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_logistic, 0.0f, 0.0f); break;
        case Epilogue::tanh: ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_tanh, 0.0f, 0.0f); break;
    }
    dnnl::primitive_attr attr;
    attr.set_post_ops(ops);
    dnnl::matmul::desc desc = key.bias ? dnnl::matmul::desc(a, b, operand_desc(1, 1, key.n, false), c)
                                       : dnnl::matmul::desc(a, b, c);
    dnnl::matmul::primitive_desc pd(desc, attr, engine());
    return cache.emplace(key, dnnl::matmul(pd)).first->second;
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
    MatmulKey key{batch, m, k, n, transpose_a, transpose_b, bias != nullptr, epilogue, omp_get_max_threads()};
    const dnnl::matmul& prim = primitive_for(key);
    using dnnl::memory;
    memory ma(operand_desc(batch, m, k, transpose_a), engine(), a.raw_data());
    memory mb(operand_desc(batch, k, n, transpose_b), engine(), b.raw_data());
    memory mc(operand_desc(batch, m, n, false), engine(), out.raw_data());
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, ma}, {DNNL_ARG_WEIGHTS, mb}, {DNNL_ARG_DST, mc}};
    if (bias) args.emplace(DNNL_ARG_BIAS, memory(operand_desc(1, 1, n, false), engine(), bias->raw_data()));
    prim.execute(stream(), args);
    stream().wait();
}

}  // namespace strata::backend::cpu
