#include <gtest/gtest.h>

#include <vector>

#include "optimizer_reference.hpp"
#include "strata/core/error.hpp"
#include "strata/training/optimizers/adamw.hpp"

namespace strata::optimizers {
namespace {

using testing::adam_reference;
using testing::clip_norm_reference;
using testing::expect_matches_reference;

TEST(AdamWTest, KerasDefaults) {
    // Keras 3: AdamW(learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
    // amsgrad=False, clipnorm=None, clipvalue=None, global_clipnorm=None, name="adamw").
    AdamW adamw;
    EXPECT_DOUBLE_EQ(adamw.learning_rate(), 0.001);
    ASSERT_TRUE(adamw.weight_decay());
    EXPECT_DOUBLE_EQ(*adamw.weight_decay(), 0.004);
    EXPECT_DOUBLE_EQ(adamw.options().beta_1, 0.9);
    EXPECT_DOUBLE_EQ(adamw.options().beta_2, 0.999);
    EXPECT_DOUBLE_EQ(adamw.options().epsilon, 1e-7);
    EXPECT_FALSE(adamw.options().amsgrad);
    EXPECT_FALSE(adamw.clipnorm() || adamw.clipvalue() || adamw.global_clipnorm());
    EXPECT_EQ(adamw.name(), "adamw");
    EXPECT_EQ(adamw.class_name(), "AdamW");
}

TEST(AdamWTest, WeightDecayIsRequired) {
    // Keras: "Argument `weight_decay` must be a float. Received: weight_decay=None".
    EXPECT_THROW(AdamW(0.001, {.weight_decay = std::nullopt}), ValueError);
}

TEST(AdamWTest, StepsMatchKerasFormula) {
    // Decoupled decay first (w -= w * 0.004 * lr), then Adam's step.
    AdamW adamw(0.01);
    expect_matches_reference(adamw, adam_reference(0.01), {}, 0.004, 0.01);
}

TEST(AdamWTest, AmsgradWithLargeDecayStepsMatchKerasFormula) {
    AdamW adamw(0.05, {.weight_decay = 0.5, .beta_1 = 0.8, .beta_2 = 0.5, .epsilon = 1e-3, .amsgrad = true});
    expect_matches_reference(adamw, adam_reference(0.05, 0.8, 0.5, 1e-3, true), {}, 0.5, 0.05);
}

TEST(AdamWTest, ClipnormStepsMatchKerasFormula) {
    AdamW adamw(0.01, {.clipnorm = 0.5});
    expect_matches_reference(adamw, adam_reference(0.01),
                             [](const testing::Values& g) { return clip_norm_reference(g, 0.5); }, 0.004, 0.01);
}

TEST(AdamWTest, KerasSingleStep) {
    // keras/src/optimizers/adamw_test.py, test_single_step: AdamW(learning_rate=0.5).
    AdamW adamw(0.5);
    testing::expect_keras_single_step(adamw, {0.4980, 1.4960, 2.494, 3.492});
}

TEST(AdamWTest, KerasWeightDecayValue) {
    testing::expect_keras_weight_decay([] { return AdamW(1.0, {.weight_decay = 0.004}); });
}

TEST(AdamWTest, KerasGoldenValues) {
    // keras/src/optimizers/adamw_test.py, test_correctness_with_golden: AdamW(learning_rate=1.0,
    // weight_decay=0.5, epsilon=2).
    AdamW adamw(1.0, {.weight_decay = 0.5, .epsilon = 2});
    testing::expect_keras_golden(
        adamw, {{0.4998},
                {0.2486, 0.2475, 0.2463, 0.2451, 0.244, 0.2428, 0.2417, 0.2405, 0.2394, 0.2382},
                {0.1223, 0.1198, 0.1174, 0.1149, 0.1124, 0.11, 0.1075, 0.1051, 0.1027, 0.1003},
                {0.0586, 0.0549, 0.0512, 0.0475, 0.0439, 0.0402, 0.0366, 0.033, 0.0294, 0.0258},
                {0.0263, 0.0215, 0.0167, 0.012, 0.0073, 0.0026, -0.0021, -0.0067, -0.0113, -0.0159}});
}

TEST(AdamWTest, CloneKeepsConfigurationAndDropsState) {
    AdamW adamw(0.02, {.weight_decay = 0.1, .amsgrad = true});
    Tensor v = testing::variable_of(testing::kStart);
    adamw.apply_gradients({Tensor::from_vector(testing::kGrads[0], testing::kShape)}, {v});
    auto copy = adamw.clone();
    EXPECT_EQ(copy->class_name(), "AdamW");
    EXPECT_EQ(copy->iterations(), 0);
    EXPECT_EQ(copy->get_config(), adamw.get_config());
}

TEST(AdamWTest, GetByName) {
    auto optimizer = get("AdamW");
    EXPECT_EQ(optimizer->class_name(), "AdamW");
    EXPECT_EQ(optimizer->get_config(), AdamW().get_config());
}

TEST(AdamWTest, GetConfigMatchesKeras) {
    nlohmann::json expected = testing::keras_base_config("adamw", 0.001, 0.004);
    expected["beta_1"] = 0.9;
    expected["beta_2"] = 0.999;
    expected["epsilon"] = 1e-7;
    expected["amsgrad"] = false;
    EXPECT_EQ(AdamW().get_config(), expected);
}

}  // namespace
}  // namespace strata::optimizers
