// Reductions. Backward broadcasts the output gradient back over the reduced axes.
#include "strata/ops/reduce.hpp"

#include <algorithm>
#include <limits>

#include "common.hpp"
#include "strata/ops/elementwise.hpp"
#include "strata/ops/shape.hpp"

namespace strata::ops {

namespace detail {

std::vector<int> normalize_axes(const Shape& shape, const std::vector<int>& axes, const char* op) {
    std::vector<int> out;
    if (axes.empty()) {
        for (int i = 0; i < shape.rank(); ++i) out.push_back(i);
        return out;
    }
    for (int a : axes) out.push_back(shape.normalize_axis(a, op));
    std::sort(out.begin(), out.end());
    if (std::adjacent_find(out.begin(), out.end()) != out.end())
        throw ValueError(std::string(op) + ": an axis is repeated in the axes of shape " + shape.to_string());
    return out;
}

}  // namespace detail

namespace {

struct Reduced {
    std::vector<int> axes;
    Shape kept;     // the reduced axes as extent 1
    Shape dropped;  // the reduced axes removed
    std::int64_t count = 1;
};

Reduced plan(const Shape& shape, const std::vector<int>& axes, const char* op) {
    Reduced r;
    r.axes = detail::normalize_axes(shape, axes, op);
    std::vector<bool> reduced(static_cast<std::size_t>(shape.rank()), false);
    for (int a : r.axes) reduced[static_cast<std::size_t>(a)] = true;
    for (int i = 0; i < shape.rank(); ++i) {
        if (reduced[static_cast<std::size_t>(i)]) {
            r.kept.push_back(1);
            r.count *= shape[i];
        } else {
            r.kept.push_back(shape[i]);
            r.dropped.push_back(shape[i]);
        }
    }
    return r;
}

Tensor reduce_kernel(backend::ReduceOp op, const Tensor& x, const Reduced& r, bool keepdims) {
    Tensor out = Tensor::empty(r.dropped, x.dtype(), x.device());
    backend::of(x).reduce(op, x, r.axes, out);
    return keepdims ? out.detach().reshape(r.kept) : out;
}

Tensor extremum(backend::ReduceOp op, const Tensor& x, const std::vector<int>& axes, bool keepdims, const char* name) {
    detail::require_concrete(x, name);
    if (x.dtype() == bool_)
        throw TypeError(std::string(name) + ": cast the bool tensor of shape " + x.shape().to_string() +
                        " to a number type first");
    Reduced r = plan(x.shape(), axes, name);
    if (x.numel() == 0)
        throw ValueError(std::string(name) + ": cannot reduce an empty tensor of shape " + x.shape().to_string());
    Tensor out = reduce_kernel(op, x, r, keepdims);
    return autograd::record(out, name, {x}, [x = detail::saved(x), r, out = detail::saved(out)](const Tensor& g) {
        // The gradient goes to the elements equal to the extremum, split evenly among ties.
        Tensor mask = cast(equal(x, out.reshape(r.kept)), x.dtype());
        Tensor ties = sum(mask, r.axes, true);
        return std::vector<Tensor>{mask * reshape(g, r.kept) / ties};
    });
}

}  // namespace

Tensor sum(const Tensor& x, const std::vector<int>& axes, bool keepdims) {
    detail::require_concrete(x, "sum");
    Reduced r = plan(x.shape(), axes, "sum");
    Tensor source = x.dtype() == bool_ ? cast(x, int64) : x;
    Tensor out = reduce_kernel(backend::ReduceOp::sum, source, r, keepdims);
    return autograd::record(out, "sum", {x}, [shape = x.shape(), r](const Tensor& g) {
        return std::vector<Tensor>{broadcast_to(reshape(g, r.kept), shape)};
    });
}

Tensor mean(const Tensor& x, const std::vector<int>& axes, bool keepdims) {
    detail::require_concrete(x, "mean");
    Reduced r = plan(x.shape(), axes, "mean");
    Tensor floating = is_floating(x.dtype()) ? x : cast(x, float32);
    // Over no elements this is 0 / 0 = NaN, as NumPy and Keras give.
    return sum(floating, axes, keepdims) / static_cast<double>(r.count);
}

Tensor max(const Tensor& x, const std::vector<int>& axes, bool keepdims) {
    return extremum(backend::ReduceOp::max, x, axes, keepdims, "max");
}

Tensor min(const Tensor& x, const std::vector<int>& axes, bool keepdims) {
    return extremum(backend::ReduceOp::min, x, axes, keepdims, "min");
}

Tensor argmax(const Tensor& x, int axis) {
    detail::require_concrete(x, "argmax");
    if (x.rank() == 0) return Tensor::zeros({}, int64, x.device());
    int a = x.shape().normalize_axis(axis, "argmax");
    if (x.shape()[a] == 0) throw ValueError("argmax: axis " + std::to_string(axis) + " of shape " + x.shape().to_string() + " is empty");
    std::vector<std::int64_t> dims;
    for (int i = 0; i < x.rank(); ++i)
        if (i != a) dims.push_back(x.shape()[i]);
    Tensor out = Tensor::empty(Shape(dims), int64, x.device());
    backend::of(x).argmax(x, a, out);
    return out;
}

Tensor logsumexp(const Tensor& x, const std::vector<int>& axes, bool keepdims) {
    detail::require_concrete(x, "logsumexp");
    detail::require_floating(x, "logsumexp");
    Tensor m = max(x.detach(), axes, true);  // a constant shift: the gradient does not depend on it
    // An infinite maximum would give inf - inf = NaN; shift by 0 there instead, as JAX and Keras do, so that
    // all -inf gives -inf and any +inf gives +inf.
    m = where(less(abs(m), scalar_like(m, std::numeric_limits<double>::infinity())), m, scalar_like(m, 0.0));
    Tensor out = log(sum(exp(x - m), axes, true)) + m;
    if (keepdims) return out;
    Reduced r = plan(x.shape(), axes, "logsumexp");
    return reshape(out, r.dropped);
}

Tensor sum_to(const Tensor& x, const Shape& shape) {
    detail::require_concrete(x, "sum_to");
    if (x.shape() == shape) return x;
    int lead = x.rank() - shape.rank();
    if (lead < 0) throw ShapeError("sum_to: cannot sum shape " + x.shape().to_string() + " to " + shape.to_string());
    std::vector<int> axes;
    for (int i = 0; i < x.rank(); ++i) {
        if (i < lead) axes.push_back(i);
        else if (shape[i - lead] == 1 && x.shape()[i] != 1) axes.push_back(i);
        else if (shape[i - lead] != x.shape()[i])
            throw ShapeError("sum_to: cannot sum shape " + x.shape().to_string() + " to " + shape.to_string());
    }
    return reshape(sum(x, axes, false), shape);
}

}  // namespace strata::ops
