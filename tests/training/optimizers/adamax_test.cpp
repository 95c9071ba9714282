#include <gtest/gtest.h>

#include <vector>

#include "optimizer_reference.hpp"
#include "strata/training/optimizers/adamax.hpp"

namespace strata::optimizers {
namespace {

using testing::adamax_reference;
using testing::clip_value_reference;
using testing::expect_matches_reference;

TEST(AdamaxTest, KerasDefaults) {
    // Keras 3: Adamax(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=None,
    // clipnorm=None, clipvalue=None, global_clipnorm=None, name="adamax").
    Adamax adamax;
    EXPECT_DOUBLE_EQ(adamax.learning_rate(), 0.001);
    EXPECT_DOUBLE_EQ(adamax.options().beta_1, 0.9);
    EXPECT_DOUBLE_EQ(adamax.options().beta_2, 0.999);
    EXPECT_DOUBLE_EQ(adamax.options().epsilon, 1e-7);
    EXPECT_FALSE(adamax.weight_decay() || adamax.clipnorm() || adamax.clipvalue() || adamax.global_clipnorm());
    EXPECT_EQ(adamax.name(), "adamax");
    EXPECT_EQ(adamax.class_name(), "Adamax");
}

TEST(AdamaxTest, StepsMatchKerasFormula) {
    Adamax adamax(0.01);
    expect_matches_reference(adamax, adamax_reference(0.01));
}

TEST(AdamaxTest, DecayedNormAndLargeEpsilonMatchKerasFormula) {
    // beta_2=0.5 lets the decayed norm fall below |g| and back; epsilon=0.5 makes its placement visible.
    Adamax adamax(0.01, {.beta_1 = 0.8, .beta_2 = 0.5, .epsilon = 0.5});
    expect_matches_reference(adamax, adamax_reference(0.01, 0.8, 0.5, 0.5));
}

TEST(AdamaxTest, ClipvalueAndWeightDecayStepsMatchKerasFormula) {
    Adamax adamax(0.01, {.weight_decay = 0.1, .clipvalue = 0.3});
    expect_matches_reference(adamax, adamax_reference(0.01),
                             [](const testing::Values& g) { return clip_value_reference(g, 0.3); }, 0.1, 0.01);
}

TEST(AdamaxTest, KerasSingleStep) {
    // keras/src/optimizers/adamax_test.py, test_single_step: Adamax(learning_rate=0.5).
    Adamax adamax(0.5);
    testing::expect_keras_single_step(adamax, {0.5, 1.5, 2.5, 3.5});
}

TEST(AdamaxTest, KerasWeightDecayValue) {
    testing::expect_keras_weight_decay([] { return Adamax(1.0, {.weight_decay = 0.004}); });
}

TEST(AdamaxTest, KerasGoldenValues) {
    // keras/src/optimizers/adamax_test.py: Adamax(learning_rate=0.2, beta_1=0.85, beta_2=0.95, epsilon=1e-6).
    Adamax adamax(0.2, {.beta_1 = 0.85, .beta_2 = 0.95, .epsilon = 1e-6});
    testing::expect_keras_golden(
        adamax, {{0.8},
                 {0.6827, 0.6873, 0.6888, 0.6896, 0.6901, 0.6904, 0.6906, 0.6908, 0.6909, 0.691},
                 {0.5333, 0.5407, 0.5431, 0.5444, 0.5451, 0.5456, 0.546, 0.5462, 0.5464, 0.5466},
                 {0.368, 0.3773, 0.3804, 0.382, 0.3829, 0.3835, 0.384, 0.3843, 0.3846, 0.3848},
                 {0.1933, 0.204, 0.2076, 0.2094, 0.2105, 0.2112, 0.2117, 0.2121, 0.2124, 0.2126}});
}

TEST(AdamaxTest, CloneAndGetByName) {
    Adamax adamax(0.02, {.beta_2 = 0.9});
    Tensor v = testing::variable_of(testing::kStart);
    adamax.apply_gradients({Tensor::from_vector(testing::kGrads[0], testing::kShape)}, {v});
    auto copy = adamax.clone();
    EXPECT_EQ(copy->class_name(), "Adamax");
    EXPECT_EQ(copy->iterations(), 0);
    EXPECT_EQ(copy->get_config(), adamax.get_config());
    EXPECT_EQ(get("adamax")->get_config(), Adamax().get_config());
}

TEST(AdamaxTest, GetConfigMatchesKeras) {
    nlohmann::json expected = testing::keras_base_config("adamax", 0.001);
    expected["beta_1"] = 0.9;
    expected["beta_2"] = 0.999;
    expected["epsilon"] = 1e-7;
    EXPECT_EQ(Adamax().get_config(), expected);
}

}  // namespace
}  // namespace strata::optimizers
