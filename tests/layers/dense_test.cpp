#include <gtest/gtest.h>

#include <cmath>

#include "support/layer_gradcheck.hpp"

namespace strata {
namespace {

using layers::Dense;

class DenseTest : public ::testing::Test {
protected:
    void SetUp() override {
        clear_session();
        random::seed(3);
    }
};

// The layer's output computed independently, in double loops: act(x W + b).
std::vector<double> reference(const Tensor& x, const Tensor& kernel, const Tensor& bias, double (*act)(double)) {
    auto xv = x.astype(float64).to_vector<double>();
    auto w = kernel.astype(float64).to_vector<double>();
    auto b = bias.astype(float64).to_vector<double>();
    std::int64_t n = x.shape()[0], k = kernel.shape()[0], m = kernel.shape()[1];
    std::vector<double> out(static_cast<std::size_t>(n * m));
    for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t j = 0; j < m; ++j) {
            double s = b[static_cast<std::size_t>(j)];
            for (std::int64_t p = 0; p < k; ++p) s += xv[static_cast<std::size_t>(i * k + p)] * w[static_cast<std::size_t>(p * m + j)];
            out[static_cast<std::size_t>(i * m + j)] = act(s);
        }
    return out;
}

TEST_F(DenseTest, NamesFollowKerasUids) {
    // Keras 3 names layers after their class in snake case, numbering repeats: dense, dense_1, dense_2.
    Dense a(2), b(2), c(2, {}, {.name = "logits"});
    EXPECT_EQ(a->name(), "dense");
    EXPECT_EQ(b->name(), "dense_1");
    EXPECT_EQ(c->name(), "logits");
    EXPECT_EQ(Dense(2)->name(), "dense_2");
}

TEST_F(DenseTest, KerasDefaultsGlorotUniformKernelZerosBiasUseBias) {
    // Keras 3: Dense(units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
    // bias_initializer="zeros").
    Dense d(64);
    Tensor y = d(random::normal({5, 128}));
    EXPECT_EQ(y.shape(), (Shape{5, 64}));
    ASSERT_EQ(d->weights().size(), 2u);
    EXPECT_EQ(d->weight_names(), (std::vector<std::string>{"kernel", "bias"}));
    auto bias = d->bias().to_vector<float>();
    for (float v : bias) EXPECT_EQ(v, 0.0f);
    double limit = std::sqrt(6.0 / (128 + 64));  // glorot_uniform: sqrt(6 / (fan_in + fan_out))
    auto kernel = d->kernel().to_vector<float>();
    double sum_sq = 0;
    for (float v : kernel) {
        EXPECT_LE(std::abs(v), limit);
        sum_sq += v * v;
    }
    EXPECT_NEAR(std::sqrt(sum_sq / kernel.size()), limit / std::sqrt(3.0), 0.1 * limit);
    EXPECT_EQ(d->activation().name(), "linear");
    nlohmann::json config = d->get_config();
    EXPECT_EQ(config["use_bias"], true);
    EXPECT_EQ(config["kernel_initializer"]["class_name"], "GlorotUniform");
    EXPECT_EQ(config["bias_initializer"]["class_name"], "Zeros");
    EXPECT_EQ(config["units"], 64);
}

TEST_F(DenseTest, BuildsOnFirstCallWithKerasWeightLayout) {
    Dense d(4, "relu");
    EXPECT_FALSE(d->built());
    d(random::normal({2, 3}));
    EXPECT_TRUE(d->built());
    std::vector<Tensor> w = d->get_weights();
    ASSERT_EQ(w.size(), 2u);
    EXPECT_EQ(w[0].shape(), (Shape{3, 4}));  // kernel (input_dim, units), as Keras stores it
    EXPECT_EQ(w[1].shape(), (Shape{4}));
    EXPECT_EQ(d->count_params(), 16);
}

TEST_F(DenseTest, ForwardMatchesIndependentComputation) {
    struct Case {
        const char* name;
        double (*fn)(double);
    };
    for (Case c : {Case{"linear", [](double v) { return v; }}, Case{"relu", [](double v) { return v > 0 ? v : 0.0; }},
                   Case{"sigmoid", [](double v) { return 1 / (1 + std::exp(-v)); }},
                   Case{"tanh", [](double v) { return std::tanh(v); }},
                   Case{"softplus", [](double v) { return std::log1p(std::exp(v)); }}}) {
        Dense d(5, c.name);
        Tensor x = random::normal({7, 3});
        d(x);
        d->set_weights({random::normal({3, 5}), random::normal({5})});
        std::vector<float> got = d(x).to_vector<float>();
        std::vector<double> want = reference(x, d->kernel(), d->bias(), c.fn);
        for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-5) << c.name << " element " << i;
    }
}

