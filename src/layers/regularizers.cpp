// The regularizers of keras/src/regularizers/regularizers.py, built from differentiable ops.
#include "strata/layers/regularizers.hpp"

#include <cmath>

#include "strata/ops/elementwise.hpp"
#include "strata/ops/linalg.hpp"
#include "strata/ops/reduce.hpp"
#include "strata/ops/shape.hpp"

namespace strata::regularizers {

namespace {

// Keras's validate_float_arg: a finite, non-negative number.
double checked_factor(double value, const std::string& who, const std::string& name) {
    if (!std::isfinite(value) || value < 0)
        throw ValueError(who + ": invalid value for argument " + name + ": expected a non-negative float, got " +
                         std::to_string(value));
    return value;
}

void check_floating(const Tensor& x, const std::string& who) {
    if (!is_floating(x.dtype()))
        throw TypeError(who + ": expected a floating tensor, got dtype " + dtype_name(x.dtype()));
}

Tensor l1_term(const Tensor& x, double l1) { return ops::sum(ops::abs(x)) * l1; }
Tensor l2_term(const Tensor& x, double l2) { return ops::sum(ops::square(x)) * l2; }

}  // namespace

Regularizer::~Regularizer() = default;

L1::L1(double l1) : l1_(checked_factor(l1, "regularizers.L1", "l1")) {}

Tensor L1::operator()(const Tensor& x) const {
    check_floating(x, "regularizers.L1");
    return l1_term(x, l1_);
}

L2::L2(double l2) : l2_(checked_factor(l2, "regularizers.L2", "l2")) {}

Tensor L2::operator()(const Tensor& x) const {
    check_floating(x, "regularizers.L2");
    return l2_term(x, l2_);
}

L1L2::L1L2(double l1, double l2)
    : l1_(checked_factor(l1, "regularizers.L1L2", "l1")), l2_(checked_factor(l2, "regularizers.L1L2", "l2")) {}

Tensor L1L2::operator()(const Tensor& x) const {
    check_floating(x, "regularizers.L1L2");
    // As Keras: start from 0 and add only the terms whose factor is not 0.
    Tensor out = ops::scalar_like(x, 0.0);
    if (l1_ != 0.0) out = out + l1_term(x, l1_);
    if (l2_ != 0.0) out = out + l2_term(x, l2_);
    return out;
}

OrthogonalRegularizer::OrthogonalRegularizer(double factor, std::string mode)
    : factor_(checked_factor(factor, "regularizers.OrthogonalRegularizer", "factor")), mode_(std::move(mode)) {
    if (mode_ != "rows" && mode_ != "columns")
        throw ValueError("regularizers.OrthogonalRegularizer: invalid value for argument mode: expected one of "
                         "{\"rows\", \"columns\"}, got mode=\"" + mode_ + "\"");
}

Tensor OrthogonalRegularizer::operator()(const Tensor& x) const {
    check_floating(x, "regularizers.OrthogonalRegularizer");
    if (x.rank() != 2)
        throw ValueError("regularizers.OrthogonalRegularizer: inputs must have rank 2, got inputs.shape=" +
                         x.shape().to_string());
    // Vectors along the rows (mode "rows") or the columns, each normalised as Keras's ops.normalize:
    // v * min(1 / sqrt(sum(v^2)), 1 / epsilon) with epsilon = 1e-7.
    Tensor v = mode_ == "rows" ? x : ops::transpose(x);
    Tensor square_sum = ops::sum(ops::square(v), {1}, true);
    Tensor inv_norm = ops::minimum(ops::reciprocal(ops::sqrt(square_sum)), ops::scalar_like(v, 1e7));
    Tensor unit = v * inv_norm;
    Tensor product = ops::matmul(unit, ops::transpose(unit));  // [n, n]: every pair's dot product
    std::int64_t n = v.shape()[0];
    std::vector<double> off_diagonal(static_cast<std::size_t>(n * n), 1.0);
    for (std::int64_t i = 0; i < n; ++i) off_diagonal[static_cast<std::size_t>(i * n + i)] = 0.0;
    Tensor mask = ops::cast(Tensor::from_vector(off_diagonal, {n, n}), x.dtype()).to(x.device());
    double num_pairs = static_cast<double>(n) * (static_cast<double>(n) - 1.0) / 2.0;
    return ops::sum(ops::abs(product * mask)) * (factor_ * 0.5 / num_pairs);
}

}  // namespace strata::regularizers
