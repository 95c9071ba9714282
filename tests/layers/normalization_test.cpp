// BatchNormalization and LayerNormalization: Keras defaults, weight order and names, forward values against
// plain loops, the moving-statistics update, inference and frozen modes, get_config, float64 gradient checks.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include <strata/layers/dense.hpp>
#include <strata/layers/normalization.hpp>
#include <strata/models/input.hpp>
#include <strata/models/sequential.hpp>
#include <strata/strata.hpp>

#include "core/tensor_matchers.hpp"
#include "support/layer_gradcheck.hpp"

namespace strata {
namespace {

using testing::expect_error;
using testing::expect_layer_gradients_match;
using testing::expect_tensor_near;

// Per-feature mean and biased variance of a (rows, features) matrix, in doubles.
void column_moments(const std::vector<double>& x, int rows, int features, std::vector<double>& mean,
                    std::vector<double>& var) {
    mean.assign(static_cast<std::size_t>(features), 0.0);
    var.assign(static_cast<std::size_t>(features), 0.0);
    for (int r = 0; r < rows; ++r)
        for (int f = 0; f < features; ++f) mean[static_cast<std::size_t>(f)] += x[static_cast<std::size_t>(r * features + f)] / rows;
    for (int r = 0; r < rows; ++r)
        for (int f = 0; f < features; ++f) {
            double d = x[static_cast<std::size_t>(r * features + f)] - mean[static_cast<std::size_t>(f)];
            var[static_cast<std::size_t>(f)] += d * d / rows;
        }
}

TEST(BatchNormalization, KerasDefaults) {
    // Keras 3: BatchNormalization(axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
    // beta_initializer="zeros", gamma_initializer="ones", moving_mean_initializer="zeros",
    // moving_variance_initializer="ones").
    layers::BatchNormalizationOptions o;
    EXPECT_EQ(o.axis, -1);
    EXPECT_EQ(o.momentum, 0.99);
    EXPECT_EQ(o.epsilon, 1e-3);
    EXPECT_TRUE(o.center);
    EXPECT_TRUE(o.scale);
    nlohmann::json config = layers::BatchNormalization()->get_config();
    EXPECT_EQ(config["axis"], -1);
    EXPECT_EQ(config["momentum"], 0.99);
    EXPECT_EQ(config["epsilon"], 1e-3);
    EXPECT_EQ(config["center"], true);
    EXPECT_EQ(config["scale"], true);
    EXPECT_EQ(config["beta_initializer"]["class_name"], "Zeros");
    EXPECT_EQ(config["gamma_initializer"]["class_name"], "Ones");
    EXPECT_EQ(config["moving_mean_initializer"]["class_name"], "Zeros");
    EXPECT_EQ(config["moving_variance_initializer"]["class_name"], "Ones");
    EXPECT_TRUE(config["beta_regularizer"].is_null());
    EXPECT_TRUE(config["gamma_constraint"].is_null());
    EXPECT_EQ(config["synchronized"], false);
    EXPECT_TRUE(config.contains("name"));
    EXPECT_EQ(config["trainable"], true);
}

TEST(BatchNormalization, WeightOrderNamesAndInitialValues) {
    clear_session();
    layers::BatchNormalization bn;
    EXPECT_EQ(bn->name(), "batch_normalization");
    bn(Tensor::zeros({2, 3}));
    // Keras's order: gamma, beta (trainable), then moving_mean, moving_variance (non-trainable).
    EXPECT_EQ(bn->weight_names(), (std::vector<std::string>{"gamma", "beta", "moving_mean", "moving_variance"}));
    EXPECT_EQ(bn->trainable_weights().size(), 2u);
    EXPECT_EQ(bn->non_trainable_weights().size(), 2u);
    std::vector<Tensor> w = bn->get_weights();
    ASSERT_EQ(w.size(), 4u);
    expect_tensor_near<float>(w[0], {1, 1, 1});
    expect_tensor_near<float>(w[1], {0, 0, 0});
    expect_tensor_near<float>(w[2], {0, 0, 0});
    expect_tensor_near<float>(w[3], {1, 1, 1});
    EXPECT_EQ(bn->count_params(), 12);

    layers::BatchNormalization bare({.center = false, .scale = false});
    bare(Tensor::zeros({2, 3}));
    EXPECT_EQ(bare->weight_names(), (std::vector<std::string>{"moving_mean", "moving_variance"}));
    EXPECT_TRUE(bare->trainable_weights().empty());
}

TEST(BatchNormalization, TrainingForwardAndMovingStatisticsUpdate) {
    layers::BatchNormalization bn({.dtype = float64});
    Tensor x = random::uniform({5, 3}, -2.0, 2.0, float64);
    bn->ensure_built({x.shape()});
    std::vector<double> gamma{1.5, -0.5, 2.0}, beta{0.1, 0.2, -0.3};
    std::vector<double> moving_mean{0.5, -1.0, 0.25}, moving_var{2.0, 0.5, 1.0};
    bn->set_weights({Tensor::from_vector(gamma), Tensor::from_vector(beta), Tensor::from_vector(moving_mean),
                     Tensor::from_vector(moving_var)});
    std::vector<double> xv = x.to_vector<double>(), mean, var;
    column_moments(xv, 5, 3, mean, var);
    std::vector<double> expected;
    for (int r = 0; r < 5; ++r)
        for (int f = 0; f < 3; ++f) {
            std::size_t i = static_cast<std::size_t>(r * 3 + f), k = static_cast<std::size_t>(f);
            expected.push_back(gamma[k] * (xv[i] - mean[k]) / std::sqrt(var[k] + 1e-3) + beta[k]);
        }
    expect_tensor_near<double>(bn(x, {.training = true}), expected, 1e-12, 1e-12);
    // moving = moving * momentum + batch * (1 - momentum), the batch variance biased.
    std::vector<double> new_mean, new_var;
    for (std::size_t k = 0; k < 3; ++k) {
        new_mean.push_back(moving_mean[k] * 0.99 + mean[k] * 0.01);
        new_var.push_back(moving_var[k] * 0.99 + var[k] * 0.01);
    }
    expect_tensor_near<double>(bn->moving_mean(), new_mean, 1e-12, 1e-15);
    expect_tensor_near<double>(bn->moving_variance(), new_var, 1e-12, 1e-15);
    EXPECT_FALSE(bn->moving_mean().requires_grad());
}

TEST(BatchNormalization, InferenceUsesMovingStatistics) {
    layers::BatchNormalization bn({.momentum = 0.5, .epsilon = 0.01, .dtype = float64});
    Tensor x = random::uniform({4, 2}, -2.0, 2.0, float64);
    bn->ensure_built({x.shape()});
    std::vector<double> gamma{2.0, 0.5}, beta{-1.0, 1.0}, mm{0.3, -0.2}, mv{1.5, 0.25};
    bn->set_weights({Tensor::from_vector(gamma), Tensor::from_vector(beta), Tensor::from_vector(mm), Tensor::from_vector(mv)});
    std::vector<double> xv = x.to_vector<double>(), expected;
    for (std::size_t i = 0; i < xv.size(); ++i) {
        std::size_t k = i % 2;
        expected.push_back(gamma[k] * (xv[i] - mm[k]) / std::sqrt(mv[k] + 0.01) + beta[k]);
    }
    expect_tensor_near<double>(bn(x), expected, 1e-12, 1e-12);
    expect_tensor_near<double>(bn->moving_mean(), mm);  // untouched at inference
    expect_tensor_near<double>(bn->moving_variance(), mv);

    // Keras 3: a BatchNormalization that is not trainable runs in inference mode even when training.
    bn->set_trainable(false);
    expect_tensor_near<double>(bn(x, {.training = true}), expected, 1e-12, 1e-12);
    expect_tensor_near<double>(bn->moving_mean(), mm);
    layers::BatchNormalization frozen({.trainable = false});
    Tensor y = random::uniform({4, 2});
    expect_tensor_near<float>(frozen(y, {.training = true}), [&] {
        std::vector<float> v = y.to_vector<float>();
        for (float& e : v) e = static_cast<float>(e / std::sqrt(1.0 + 1e-3));
        return v;
    }(), 1e-6);
}

TEST(BatchNormalization, OtherAxisMatchesLoops) {
    // Channels first: (batch, channels, width) normalized per channel over batch and width.
    layers::BatchNormalization bn({.axis = 1, .dtype = float64});
    Tensor x = random::uniform({2, 3, 4}, -1.0, 1.0, float64);
    Tensor out = bn(x, {.training = true});
    ASSERT_EQ(bn->gamma().shape(), Shape({3}));
    std::vector<double> xv = x.to_vector<double>(), got = out.to_vector<double>();
    for (int c = 0; c < 3; ++c) {
        double mean = 0, var = 0;
        for (int b = 0; b < 2; ++b)
            for (int w = 0; w < 4; ++w) mean += xv[static_cast<std::size_t>((b * 3 + c) * 4 + w)] / 8;
        for (int b = 0; b < 2; ++b)
            for (int w = 0; w < 4; ++w) {
                double d = xv[static_cast<std::size_t>((b * 3 + c) * 4 + w)] - mean;
                var += d * d / 8;
            }
        for (int b = 0; b < 2; ++b)
            for (int w = 0; w < 4; ++w) {
                std::size_t i = static_cast<std::size_t>((b * 3 + c) * 4 + w);
                EXPECT_NEAR(got[i], (xv[i] - mean) / std::sqrt(var + 1e-3), 1e-12);
            }
    }
}

TEST(BatchNormalization, Errors) {
    expect_error<ShapeError>([] { layers::BatchNormalization({.axis = 2})(Tensor::zeros({2, 3})); },
                             {"batch_normalization", "axis 2", "(2, 3)"});
    layers::BatchNormalization bn;
    bn(Tensor::zeros({2, 3}));
    expect_error<ShapeError>([&] { bn(Tensor::zeros({2, 4})); }, {"batch_normalization", "(2, 4)"});
    expect_error<ValueError>([] { layers::BatchNormalization({.epsilon = 0.0}); }, {"epsilon"});
}

TEST(BatchNormalizationGrad, TrainingAndInference) {
    for (bool training : {true, false}) {
        layers::BatchNormalization bn({.dtype = float64});
        Tensor x = random::uniform({4, 3}, -1.0, 1.0, float64);
        bn->ensure_built({x.shape()});
        bn->set_weights({random::uniform({3}, 0.5, 1.5, float64), random::uniform({3}, -0.5, 0.5, float64),
                         random::uniform({3}, -0.5, 0.5, float64), random::uniform({3}, 0.5, 1.5, float64)});
        expect_layer_gradients_match([&](const Tensor& in) { return bn(in, {.training = training}); }, x,
                                     {bn->gamma(), bn->beta()});
    }
    layers::BatchNormalization channels({.axis = 1, .dtype = float64});
    Tensor x = random::uniform({2, 2, 3}, -1.0, 1.0, float64);
    channels(x);
    expect_layer_gradients_match([&](const Tensor& in) { return channels(in, {.training = true}); }, x,
                                 {channels->gamma(), channels->beta()});
}

TEST(BatchNormalization, TrainsInsideSequentialFit) {
    Sequential model;
    model.add(layers::Dense(4, {}, {.input_shape = {3}}));
    layers::BatchNormalization bn;
    model.add(bn);
    model.add(layers::Dense(1));
    model.compile({.optimizer = "adam", .loss = "mse"});
    Tensor x = random::normal({32, 3}), y = random::normal({32, 1});
    model.fit(x, y, {.batch_size = 8, .epochs = 1, .verbose = 0});
    // The moving statistics moved away from their initial zeros and ones, and are not trained weights.
    std::vector<float> mean = bn->moving_mean().to_vector<float>();
    bool moved = false;
    for (float m : mean) moved = moved || m != 0.0f;
    EXPECT_TRUE(moved);
    EXPECT_EQ(model.trainable_weights().size(), 6u);
    EXPECT_EQ(model.non_trainable_weights().size(), 2u);
}

TEST(LayerNormalization, KerasDefaultsWeightsAndConfig) {
    // Keras 3: LayerNormalization(axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False,
    // beta_initializer="zeros", gamma_initializer="ones").
    layers::LayerNormalizationOptions o;
    EXPECT_EQ(o.axis.axes(), std::vector<int>{-1});
    EXPECT_EQ(o.epsilon, 1e-3);
    EXPECT_TRUE(o.center);
    EXPECT_TRUE(o.scale);
    EXPECT_FALSE(o.rms_scaling);
    clear_session();
    layers::LayerNormalization ln;
    EXPECT_EQ(ln->name(), "layer_normalization");
    ln(Tensor::zeros({2, 5}));
    EXPECT_EQ(ln->weight_names(), (std::vector<std::string>{"gamma", "beta"}));
    expect_tensor_near<float>(ln->gamma(), {1, 1, 1, 1, 1});
    expect_tensor_near<float>(ln->beta(), {0, 0, 0, 0, 0});
    nlohmann::json config = ln->get_config();
    EXPECT_EQ(config["axis"], -1);
    EXPECT_EQ(config["epsilon"], 1e-3);
    EXPECT_EQ(config["center"], true);
    EXPECT_EQ(config["scale"], true);
    EXPECT_EQ(config["rms_scaling"], false);
    EXPECT_EQ(config["beta_initializer"]["class_name"], "Zeros");
    EXPECT_EQ(config["gamma_initializer"]["class_name"], "Ones");
    EXPECT_TRUE(config["gamma_regularizer"].is_null());

    layers::LayerNormalization rms({.rms_scaling = true});
    rms(Tensor::zeros({2, 5}));
    EXPECT_EQ(rms->weight_names(), std::vector<std::string>{"gamma"});
    layers::LayerNormalization multi({.axis = {1, 2}});
    multi(Tensor::zeros({2, 3, 4}));
    EXPECT_EQ(multi->gamma().shape(), Shape({3, 4}));
    EXPECT_EQ(multi->get_config()["axis"], nlohmann::json::array({1, 2}));
}

TEST(LayerNormalization, ForwardMatchesLoops) {
    layers::LayerNormalization ln({.dtype = float64});
    Tensor x = random::uniform({3, 4}, -2.0, 2.0, float64);
    ln->ensure_built({x.shape()});
    std::vector<double> gamma{1.0, 2.0, -1.0, 0.5}, beta{0.0, 0.1, 0.2, 0.3};
    ln->set_weights({Tensor::from_vector(gamma), Tensor::from_vector(beta)});
    std::vector<double> xv = x.to_vector<double>(), expected, rms_expected;
    for (int r = 0; r < 3; ++r) {
        double mean = 0, var = 0, sq = 0;
        for (int f = 0; f < 4; ++f) mean += xv[static_cast<std::size_t>(r * 4 + f)] / 4;
        for (int f = 0; f < 4; ++f) {
            double v = xv[static_cast<std::size_t>(r * 4 + f)];
            var += (v - mean) * (v - mean) / 4;
            sq += v * v / 4;
        }
        for (int f = 0; f < 4; ++f) {
            double v = xv[static_cast<std::size_t>(r * 4 + f)];
            expected.push_back(gamma[static_cast<std::size_t>(f)] * (v - mean) / std::sqrt(var + 1e-3) +
                               beta[static_cast<std::size_t>(f)]);
            rms_expected.push_back(gamma[static_cast<std::size_t>(f)] * v / std::sqrt(sq + 1e-3));
        }
    }
    expect_tensor_near<double>(ln(x), expected, 1e-12, 1e-12);
    expect_tensor_near<double>(ln(x, {.training = true}), expected, 1e-12, 1e-12);  // no batch statistics

    layers::LayerNormalization rms({.rms_scaling = true, .dtype = float64});
    rms->ensure_built({x.shape()});
    rms->set_weights({Tensor::from_vector(gamma)});
    expect_tensor_near<double>(rms(x), rms_expected, 1e-12, 1e-12);
}

TEST(LayerNormalization, SeveralAxesGivenOutOfOrder) {
    // Keras: the weights take the extents in the order the axes were given, axis {2, 1} makes gamma (4, 3),
    // and are reshaped (not transposed) onto the input's axes.
    layers::LayerNormalization ln({.axis = {2, 1}, .center = false, .dtype = float64});
    Tensor x = random::uniform({2, 3, 4}, -1.0, 1.0, float64);
    ln->ensure_built({x.shape()});
    ASSERT_EQ(ln->gamma().shape(), Shape({4, 3}));
    Tensor g = random::uniform({4, 3}, 0.5, 1.5, float64);
    ln->set_weights({g});
    std::vector<double> xv = x.to_vector<double>(), gv = g.to_vector<double>(), got = ln(x).to_vector<double>();
    for (int b = 0; b < 2; ++b) {
        double mean = 0, var = 0;
        for (int i = 0; i < 12; ++i) mean += xv[static_cast<std::size_t>(b * 12 + i)] / 12;
        for (int i = 0; i < 12; ++i) {
            double d = xv[static_cast<std::size_t>(b * 12 + i)] - mean;
            var += d * d / 12;
        }
        for (int c = 0; c < 3; ++c)
            for (int w = 0; w < 4; ++w) {
                std::size_t i = static_cast<std::size_t>(b * 12 + c * 4 + w);
                EXPECT_NEAR(got[i], gv[static_cast<std::size_t>(c * 4 + w)] * (xv[i] - mean) / std::sqrt(var + 1e-3), 1e-12);
            }
    }
}

TEST(LayerNormalizationGrad, PlainRmsAndSeveralAxes) {
    layers::LayerNormalization ln({.dtype = float64});
    Tensor x = random::uniform({3, 4}, -1.0, 1.0, float64);
    ln(x);
    ln->set_weights({random::uniform({4}, 0.5, 1.5, float64), random::uniform({4}, -0.5, 0.5, float64)});
    expect_layer_gradients_match([&](const Tensor& in) { return ln(in); }, x, {ln->gamma(), ln->beta()});

    layers::LayerNormalization rms({.rms_scaling = true, .dtype = float64});
    rms(x);
    expect_layer_gradients_match([&](const Tensor& in) { return rms(in); }, x, {rms->gamma()});

    layers::LayerNormalization multi({.axis = {2, 1}, .dtype = float64});
    Tensor y = random::uniform({2, 2, 3}, -1.0, 1.0, float64);
    multi(y);
    multi->set_weights({random::uniform({3, 2}, 0.5, 1.5, float64), random::uniform({3, 2}, -0.5, 0.5, float64)});
    expect_layer_gradients_match([&](const Tensor& in) { return multi(in); }, y, {multi->gamma(), multi->beta()});
}

TEST(LayerNormalization, Errors) {
    expect_error<ShapeError>([] { layers::LayerNormalization({.axis = 3})(Tensor::zeros({2, 3})); },
                             {"layer_normalization", "3", "(2, 3)"});
    expect_error<ValueError>([] { layers::LayerNormalization({.axis = {1, -1}})(Tensor::zeros({2, 3})); }, {"twice"});
}

}  // namespace
}  // namespace strata
