// Reductions, argmax and softmax. A reduction is brought to the form [outer, reduced, inner] (transposing
// first when the reduced axes are not adjacent); sums accumulate in double, and a long row is summed in
// fixed chunks combined in order, so the result is the same on any number of threads.
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "cpu_backend.hpp"
#include "parallel.hpp"

namespace strata::backend::cpu {

namespace {

constexpr std::int64_t kChunk = 8192;

struct Canonical {
    std::int64_t outer = 1, reduced = 1, inner = 1;
};

// Splits a shape around the adjacent axes [first, last].
Canonical canonical(const Shape& shape, int first, int last) {
    Canonical c;
    for (int i = 0; i < shape.rank(); ++i) {
        if (i < first) c.outer *= shape[i];
        else if (i <= last) c.reduced *= shape[i];
        else c.inner *= shape[i];
    }
    return c;
}

template <class T, class Acc>
struct Reducer {
    ReduceOp op;
    Acc init() const {
        if (op == ReduceOp::sum) return Acc(0);
        if (op == ReduceOp::max) return std::numeric_limits<T>::has_infinity ? Acc(-std::numeric_limits<T>::infinity())
                                                                              : Acc(std::numeric_limits<T>::lowest());
        return std::numeric_limits<T>::has_infinity ? Acc(std::numeric_limits<T>::infinity())
                                                    : Acc(std::numeric_limits<T>::max());
    }
    Acc combine(Acc a, Acc b) const {
        if (op == ReduceOp::sum) return a + b;
        // NaN propagates, as in NumPy.
        if (std::isnan(static_cast<double>(a)) || std::isnan(static_cast<double>(b))) return a + b;
        return op == ReduceOp::max ? (a > b ? a : b) : (a < b ? a : b);
    }
};

template <class T>
void reduce_canonical(ReduceOp op, const T* x, T* out, Canonical c) {
    using Acc = std::conditional_t<std::is_floating_point_v<T>, double, std::int64_t>;
    Reducer<T, Acc> r{op};
    if (c.inner == 1 && c.outer == 1) {
        // One long row: fixed chunks in parallel, combined in order.
        std::int64_t chunks = (c.reduced + kChunk - 1) / kChunk;
        std::vector<Acc> partial(static_cast<std::size_t>(std::max<std::int64_t>(chunks, 1)), r.init());
        parallel_for(chunks, kChunk, [&](std::int64_t begin, std::int64_t end) {
            for (std::int64_t k = begin; k < end; ++k) {
                Acc acc = r.init();
                std::int64_t lo = k * kChunk, hi = std::min(c.reduced, lo + kChunk);
                for (std::int64_t i = lo; i < hi; ++i) acc = r.combine(acc, Acc(x[i]));
                partial[static_cast<std::size_t>(k)] = acc;
            }
        });
        Acc total = r.init();
        for (Acc p : partial) total = r.combine(total, p);
        out[0] = static_cast<T>(total);
        return;
    }
    if (c.inner == 1) {
        parallel_for(c.outer, c.reduced, [&](std::int64_t begin, std::int64_t end) {
            for (std::int64_t o = begin; o < end; ++o) {
                const T* row = x + o * c.reduced;
                Acc acc = r.init();
                for (std::int64_t i = 0; i < c.reduced; ++i) acc = r.combine(acc, Acc(row[i]));
                out[o] = static_cast<T>(acc);
            }
        });
        return;
    }
    // Reduce a middle axis: accumulate whole inner rows in order, vectorised along inner.
    parallel_for(c.outer * c.inner, c.reduced, [&](std::int64_t begin, std::int64_t end) {
        std::vector<Acc> acc;
        for (std::int64_t o = begin / c.inner; o * c.inner < end; ++o) {
            std::int64_t lo = std::max(begin, o * c.inner) - o * c.inner;
            std::int64_t hi = std::min(end, (o + 1) * c.inner) - o * c.inner;
            acc.assign(static_cast<std::size_t>(hi - lo), r.init());
            for (std::int64_t k = 0; k < c.reduced; ++k) {
                const T* row = x + (o * c.reduced + k) * c.inner;
                for (std::int64_t i = lo; i < hi; ++i)
                    acc[static_cast<std::size_t>(i - lo)] = r.combine(acc[static_cast<std::size_t>(i - lo)], Acc(row[i]));
            }
            for (std::int64_t i = lo; i < hi; ++i) out[o * c.inner + i] = static_cast<T>(acc[static_cast<std::size_t>(i - lo)]);
        }
    });
}

bool adjacent(std::span<const int> axes) {
    for (std::size_t i = 1; i < axes.size(); ++i)
        if (axes[i] != axes[i - 1] + 1) return false;
    return true;
}

}  // namespace

void CpuBackend::reduce(ReduceOp op, const Tensor& x, std::span<const int> axes, Tensor& out) const {
    if (axes.empty()) {
        copy(x, out);
        return;
    }
    if (x.numel() == 0) {  // an empty sum is 0; ops refuse max/min of nothing before reaching here
        fill(out, 0.0);
        return;
    }
    Tensor source = x;
    int first = axes.front(), last = axes.back();
    if (!adjacent(axes)) {
        // Move the reduced axes to the end, keeping the order of the others.
        std::vector<int> perm;
        std::vector<bool> reduced(static_cast<std::size_t>(x.rank()), false);
        for (int a : axes) reduced[static_cast<std::size_t>(a)] = true;
        for (int i = 0; i < x.rank(); ++i)
            if (!reduced[static_cast<std::size_t>(i)]) perm.push_back(i);
        for (int a : axes) perm.push_back(a);
        std::vector<std::int64_t> dims;
        for (int p : perm) dims.push_back(x.shape()[p]);
        source = Tensor::empty(Shape(dims), x.dtype(), x.device());
        transpose(x, perm, source);
        first = x.rank() - static_cast<int>(axes.size());
        last = x.rank() - 1;
    }
    Canonical c = canonical(source.shape(), first, last);
    dispatch_dtype(x.dtype(), [&]<class T>() {
        if constexpr (std::is_same_v<T, bool>) throw TypeError("reduce: cast bool tensors to a number type first");
        else reduce_canonical<T>(op, source.data<T>(), out.data<T>(), c);
    });
}

void CpuBackend::argmax(const Tensor& x, int axis, Tensor& out) const {
    Canonical c = canonical(x.shape(), axis, axis);
    std::int64_t* o = out.data<std::int64_t>();
    dispatch_dtype(x.dtype(), [&]<class T>() {
        const T* p = x.data<T>();
        parallel_for(c.outer * c.inner, c.reduced, [&](std::int64_t begin, std::int64_t end) {
            for (std::int64_t j = begin; j < end; ++j) {
                std::int64_t outer = j / c.inner, inner = j % c.inner;
                const T* base = p + outer * c.reduced * c.inner + inner;
                std::int64_t best = 0;
                for (std::int64_t k = 1; k < c.reduced; ++k)
                    if (base[k * c.inner] > base[best * c.inner]) best = k;  // the first maximum wins ties
                o[j] = best;
            }
        });
    });
}

void CpuBackend::softmax(const Tensor& x, bool log, Tensor& out) const {
    std::int64_t cols = x.shape()[x.rank() - 1];
    std::int64_t rows = cols ? x.numel() / cols : 0;
    dispatch_dtype(x.dtype(), [&]<class T>() {
        if constexpr (std::is_floating_point_v<T>) {
            const T* p = x.data<T>();
            T* o = out.data<T>();
            parallel_for(rows, cols * 8, [&](std::int64_t begin, std::int64_t end) {
                for (std::int64_t r = begin; r < end; ++r) {
                    const T* in = p + r * cols;
                    T* row = o + r * cols;
                    T m = in[0];
                    for (std::int64_t i = 1; i < cols; ++i) m = in[i] > m ? in[i] : m;
                    T sum = 0;
                    for (std::int64_t i = 0; i < cols; ++i) {
                        row[i] = std::exp(in[i] - m);
                        sum += row[i];
                    }
                    if (log) {
                        T log_sum = std::log(sum);
                        for (std::int64_t i = 0; i < cols; ++i) row[i] = in[i] - m - log_sum;
                    } else {
                        T inv = T(1) / sum;
                        for (std::int64_t i = 0; i < cols; ++i) row[i] *= inv;
                    }
                }
            });
        } else {
            throw TypeError("softmax: expected a floating tensor, got " + dtype_name(x.dtype()));
        }
    });
}

}  // namespace strata::backend::cpu
