#include <gtest/gtest.h>

#include <vector>

#include "optimizer_reference.hpp"
#include "strata/core/error.hpp"
#include "strata/training/optimizers/ftrl.hpp"

namespace strata::optimizers {
namespace {

using testing::clip_value_reference;
using testing::expect_matches_reference;
using testing::ftrl_reference;

TEST(FtrlTest, KerasDefaults) {
    // Keras 3: Ftrl(learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
    // l1_regularization_strength=0.0, l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0,
    // beta=0.0, weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, name="ftrl").
    Ftrl ftrl;
    EXPECT_DOUBLE_EQ(ftrl.learning_rate(), 0.001);
    EXPECT_DOUBLE_EQ(ftrl.options().learning_rate_power, -0.5);
    EXPECT_DOUBLE_EQ(ftrl.options().initial_accumulator_value, 0.1);
    EXPECT_EQ(ftrl.options().l1_regularization_strength, 0.0);
    EXPECT_EQ(ftrl.options().l2_regularization_strength, 0.0);
    EXPECT_EQ(ftrl.options().l2_shrinkage_regularization_strength, 0.0);
    EXPECT_EQ(ftrl.options().beta, 0.0);
    EXPECT_FALSE(ftrl.weight_decay() || ftrl.clipnorm() || ftrl.clipvalue() || ftrl.global_clipnorm());
    EXPECT_EQ(ftrl.name(), "ftrl");
    EXPECT_EQ(ftrl.class_name(), "Ftrl");
}

TEST(FtrlTest, InvalidArgumentsAreValueErrors) {
    // Keras: "`initial_accumulator_value` needs to be positive or zero", "`learning_rate_power` needs to be
    // negative or zero", and the same for the three regularization strengths.
    EXPECT_THROW(Ftrl(0.001, {.initial_accumulator_value = -0.1}), ValueError);
    EXPECT_THROW(Ftrl(0.001, {.learning_rate_power = 0.5}), ValueError);
    EXPECT_THROW(Ftrl(0.001, {.l1_regularization_strength = -1}), ValueError);
    EXPECT_THROW(Ftrl(0.001, {.l2_regularization_strength = -1}), ValueError);
    EXPECT_THROW(Ftrl(0.001, {.l2_shrinkage_regularization_strength = -1}), ValueError);
    EXPECT_NO_THROW(Ftrl(0.001, {.learning_rate_power = 0.0, .initial_accumulator_value = 0.0}));
}

TEST(FtrlTest, StepsMatchKerasFormula) {
    Ftrl ftrl(0.1);
    expect_matches_reference(ftrl, ftrl_reference(0.1));
}

TEST(FtrlTest, AllRegularizersMatchKerasFormula) {
    // Keras's golden configuration with a larger step: l1 zeroes some elements and not others.
    Ftrl ftrl(0.5, {.learning_rate_power = -0.2,
                    .initial_accumulator_value = 0.4,
                    .l1_regularization_strength = 0.05,
                    .l2_regularization_strength = 0.15,
                    .l2_shrinkage_regularization_strength = 0.01,
                    .beta = 0.3});
    expect_matches_reference(ftrl, ftrl_reference(0.5, -0.2, 0.4, 0.05, 0.15, 0.01, 0.3));
}

TEST(FtrlTest, ZeroInitialAccumulatorAndFixedRateMatchKerasFormula) {
    Ftrl ftrl(0.1, {.learning_rate_power = 0.0, .initial_accumulator_value = 0.0});
    expect_matches_reference(ftrl, ftrl_reference(0.1, 0.0, 0.0));
    Ftrl ftrl_half(0.1, {.initial_accumulator_value = 0.0, .l2_regularization_strength = 0.2});
    expect_matches_reference(ftrl_half, ftrl_reference(0.1, -0.5, 0.0, 0.0, 0.2));
}

TEST(FtrlTest, ClipvalueAndWeightDecayStepsMatchKerasFormula) {
    Ftrl ftrl(0.1, {.weight_decay = 0.1, .clipvalue = 0.3});
    expect_matches_reference(ftrl, ftrl_reference(0.1),
                             [](const testing::Values& g) { return clip_value_reference(g, 0.3); }, 0.1, 0.1);
}

TEST(FtrlTest, KerasSingleStep) {
    // keras/src/optimizers/ftrl_test.py, test_single_step: Ftrl(learning_rate=0.5).
    Ftrl ftrl(0.5);
    testing::expect_keras_single_step(ftrl, {0.2218, 1.3954, 2.3651, 2.8814});
}

TEST(FtrlTest, KerasGoldenValues) {
    // keras/src/optimizers/ftrl_test.py: Ftrl(learning_rate=0.05, learning_rate_power=-0.2,
    // initial_accumulator_value=0.4, l1_regularization_strength=0.05, l2_regularization_strength=0.15,
    // l2_shrinkage_regularization_strength=0.01, beta=0.3).
    Ftrl ftrl(0.05, {.learning_rate_power = -0.2,
                     .initial_accumulator_value = 0.4,
                     .l1_regularization_strength = 0.05,
                     .l2_regularization_strength = 0.15,
                     .l2_shrinkage_regularization_strength = 0.01,
                     .beta = 0.3});
    testing::expect_keras_golden(
        ftrl, {{0.0},
               {-0.0034, -0.0077, -0.0118, -0.0157, -0.0194, -0.023, -0.0263, -0.0294, -0.0325, -0.0354},
               {-0.0078, -0.0162, -0.0242, -0.0317, -0.0387, -0.0454, -0.0516, -0.0575, -0.0631, -0.0685},
               {-0.0121, -0.0246, -0.0363, -0.0472, -0.0573, -0.0668, -0.0757, -0.0842, -0.0922, -0.0999},
               {-0.0164, -0.0328, -0.0481, -0.0623, -0.0753, -0.0875, -0.099, -0.1098, -0.1201, -0.1299}});
}

TEST(FtrlTest, CloneAndGetByName) {
    Ftrl ftrl(0.02, {.l1_regularization_strength = 0.01});
    Tensor v = testing::variable_of(testing::kStart);
    ftrl.apply_gradients({Tensor::from_vector(testing::kGrads[0], testing::kShape)}, {v});
    auto copy = ftrl.clone();
    EXPECT_EQ(copy->class_name(), "Ftrl");
    EXPECT_EQ(copy->iterations(), 0);
    EXPECT_EQ(copy->get_config(), ftrl.get_config());
    EXPECT_EQ(get("FTRL")->get_config(), Ftrl().get_config());
}

TEST(FtrlTest, GetConfigMatchesKeras) {
    nlohmann::json expected = testing::keras_base_config("ftrl", 0.001);
    expected["learning_rate_power"] = -0.5;
    expected["initial_accumulator_value"] = 0.1;
    expected["l1_regularization_strength"] = 0.0;
    expected["l2_regularization_strength"] = 0.0;
    expected["l2_shrinkage_regularization_strength"] = 0.0;
    expected["beta"] = 0.0;
    EXPECT_EQ(Ftrl().get_config(), expected);
}

}  // namespace
}  // namespace strata::optimizers
