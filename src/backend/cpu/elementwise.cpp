// Elementwise CPU kernels: fill, copy, cast, unary maps, broadcasting binary maps and where.
#include <cmath>
#include <cstring>
#include <vector>

#include "cpu_backend.hpp"
#include "parallel.hpp"
#include "strided.hpp"

namespace strata::backend::cpu {

namespace {

template <class T>
void map_unary(const Tensor& x, Tensor& out, auto f) {
    const T* in = x.data<T>();
    T* o = out.data<T>();
    parallel_for(x.numel(), 4, [&](std::int64_t begin, std::int64_t end) {
#pragma omp simd
        for (std::int64_t i = begin; i < end; ++i) o[i] = f(in[i]);
    });
}

template <class T>
T stable_sigmoid(T v) {
    if (v >= T(0)) return T(1) / (T(1) + std::exp(-v));
    T e = std::exp(v);
    return e / (T(1) + e);
}

template <class T>
void unary_floating(UnaryOp op, const Tensor& x, Tensor& out, T alpha) {
    // SELU's constants, from Klambauer et al. 2017 as Keras has them.
    constexpr T selu_alpha = T(1.6732632423543772848170429916717);
    constexpr T selu_scale = T(1.0507009873554804934193349852946);
    switch (op) {
        case UnaryOp::exp: return map_unary<T>(x, out, [](T v) { return std::exp(v); });
        case UnaryOp::log: return map_unary<T>(x, out, [](T v) { return std::log(v); });
        case UnaryOp::sqrt: return map_unary<T>(x, out, [](T v) { return std::sqrt(v); });
        case UnaryOp::rsqrt: return map_unary<T>(x, out, [](T v) { return T(1) / std::sqrt(v); });
        case UnaryOp::reciprocal: return map_unary<T>(x, out, [](T v) { return T(1) / v; });
        case UnaryOp::round: return map_unary<T>(x, out, [](T v) { return std::nearbyint(v); });  // half to even
        case UnaryOp::floor: return map_unary<T>(x, out, [](T v) { return std::floor(v); });
        case UnaryOp::erf: return map_unary<T>(x, out, [](T v) { return std::erf(v); });
        case UnaryOp::log1p: return map_unary<T>(x, out, [](T v) { return std::log1p(v); });
        case UnaryOp::relu: return map_unary<T>(x, out, [](T v) { return v > T(0) ? v : T(0); });
        case UnaryOp::sigmoid: return map_unary<T>(x, out, [](T v) { return stable_sigmoid(v); });
        case UnaryOp::tanh: return map_unary<T>(x, out, [](T v) { return std::tanh(v); });
        case UnaryOp::elu:
            return map_unary<T>(x, out, [alpha](T v) { return v > T(0) ? v : alpha * std::expm1(v); });
        case UnaryOp::selu:
            return map_unary<T>(x, out, [](T v) { return selu_scale * (v > T(0) ? v : selu_alpha * std::expm1(v)); });
        case UnaryOp::gelu:
            return map_unary<T>(x, out, [](T v) { return T(0.5) * v * (T(1) + std::erf(v / std::sqrt(T(2)))); });
        case UnaryOp::gelu_tanh:
            return map_unary<T>(x, out, [](T v) {
                constexpr T c = T(0.7978845608028654);  // sqrt(2 / pi)
                return T(0.5) * v * (T(1) + std::tanh(c * (v + T(0.044715) * v * v * v)));
            });
        case UnaryOp::softplus:  // log(1 + e^x) without overflow
            return map_unary<T>(x, out, [](T v) { return std::log1p(std::exp(-std::abs(v))) + (v > T(0) ? v : T(0)); });
        case UnaryOp::softsign: return map_unary<T>(x, out, [](T v) { return v / (T(1) + std::abs(v)); });
        case UnaryOp::silu: return map_unary<T>(x, out, [](T v) { return v * stable_sigmoid(v); });
        case UnaryOp::leaky_relu: return map_unary<T>(x, out, [alpha](T v) { return v > T(0) ? v : alpha * v; });
        case UnaryOp::hard_sigmoid:  // Keras 3: relu6(x + 3) / 6
            return map_unary<T>(x, out, [](T v) { return std::min(std::max(v + T(3), T(0)), T(6)) / T(6); });
        case UnaryOp::power: return map_unary<T>(x, out, [alpha](T v) { return std::pow(v, alpha); });
        default: break;
    }
    throw ValueError("unary kernel: op not defined for floating tensors");
}

template <class T>
void unary_any(UnaryOp op, const Tensor& x, Tensor& out, double alpha) {
    switch (op) {
        case UnaryOp::identity: return map_unary<T>(x, out, [](T v) { return v; });
        case UnaryOp::negative: return map_unary<T>(x, out, [](T v) { return T(-v); });
        case UnaryOp::square: return map_unary<T>(x, out, [](T v) { return T(v * v); });
        case UnaryOp::abs: return map_unary<T>(x, out, [](T v) { return v < T(0) ? T(-v) : v; });
        case UnaryOp::sign: return map_unary<T>(x, out, [](T v) { return T((T(0) < v) - (v < T(0))); });
        case UnaryOp::positive_step: return map_unary<T>(x, out, [](T v) { return v > T(0) ? T(1) : T(0); });
        default: break;
    }
    if constexpr (std::is_floating_point_v<T>) return unary_floating<T>(op, x, out, static_cast<T>(alpha));
    else throw TypeError("unary kernel: op needs a floating tensor, got " + dtype_name(x.dtype()));
}

template <class T, class R>
R apply_binary(BinaryOp op, T a, T b) {
    switch (op) {
        case BinaryOp::add: return R(a + b);
        case BinaryOp::subtract: return R(a - b);
        case BinaryOp::multiply: return R(a * b);
        case BinaryOp::divide: return R(a / b);
        case BinaryOp::maximum: return R(a > b ? a : b);
        case BinaryOp::minimum: return R(a < b ? a : b);
        case BinaryOp::power: return R(std::pow(a, b));
        case BinaryOp::equal: return R(a == b);
        case BinaryOp::not_equal: return R(a != b);
        case BinaryOp::less: return R(a < b);
        case BinaryOp::less_equal: return R(a <= b);
        case BinaryOp::greater: return R(a > b);
        case BinaryOp::greater_equal: return R(a >= b);
        case BinaryOp::logical_and: return R(a && b);
    }
    return R{};
}

// One instantiation per op, so that the inner loop has no branch and vectorises.
template <class T, class R, BinaryOp Op>
void binary_loop(const Tensor& a, const Tensor& b, Tensor& out) {
    const T* pa = a.data<T>();
    const T* pb = b.data<T>();
    R* po = out.data<R>();
    std::int64_t n = out.numel();
    if (a.shape() == out.shape() && b.shape() == out.shape()) {
        parallel_for(n, 1, [&](std::int64_t begin, std::int64_t end) {
#pragma omp simd
            for (std::int64_t i = begin; i < end; ++i) po[i] = apply_binary<T, R>(Op, pa[i], pb[i]);
        });
        return;
    }
    if (b.numel() == 1 && a.shape() == out.shape()) {
        T s = pb[0];
        parallel_for(n, 1, [&](std::int64_t begin, std::int64_t end) {
#pragma omp simd
            for (std::int64_t i = begin; i < end; ++i) po[i] = apply_binary<T, R>(Op, pa[i], s);
        });
        return;
    }
    if (a.numel() == 1 && b.shape() == out.shape()) {
        T s = pa[0];
        parallel_for(n, 1, [&](std::int64_t begin, std::int64_t end) {
#pragma omp simd
            for (std::int64_t i = begin; i < end; ++i) po[i] = apply_binary<T, R>(Op, s, pb[i]);
        });
        return;
    }
    // General broadcasting: walk the output row by row (last axis), each operand with its own strides.
    BroadcastIndexer ia(a.shape(), out.shape()), ib(b.shape(), out.shape());
    std::int64_t inner = out.rank() ? out.shape()[out.rank() - 1] : 1;
    std::int64_t rows = inner ? n / inner : 0;
    std::int64_t sa = ia.inner_stride(), sb = ib.inner_stride();
    parallel_for(rows, inner, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t r = begin; r < end; ++r) {
            const T* ra = pa + ia.row_offset(r);
            const T* rb = pb + ib.row_offset(r);
            R* ro = po + r * inner;
            for (std::int64_t i = 0; i < inner; ++i) ro[i] = apply_binary<T, R>(Op, ra[i * sa], rb[i * sb]);
        }
    });
}

