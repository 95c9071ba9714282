// Elementwise ops: forward through the device's kernels, backward beside it, written in ops. Gradients
// are returned in the output's (broadcast) shape; the engine sums them down to each input's shape.
#include "strata/ops/elementwise.hpp"

#include <cmath>
#include <numbers>

#include "common.hpp"
#include "strata/ops/shape.hpp"

namespace strata::ops {

using backend::BinaryOp;
using backend::UnaryOp;
using detail::require_concrete;
using detail::saved;

namespace {

// Runs a binary kernel on both operands converted to their common type.
Tensor binary_kernel(BinaryOp op, const Tensor& a, const Tensor& b, const char* name, bool comparison = false) {
    require_concrete(a, name);
    require_concrete(b, name);
    detail::require_same_device(a, b, name);
    DType common = promote_types(a.dtype(), b.dtype());
    Tensor ca = a.dtype() == common ? a : cast(a, common);
    Tensor cb = b.dtype() == common ? b : cast(b, common);
    Shape shape = broadcast_shapes(a.shape(), b.shape(), name);
    Tensor out = Tensor::empty(shape, comparison ? bool_ : common, a.device());
    backend::of(a).binary(op, ca, cb, out);
    return out;
}

Tensor unary_kernel(UnaryOp op, const Tensor& x, const char* name, double alpha = 0.0, bool floating_only = true) {
    require_concrete(x, name);
    if (floating_only) detail::require_floating(x, name);
    if (x.dtype() == bool_)
        throw TypeError(std::string(name) + ": bool tensors take no arithmetic; cast to a number type first (shape " +
                        x.shape().to_string() + ")");
    Tensor out = detail::empty_like(x);
    backend::of(x).unary(op, x, out, alpha);
    return out;
}

Tensor zero_like_scalar(const Tensor& x) { return scalar_like(x, 0.0); }

// Integer arithmetic that can divide goes through float32, as true division does in Keras.
Tensor as_floating(const Tensor& x, const char* name) {
    require_concrete(x, name);
    return is_floating(x.dtype()) ? x : cast(x, float32);
}

}  // namespace

Tensor scalar_like(const Tensor& x, double value) {
    require_concrete(x, "scalar_like");
    return Tensor::full({}, value, x.dtype(), x.device());
}

Tensor add(const Tensor& a, const Tensor& b) {
    Tensor out = binary_kernel(BinaryOp::add, a, b, "add");
    return autograd::record(out, "add", {a, b}, [](const Tensor& g) { return std::vector<Tensor>{g, g}; });
}

Tensor subtract(const Tensor& a, const Tensor& b) {
    Tensor out = binary_kernel(BinaryOp::subtract, a, b, "subtract");
    return autograd::record(out, "subtract", {a, b}, [](const Tensor& g) { return std::vector<Tensor>{g, negative(g)}; });
}

Tensor multiply(const Tensor& a, const Tensor& b) {
    Tensor out = binary_kernel(BinaryOp::multiply, a, b, "multiply");
    return autograd::record(out, "multiply", {a, b}, [a = saved(a), b = saved(b)](const Tensor& g) {
        return std::vector<Tensor>{multiply(g, b), multiply(g, a)};
    });
}

Tensor divide(const Tensor& a_in, const Tensor& b_in) {
    Tensor a = as_floating(a_in, "divide"), b = as_floating(b_in, "divide");
    Tensor out = binary_kernel(BinaryOp::divide, a, b, "divide");
    return autograd::record(out, "divide", {a, b}, [a = saved(a), b = saved(b)](const Tensor& g) {
        Tensor gb = g / b;
        return std::vector<Tensor>{gb, negative(gb * a / b)};  // d(a/b)/db = -a / b^2
    });
}

Tensor maximum(const Tensor& a, const Tensor& b) {
    Tensor out = binary_kernel(BinaryOp::maximum, a, b, "maximum");
    return autograd::record(out, "maximum", {a, b}, [a = saved(a), b = saved(b)](const Tensor& g) {
        Tensor take_a = greater_equal(a, b), zero = zero_like_scalar(g);  // ties go to a
        return std::vector<Tensor>{where(take_a, g, zero), where(take_a, zero, g)};
    });
}

Tensor minimum(const Tensor& a, const Tensor& b) {
    Tensor out = binary_kernel(BinaryOp::minimum, a, b, "minimum");
    return autograd::record(out, "minimum", {a, b}, [a = saved(a), b = saved(b)](const Tensor& g) {
        Tensor take_a = less_equal(a, b), zero = zero_like_scalar(g);
        return std::vector<Tensor>{where(take_a, g, zero), where(take_a, zero, g)};
    });
}

Tensor power(const Tensor& a_in, const Tensor& b_in) {
    Tensor a = as_floating(a_in, "power"), b = as_floating(b_in, "power");
    Tensor out = binary_kernel(BinaryOp::power, a, b, "power");
    return autograd::record(out, "power", {a, b}, [a = saved(a), b = saved(b), out = saved(out)](const Tensor& g) {
        // d(a^b)/da = b a^(b-1); d(a^b)/db = a^b log(a), taken as 0 where a = 0.
        Tensor da = g * b * power(a, b - 1.0);
        Tensor safe_log = where(greater(a, zero_like_scalar(a)), log(where(greater(a, zero_like_scalar(a)), a, scalar_like(a, 1.0))),
                                zero_like_scalar(a));
        return std::vector<Tensor>{da, g * out * safe_log};
    });
}

Tensor power(const Tensor& x_in, double exponent) {
    Tensor x = as_floating(x_in, "power");
    Tensor out = unary_kernel(UnaryOp::power, x, "power", exponent);
    return autograd::record(out, "power", {x}, [x = saved(x), exponent](const Tensor& g) {
        // x^0 is constant: its gradient is 0 even at x = 0, where 0 * x^-1 would be NaN.
        if (exponent == 0.0) return std::vector<Tensor>{Tensor::zeros(x.shape(), g.dtype(), g.device())};
        return std::vector<Tensor>{g * (power(x, exponent - 1.0) * exponent)};
    });
}

Tensor negative(const Tensor& x) {
    Tensor out = unary_kernel(UnaryOp::negative, x, "negative", 0.0, false);
    return autograd::record(out, "negative", {x}, [](const Tensor& g) { return std::vector<Tensor>{negative(g)}; });
}

Tensor exp(const Tensor& x) {
    Tensor out = unary_kernel(UnaryOp::exp, x, "exp");
    return autograd::record(out, "exp", {x}, [out = saved(out)](const Tensor& g) { return std::vector<Tensor>{g * out}; });
}

Tensor log(const Tensor& x) {
    Tensor out = unary_kernel(UnaryOp::log, x, "log");
    return autograd::record(out, "log", {x}, [x = saved(x)](const Tensor& g) { return std::vector<Tensor>{g / x}; });
}

Tensor log1p(const Tensor& x) {
    Tensor out = unary_kernel(UnaryOp::log1p, x, "log1p");
    return autograd::record(out, "log1p", {x}, [x = saved(x)](const Tensor& g) { return std::vector<Tensor>{g / (x + 1.0)}; });
}

Tensor sqrt(const Tensor& x) {
    Tensor out = unary_kernel(UnaryOp::sqrt, x, "sqrt");
    return autograd::record(out, "sqrt", {x}, [out = saved(out)](const Tensor& g) {
        return std::vector<Tensor>{g / (out * 2.0)};
    });
}

Tensor square(const Tensor& x) {
    Tensor out = unary_kernel(UnaryOp::square, x, "square", 0.0, false);
    return autograd::record(out, "square", {x}, [x = saved(x)](const Tensor& g) { return std::vector<Tensor>{g * x * 2.0}; });
}

Tensor abs(const Tensor& x) {
    Tensor out = unary_kernel(UnaryOp::abs, x, "abs", 0.0, false);
    return autograd::record(out, "abs", {x}, [x = saved(x)](const Tensor& g) { return std::vector<Tensor>{g * sign(x)}; });
}

Tensor sign(const Tensor& x) { return unary_kernel(UnaryOp::sign, x, "sign", 0.0, false); }
Tensor round(const Tensor& x) {
    require_concrete(x, "round");
    return is_floating(x.dtype()) ? unary_kernel(UnaryOp::round, x, "round") : x;
}
Tensor floor(const Tensor& x) {
    require_concrete(x, "floor");
    return is_floating(x.dtype()) ? unary_kernel(UnaryOp::floor, x, "floor") : x;
}

Tensor reciprocal(const Tensor& x) {
    Tensor out = unary_kernel(UnaryOp::reciprocal, x, "reciprocal");
    return autograd::record(out, "reciprocal", {x}, [out = saved(out)](const Tensor& g) {
        return std::vector<Tensor>{negative(g * out * out)};
    });
}

Tensor erf(const Tensor& x) {
    Tensor out = unary_kernel(UnaryOp::erf, x, "erf");
    return autograd::record(out, "erf", {x}, [x = saved(x)](const Tensor& g) {
        return std::vector<Tensor>{g * exp(negative(square(x))) * (2.0 / std::sqrt(std::numbers::pi))};
    });
}

Tensor clip(const Tensor& x, double lo, double hi) {
    require_concrete(x, "clip");
    if (!(lo <= hi))
        throw ValueError("clip: expected min <= max, got min " + std::to_string(lo) + " and max " + std::to_string(hi));
    Tensor out = minimum(maximum(x.detach(), scalar_like(x, lo)), scalar_like(x, hi));
    return autograd::record(out, "clip", {x}, [x = saved(x), lo, hi](const Tensor& g) {
        Tensor inside = binary_kernel(BinaryOp::logical_and, greater_equal(x, scalar_like(x, lo)),
                                      less_equal(x, scalar_like(x, hi)), "clip");
        return std::vector<Tensor>{where(inside, g, zero_like_scalar(g))};
    });
}

Tensor where(const Tensor& cond_in, const Tensor& a, const Tensor& b) {
    for (const Tensor* t : {&cond_in, &a, &b}) require_concrete(*t, "where");
    detail::require_same_device(a, b, "where");
    Tensor cond = cond_in.dtype() == bool_ ? cond_in : not_equal(cond_in, scalar_like(cond_in, 0.0));
    DType common = promote_types(a.dtype(), b.dtype());
    Tensor ca = a.dtype() == common ? a : cast(a, common);
    Tensor cb = b.dtype() == common ? b : cast(b, common);
    Shape shape = broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "where"), b.shape(), "where");
    Tensor out = Tensor::empty(shape, common, a.device());
    backend::of(a).where(cond, ca, cb, out);
    return autograd::record(out, "where", {ca, cb}, [cond](const Tensor& g) {
        Tensor zero = zero_like_scalar(g);
        return std::vector<Tensor>{where(cond, g, zero), where(cond, zero, g)};
    });
}

Tensor equal(const Tensor& a, const Tensor& b) { return binary_kernel(BinaryOp::equal, a, b, "equal", true); }
Tensor not_equal(const Tensor& a, const Tensor& b) { return binary_kernel(BinaryOp::not_equal, a, b, "not_equal", true); }
Tensor less(const Tensor& a, const Tensor& b) { return binary_kernel(BinaryOp::less, a, b, "less", true); }
Tensor less_equal(const Tensor& a, const Tensor& b) { return binary_kernel(BinaryOp::less_equal, a, b, "less_equal", true); }
Tensor greater(const Tensor& a, const Tensor& b) { return binary_kernel(BinaryOp::greater, a, b, "greater", true); }
Tensor greater_equal(const Tensor& a, const Tensor& b) {
    return binary_kernel(BinaryOp::greater_equal, a, b, "greater_equal", true);
}

}  // namespace strata::ops
