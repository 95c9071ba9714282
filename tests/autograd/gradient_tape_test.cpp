// GradientTape, as tf.GradientTape: watch() on constants, undefined gradients for unconnected sources,
// one gradient() call unless persistent.
#include <gtest/gtest.h>

#include <vector>

#include <strata/autograd/gradient_tape.hpp>
#include <strata/autograd/node.hpp>
#include <strata/ops/elementwise.hpp>
#include <strata/ops/reduce.hpp>

#include "core/tensor_matchers.hpp"

namespace strata {
namespace {

using testing::expect_tensor_near;

TEST(AutogradGradientTape, WatchOnAConstant) {
    Tensor x = Tensor::from_vector(std::vector<double>{1.0, 3.0});
    EXPECT_FALSE(x.requires_grad());
    GradientTape tape;
    tape.watch(x);
    Tensor y = ops::sum(x * x);
    expect_tensor_near<double>(tape.gradient(y, x), {2.0, 6.0});
}

TEST(AutogradGradientTape, UnconnectedSourceGivesAnUndefinedGradient) {
    Tensor x = Tensor::from_vector(std::vector<double>{1.0}).set_requires_grad(true);
    Tensor other = Tensor::from_vector(std::vector<double>{2.0}).set_requires_grad(true);
    GradientTape tape;
    Tensor y = x * 4.0;
    std::vector<Tensor> g = tape.gradient(y, {x, other});
    ASSERT_EQ(g.size(), 2u);
    expect_tensor_near<double>(g[0], {4.0});
    EXPECT_FALSE(g[1].defined());
}

TEST(AutogradGradientTape, NonPersistentTapeUsedTwiceThrows) {
    Tensor x = Tensor::from_vector(std::vector<double>{1.0}).set_requires_grad(true);
    GradientTape tape;
    Tensor y = x * x;
    tape.gradient(y, x);
    testing::expect_error<ValueError>([&] { tape.gradient(y, x); }, {"GradientTape", "persistent"});
}

TEST(AutogradGradientTape, PersistentTapeAnswersTwice) {
    Tensor x = Tensor::from_vector(std::vector<double>{2.0}).set_requires_grad(true);
    GradientTape tape(true);
    Tensor y = x * x, z = x * 3.0;
    expect_tensor_near<double>(tape.gradient(y, x), {4.0});
    expect_tensor_near<double>(tape.gradient(z, x), {3.0});
}

TEST(AutogradGradientTape, RecordsInsideANoGradScopeAndRestoresIt) {
    autograd::NoGradScope outer;
    Tensor x = Tensor::from_vector(std::vector<double>{2.0}).set_requires_grad(true);
    {
        GradientTape tape;
        EXPECT_TRUE(autograd::grad_enabled());
        expect_tensor_near<double>(tape.gradient(x * x, x), {4.0});
    }
    EXPECT_FALSE(autograd::grad_enabled());
}

TEST(AutogradGradientTape, UndefinedTargetIsRefused) {
    Tensor x = Tensor::from_vector(std::vector<double>{2.0}).set_requires_grad(true);
    GradientTape tape;
    testing::expect_error<ValueError>([&] { tape.gradient(Tensor(), x); }, {"GradientTape", "undefined"});
}

}  // namespace
}  // namespace strata
