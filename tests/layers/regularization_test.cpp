#include <gtest/gtest.h>

#include <cmath>

#include <strata/layers/regularization.hpp>
#include <strata/strata.hpp>

#include "support/layer_gradcheck.hpp"

namespace strata {
namespace {

using namespace layers;

class RegularizationLayersTest : public ::testing::Test {
protected:
    void SetUp() override {
        clear_session();
        utils::set_random_seed(21);
    }
};

CallOptions training{.training = true};

TEST_F(RegularizationLayersTest, DropoutKeepsOneMinusRateAndScalesByItsInverse) {
    // Keras: inputs not set to 0 are scaled up by 1 / (1 - rate), so the sum over all inputs is unchanged.
    Dropout d(0.3);
    Tensor x = Tensor::ones({200, 500});
    std::vector<float> y = d(x, training).to_vector<float>();
    std::size_t kept = 0;
    double sum = 0;
    for (float v : y) {
        if (v != 0.0f) {
            ++kept;
            EXPECT_FLOAT_EQ(v, static_cast<float>(1.0 / 0.7));
        }
        sum += v;
    }
    double fraction = static_cast<double>(kept) / y.size();
    EXPECT_NEAR(fraction, 0.7, 0.005);  // 100k Bernoulli draws: the standard error is 0.0014
    EXPECT_NEAR(sum / y.size(), 1.0, 0.01);
}

TEST_F(RegularizationLayersTest, EveryLayerIsTheIdentityAtInference) {
    Tensor x = random::normal({4, 6, 6, 3});
    std::vector<std::shared_ptr<Layer>> all{Dropout(0.5), SpatialDropout2D(0.5), GaussianNoise(0.5),
                                            GaussianDropout(0.5), ActivityRegularization(0.1, 0.1)};
    for (const auto& layer : all) {
        Tensor y = (*layer)(x);
        EXPECT_EQ(y.to_vector<float>(), x.to_vector<float>()) << layer->class_name();
        Tensor default_call = (*layer)(x, {});
        EXPECT_EQ(default_call.to_vector<float>(), x.to_vector<float>()) << layer->class_name();
    }
    Tensor seq = random::normal({2, 5, 3});
    EXPECT_EQ(SpatialDropout1D(0.5)(seq).to_vector<float>(), seq.to_vector<float>());
    // Rate 0 draws nothing, even in training.
    EXPECT_EQ(Dropout(0.0)(x, training).to_vector<float>(), x.to_vector<float>());
}

TEST_F(RegularizationLayersTest, RateOneDropsEverything) {
    // Keras accepts rate=1 (0 <= rate <= 1): every unit is dropped.
    for (float v : Dropout(1.0)(Tensor::ones({3, 4}), training).to_vector<float>()) EXPECT_EQ(v, 0.0f);
}

TEST_F(RegularizationLayersTest, BadRatesAreValueErrors) {
    EXPECT_THROW(Dropout(-0.1), ValueError);
    EXPECT_THROW(Dropout(1.5), ValueError);
    EXPECT_THROW(Dropout(std::nan("")), ValueError);
    EXPECT_THROW(SpatialDropout1D(2.0), ValueError);
    EXPECT_THROW(SpatialDropout2D(-1.0), ValueError);
    EXPECT_THROW(SpatialDropout2D(0.5, {.data_format = "channels_middle"}), ValueError);
    EXPECT_THROW(GaussianNoise(-0.5), ValueError);
    EXPECT_THROW(GaussianNoise(1.5), ValueError);  // Keras: stddev between 0 and 1
    EXPECT_THROW(GaussianDropout(1.0), ValueError);
    EXPECT_THROW(ActivityRegularization(-1.0), ValueError);
    EXPECT_THROW(Dropout(0.5, {.noise_shape = {0, 3}}), ValueError);
}

TEST_F(RegularizationLayersTest, NoiseShapeSharesOneDrawAlongAxesOfExtentOne) {
    // noise_shape (batch, 1, features): the same mask for every timestep, as Keras's docstring describes.
    Dropout d(0.5, {.noise_shape = {-1, 1, 8}});
    Tensor y = d(Tensor::ones({3, 5, 8}), training);
    auto v = y.to_vector<float>();
    for (int b = 0; b < 3; ++b)
        for (int t = 1; t < 5; ++t)
            for (int f = 0; f < 8; ++f) EXPECT_EQ(v[(b * 5 + t) * 8 + f], v[(b * 5) * 8 + f]);
    EXPECT_THROW(d(Tensor::ones({3, 8}), training), ShapeError);     // wrong rank
    EXPECT_THROW(Dropout(0.5, {.noise_shape = {3, 2, 8}})(Tensor::ones({3, 5, 8}), training), ShapeError);
}

TEST_F(RegularizationLayersTest, SpatialDropoutDropsWholeChannels) {
    SpatialDropout2D d2(0.5);
    auto v = d2(Tensor::ones({4, 3, 3, 16}), training).to_vector<float>();
    for (int b = 0; b < 4; ++b)
        for (int c = 0; c < 16; ++c)
            for (int p = 1; p < 9; ++p) EXPECT_EQ(v[(b * 9 + p) * 16 + c], v[(b * 9) * 16 + c]);
    SpatialDropout2D first(0.5, {.data_format = "channels_first"});
    auto w = first(Tensor::ones({2, 5, 3, 3}), training).to_vector<float>();
    for (int b = 0; b < 2; ++b)
        for (int c = 0; c < 5; ++c)
            for (int p = 1; p < 9; ++p) EXPECT_EQ(w[(b * 5 + c) * 9 + p], w[(b * 5 + c) * 9]);
    SpatialDropout1D d1(0.5);
    auto u = d1(Tensor::ones({3, 7, 4}), training).to_vector<float>();
    for (int b = 0; b < 3; ++b)
        for (int t = 1; t < 7; ++t)
            for (int c = 0; c < 4; ++c) EXPECT_EQ(u[(b * 7 + t) * 4 + c], u[(b * 7) * 4 + c]);
    // Keras: SpatialDropout1D takes 3-D inputs, SpatialDropout2D 4-D ones.
    EXPECT_THROW(d1(Tensor::ones({3, 4}), training), ShapeError);
    EXPECT_THROW(d2(Tensor::ones({3, 4, 4}), training), ShapeError);
}

TEST_F(RegularizationLayersTest, GlobalSeedAndLayerSeedsFixTheDraws) {
    Tensor x = Tensor::ones({6, 10});
    utils::set_random_seed(5);
    auto a = Dropout(0.5)(x, training).to_vector<float>();
    utils::set_random_seed(5);
    auto b = Dropout(0.5)(x, training).to_vector<float>();
    EXPECT_EQ(a, b);
    // A seeded layer draws from its own stream: two layers with one seed agree call after call, whatever the
    // global stream does in between.
    Dropout s1(0.5, {.seed = 1337}), s2(0.5, {.seed = 1337});
    auto first = s1(x, training).to_vector<float>();
    random::normal({100});
    EXPECT_EQ(first, s2(x, training).to_vector<float>());
    EXPECT_EQ(s1(x, training).to_vector<float>(), s2(x, training).to_vector<float>());
    EXPECT_NE(first, s1(x, training).to_vector<float>());  // the stream moves on
    GaussianNoise n1(0.5, {.seed = 3}), n2(0.5, {.seed = 3});
    EXPECT_EQ(n1(x, training).to_vector<float>(), n2(x, training).to_vector<float>());
}

TEST_F(RegularizationLayersTest, DropoutGradientIsTheMaskInFloat64) {
    // With the global stream reseeded before every forward, each forward draws the same mask, so the layer is
    // a fixed function x -> x * mask whose gradient the central differences can check.
    Dropout d(0.4, {.dtype = float64});
    auto forward = [&](const Tensor& x) {
        utils::set_random_seed(9);
        return d(x, training);
    };
    Tensor x = random::uniform({3, 5}, 0.5, 1.5, float64);
    testing::expect_layer_gradients_match(forward, x, {});
    // And the forward is x times that mask: every output is 0 or x / (1 - rate).
    auto xv = x.to_vector<double>(), yv = forward(x).to_vector<double>();
    for (std::size_t i = 0; i < xv.size(); ++i)
        EXPECT_TRUE(yv[i] == 0.0 || std::abs(yv[i] - xv[i] / 0.6) < 1e-12) << yv[i] << " for " << xv[i];

    SpatialDropout1D s(0.5, {.dtype = float64});
    testing::expect_layer_gradients_match(
        [&](const Tensor& in) {
            utils::set_random_seed(4);
            return s(in, training);
        },
        random::uniform({2, 3, 4}, -1.0, 1.0, float64), {});
}

TEST_F(RegularizationLayersTest, GaussianNoiseAndDropoutStatisticsAndGradients) {
    Tensor x = Tensor::full({100000}, 2.0);
    auto noisy = GaussianNoise(0.5)(x, training).to_vector<float>();
    double mean = 0, var = 0;
    for (float v : noisy) mean += v;
    mean /= noisy.size();
    for (float v : noisy) var += (v - mean) * (v - mean);
    var /= noisy.size();
    EXPECT_NEAR(mean, 2.0, 0.01);
    EXPECT_NEAR(std::sqrt(var), 0.5, 0.01);

    // GaussianDropout: multiplicative N(1, rate / (1 - rate)).
    auto mult = GaussianDropout(0.2)(x, training).to_vector<float>();
    mean = 0, var = 0;
    for (float v : mult) mean += v;
    mean /= mult.size();
    for (float v : mult) var += (v - mean) * (v - mean);
    var /= mult.size();
    EXPECT_NEAR(mean, 2.0, 0.01);
    EXPECT_NEAR(std::sqrt(var), 2.0 * std::sqrt(0.2 / 0.8), 0.01);

    GaussianNoise gn(0.3, {.dtype = float64});
    testing::expect_layer_gradients_match(
        [&](const Tensor& in) {
            utils::set_random_seed(2);
            return gn(in, training);
        },
        random::uniform({2, 4}, -1.0, 1.0, float64), {});
    GaussianDropout gd(0.3, {.dtype = float64});
    testing::expect_layer_gradients_match(
        [&](const Tensor& in) {
            utils::set_random_seed(2);
            return gd(in, training);
        },
        random::uniform({2, 4}, -1.0, 1.0, float64), {});
}

TEST_F(RegularizationLayersTest, ActivityRegularizationAddsItsPenaltyOverTheBatch) {
    // Keras: ActivityRegularization(l1=0.0, l2=0.0); the penalty of the input divided by the batch size.
    ActivityRegularization defaults;
    EXPECT_EQ(defaults->l1(), 0.0);
    EXPECT_EQ(defaults->l2(), 0.0);
    ActivityRegularization reg(0.1, 0.2, {.dtype = float64});
    Tensor x = random::uniform({4, 3}, -1.0, 1.0, float64);
    Tensor y = reg(x);
    EXPECT_EQ(y.to_vector<double>(), x.to_vector<double>());
    ASSERT_EQ(reg->losses().size(), 1u);
    double l1 = 0, l2 = 0;
    for (double v : x.to_vector<double>()) l1 += std::abs(v), l2 += v * v;
    EXPECT_NEAR(reg->losses()[0].item<double>(), (0.1 * l1 + 0.2 * l2) / 4.0, 1e-12);
    // The penalty's gradient reaches the input: (l1 sign(x) + 2 l2 x) / batch.
    Tensor xg = x.clone();
    xg.set_requires_grad(true);
    reg(xg);
    Tensor g = autograd::gradients(reg->losses()[0], {xg})[0];
    auto xv = x.to_vector<double>(), gv = g.to_vector<double>();
    for (std::size_t i = 0; i < xv.size(); ++i)
        EXPECT_NEAR(gv[i], (0.1 * (xv[i] > 0 ? 1 : -1) + 0.4 * xv[i]) / 4.0, 1e-12);
}

TEST_F(RegularizationLayersTest, NamesAndConfigsAsKeras) {
    Dropout d(0.2);
    EXPECT_EQ(d->name(), "dropout");
    EXPECT_EQ(Dropout(0.2)->name(), "dropout_1");
    nlohmann::json c = d->get_config();
    EXPECT_EQ(c["rate"], 0.2);
    EXPECT_TRUE(c["seed"].is_null());
    EXPECT_TRUE(c["noise_shape"].is_null());
    EXPECT_EQ(c["name"], "dropout");
    EXPECT_EQ(c["trainable"], true);
    c = Dropout(0.5, {.noise_shape = {-1, 1, 4}, .seed = 7})->get_config();
    EXPECT_EQ(c["seed"], 7);
    EXPECT_EQ(c["noise_shape"], (nlohmann::json{nullptr, 1, 4}));

    // Keras's BaseSpatialDropout.get_config: rate, seed, name, dtype (and data_format for 2D), nothing else.
    SpatialDropout1D s1(0.3);
    EXPECT_EQ(s1->name(), "spatial_dropout1d");
    EXPECT_EQ(s1->class_name(), "SpatialDropout1D");
    c = s1->get_config();
    EXPECT_EQ(c.size(), 4u);
    EXPECT_EQ(c["rate"], 0.3);
    SpatialDropout2D s2(0.3);
    EXPECT_EQ(s2->name(), "spatial_dropout2d");
    EXPECT_EQ(s2->data_format(), "channels_last");  // Keras: data_format=None means channels_last
    EXPECT_EQ(s2->get_config()["data_format"], "channels_last");
    EXPECT_EQ(s2->get_config().size(), 5u);

    GaussianNoise n(0.1, {.seed = 4});
    EXPECT_EQ(n->name(), "gaussian_noise");
    EXPECT_EQ(n->get_config()["stddev"], 0.1);
    EXPECT_EQ(n->get_config()["seed"], 4);
    GaussianDropout gd(0.1);
    EXPECT_EQ(gd->name(), "gaussian_dropout");
    EXPECT_EQ(gd->get_config()["rate"], 0.1);

    ActivityRegularization a(0.5, 0.25);
    EXPECT_EQ(a->name(), "activity_regularization");
    c = a->get_config();
    EXPECT_EQ(c["l1"], 0.5);
    EXPECT_EQ(c["l2"], 0.25);
    EXPECT_FALSE(c.contains("activity_regularizer"));  // Keras pops it from the base config
}

TEST_F(RegularizationLayersTest, DropoutInASequentialTrainsOnlyInTraining) {
    Sequential model;
    model.add(Dense(8, "relu", {.kernel_regularizer = regularizers::L2(1e-4), .input_shape = {4}}));
    model.add(Dropout(0.5));
    model.add(Dense(2));
    Tensor x = random::normal({16, 4});
    EXPECT_EQ(model(x).to_vector<float>(), model(x).to_vector<float>());
    EXPECT_NE(model(x, training).to_vector<float>(), model(x).to_vector<float>());
}

}  // namespace
}  // namespace strata
