// Float64 gradient checks of the ops that move elements.
#include <gtest/gtest.h>

#include <vector>

#include <strata/ops/elementwise.hpp>
#include <strata/ops/reduce.hpp>
#include <strata/ops/shape.hpp>

#include "core/tensor_matchers.hpp"
#include "support/gradcheck.hpp"

namespace strata {
namespace {

using testing::expect_gradients_match;
using testing::random_inputs;
using Inputs = std::vector<Tensor>;

TEST(OpsShapeGrad, Reshape) {
    expect_gradients_match([](const Inputs& x) { return ops::reshape(x[0], {3, -1}); }, random_inputs({{2, 3, 2}}));
    expect_gradients_match([](const Inputs& x) { return ops::reshape(x[0], {1, 1}); }, random_inputs({{}}));
}

TEST(OpsShapeGrad, Transpose) {
    expect_gradients_match([](const Inputs& x) { return ops::transpose(x[0]); }, random_inputs({{3, 4}}));
    expect_gradients_match([](const Inputs& x) { return ops::transpose(x[0], {2, 0, 1}); }, random_inputs({{2, 3, 4}}));
    expect_gradients_match([](const Inputs& x) { return ops::transpose(x[0], {1, 0, 3, 2}); },
                           random_inputs({{2, 1, 3, 2}}));
}

TEST(OpsShapeGrad, Slice) {
    expect_gradients_match([](const Inputs& x) { return ops::slice(x[0], 1, 3); }, random_inputs({{4, 3}}));
    expect_gradients_match([](const Inputs& x) { return ops::slice(x[0], 0, 1) * ops::slice(x[0], 2, 3); },
                           random_inputs({{3, 2}}));
}

TEST(OpsShapeGrad, BroadcastTo) {
    expect_gradients_match([](const Inputs& x) { return ops::broadcast_to(x[0], {2, 3}); }, random_inputs({{3}}));
    expect_gradients_match([](const Inputs& x) { return ops::broadcast_to(x[0], {4, 2, 3}); }, random_inputs({{2, 1}}));
    expect_gradients_match([](const Inputs& x) { return ops::broadcast_to(x[0], {2, 2}); }, random_inputs({{}}));
}

TEST(OpsShapeGrad, ExpandDimsAndSqueeze) {
    expect_gradients_match([](const Inputs& x) { return ops::expand_dims(x[0], 1); }, random_inputs({{2, 3}}));
    expect_gradients_match([](const Inputs& x) { return ops::squeeze(x[0], -1); }, random_inputs({{2, 3, 1}}));
}

TEST(OpsShapeGrad, TakeWithRepeatedIndices) {
    Tensor idx = Tensor::from_vector(std::vector<std::int64_t>{0, 2, 0, 1, 2, 2});
    expect_gradients_match([idx](const Inputs& x) { return ops::take(x[0], idx); }, random_inputs({{3, 4}}));
    Tensor matrix_idx = Tensor::from_vector(std::vector<std::int64_t>{1, 1, 0, 3}, {2, 2});
    expect_gradients_match([matrix_idx](const Inputs& x) { return ops::take(x[0], matrix_idx); },
                           random_inputs({{4, 2}}));
}

TEST(OpsShapeGrad, CastThroughFloat32) {
    // The float32 leg rounds each value to 24 bits, so the differences take a wider step and tolerance.
    expect_gradients_match(
        [](const Inputs& x) { return ops::cast(ops::cast(x[0], float32) * 3.0, float64) + ops::square(x[0]); },
        random_inputs({{2, 3}}), 1e-2, 1e-4);
}

TEST(OpsShapeGrad, CastGradientHasTheSourceDtype) {
    Tensor x = Tensor::from_vector(std::vector<float>{1, 2}).set_requires_grad(true);
    Tensor y = ops::sum(ops::cast(x, float64) * 3.0);
    Tensor g = autograd::gradients(y, {x})[0];
    testing::expect_tensor_eq<float>(g, {3, 3});
}

}  // namespace
}  // namespace strata