template <class T, class R>
void binary_typed(BinaryOp op, const Tensor& a, const Tensor& b, Tensor& out) {
    switch (op) {
#define STRATA_CASE(name) \
    case BinaryOp::name: return binary_loop<T, R, BinaryOp::name>(a, b, out);
        STRATA_CASE(add) STRATA_CASE(subtract) STRATA_CASE(multiply) STRATA_CASE(divide) STRATA_CASE(maximum)
        STRATA_CASE(minimum) STRATA_CASE(power) STRATA_CASE(equal) STRATA_CASE(not_equal) STRATA_CASE(less)
        STRATA_CASE(less_equal) STRATA_CASE(greater) STRATA_CASE(greater_equal) STRATA_CASE(logical_and)
#undef STRATA_CASE
    }
}

bool is_comparison(BinaryOp op) { return op >= BinaryOp::equal; }

}  // namespace

void CpuBackend::fill(Tensor& out, double value) const {
    dispatch_dtype(out.dtype(), [&]<class T>() {
        T* o = out.data<T>();
        T v = static_cast<T>(value);
        parallel_for(out.numel(), 1, [&](std::int64_t begin, std::int64_t end) { std::fill(o + begin, o + end, v); });
    });
}

void CpuBackend::copy(const Tensor& x, Tensor& out) const {
    std::memcpy(out.raw_data(), x.raw_data(), static_cast<std::size_t>(x.numel()) * dtype_size(x.dtype()));
}

