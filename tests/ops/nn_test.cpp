// Forward values of the activations against formulas computed here, in float32 and float64, with the
// Keras 3 definitions and defaults (keras/src/activations/activations.py).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <numbers>
#include <string>
#include <vector>

#include <strata/ops/nn.hpp>

#include "core/tensor_matchers.hpp"

namespace strata {
namespace {

using testing::expect_tensor_near;

// Keras 3 selu constants.
constexpr double kSeluAlpha = 1.67326324235437728481;
constexpr double kSeluScale = 1.05070098735548049342;

struct Activation {
    std::string name;
    std::function<Tensor(const Tensor&)> op;
    std::function<double(double)> reference;
};

double sigmoid(double v) { return 1.0 / (1.0 + std::exp(-v)); }

std::vector<Activation> activations() {
    return {
        {"relu", [](const Tensor& x) { return ops::relu(x); }, [](double v) { return v > 0 ? v : 0.0; }},
        {"sigmoid", [](const Tensor& x) { return ops::sigmoid(x); }, sigmoid},
        {"tanh", [](const Tensor& x) { return ops::tanh(x); }, [](double v) { return std::tanh(v); }},
        // Keras 3: elu(x, alpha=1.0)
        {"elu", [](const Tensor& x) { return ops::elu(x); }, [](double v) { return v > 0 ? v : std::exp(v) - 1; }},
        {"elu_alpha", [](const Tensor& x) { return ops::elu(x, 0.5); },
         [](double v) { return v > 0 ? v : 0.5 * (std::exp(v) - 1); }},
        {"selu", [](const Tensor& x) { return ops::selu(x); },
         [](double v) { return kSeluScale * (v > 0 ? v : kSeluAlpha * (std::exp(v) - 1)); }},
        // Keras 3: keras.activations.gelu(x, approximate=False) is the exact, erf form.
        {"gelu", [](const Tensor& x) { return ops::gelu(x); },
         [](double v) { return 0.5 * v * (1 + std::erf(v / std::numbers::sqrt2)); }},
        {"gelu_approximate", [](const Tensor& x) { return ops::gelu(x, true); },
         [](double v) {
             return 0.5 * v * (1 + std::tanh(std::sqrt(2 / std::numbers::pi) * (v + 0.044715 * v * v * v)));
         }},
        {"softplus", [](const Tensor& x) { return ops::softplus(x); }, [](double v) { return std::log1p(std::exp(v)); }},
        {"softsign", [](const Tensor& x) { return ops::softsign(x); }, [](double v) { return v / (1 + std::abs(v)); }},
        {"silu", [](const Tensor& x) { return ops::silu(x); }, [](double v) { return v * sigmoid(v); }},
        // Keras 3: leaky_relu(x, negative_slope=0.2)
        {"leaky_relu", [](const Tensor& x) { return ops::leaky_relu(x); }, [](double v) { return v > 0 ? v : 0.2 * v; }},
        {"leaky_relu_slope", [](const Tensor& x) { return ops::leaky_relu(x, 0.01); },
         [](double v) { return v > 0 ? v : 0.01 * v; }},
        // Keras 3: hard_sigmoid(x) = relu6(x + 3) / 6 (Keras 2 used 0.2 x + 0.5).
        {"hard_sigmoid", [](const Tensor& x) { return ops::hard_sigmoid(x); },
         [](double v) { return std::min(std::max(v + 3, 0.0), 6.0) / 6; }},
    };
}

template <class T>
void check_activation(const Activation& a, double rtol, double atol) {
    SCOPED_TRACE(a.name + " " + dtype_name(dtype_of_v<T>));
    std::vector<T> in{-20, -4, -2.9, -1, -0.25, 0, 0.3, 1, 2.5, 3.5, 8, 25};
    std::vector<T> expected;
    for (T v : in) expected.push_back(static_cast<T>(a.reference(static_cast<double>(v))));
    Tensor y = a.op(Tensor::from_vector(in, {3, 4}));
    EXPECT_EQ(y.shape(), Shape({3, 4}));
    expect_tensor_near<T>(y, expected, rtol, atol);
}

TEST(OpsNN, ActivationsMatchKerasFormulas) {
    for (const Activation& a : activations()) {
        check_activation<float>(a, 2e-6, 1e-7);
        check_activation<double>(a, 1e-14, 1e-15);
    }
}

TEST(OpsNN, ActivationsDoNotOverflow) {
    Tensor x = Tensor::from_vector(std::vector<float>{-1000.0f, 1000.0f});
    expect_tensor_near<float>(ops::sigmoid(x), {0.0f, 1.0f});
    expect_tensor_near<float>(ops::softplus(x), {0.0f, 1000.0f});
    expect_tensor_near<float>(ops::silu(x), {0.0f, 1000.0f}, 0.0, 1e-30);
    expect_tensor_near<float>(ops::tanh(x), {-1.0f, 1.0f});
    expect_tensor_near<float>(ops::elu(x), {-1.0f, 1000.0f});
}

template <class T>
void check_softmax(double rtol) {
    SCOPED_TRACE(dtype_name(dtype_of_v<T>));
    std::vector<T> in{1, 2, 3, -1, 0, 4};
    Tensor x = Tensor::from_vector(in, {2, 3});
    std::vector<T> last, last_log, first;
    for (int r = 0; r < 2; ++r) {
        double s = 0;
        for (int c = 0; c < 3; ++c) s += std::exp(double(in[static_cast<std::size_t>(r * 3 + c)]));
        for (int c = 0; c < 3; ++c) {
            double v = double(in[static_cast<std::size_t>(r * 3 + c)]);
            last.push_back(static_cast<T>(std::exp(v) / s));
            last_log.push_back(static_cast<T>(v - std::log(s)));
        }
    }
    for (int r = 0; r < 2; ++r)
        for (int c = 0; c < 3; ++c) {
            double s = std::exp(double(in[static_cast<std::size_t>(c)])) + std::exp(double(in[static_cast<std::size_t>(3 + c)]));
            first.push_back(static_cast<T>(std::exp(double(in[static_cast<std::size_t>(r * 3 + c)])) / s));
        }
    expect_tensor_near<T>(ops::softmax(x), last, rtol, rtol);  // Keras 3: softmax(x, axis=-1)
    expect_tensor_near<T>(ops::log_softmax(x), last_log, rtol, rtol);
    expect_tensor_near<T>(ops::softmax(x, 0), first, rtol, rtol);
    expect_tensor_near<T>(ops::softmax(x, -2), first, rtol, rtol);
    std::vector<T> first_log;
    for (T v : first) first_log.push_back(static_cast<T>(std::log(double(v))));
    expect_tensor_near<T>(ops::log_softmax(x, 0), first_log, rtol * 10, rtol * 10);
}

TEST(OpsNN, SoftmaxOverTheLastAndOtherAxes) {
    check_softmax<float>(1e-6);
    check_softmax<double>(1e-14);
}

TEST(OpsNN, SoftmaxIsStableForLargeInputs) {
    // Keras's softmax subtracts the row maximum: no overflow for large logits.
    Tensor x = Tensor::from_vector(std::vector<float>{1000.0f, 1001.0f, 1002.0f, -1000.0f, -1000.0f, -1000.0f}, {2, 3});
    double s = 1 + std::exp(-1.0) + std::exp(-2.0);
    std::vector<float> expected{float(std::exp(-2.0) / s), float(std::exp(-1.0) / s), float(1 / s),
                                1.0f / 3, 1.0f / 3, 1.0f / 3};
    expect_tensor_near<float>(ops::softmax(x), expected, 1e-6);
    std::vector<float> logs;
    for (float v : expected) logs.push_back(std::log(v));
    expect_tensor_near<float>(ops::log_softmax(x), logs, 1e-6);
}

TEST(OpsNN, SoftmaxOfRankThreeOverTheMiddleAxis) {
    std::vector<double> in(24);
    for (std::size_t i = 0; i < in.size(); ++i) in[i] = std::cos(double(i)) * 2;
    Tensor y = ops::softmax(Tensor::from_vector(in, {2, 3, 4}), 1);
    ASSERT_EQ(y.shape(), Shape({2, 3, 4}));
    std::vector<double> got = y.to_vector<double>();
    for (int i = 0; i < 2; ++i)
        for (int k = 0; k < 4; ++k) {
            double s = 0;
            for (int j = 0; j < 3; ++j) s += std::exp(in[static_cast<std::size_t>((i * 3 + j) * 4 + k)]);
            for (int j = 0; j < 3; ++j) {
                std::size_t n = static_cast<std::size_t>((i * 3 + j) * 4 + k);
                EXPECT_NEAR(got[n], std::exp(in[n]) / s, 1e-15);
            }
        }
}

TEST(OpsNN, ActivationsRefuseIntegers) {
    Tensor i = Tensor::from_vector(std::vector<std::int32_t>{1, 2});
    testing::expect_error<TypeError>([&] { ops::relu(i); }, {"relu", "int32"});
    testing::expect_error<TypeError>([&] { ops::softmax(i); }, {"softmax", "int32"});
    testing::expect_error<ShapeError>([] { ops::softmax(Tensor::scalar(1.0)); }, {"softmax"});
}

}  // namespace
}  // namespace strata
