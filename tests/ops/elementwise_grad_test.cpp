// Float64 central-difference gradient checks of every differentiable elementwise op, with broadcasting
// ([2, 3] with [3], [2, 1] with [1, 3], scalars). Inputs stay away from kinks and from the edges of
// each op's domain.
#include <gtest/gtest.h>

#include <vector>

#include <strata/ops/elementwise.hpp>

#include "support/gradcheck.hpp"

namespace strata {
namespace {

using testing::expect_gradients_match;
using testing::random_inputs;
using Inputs = std::vector<Tensor>;

// The broadcasting pairs every binary op is checked on.
const std::vector<std::pair<Shape, Shape>>& broadcast_pairs() {
    static const std::vector<std::pair<Shape, Shape>> pairs{
        {{2, 3}, {2, 3}}, {{2, 3}, {3}}, {{3}, {2, 3}}, {{2, 1}, {1, 3}}, {{2, 3}, {}}, {{}, {2, 3}}, {{4, 1, 3}, {2, 1}}};
    return pairs;
}

void check_binary(Tensor (*op)(const Tensor&, const Tensor&), double lo_a, double hi_a, double lo_b, double hi_b) {
    for (const auto& [sa, sb] : broadcast_pairs()) {
        SCOPED_TRACE(sa.to_string() + " with " + sb.to_string());
        Tensor a = random_inputs({sa}, lo_a, hi_a)[0];
        Tensor b = random_inputs({sb}, lo_b, hi_b)[0];
        expect_gradients_match([op](const Inputs& x) { return op(x[0], x[1]); }, {a, b});
    }
}

TEST(OpsElementwiseGrad, Add) { check_binary(ops::add, -1, 1, -1, 1); }
TEST(OpsElementwiseGrad, Subtract) { check_binary(ops::subtract, -1, 1, -1, 1); }
TEST(OpsElementwiseGrad, Multiply) { check_binary(ops::multiply, -1, 1, -1, 1); }
TEST(OpsElementwiseGrad, Divide) { check_binary(ops::divide, -1, 1, 0.5, 2.0); }
TEST(OpsElementwiseGrad, DivideByNegatives) { check_binary(ops::divide, -1, 1, -2.0, -0.5); }
// Disjoint ranges keep maximum and minimum away from their tie.
TEST(OpsElementwiseGrad, MaximumTakesEitherSide) {
    check_binary(ops::maximum, 1.0, 2.0, -1.0, 0.0);
    check_binary(ops::maximum, -1.0, 0.0, 1.0, 2.0);
}
TEST(OpsElementwiseGrad, MaximumMixed) {
    Tensor a = Tensor::from_vector(std::vector<double>{0.1, 0.9, -0.5, 0.3, 2.0, -1.0}, {2, 3});
    Tensor b = Tensor::from_vector(std::vector<double>{0.5, 0.2, 0.0});
    expect_gradients_match([](const Inputs& x) { return ops::maximum(x[0], x[1]); }, {a, b});
    expect_gradients_match([](const Inputs& x) { return ops::minimum(x[0], x[1]); }, {a, b});
}
TEST(OpsElementwiseGrad, MinimumTakesEitherSide) {
    check_binary(ops::minimum, 1.0, 2.0, -1.0, 0.0);
    check_binary(ops::minimum, -1.0, 0.0, 1.0, 2.0);
}
TEST(OpsElementwiseGrad, PowerOfTwoTensors) {
    check_binary([](const Tensor& a, const Tensor& b) { return ops::power(a, b); }, 0.5, 2.0, -1.5, 1.5);
}

TEST(OpsElementwiseGrad, PowerWithAConstantExponent) {
    for (double e : {3.0, 2.0, 0.5, -2.0, 1.5}) {
        SCOPED_TRACE(e);
        expect_gradients_match([e](const Inputs& x) { return ops::power(x[0], e); }, random_inputs({{2, 3}}, 0.5, 2.0));
    }
    // An integer exponent takes negative bases too.
    expect_gradients_match([](const Inputs& x) { return ops::power(x[0], 3.0); }, random_inputs({{2, 3}}, -2.0, -0.5));
}

TEST(OpsElementwiseGrad, PowerZeroIsConstantEvenAtZero) {
    Tensor x = Tensor::from_vector(std::vector<double>{0.0, 2.0}).set_requires_grad(true);
    Tensor g = autograd::gradients(ops::power(x, 0.0), {x})[0];
    EXPECT_EQ(g.to_vector<double>(), (std::vector<double>{0.0, 0.0}));
    // At a = 0 the exponent's gradient a^b log(a) is taken as 0, not NaN.
    Tensor a = Tensor::from_vector(std::vector<double>{0.0}).set_requires_grad(true);
    Tensor b = Tensor::from_vector(std::vector<double>{2.0}).set_requires_grad(true);
    std::vector<Tensor> gab = autograd::gradients(ops::power(a, b), {a, b});
    EXPECT_EQ(gab[0].item<double>(), 0.0);
    EXPECT_EQ(gab[1].item<double>(), 0.0);
}

void check_unary(Tensor (*op)(const Tensor&), double lo, double hi) {
    for (const Shape& s : {Shape{2, 3}, Shape{}, Shape{4}}) {
        SCOPED_TRACE(s.to_string());
        expect_gradients_match([op](const Inputs& x) { return op(x[0]); }, random_inputs({s}, lo, hi));
    }
}

TEST(OpsElementwiseGrad, Negative) { check_unary(ops::negative, -1, 1); }
TEST(OpsElementwiseGrad, Exp) { check_unary(ops::exp, -2, 2); }
TEST(OpsElementwiseGrad, Log) { check_unary(ops::log, 0.2, 3.0); }
TEST(OpsElementwiseGrad, Log1p) { check_unary(ops::log1p, -0.5, 3.0); }
TEST(OpsElementwiseGrad, Sqrt) { check_unary(ops::sqrt, 0.2, 3.0); }
TEST(OpsElementwiseGrad, Square) { check_unary(ops::square, -2, 2); }
TEST(OpsElementwiseGrad, AbsAwayFromZero) {
    Tensor x = Tensor::from_vector(std::vector<double>{-1.5, -0.4, -0.1, 0.2, 0.7, 1.3}, {2, 3});
    expect_gradients_match([](const Inputs& v) { return ops::abs(v[0]); }, {x});
}
TEST(OpsElementwiseGrad, Reciprocal) {
    check_unary(ops::reciprocal, 0.5, 2.0);
    check_unary(ops::reciprocal, -2.0, -0.5);
}
TEST(OpsElementwiseGrad, Erf) { check_unary(ops::erf, -2, 2); }

TEST(OpsElementwiseGrad, ClipAwayFromItsBounds) {
    // Bounds -0.5 and 0.5; no input within 0.05 of either.
    Tensor x = Tensor::from_vector(std::vector<double>{-1.2, -0.7, -0.3, 0.0, 0.25, 0.45, 0.6, 1.5}, {2, 4});
    expect_gradients_match([](const Inputs& v) { return ops::clip(v[0], -0.5, 0.5); }, {x});
}

TEST(OpsElementwiseGrad, WhereWithBroadcastBranches) {
    Tensor cond = Tensor::from_vector(std::vector<bool>{true, false, true, false, false, true}, {2, 3});
    for (const auto& [sa, sb] : std::vector<std::pair<Shape, Shape>>{{{2, 3}, {2, 3}}, {{2, 3}, {3}}, {{2, 1}, {}}}) {
        SCOPED_TRACE(sa.to_string() + " with " + sb.to_string());
        expect_gradients_match([cond](const Inputs& x) { return ops::where(cond, x[0], x[1]); }, random_inputs({sa, sb}));
    }
    // A condition that broadcasts over the branches.
    Tensor row = Tensor::from_vector(std::vector<bool>{false, true, true});
    expect_gradients_match([row](const Inputs& x) { return ops::where(row, x[0], x[1]); }, random_inputs({{2, 3}, {2, 1}}));
}

TEST(OpsElementwiseGrad, ScalarOperators) {
    expect_gradients_match([](const Inputs& x) { return (x[0] * 3.0 - 1.0) / 2.0 + 1.0 / x[1] - (2.0 - x[0]) * x[1]; },
                           {random_inputs({{2, 3}})[0], random_inputs({{3}}, 0.5, 1.5)[0]});
}

TEST(OpsElementwiseGrad, Composite) {
    // A chain that uses each input more than once.
    expect_gradients_match(
        [](const Inputs& x) { return ops::exp(ops::square(x[0]) * x[1]) - ops::log1p(ops::square(x[1])) * x[0]; },
        random_inputs({{2, 3}, {3}}));
}

}  // namespace
}  // namespace strata