void CpuBackend::transfer(void* host, Tensor& device_tensor, bool to_host) const {
    std::size_t bytes = static_cast<std::size_t>(device_tensor.numel()) * dtype_size(device_tensor.dtype());
    if (to_host) std::memcpy(host, device_tensor.raw_data(), bytes);
    else std::memcpy(device_tensor.raw_data(), host, bytes);
}

void CpuBackend::cast(const Tensor& x, Tensor& out) const {
    dispatch_dtype(x.dtype(), [&]<class S>() {
        dispatch_dtype(out.dtype(), [&]<class D>() {
            const S* in = x.data<S>();
            D* o = out.data<D>();
            parallel_for(x.numel(), 1, [&](std::int64_t begin, std::int64_t end) {
                for (std::int64_t i = begin; i < end; ++i) o[i] = static_cast<D>(in[i]);
            });
        });
    });
}

void CpuBackend::unary(UnaryOp op, const Tensor& x, Tensor& out, double alpha) const {
    dispatch_dtype(x.dtype(), [&]<class T>() {
        if constexpr (std::is_same_v<T, bool>) throw TypeError("unary kernel: bool tensors take no arithmetic");
        else unary_any<T>(op, x, out, alpha);
    });
}

void CpuBackend::binary(BinaryOp op, const Tensor& a, const Tensor& b, Tensor& out) const {
    dispatch_dtype(a.dtype(), [&]<class T>() {
        if (is_comparison(op)) binary_typed<T, bool>(op, a, b, out);
        else binary_typed<T, T>(op, a, b, out);
    });
}

void CpuBackend::where(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out) const {
    dispatch_dtype(out.dtype(), [&]<class T>() {
        const bool* pc = cond.data<bool>();
        const T* pa = a.data<T>();
        const T* pb = b.data<T>();
        T* po = out.data<T>();
        BroadcastIndexer ic(cond.shape(), out.shape()), ia(a.shape(), out.shape()), ib(b.shape(), out.shape());
        std::int64_t inner = out.rank() ? out.shape()[out.rank() - 1] : 1;
        std::int64_t rows = inner ? out.numel() / inner : 0;
        parallel_for(rows, inner, [&](std::int64_t begin, std::int64_t end) {
            for (std::int64_t r = begin; r < end; ++r) {
                const bool* rc = pc + ic.row_offset(r);
                const T* ra = pa + ia.row_offset(r);
                const T* rb = pb + ib.row_offset(r);
                for (std::int64_t i = 0; i < inner; ++i)
                    po[r * inner + i] = rc[i * ic.inner_stride()] ? ra[i * ia.inner_stride()] : rb[i * ib.inner_stride()];
            }
        });
    });
}

}  // namespace strata::backend::cpu