TEST_F(DenseTest, GradientsMatchFiniteDifferencesForEveryActivationPath) {
    // Fused (linear, relu, sigmoid, tanh run inside the matmul kernel) and unfused (softmax, elu, gelu) paths.
    for (const char* activation : {"linear", "relu", "sigmoid", "tanh", "softmax", "elu", "gelu"}) {
        SCOPED_TRACE(activation);
        Dense d(3, activation, {.dtype = float64});
        Tensor x = random::uniform({4, 5}, 0.1, 1.0, float64);
        d(x);
        d->set_weights({random::uniform({5, 3}, -1.0, 1.0, float64), random::uniform({3}, 0.05, 0.5, float64)});
        testing::expect_layer_gradients_match([&](const Tensor& in) { return d(in); }, x, d->trainable_weights());
    }
}

TEST_F(DenseTest, GradientsWithoutBiasAndOnRank3Input) {
    Dense no_bias(2, "tanh", {.use_bias = false, .dtype = float64});
    Tensor x = random::normal({3, 4}, 0, 1, float64);
    no_bias(x);
    EXPECT_EQ(no_bias->weights().size(), 1u);
    testing::expect_layer_gradients_match([&](const Tensor& in) { return no_bias(in); }, x, no_bias->trainable_weights());

    // Keras's Dense applies to the last axis of a rank-3 input.
    Dense sequence(2, "relu", {.dtype = float64});
    Tensor s = random::uniform({2, 3, 4}, 0.1, 1.0, float64);
    EXPECT_EQ(sequence(s).shape(), (Shape{2, 3, 2}));
    sequence->set_weights({random::uniform({4, 2}, 0.1, 1.0, float64), random::uniform({2}, 0.1, 1.0, float64)});
    testing::expect_layer_gradients_match([&](const Tensor& in) { return sequence(in); }, s, sequence->trainable_weights());
}

TEST_F(DenseTest, WrongInputShapeNamesLayerAndBothShapes) {
    Dense d(4);
    d(random::normal({2, 3}));
    try {
        d(random::normal({8, 5}));
        FAIL() << "expected ShapeError";
    } catch (const ShapeError& e) {
        std::string m = e.what();
        EXPECT_NE(m.find("\"dense\""), std::string::npos) << m;
        EXPECT_NE(m.find("value 3"), std::string::npos) << m;
        EXPECT_NE(m.find("(8, 5)"), std::string::npos) << m;
    }
    EXPECT_THROW(d(random::normal({3})), ShapeError);  // min_ndim 2
}

TEST_F(DenseTest, SetWeightsRefusesWrongCountAndShapes) {
    Dense d(4);
    d(random::normal({2, 3}));
    try {
        d->set_weights({random::normal({3, 4})});
        FAIL() << "expected ValueError";
    } catch (const ValueError& e) {
        std::string m = e.what();
        EXPECT_NE(m.find("expected 2"), std::string::npos) << m;
        EXPECT_NE(m.find("got 1"), std::string::npos) << m;
    }
    try {
        d->set_weights({random::normal({4, 3}), random::normal({4})});
        FAIL() << "expected ShapeError";
    } catch (const ShapeError& e) {
        std::string m = e.what();
        EXPECT_NE(m.find("kernel"), std::string::npos) << m;
        EXPECT_NE(m.find("(3, 4)"), std::string::npos) << m;
        EXPECT_NE(m.find("(4, 3)"), std::string::npos) << m;
    }
    // A refused set_weights leaves the weights as they were.
    std::vector<Tensor> before = d->get_weights();
    EXPECT_THROW(d->set_weights({random::normal({3, 4}), random::normal({5})}), ShapeError);
    EXPECT_EQ(d->kernel().to_vector<float>(), before[0].to_vector<float>());
}

TEST_F(DenseTest, BadArgumentsAreValueErrors) {
    EXPECT_THROW(Dense(0), ValueError);
    EXPECT_THROW(Dense(-3), ValueError);
    try {
        Dense(4, "relux");
        FAIL() << "expected ValueError";
    } catch (const ValueError& e) {
        EXPECT_NE(std::string(e.what()).find("relux"), std::string::npos);
    }
    EXPECT_THROW(Dense(4, {}, {.kernel_initializer = "glorot_uniformm"}), ValueError);
}

TEST_F(DenseTest, FrozenLayerHasNoTrainableWeights) {
    Dense d(2);
    d(random::normal({1, 3}));
    d->set_trainable(false);
    EXPECT_TRUE(d->trainable_weights().empty());
    EXPECT_EQ(d->non_trainable_weights().size(), 2u);
    EXPECT_EQ(d->weights().size(), 2u);
}

}  // namespace
}  // namespace strata
