#include <gtest/gtest.h>

#include <cmath>

#include "support/layer_gradcheck.hpp"

namespace strata {
namespace {

TEST(ActivationsTest, EveryKerasNameResolvesToItsFunction) {
    Tensor x = Tensor::from_vector(std::vector<double>{-2.0, -0.5, 0.5, 2.0}, {1, 4});
    auto at = [&](const char* name) { return activations::get(name)(x).to_vector<double>(); };
    auto each = [&](double (*f)(double)) {
        std::vector<double> out;
        for (double v : x.to_vector<double>()) out.push_back(f(v));
        return out;
    };
    auto expect_near = [](const std::vector<double>& a, const std::vector<double>& b, const char* name) {
        ASSERT_EQ(a.size(), b.size());
        for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-12) << name << " " << i;
    };
    expect_near(at("linear"), each([](double v) { return v; }), "linear");
    expect_near(at("relu"), each([](double v) { return std::max(v, 0.0); }), "relu");
    expect_near(at("sigmoid"), each([](double v) { return 1 / (1 + std::exp(-v)); }), "sigmoid");
    expect_near(at("tanh"), each([](double v) { return std::tanh(v); }), "tanh");
    expect_near(at("elu"), each([](double v) { return v > 0 ? v : std::expm1(v); }), "elu");  // alpha=1.0
    expect_near(at("exponential"), each([](double v) { return std::exp(v); }), "exponential");
    expect_near(at("softsign"), each([](double v) { return v / (1 + std::abs(v)); }), "softsign");
    expect_near(at("softplus"), each([](double v) { return std::log1p(std::exp(v)); }), "softplus");
    expect_near(at("silu"), each([](double v) { return v / (1 + std::exp(-v)); }), "silu");
    expect_near(at("swish"), each([](double v) { return v / (1 + std::exp(-v)); }), "swish");
    // Keras 3: keras.activations.leaky_relu(x, negative_slope=0.2).
    expect_near(at("leaky_relu"), each([](double v) { return v > 0 ? v : 0.2 * v; }), "leaky_relu");
    // Keras 3: hard_sigmoid(x) = relu6(x + 3) / 6.
    expect_near(at("hard_sigmoid"), each([](double v) { return std::clamp(v + 3, 0.0, 6.0) / 6; }), "hard_sigmoid");
    // Keras 3: keras.activations.gelu(x, approximate=False), the exact erf form.
    expect_near(at("gelu"), each([](double v) { return 0.5 * v * (1 + std::erf(v / std::sqrt(2.0))); }), "gelu");
    expect_near(at("selu"), each([](double v) {
                    return 1.0507009873554804934193349852946 * (v > 0 ? v : 1.6732632423543772848170429916717 * std::expm1(v));
                }),
                "selu");
    std::vector<double> sm = at("softmax");
    double total = 0;
    for (double v : sm) total += v;
    EXPECT_NEAR(total, 1.0, 1e-12);
}

TEST(ActivationsTest, UnknownNameListsTheKnownOnes) {
    try {
        activations::get("rectified");
        FAIL() << "expected ValueError";
    } catch (const ValueError& e) {
        std::string m = e.what();
        EXPECT_NE(m.find("rectified"), std::string::npos);
        EXPECT_NE(m.find("relu"), std::string::npos);
    }
}

TEST(ActivationsTest, SpecTakesNamesCallablesAndNothing) {
    activations::ActivationSpec none;
    EXPECT_TRUE(none.is_linear());
    activations::ActivationSpec doubled([](const Tensor& t) { return t * 2.0; }, "doubled");
    EXPECT_EQ(doubled.name(), "doubled");
    EXPECT_EQ(doubled(Tensor::from_vector(std::vector<float>{1.5f})).item<float>(), 3.0f);
    EXPECT_TRUE(activations::ActivationSpec("relu").fusable());
    EXPECT_FALSE(activations::ActivationSpec("gelu").fusable());
}

TEST(ActivationLayerTest, AppliesItsFunctionAndPassesGradients) {
    clear_session();
    layers::Activation act("tanh", {.dtype = float64});
    EXPECT_EQ(act->name(), "activation");
    EXPECT_EQ(act->class_name(), "Activation");
    Tensor x = random::uniform({3, 4}, -1, 1, float64);
    auto y = act(x).to_vector<double>();
    auto xv = x.to_vector<double>();
    for (std::size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], std::tanh(xv[i]), 1e-12);
    testing::expect_layer_gradients_match([&](const Tensor& in) { return act(in); }, x, {});
    EXPECT_EQ(act->get_config()["activation"], "tanh");
}

}  // namespace
}  // namespace strata
