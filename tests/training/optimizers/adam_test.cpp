#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "optimizer_reference.hpp"
#include "strata/ops/elementwise.hpp"
#include "strata/ops/random.hpp"
#include "strata/training/optimizers/adam.hpp"

namespace strata::optimizers {
namespace {

using testing::adam_reference;
using testing::clip_norm_reference;
using testing::clip_value_reference;
using testing::expect_matches_reference;

TEST(AdamTest, FusedFloat32UpdateGivesTheBitsOfItsOps) {
    random::seed(4);
    const Shape shape{250, 401};
    Tensor variable = random::normal(shape), expected = variable.clone();
    Tensor m = Tensor::zeros(shape, float32), v = Tensor::zeros(shape, float32);
    Adam adam(0.01);
    for (int step = 1; step <= 3; ++step) {
        Tensor gradient = random::normal(shape);
        adam.apply_gradients({gradient}, {variable});
        // Adam::update_step's ops in float32 (Keras: beta_1 0.9, beta_2 0.999, epsilon 1e-7 outside the root).
        const double alpha = 0.01 * std::sqrt(1 - std::pow(0.999, step)) / (1 - std::pow(0.9, step));
        m = m + (gradient - m) * (1 - 0.9);
        v = v + (ops::square(gradient) - v) * (1 - 0.999);
        expected = expected - m * alpha / (ops::sqrt(v) + 1e-7);
    }
    EXPECT_EQ(testing::differing_elements(variable, expected), 0u) << "of " << variable.numel();
}

TEST(AdamTest, KerasDefaults) {
    // Keras 3: Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
    // weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, name="adam").
    Adam adam;
    EXPECT_DOUBLE_EQ(adam.learning_rate(), 0.001);
    EXPECT_DOUBLE_EQ(adam.options().beta_1, 0.9);
    EXPECT_DOUBLE_EQ(adam.options().beta_2, 0.999);
    EXPECT_DOUBLE_EQ(adam.options().epsilon, 1e-7);
    EXPECT_FALSE(adam.options().amsgrad);
    EXPECT_FALSE(adam.weight_decay() || adam.clipnorm() || adam.clipvalue() || adam.global_clipnorm());
    EXPECT_EQ(adam.name(), "adam");
    EXPECT_EQ(adam.class_name(), "Adam");
}

TEST(AdamTest, StepsMatchKerasFormula) {
    Adam adam(0.01);
    expect_matches_reference(adam, adam_reference(0.01));
}

TEST(AdamTest, EpsilonIsOutsideTheSquareRoot) {
    // With a large epsilon the placement matters: Keras divides by sqrt(v) + epsilon.
    Adam adam(0.01, {.beta_1 = 0.8, .beta_2 = 0.9, .epsilon = 0.5});
    expect_matches_reference(adam, adam_reference(0.01, 0.8, 0.9, 0.5));
}

TEST(AdamTest, AmsgradStepsMatchKerasFormula) {
    // The large second gradient raises v; v_hat keeps that maximum afterwards.
    Adam adam(0.01, {.beta_2 = 0.5, .amsgrad = true});
    expect_matches_reference(adam, adam_reference(0.01, 0.9, 0.5, 1e-7, true));
}

TEST(AdamTest, ClipnormStepsMatchKerasFormula) {
    Adam adam(0.01, {.clipnorm = 0.5});
    expect_matches_reference(adam, adam_reference(0.01),
                             [](const testing::Values& g) { return clip_norm_reference(g, 0.5); });
}

TEST(AdamTest, ClipvalueStepsMatchKerasFormula) {
    Adam adam(0.01, {.amsgrad = true, .clipvalue = 0.3});
    expect_matches_reference(adam, adam_reference(0.01, 0.9, 0.999, 1e-7, true),
                             [](const testing::Values& g) { return clip_value_reference(g, 0.3); });
}

TEST(AdamTest, WeightDecayStepsMatchKerasFormula) {
    Adam adam(0.01, {.weight_decay = 0.1});
    expect_matches_reference(adam, adam_reference(0.01), {}, 0.1, 0.01);
}

TEST(AdamTest, KerasSingleStep) {
    // keras/src/optimizers/adam_test.py: Adam(learning_rate=0.5) on [1, 2, 3, 4], gradients [1, 6, 7, 2].
    Adam adam(0.5);
    Tensor v = Tensor::from_vector(std::vector<float>{1, 2, 3, 4});
    adam.apply_gradients({Tensor::from_vector(std::vector<float>{1, 6, 7, 2})}, {v});
    std::vector<float> expected = {0.5f, 1.5f, 2.5f, 3.5f};
    std::vector<float> got = v.to_vector<float>();
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-4);
}

TEST(AdamTest, KerasWeightDecayValue) {
    // keras/src/optimizers/adam_test.py, test_weight_decay: a zero gradient leaves only the decay, three
    // optimizers with weight_decay=0.004 at learning_rate=1 take 2.0 to 1.9760959.
    Tensor var1 = Tensor::scalar(2.0);
    for (int i = 0; i < 3; ++i) {
        Adam adam(1.0, {.weight_decay = 0.004});
        adam.apply_gradients({Tensor::scalar(0.0)}, {var1});
    }
    EXPECT_NEAR(var1.item<float>(), 1.9760959f, 1e-6);
}

TEST(AdamTest, KerasGoldenValuesAmsgradInFloat32) {
    // keras/src/optimizers/adam_test.py, test_correctness_with_golden: Adam(amsgrad=True).
    Adam adam(0.001, {.amsgrad = true});
    Tensor x = Tensor::ones({10});
    std::vector<float> grads(10);
    for (int i = 0; i < 10; ++i) grads[static_cast<std::size_t>(i)] = 0.1f * static_cast<float>(i + 1);
    const double golden[5] = {0.999, 0.9982, 0.9974, 0.9965, 0.9955};
    adam.apply_gradients({Tensor::full({10}, 0.01)}, {x});
    for (int step = 0; step < 5; ++step) {
        for (float value : x.to_vector<float>()) EXPECT_NEAR(value, golden[step], 5e-4 + 5e-4 * golden[step]);
        adam.apply_gradients({Tensor::from_vector(grads)}, {x});
    }
}

TEST(AdamTest, GetConfigMatchesKeras) {
    // The optimizer config Keras 3.10 writes into a .keras file for Adam(learning_rate=0.001).
    nlohmann::json expected = {
        {"name", "adam"},           {"learning_rate", 0.001},      {"weight_decay", nullptr},
        {"clipnorm", nullptr},      {"global_clipnorm", nullptr},  {"clipvalue", nullptr},
        {"use_ema", false},         {"ema_momentum", 0.99},        {"ema_overwrite_frequency", nullptr},
        {"loss_scale_factor", nullptr}, {"gradient_accumulation_steps", nullptr},
        {"beta_1", 0.9},            {"beta_2", 0.999},             {"epsilon", 1e-7},
        {"amsgrad", false},
    };
    EXPECT_EQ(Adam().get_config(), expected);
}

}  // namespace
}  // namespace strata::optimizers
