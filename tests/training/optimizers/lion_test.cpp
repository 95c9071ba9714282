#include <gtest/gtest.h>

#include <vector>

#include "optimizer_reference.hpp"
#include "strata/core/error.hpp"
#include "strata/training/optimizers/lion.hpp"

namespace strata::optimizers {
namespace {

using testing::clip_norm_reference;
using testing::expect_matches_reference;
using testing::lion_reference;

TEST(LionTest, KerasDefaults) {
    // Keras 3: Lion(learning_rate=0.001, beta_1=0.9, beta_2=0.99, weight_decay=None, clipnorm=None,
    // clipvalue=None, global_clipnorm=None, name="lion").
    Lion lion;
    EXPECT_DOUBLE_EQ(lion.learning_rate(), 0.001);
    EXPECT_DOUBLE_EQ(lion.options().beta_1, 0.9);
    EXPECT_DOUBLE_EQ(lion.options().beta_2, 0.99);
    EXPECT_FALSE(lion.weight_decay() || lion.clipnorm() || lion.clipvalue() || lion.global_clipnorm());
    EXPECT_EQ(lion.name(), "lion");
    EXPECT_EQ(lion.class_name(), "Lion");
}

TEST(LionTest, Beta1OutsideZeroToOneIsValueError) {
    // Keras: "Argument `beta_1` must be in the [0, 1] range. ... Received: beta_1=..." for -0.1, 0.0 and 1.1.
    for (double beta_1 : {-0.1, 0.0, 1.1}) EXPECT_THROW(Lion(0.001, {.beta_1 = beta_1}), ValueError) << beta_1;
    EXPECT_NO_THROW(Lion(0.001, {.beta_1 = 1.0}));
}

TEST(LionTest, StepsMatchKerasFormula) {
    Lion lion(0.01);
    expect_matches_reference(lion, lion_reference(0.01));
}

TEST(LionTest, MomentumCanOutvoteTheGradient) {
    // With beta_1=0.99 the third step's sign comes from the momentum where it disagrees with the gradient.
    Lion lion(0.01, {.beta_1 = 0.99, .beta_2 = 0.5});
    expect_matches_reference(lion, lion_reference(0.01, 0.99, 0.5));
}

TEST(LionTest, ClipnormAndWeightDecayStepsMatchKerasFormula) {
    Lion lion(0.01, {.weight_decay = 0.1, .clipnorm = 0.5});
    expect_matches_reference(lion, lion_reference(0.01),
                             [](const testing::Values& g) { return clip_norm_reference(g, 0.5); }, 0.1, 0.01);
}

TEST(LionTest, KerasSingleStep) {
    // keras/src/optimizers/lion_test.py, test_single_step: Lion(learning_rate=0.5).
    Lion lion(0.5);
    testing::expect_keras_single_step(lion, {0.5, 1.5, 2.5, 3.5});
}

TEST(LionTest, KerasWeightDecayValue) {
    testing::expect_keras_weight_decay([] { return Lion(1.0, {.weight_decay = 0.004}); });
}

TEST(LionTest, KerasGoldenValues) {
    // keras/src/optimizers/lion_test.py: Lion() with its defaults.
    Lion lion;
    testing::expect_keras_golden(lion, {{0.999}, {0.998}, {0.997}, {0.996}, {0.995}});
}

TEST(LionTest, CloneAndGetByName) {
    Lion lion(0.02, {.beta_2 = 0.9});
    Tensor v = testing::variable_of(testing::kStart);
    lion.apply_gradients({Tensor::from_vector(testing::kGrads[0], testing::kShape)}, {v});
    auto copy = lion.clone();
    EXPECT_EQ(copy->class_name(), "Lion");
    EXPECT_EQ(copy->iterations(), 0);
    EXPECT_EQ(copy->get_config(), lion.get_config());
    EXPECT_EQ(get("lion")->get_config(), Lion().get_config());
}

TEST(LionTest, GetConfigMatchesKeras) {
    nlohmann::json expected = testing::keras_base_config("lion", 0.001);
    expected["beta_1"] = 0.9;
    expected["beta_2"] = 0.99;
    EXPECT_EQ(Lion().get_config(), expected);
}

}  // namespace
}  // namespace strata::optimizers
