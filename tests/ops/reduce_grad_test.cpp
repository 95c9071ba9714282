// Float64 gradient checks of the reductions over several axes, with keepdims both ways.
#include <gtest/gtest.h>

#include <vector>

#include <strata/ops/reduce.hpp>

#include "support/gradcheck.hpp"

namespace strata {
namespace {

using testing::expect_gradients_match;
using testing::random_inputs;
using Inputs = std::vector<Tensor>;
using Reduction = Tensor (*)(const Tensor&, const std::vector<int>&, bool);

const std::vector<std::vector<int>>& axis_sets() {
    static const std::vector<std::vector<int>> sets{{}, {0}, {1}, {-1}, {0, 2}, {1, 2}, {0, 1, 2}};
    return sets;
}

void check_reduction(Reduction op) {
    for (const std::vector<int>& axes : axis_sets())
        for (bool keepdims : {false, true}) {
            SCOPED_TRACE(::testing::Message() << "axes of size " << axes.size() << (axes.empty() ? "" : " first ")
                                              << (axes.empty() ? 0 : axes[0]) << " keepdims " << keepdims);
            expect_gradients_match([=](const Inputs& x) { return op(x[0], axes, keepdims); },
                                   random_inputs({{2, 3, 4}}));
        }
}

TEST(OpsReduceGrad, Sum) { check_reduction(ops::sum); }
TEST(OpsReduceGrad, Mean) { check_reduction(ops::mean); }
// Random draws have no ties, so max and min are differentiable at them.
TEST(OpsReduceGrad, Max) { check_reduction(ops::max); }
TEST(OpsReduceGrad, Min) { check_reduction(ops::min); }
TEST(OpsReduceGrad, Logsumexp) { check_reduction(ops::logsumexp); }

TEST(OpsReduceGrad, MaxSplitsTheGradientAmongTies) {
    Tensor x = Tensor::from_vector(std::vector<double>{1, 3, 3, 2}, {4}).set_requires_grad(true);
    Tensor g = autograd::gradients(ops::max(x), {x})[0];
    EXPECT_EQ(g.to_vector<double>(), (std::vector<double>{0, 0.5, 0.5, 0}));
}

TEST(OpsReduceGrad, SumTo) {
    for (const Shape& target : {Shape{3, 1}, Shape{4}, Shape{1, 4}, Shape{}, Shape{2, 1, 4}}) {
        SCOPED_TRACE(target.to_string());
        expect_gradients_match([target](const Inputs& x) { return ops::sum_to(x[0], target); },
                               random_inputs({{2, 3, 4}}));
    }
}

TEST(OpsReduceGrad, ScalarInput) {
    expect_gradients_match([](const Inputs& x) { return ops::sum(x[0]) + ops::max(x[0]) + ops::mean(x[0]); },
                           random_inputs({{}}));
}

}  // namespace
}  // namespace strata
