// ops::conv, conv_transpose, depthwise_conv, separable_conv: forward values against the independent loops of
// convolution_reference.hpp in every padding, stride, dilation and groups combination, float64 gradient
// checks, the float32 oneDNN path against the float64 loops (forward and both gradients), bit-identical results
// on one and two threads, and the errors.
#include <gtest/gtest.h>

#include <cstring>

#include <strata/backend/threading.hpp>
#include <strata/ops/convolution.hpp>
#include <strata/strata.hpp>

#include "ops/convolution_reference.hpp"
#include "support/gradcheck.hpp"

namespace strata {
namespace {

using testing::expect_close;
using testing::reference_conv;
using testing::reference_conv_transpose;

struct Case {
    std::vector<std::int64_t> x, kernel;  // x [n, spatial..., c]; kernel [k..., c / groups, f]
    std::vector<std::int64_t> strides, dilations;
    std::string padding;
};

// 1-D and 2-D; valid, same, causal; strides 1, 2, 3 (windows that leave the input's tail unread); dilation 1, 2;
// groups 1, 2, 3 and one group per channel.
std::vector<Case> cases() {
    return {
        {{2, 9, 3}, {3, 3, 4}, {1}, {1}, "valid"},
        {{2, 9, 3}, {3, 3, 4}, {1}, {1}, "same"},
        {{2, 9, 3}, {3, 3, 4}, {1}, {1}, "causal"},
        {{2, 10, 3}, {4, 3, 2}, {2}, {1}, "same"},
        {{2, 10, 3}, {3, 3, 2}, {3}, {1}, "valid"},
        {{2, 10, 3}, {3, 3, 2}, {2}, {1}, "causal"},
        {{2, 11, 4}, {3, 2, 6}, {1}, {2}, "same"},
        {{2, 11, 4}, {3, 2, 6}, {1}, {3}, "causal"},
        {{2, 7, 6, 3}, {3, 3, 3, 5}, {1, 1}, {1, 1}, "valid"},
        {{2, 7, 6, 3}, {3, 3, 3, 5}, {1, 1}, {1, 1}, "same"},
        {{2, 7, 8, 3}, {3, 2, 3, 4}, {2, 3}, {1, 1}, "same"},
        {{2, 8, 7, 3}, {2, 3, 3, 4}, {2, 2}, {1, 1}, "valid"},
        {{1, 9, 8, 2}, {3, 3, 2, 3}, {1, 1}, {2, 3}, "valid"},
        {{1, 9, 8, 2}, {3, 2, 2, 3}, {1, 1}, {2, 2}, "same"},
        {{2, 6, 6, 4}, {3, 3, 2, 6}, {1, 1}, {1, 1}, "same"},    // 2 groups
        {{2, 7, 7, 6}, {2, 2, 2, 3}, {2, 2}, {1, 1}, "valid"},   // 3 groups, one filter each
        {{2, 6, 5, 4}, {3, 3, 1, 8}, {1, 1}, {1, 1}, "same"},    // depthwise, multiplier 2
        {{2, 5, 5, 3}, {1, 1, 3, 4}, {2, 2}, {1, 1}, "valid"},   // 1x1 stride 2: rows never read
        {{2, 5, 4, 3, 2}, {2, 2, 3, 2, 3}, {1, 2, 1}, {1, 1, 1}, "same"},  // 3-D
    };
}

std::string describe(const Case& c) {
    return Shape(c.x).to_string() + " * " + Shape(c.kernel).to_string() + " " + c.padding + " strides " +
           Shape(c.strides).to_string() + " dilation " + Shape(c.dilations).to_string();
}

ops::ConvOptions options_of(const Case& c) { return {c.strides, c.padding, c.dilations}; }

class ConvOpTest : public ::testing::Test {
protected:
    void SetUp() override { random::seed(11); }
};

TEST_F(ConvOpTest, ForwardMatchesNaiveLoopsInEveryMode) {
    for (const Case& c : cases()) {
        SCOPED_TRACE(describe(c));
        Tensor x = random::uniform(Shape(c.x), -1.0, 1.0, float64);
        Tensor k = random::uniform(Shape(c.kernel), -1.0, 1.0, float64);
        auto expected = reference_conv(x, k, c.strides, c.dilations, c.padding);
        expect_close(ops::conv(x, k, options_of(c)), expected, 1e-12);
        expect_close(ops::conv(x.astype(float32), k.astype(float32), options_of(c)), expected, 1e-5);
    }
}

TEST_F(ConvOpTest, BiasAndFusedActivationsMatchTheUnfusedResult) {
    using backend::Epilogue;
    for (DType dtype : {float32, float64}) {
        Tensor x = random::normal({3, 8, 7, 4}, 0.0, 1.0, dtype);
        Tensor k = random::normal({3, 3, 4, 5}, 0.0, 0.5, dtype);
        Tensor b = random::normal({5}, 0.0, 1.0, dtype);
        ops::ConvOptions same{{1}, "same", {1}};
        auto ref = reference_conv(x, k, {1, 1}, {1, 1}, "same", b);
        double tol = dtype == float32 ? 1e-5 : 1e-12;
        expect_close(ops::conv(x, k, b, same), ref, tol);
        Tensor plain = Tensor::from_vector(ref.values, ref.shape);
        expect_close(ops::conv(x, k, b, same, Epilogue::relu), {ref.shape, ops::relu(plain).to_vector<double>()}, tol);
        expect_close(ops::conv(x, k, b, same, Epilogue::sigmoid), {ref.shape, ops::sigmoid(plain).to_vector<double>()}, tol);
        expect_close(ops::conv(x, k, b, same, Epilogue::tanh), {ref.shape, ops::tanh(plain).to_vector<double>()}, tol);
    }
}

TEST_F(ConvOpTest, GradientsMatchCentralDifferencesInEveryMode) {
    for (const Case& c : cases()) {
        SCOPED_TRACE(describe(c));
        if (c.x.size() == 5) continue;  // 3-D: covered by the layer test, slow here
        std::int64_t filters = c.kernel.back();
        auto inputs = testing::random_inputs({Shape(c.x), Shape(c.kernel), Shape{filters}});
        testing::expect_gradients_match(
            [&](const std::vector<Tensor>& in) { return ops::conv(in[0], in[1], in[2], options_of(c)); }, inputs);
    }
}

TEST_F(ConvOpTest, GradientsThroughFusedActivationsMatchCentralDifferences) {
    using backend::Epilogue;
    for (Epilogue e : {Epilogue::relu, Epilogue::sigmoid, Epilogue::tanh}) {
        auto inputs = testing::random_inputs({Shape{2, 5, 4, 2}, Shape{2, 2, 2, 3}, Shape{3}});
        testing::expect_gradients_match(
            [&](const std::vector<Tensor>& in) { return ops::conv(in[0], in[1], in[2], {{1}, "same", {1}}, e); },
            inputs);
    }
}

// The float32 kernels (oneDNN) against the float64 loops, for the gradients too: same values to rounding.
TEST_F(ConvOpTest, Float32GradientsAgreeWithFloat64) {
    for (const Case& c : cases()) {
        SCOPED_TRACE(describe(c));
        std::int64_t filters = c.kernel.back();
        Tensor x = random::uniform(Shape(c.x), -1.0, 1.0, float64);
        Tensor k = random::uniform(Shape(c.kernel), -1.0, 1.0, float64);
        Tensor b = random::uniform({filters}, -1.0, 1.0, float64);
        Tensor x32 = x.astype(float32), k32 = k.astype(float32), b32 = b.astype(float32);
        Tensor y = ops::conv(x, k, options_of(c));
        Tensor r = random::uniform(y.shape(), 0.5, 1.5, float64);
        for (Tensor* t : {&x, &k, &b, &x32, &k32, &b32}) t->set_requires_grad(true);
        auto g64 = autograd::gradients((ops::conv(x, k, b, options_of(c)) * r).sum(), {x, k, b});
        auto g32 = autograd::gradients((ops::conv(x32, k32, b32, options_of(c)) * r.astype(float32)).sum(), {x32, k32, b32});
        for (int i = 0; i < 3; ++i) {
            auto a = g32[static_cast<std::size_t>(i)].astype(float64).to_vector<double>();
            auto e = g64[static_cast<std::size_t>(i)].to_vector<double>();
            ASSERT_EQ(a.size(), e.size());
            for (std::size_t j = 0; j < a.size(); ++j)
                EXPECT_NEAR(a[j], e[j], 2e-4 * std::max(1.0, std::abs(e[j]))) << "gradient " << i << " element " << j;
        }
    }
}

TEST_F(ConvOpTest, TransposedConvolutionMatchesNaiveScatter) {
    struct T {
        std::vector<std::int64_t> x, kernel, strides, dilations, output_padding;
        std::string padding;
    };
    std::vector<T> ts{
        {{2, 5, 3}, {3, 4, 3}, {1}, {1}, {}, "valid"},
        {{2, 5, 3}, {3, 4, 3}, {2}, {1}, {}, "same"},
        {{2, 5, 3}, {2, 4, 3}, {3}, {1}, {}, "valid"},  // k < s: Keras's output is in * s
        {{2, 5, 3}, {3, 2, 3}, {1}, {2}, {}, "same"},
        {{2, 4, 5, 3}, {3, 3, 2, 3}, {2, 2}, {1, 1}, {}, "same"},
        {{2, 4, 5, 3}, {3, 3, 2, 3}, {2, 2}, {1, 1}, {}, "valid"},
        {{2, 4, 5, 3}, {3, 3, 2, 3}, {2, 2}, {1, 1}, {1, 1}, "same"},
        {{2, 4, 5, 3}, {4, 4, 2, 3}, {2, 3}, {1, 1}, {1, 2}, "valid"},
        {{1, 4, 4, 2}, {3, 3, 2, 2}, {1, 1}, {2, 2}, {}, "same"},
    };
    for (const T& t : ts) {
        SCOPED_TRACE(Shape(t.x).to_string() + " * " + Shape(t.kernel).to_string() + " " + t.padding);
        Tensor x = random::uniform(Shape(t.x), -1.0, 1.0, float64);
        Tensor k = random::uniform(Shape(t.kernel), -1.0, 1.0, float64);
        auto expected = reference_conv_transpose(x, k, t.strides, t.dilations, t.padding, t.output_padding);
        ops::ConvTransposeOptions o{t.strides, t.padding, t.output_padding, t.dilations};
        expect_close(ops::conv_transpose(x, k, o), expected, 1e-12);
        expect_close(ops::conv_transpose(x.astype(float32), k.astype(float32), o), expected, 1e-5);
        testing::expect_gradients_match(
            [&](const std::vector<Tensor>& in) { return ops::conv_transpose(in[0], in[1], o); },
            testing::random_inputs({Shape(t.x), Shape(t.kernel)}));
    }
}

TEST_F(ConvOpTest, KerasOutputLengths) {
    // Keras's compute_conv_output_shape: valid floor((in - d (k - 1) - 1) / s) + 1, same/causal ceil(in / s).
    EXPECT_EQ(ops::conv_output_length(28, 3, 1, "valid"), 26);
    EXPECT_EQ(ops::conv_output_length(28, 3, 2, "valid"), 13);
    EXPECT_EQ(ops::conv_output_length(28, 3, 2, "same"), 14);
    EXPECT_EQ(ops::conv_output_length(10, 3, 1, "valid", 2), 6);
    EXPECT_EQ(ops::conv_output_length(-1, 3, 1, "valid"), -1);
    // Keras's deconv_output_length: valid in * s + max(k - s, 0), same in * s; with output_padding
    // (in - 1) s + k - 2 (k // 2 when same) + output_padding.
    EXPECT_EQ(ops::conv_transpose_output_length(5, 3, 2, "valid"), 11);
    EXPECT_EQ(ops::conv_transpose_output_length(5, 2, 3, "valid"), 15);
    EXPECT_EQ(ops::conv_transpose_output_length(5, 3, 2, "same"), 10);
    EXPECT_EQ(ops::conv_transpose_output_length(5, 3, 2, "same", 1), 10);
    EXPECT_EQ(ops::conv_transpose_output_length(5, 3, 2, "valid", 1), 12);
}

TEST_F(ConvOpTest, DepthwiseAndSeparableMatchTheirDefinitions) {
    Tensor x = random::uniform({2, 6, 5, 3}, -1.0, 1.0, float64);
    Tensor dw = random::uniform({3, 3, 3, 2}, -1.0, 1.0, float64);  // (k, k, c, multiplier)
    Tensor pw = random::uniform({1, 1, 6, 4}, -1.0, 1.0, float64);
    // Depthwise output channel c * m + j reads input channel c through dw[..., c, j]: a conv with c groups.
    auto depthwise = reference_conv(x, dw.reshape({3, 3, 1, 6}), {1, 1}, {1, 1}, "same");
    expect_close(ops::depthwise_conv(x, dw, {{1}, "same", {1}}), depthwise, 1e-12);
    Tensor d = Tensor::from_vector(depthwise.values, depthwise.shape);
    expect_close(ops::separable_conv(x, dw, pw, {{1}, "same", {1}}), reference_conv(d, pw, {1, 1}, {1, 1}, "valid"), 1e-12);
    testing::expect_gradients_match(
        [&](const std::vector<Tensor>& in) { return ops::separable_conv(in[0], in[1], in[2], {{2}, "valid", {1}}); },
        testing::random_inputs({Shape{2, 7, 6, 3}, Shape{2, 2, 3, 2}, Shape{1, 1, 6, 4}}));
}

// Bitwise equality whatever the thread count (DESIGN.md), for the forward and both gradients in float32, on a
// batch that splits unevenly.
TEST_F(ConvOpTest, Float32ResultsAreBitIdenticalOnOneAndTwoThreads) {
    Tensor x = random::normal({37, 12, 11, 5});
    Tensor k = random::normal({3, 3, 5, 8});
    Tensor b = random::normal({8});
    Tensor r = random::normal({37, 6, 6, 8});
    auto run = [&](int threads) {
        int before = backend::num_threads();
        backend::set_num_threads(threads);
        Tensor xx = x.clone(), kk = k.clone(), bb = b.clone();
        for (Tensor* t : {&xx, &kk, &bb}) t->set_requires_grad(true);
        Tensor y = ops::conv(xx, kk, bb, {{2}, "same", {1}}, backend::Epilogue::relu);
        auto grads = autograd::gradients((y * r).sum(), {xx, kk, bb});
        Tensor t = ops::conv_transpose(y.detach(), k, {{2}, "same", {}, {1}});  // kernel (k, k, 5 filters, 8 in)
        backend::set_num_threads(before);
        std::vector<std::vector<float>> out{y.to_vector<float>(), t.to_vector<float>()};
        for (const Tensor& g : grads) out.push_back(g.to_vector<float>());
        return out;
    };
    auto one = run(1), two = run(2), again = run(1);
    for (std::size_t i = 0; i < one.size(); ++i) {
        ASSERT_EQ(one[i].size(), two[i].size());
        EXPECT_EQ(std::memcmp(one[i].data(), two[i].data(), one[i].size() * sizeof(float)), 0) << "result " << i;
        EXPECT_EQ(std::memcmp(one[i].data(), again[i].data(), one[i].size() * sizeof(float)), 0) << "result " << i;
    }
}

// With enough channels for oneDNN to block them, and a batch big enough to split.
TEST_F(ConvOpTest, Float32WideConvolutionIsBitIdenticalOnOneAndTwoThreads) {
    Tensor x = random::normal({41, 9, 9, 32});
    Tensor k = random::normal({3, 3, 32, 64}, 0.0, 0.1);
    Tensor b = random::normal({64});
    Tensor r = random::normal({41, 7, 7, 64});
    auto run = [&](int threads) {
        int before = backend::num_threads();
        backend::set_num_threads(threads);
        Tensor xx = x.clone(), kk = k.clone(), bb = b.clone();
        for (Tensor* t : {&xx, &kk, &bb}) t->set_requires_grad(true);
        Tensor y = ops::conv(xx, kk, bb, {});
        auto grads = autograd::gradients((y * r).sum(), {xx, kk, bb});
        backend::set_num_threads(before);
        std::vector<std::vector<float>> out{y.to_vector<float>()};
        for (const Tensor& g : grads) out.push_back(g.to_vector<float>());
        return out;
    };
    auto one = run(1), two = run(2);
    for (std::size_t i = 0; i < one.size(); ++i) {
        ASSERT_EQ(one[i].size(), two[i].size());
        EXPECT_EQ(std::memcmp(one[i].data(), two[i].data(), one[i].size() * sizeof(float)), 0) << "result " << i;
    }
}

// 3x3 stride-1 convolutions with 16 or more channels each way run on Winograd F(4x4, 3x3) in float32 (the
// forward and the weights gradient; src/backend/cpu/convolution.cpp), through a blocked layout: against the
// float64 loops, with a bias and a fused relu, "valid" and "same", and a batch that leaves a shorter last
// slice. Winograd's transforms cost some accuracy, so the bound is relative to the largest value of each
// result: measured here, the direct kernels stay within 6e-7 of it and Winograd within 1.3e-6; a wrong
// transform or layout is off by the values themselves.
TEST_F(ConvOpTest, Float32WinogradShapesAgreeWithFloat64) {
    struct Shapes {
        std::vector<std::int64_t> x, kernel;
        std::string padding;
    };
    for (const Shapes& c : {Shapes{{41, 13, 13, 32}, {3, 3, 32, 64}, "valid"}, Shapes{{18, 9, 11, 16}, {3, 3, 16, 24}, "same"}}) {
        SCOPED_TRACE(Shape(c.x).to_string() + " " + c.padding);
        Tensor x = random::uniform(Shape(c.x), -1.0, 1.0, float64);
        Tensor k = random::uniform(Shape(c.kernel), -0.2, 0.2, float64);
        Tensor b = random::uniform({c.kernel.back()}, -0.5, 0.5, float64);
        Tensor x32 = x.astype(float32), k32 = k.astype(float32), b32 = b.astype(float32);
        for (Tensor* t : {&x, &k, &b, &x32, &k32, &b32}) t->set_requires_grad(true);
        const ops::ConvOptions options{{1, 1}, c.padding, {1, 1}};
        Tensor y64 = ops::conv(x, k, b, options, backend::Epilogue::relu);
        Tensor y32 = ops::conv(x32, k32, b32, options, backend::Epilogue::relu);
        Tensor r = random::uniform(y64.shape(), -1.0, 1.0, float64);
        auto g64 = autograd::gradients((y64 * r).sum(), {x, k, b});
        auto g32 = autograd::gradients((y32 * r.astype(float32)).sum(), {x32, k32, b32});
        std::vector<std::pair<Tensor, Tensor>> results{{y32, y64}};
        for (std::size_t i = 0; i < 3; ++i) results.emplace_back(g32[i], g64[i]);
        for (std::size_t i = 0; i < results.size(); ++i) {
            auto a = results[i].first.astype(float64).to_vector<double>();
            auto e = results[i].second.to_vector<double>();
            ASSERT_EQ(a.size(), e.size());
            double scale = 0, worst = 0;
            for (double v : e) scale = std::max(scale, std::abs(v));
            for (std::size_t j = 0; j < a.size(); ++j) worst = std::max(worst, std::abs(a[j] - e[j]));
            EXPECT_LE(worst, 5e-6 * scale) << "result " << i << " (0: y, 1: dx, 2: dkernel, 3: dbias), largest |value| "
                                            << scale;
        }
    }
}

TEST_F(ConvOpTest, BadInputNamesTheOpAndBothShapes) {
    auto message_of = [](auto fn) {
        try {
            fn();
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    Tensor x = random::normal({2, 5, 5, 4});
    // A kernel larger than the padded input.
    std::string m = message_of([&] { ops::conv(x, random::normal({7, 7, 4, 2})); });
    EXPECT_NE(m.find("conv"), std::string::npos) << m;
    EXPECT_NE(m.find("larger than"), std::string::npos) << m;
    EXPECT_NE(m.find("(2, 5, 5, 4)"), std::string::npos) << m;
    EXPECT_NE(m.find("(7, 7, 4, 2)"), std::string::npos) << m;
    EXPECT_THROW(ops::conv(x, random::normal({7, 7, 4, 2})), ShapeError);
    EXPECT_NO_THROW(ops::conv(x, random::normal({7, 7, 4, 2}), {{1}, "same", {1}}));
    // Channels not divisible by the kernel's input channels (the groups).
    m = message_of([&] { ops::conv(x, random::normal({3, 3, 3, 6})); });
    EXPECT_NE(m.find("divisible"), std::string::npos) << m;
    EXPECT_NE(m.find("(3, 3, 3, 6)"), std::string::npos) << m;
    EXPECT_THROW(ops::conv(x, random::normal({3, 3, 3, 6})), ShapeError);
    // Filters not divisible by the groups.
    EXPECT_THROW(ops::conv(x, random::normal({3, 3, 2, 3})), ShapeError);
    // An invalid padding string; causal only in 1-D.
    m = message_of([&] { ops::conv(x, random::normal({3, 3, 4, 2}), {{1}, "full", {1}}); });
    EXPECT_NE(m.find("\"full\""), std::string::npos) << m;
    EXPECT_THROW(ops::conv(x, random::normal({3, 3, 4, 2}), {{1}, "full", {1}}), ValueError);
    EXPECT_THROW(ops::conv(x, random::normal({3, 3, 4, 2}), {{1}, "causal", {1}}), ValueError);
    // Ranks.
    EXPECT_THROW(ops::conv(random::normal({5, 4}), random::normal({3, 4})), ShapeError);
    EXPECT_THROW(ops::conv(x, random::normal({3, 4, 2})), ShapeError);
    // Strides and dilation.
    EXPECT_THROW(ops::conv(x, random::normal({3, 3, 4, 2}), {{1, 2, 3}, "valid", {1}}), ValueError);
    EXPECT_THROW(ops::conv(x, random::normal({3, 3, 4, 2}), {{0}, "valid", {1}}), ValueError);
    // Bias and dtypes.
    EXPECT_THROW(ops::conv(x, random::normal({3, 3, 4, 2}), random::normal({3}), {}), ShapeError);
    EXPECT_THROW(ops::conv(x, random::normal({3, 3, 4, 2}, 0.0, 1.0, float64)), TypeError);
    // Transposed: the kernel's last axis must be the input's channels; output_padding below the stride.
    EXPECT_THROW(ops::conv_transpose(x, random::normal({3, 3, 2, 3})), ShapeError);
    EXPECT_THROW(ops::conv_transpose(x, random::normal({3, 3, 2, 4}), {{2}, "same", {2}, {1}}), ValueError);
    EXPECT_THROW(ops::depthwise_conv(x, random::normal({3, 3, 3, 1})), ShapeError);
}

}  // namespace
}  // namespace strata
