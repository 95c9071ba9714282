// Activations and softmax. Each forward is one kernel; each backward is written in ops, beside it, from
// the saved input or output, whichever the derivative needs.
#include "strata/ops/nn.hpp"

#include <cmath>
#include <numbers>

#include "common.hpp"
#include "strata/ops/elementwise.hpp"
#include "strata/ops/reduce.hpp"
#include "strata/ops/shape.hpp"

namespace strata::ops {

using backend::UnaryOp;
using detail::saved;

namespace {

Tensor activation_kernel(UnaryOp op, const Tensor& x, const char* name, double alpha = 0.0) {
    detail::require_concrete(x, name);
    detail::require_floating(x, name);
    Tensor out = detail::empty_like(x);
    backend::of(x).unary(op, x, out, alpha);
    return out;
}

Tensor step(const Tensor& x) {  // 1 where x > 0, else 0, in x's dtype
    Tensor out = detail::empty_like(x);
    backend::of(x).unary(UnaryOp::positive_step, x, out, 0.0);
    return out;
}

// The selu constants of Klambauer et al. (2017), as Keras has them.
constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;

// Moves `axis` last and back, for softmax over another axis.
std::vector<int> swap_last(int rank, int axis) {
    std::vector<int> perm(static_cast<std::size_t>(rank));
    for (int i = 0; i < rank; ++i) perm[static_cast<std::size_t>(i)] = i;
    std::swap(perm[static_cast<std::size_t>(axis)], perm.back());
    return perm;
}

Tensor softmax_last(const Tensor& x, bool log) {
    const char* name = log ? "log_softmax" : "softmax";
    detail::require_concrete(x, name);
    detail::require_floating(x, name);
    if (x.rank() == 0) throw ShapeError(std::string(name) + ": expected a tensor of rank >= 1, got a scalar");
    Tensor out = detail::empty_like(x);
    if (x.numel() > 0) backend::of(x).softmax(x, log, out);
    if (log)  // d log_softmax: g - softmax * sum(g)
        return autograd::record(out, name, {x}, [y = saved(out)](const Tensor& g) {
            return std::vector<Tensor>{g - exp(y) * sum(g, {-1}, true)};
        });
    // d softmax: y * (g - sum(g * y))
    return autograd::record(out, name, {x}, [y = saved(out)](const Tensor& g) {
        return std::vector<Tensor>{y * (g - sum(g * y, {-1}, true))};
    });
}

}  // namespace

Tensor relu(const Tensor& x) {
    Tensor out = activation_kernel(UnaryOp::relu, x, "relu");
    return autograd::record(out, "relu", {x}, [y = saved(out)](const Tensor& g) { return std::vector<Tensor>{g * step(y)}; });
}

Tensor sigmoid(const Tensor& x) {
    Tensor out = activation_kernel(UnaryOp::sigmoid, x, "sigmoid");
    return autograd::record(out, "sigmoid", {x}, [y = saved(out)](const Tensor& g) {
        return std::vector<Tensor>{g * y * (1.0 - y)};
    });
}

Tensor tanh(const Tensor& x) {
    Tensor out = activation_kernel(UnaryOp::tanh, x, "tanh");
    return autograd::record(out, "tanh", {x}, [y = saved(out)](const Tensor& g) {
        return std::vector<Tensor>{g * (1.0 - y * y)};
    });
}

Tensor softmax(const Tensor& x, int axis) {
    detail::require_concrete(x, "softmax");
    int a = x.rank() ? x.shape().normalize_axis(axis, "softmax") : 0;
    if (x.rank() == 0 || a == x.rank() - 1) return softmax_last(x, false);
    std::vector<int> perm = swap_last(x.rank(), a);
    return transpose(softmax_last(transpose(x, perm), false), perm);
}

Tensor log_softmax(const Tensor& x, int axis) {
    detail::require_concrete(x, "log_softmax");
    int a = x.rank() ? x.shape().normalize_axis(axis, "log_softmax") : 0;
    if (x.rank() == 0 || a == x.rank() - 1) return softmax_last(x, true);
    std::vector<int> perm = swap_last(x.rank(), a);
    return transpose(softmax_last(transpose(x, perm), true), perm);
}

Tensor elu(const Tensor& x, double alpha) {
    Tensor out = activation_kernel(UnaryOp::elu, x, "elu", alpha);
    // x > 0: 1; else alpha e^x = y + alpha
    return autograd::record(out, "elu", {x}, [x = saved(x), y = saved(out), alpha](const Tensor& g) {
        return std::vector<Tensor>{g * where(greater(x, scalar_like(x, 0.0)), scalar_like(x, 1.0), y + alpha)};
    });
}

Tensor selu(const Tensor& x) {
    Tensor out = activation_kernel(UnaryOp::selu, x, "selu");
    // x > 0: scale; else scale alpha e^x = y + scale alpha
    return autograd::record(out, "selu", {x}, [x = saved(x), y = saved(out)](const Tensor& g) {
        return std::vector<Tensor>{
            g * where(greater(x, scalar_like(x, 0.0)), scalar_like(x, kSeluScale), y + kSeluScale * kSeluAlpha)};
    });
}

Tensor gelu(const Tensor& x, bool approximate) {
    if (approximate) {
        Tensor out = activation_kernel(UnaryOp::gelu_tanh, x, "gelu");
        // y = x/2 (1 + tanh(u)), u = c (x + 0.044715 x^3):
        // y' = (1 + t)/2 + x/2 (1 - t^2) c (1 + 3 * 0.044715 x^2)
        return autograd::record(out, "gelu", {x}, [x = saved(x)](const Tensor& g) {
            const double c = std::sqrt(2.0 / std::numbers::pi);
            Tensor t = tanh(c * (x + 0.044715 * x * x * x));
            Tensor d = 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * c * (1.0 + 3.0 * 0.044715 * x * x);
            return std::vector<Tensor>{g * d};
        });
    }
    Tensor out = activation_kernel(UnaryOp::gelu, x, "gelu");
    // y = x Phi(x): y' = Phi(x) + x phi(x)
    return autograd::record(out, "gelu", {x}, [x = saved(x)](const Tensor& g) {
        Tensor cdf = 0.5 * (1.0 + erf(x * (1.0 / std::numbers::sqrt2)));
        Tensor pdf = exp(-0.5 * x * x) * (1.0 / std::sqrt(2.0 * std::numbers::pi));
        return std::vector<Tensor>{g * (cdf + x * pdf)};
    });
}

Tensor softplus(const Tensor& x) {
    Tensor out = activation_kernel(UnaryOp::softplus, x, "softplus");
    return autograd::record(out, "softplus", {x}, [x = saved(x)](const Tensor& g) { return std::vector<Tensor>{g * sigmoid(x)}; });
}

Tensor softsign(const Tensor& x) {
    Tensor out = activation_kernel(UnaryOp::softsign, x, "softsign");
    return autograd::record(out, "softsign", {x}, [x = saved(x)](const Tensor& g) {
        Tensor d = 1.0 + abs(x);
        return std::vector<Tensor>{g / (d * d)};
    });
}

Tensor silu(const Tensor& x) {
    Tensor out = activation_kernel(UnaryOp::silu, x, "silu");
    return autograd::record(out, "silu", {x}, [x = saved(x)](const Tensor& g) {
        Tensor s = sigmoid(x);
        return std::vector<Tensor>{g * (s + x * s * (1.0 - s))};
    });
}

Tensor leaky_relu(const Tensor& x, double negative_slope) {
    Tensor out = activation_kernel(UnaryOp::leaky_relu, x, "leaky_relu", negative_slope);
    return autograd::record(out, "leaky_relu", {x}, [x = saved(x), negative_slope](const Tensor& g) {
        return std::vector<Tensor>{g * where(greater(x, scalar_like(x, 0.0)), scalar_like(x, 1.0), scalar_like(x, negative_slope))};
    });
}

Tensor hard_sigmoid(const Tensor& x) {
    Tensor out = activation_kernel(UnaryOp::hard_sigmoid, x, "hard_sigmoid");
    // relu6(x + 3) / 6: slope 1/6 strictly inside (-3, 3)
    return autograd::record(out, "hard_sigmoid", {x}, [x = saved(x)](const Tensor& g) {
        Tensor inside = multiply(cast(greater(x, scalar_like(x, -3.0)), x.dtype()), cast(less(x, scalar_like(x, 3.0)), x.dtype()));
        return std::vector<Tensor>{g * inside * (1.0 / 6.0)};
    });
}

}  // namespace strata::ops
