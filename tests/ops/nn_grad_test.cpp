// Float64 gradient checks of every activation and of softmax / log_softmax over several axes. Inputs of
// the activations with a kink (relu, leaky_relu, elu, selu at 0; hard_sigmoid at +-3) keep away from it.
#include <gtest/gtest.h>

#include <vector>

#include <strata/ops/nn.hpp>

#include "support/gradcheck.hpp"

namespace strata {
namespace {

using testing::expect_gradients_match;
using testing::random_inputs;
using Inputs = std::vector<Tensor>;

// Values on both sides of 0, none within 0.1 of it, nor of +-3.
Tensor away_from_kinks() {
    return Tensor::from_vector(std::vector<double>{-4.2, -3.3, -2.6, -1.1, -0.35, -0.12, 0.15, 0.4, 1.3, 2.7, 3.4, 5.0},
                               {3, 4});
}

void check(Tensor (*op)(const Tensor&), const Tensor& x) {
    expect_gradients_match([op](const Inputs& v) { return op(v[0]); }, {x});
}

TEST(OpsNNGrad, Relu) { check(ops::relu, away_from_kinks()); }
TEST(OpsNNGrad, Sigmoid) { check(ops::sigmoid, away_from_kinks()); }
TEST(OpsNNGrad, Tanh) { check(ops::tanh, away_from_kinks()); }
TEST(OpsNNGrad, Selu) { check(ops::selu, away_from_kinks()); }
TEST(OpsNNGrad, Softplus) { check(ops::softplus, away_from_kinks()); }
TEST(OpsNNGrad, Softsign) { check(ops::softsign, away_from_kinks()); }
TEST(OpsNNGrad, Silu) { check(ops::silu, away_from_kinks()); }
TEST(OpsNNGrad, HardSigmoid) { check(ops::hard_sigmoid, away_from_kinks()); }

TEST(OpsNNGrad, Elu) {
    expect_gradients_match([](const Inputs& v) { return ops::elu(v[0]); }, {away_from_kinks()});
    expect_gradients_match([](const Inputs& v) { return ops::elu(v[0], 0.3); }, {away_from_kinks()});
}

TEST(OpsNNGrad, GeluExactAndApproximate) {
    expect_gradients_match([](const Inputs& v) { return ops::gelu(v[0]); }, {away_from_kinks()});
    expect_gradients_match([](const Inputs& v) { return ops::gelu(v[0], true); }, {away_from_kinks()});
}

TEST(OpsNNGrad, LeakyRelu) {
    expect_gradients_match([](const Inputs& v) { return ops::leaky_relu(v[0]); }, {away_from_kinks()});
    expect_gradients_match([](const Inputs& v) { return ops::leaky_relu(v[0], 0.05); }, {away_from_kinks()});
}

TEST(OpsNNGrad, SoftmaxOverEachAxis) {
    for (int axis : {-1, 0, 1, 2}) {
        SCOPED_TRACE(axis);
        expect_gradients_match([axis](const Inputs& v) { return ops::softmax(v[0], axis); },
                               random_inputs({{2, 3, 4}}, -2, 2));
    }
    expect_gradients_match([](const Inputs& v) { return ops::softmax(v[0]); }, random_inputs({{5}}, -2, 2));
}

TEST(OpsNNGrad, LogSoftmaxOverEachAxis) {
    for (int axis : {-1, 0, 1}) {
        SCOPED_TRACE(axis);
        expect_gradients_match([axis](const Inputs& v) { return ops::log_softmax(v[0], axis); },
                               random_inputs({{3, 4}}, -2, 2));
    }
    expect_gradients_match([](const Inputs& v) { return ops::log_softmax(v[0], 1); }, random_inputs({{2, 3, 2}}, -2, 2));
}

}  // namespace
}  // namespace strata
