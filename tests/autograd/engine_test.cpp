// The backward engine: accumulation when a tensor is used more than once, diamonds, broadcast
// gradients summed back, no-grad scopes, and graphs deeper than the call stack would allow recursively.
#include <gtest/gtest.h>

#include <pthread.h>

#include <cmath>
#include <vector>

#include <strata/autograd/node.hpp>
#include <strata/ops/elementwise.hpp>
#include <strata/ops/reduce.hpp>

#include "core/tensor_matchers.hpp"

namespace strata {
namespace {

using testing::expect_tensor_near;

Tensor leaf(const std::vector<double>& values) { return Tensor::from_vector(values).set_requires_grad(true); }

TEST(AutogradEngine, ATensorUsedTwiceGetsTheSumOfItsGradients) {
    Tensor x = leaf({1.0, -2.0, 3.0});
    Tensor y = x * x + x;  // dy/dx = 2x + 1
    Tensor g = autograd::gradients(y, {x})[0];
    expect_tensor_near<double>(g, {3.0, -3.0, 7.0});
}

TEST(AutogradEngine, DiamondGraph) {
    // a = 2x and b = exp(x) both feed y = a * b: dy/dx = 2 e^x + 2x e^x.
    Tensor x = leaf({0.5, -1.0});
    Tensor a = x * 2.0, b = ops::exp(x);
    Tensor y = ops::sum(a * b);
    Tensor g = autograd::gradients(y, {x})[0];
    std::vector<double> expected;
    for (double v : {0.5, -1.0}) expected.push_back(2 * std::exp(v) + 2 * v * std::exp(v));
    expect_tensor_near<double>(g, expected, 1e-15);
}

TEST(AutogradEngine, GradientsOfIntermediatesAndSeveralSources) {
    Tensor x = leaf({2.0}), w = leaf({3.0});
    Tensor h = x * w;    // 6
    Tensor y = h * h;    // 36
    std::vector<Tensor> g = autograd::gradients(y, {x, w, h});
    expect_tensor_near<double>(g[0], {2 * 6.0 * 3.0});
    expect_tensor_near<double>(g[1], {2 * 6.0 * 2.0});
    expect_tensor_near<double>(g[2], {12.0});
}

TEST(AutogradEngine, BroadcastGradientsAreSummedToTheInputShape) {
    Tensor bias = leaf({1.0, 2.0, 3.0});                                     // [3]
    Tensor x = Tensor::from_vector(std::vector<double>{1, 2, 3, 4, 5, 6}, {2, 3});  // [2, 3], a constant
    Tensor col = Tensor::from_vector(std::vector<double>{1, 1}, {2, 1}).set_requires_grad(true);
    Tensor y = ops::sum((x + bias) * col);
    std::vector<Tensor> g = autograd::gradients(y, {bias, col});
    EXPECT_EQ(g[0].shape(), Shape({3}));
    expect_tensor_near<double>(g[0], {2, 2, 2});
    EXPECT_EQ(g[1].shape(), Shape({2, 1}));
    expect_tensor_near<double>(g[1], {1 + 2 + 3 + 6.0, 4 + 5 + 6 + 6.0});
}

TEST(AutogradEngine, SeedOfANonScalarRoot) {
    Tensor x = leaf({1.0, 2.0});
    Tensor y = x * 3.0;
    // Default seed: ones.
    expect_tensor_near<double>(autograd::gradients(y, {x})[0], {3, 3});
    Tensor seed = Tensor::from_vector(std::vector<double>{1.0, -2.0});
    expect_tensor_near<double>(autograd::gradients(y, {x}, seed)[0], {3, -6});
}

TEST(AutogradEngine, MixedPrecisionGradientHasTheInputsDtype) {
    Tensor x = Tensor::from_vector(std::vector<float>{1, 2}).set_requires_grad(true);
    Tensor w = Tensor::from_vector(std::vector<double>{0.5, 4});
    Tensor y = ops::sum(x * w);  // float64 after promotion
    EXPECT_EQ(y.dtype(), float64);
    Tensor g = autograd::gradients(y, {x})[0];
    testing::expect_tensor_eq<float>(g, {0.5f, 4.0f});
}

TEST(AutogradEngine, NoGradScopeStopsRecording) {
    Tensor x = leaf({1.0});
    {
        autograd::NoGradScope no_grad;
        EXPECT_FALSE(autograd::grad_enabled());
        Tensor y = x * 2.0;
        EXPECT_FALSE(y.requires_grad());
        EXPECT_EQ(y.impl()->grad_fn, nullptr);
        {
            autograd::NoGradScope nested;
            EXPECT_FALSE(autograd::grad_enabled());
        }
        EXPECT_FALSE(autograd::grad_enabled());  // the inner scope restores the outer state
    }
    EXPECT_TRUE(autograd::grad_enabled());
    Tensor z = x * 2.0;
    EXPECT_TRUE(z.requires_grad());
    EXPECT_NE(z.impl()->grad_fn, nullptr);
}

TEST(AutogradEngine, ConstantsAndDetachedTensorsGetNoGradient) {
    Tensor x = leaf({1.0, 2.0});
    Tensor c = Tensor::from_vector(std::vector<double>{5, 5});
    Tensor y = ops::sum(x.detach() * x + c);  // d/dx treats the detached factor as a constant
    std::vector<Tensor> g = autograd::gradients(y, {x, c});
    expect_tensor_near<double>(g[0], {1.0, 2.0});
    EXPECT_FALSE(g[1].defined());
    EXPECT_FALSE(ops::add(c, c).requires_grad());  // no input wants a gradient: nothing recorded
}

TEST(AutogradEngine, UnconnectedSourceIsUndefined) {
    Tensor x = leaf({1.0}), unused = leaf({2.0});
    std::vector<Tensor> g = autograd::gradients(x * 2.0, {x, unused});
    expect_tensor_near<double>(g[0], {2.0});
    EXPECT_FALSE(g[1].defined());
}

TEST(AutogradEngine, UndefinedRootIsRefused) {
    Tensor x = leaf({1.0});
    testing::expect_error<ValueError>([&] { autograd::gradients(Tensor(), {x}); }, {"gradients", "undefined"});
}

TEST(AutogradEngine, DeepChainDoesNotOverflowTheStack) {
    // 10,000 recorded ops: the engine's traversal and the graph's destruction must not recurse per node.
    Tensor x = leaf({1.0});
    {
        Tensor y = x;
        for (int i = 0; i < 10000; ++i) y = y * 1.0001 - 0.0001;
        Tensor g = autograd::gradients(y, {x})[0];
        expect_tensor_near<double>(g, {std::pow(1.0001, 10000)}, 1e-9);
    }  // y and its 20,000 nodes are released here
    Tensor z = x;
    for (int i = 0; i < 100000; ++i) z = z + 1.0;
    EXPECT_NEAR(z.item<double>(), 100001.0, 1e-6);
}

TEST(AutogradEngine, DeepGraphIsReleasedOnASmallStack) {
    // A thread with a 256 KiB stack builds, differentiates and drops a 50,000-op graph: a recursive
    // release would need several megabytes.
    struct Job {
        double gradient = 0;
        static void* run(void* arg) {
            Tensor x = leaf({1.0});
            Tensor y = x;
            for (int i = 0; i < 50000; ++i) y = y + 1.0;
            static_cast<Job*>(arg)->gradient = autograd::gradients(y, {x})[0].item<double>();
            return nullptr;
        }
    } job;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    pthread_t thread;
    ASSERT_EQ(pthread_create(&thread, &attr, &Job::run, &job), 0);
    pthread_join(thread, nullptr);
    pthread_attr_destroy(&attr);
    EXPECT_EQ(job.gradient, 1.0);
}

}  // namespace
}  // namespace strata
