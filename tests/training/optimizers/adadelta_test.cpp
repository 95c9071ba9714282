#include <gtest/gtest.h>

#include <vector>

#include "optimizer_reference.hpp"
#include "strata/training/optimizers/adadelta.hpp"

namespace strata::optimizers {
namespace {

using testing::adadelta_reference;
using testing::clip_value_reference;
using testing::expect_matches_reference;

TEST(AdadeltaTest, KerasDefaults) {
    // Keras 3: Adadelta(learning_rate=0.001, rho=0.95, epsilon=1e-7, weight_decay=None, clipnorm=None,
    // clipvalue=None, global_clipnorm=None, name="adadelta").
    Adadelta adadelta;
    EXPECT_DOUBLE_EQ(adadelta.learning_rate(), 0.001);
    EXPECT_DOUBLE_EQ(adadelta.options().rho, 0.95);
    EXPECT_DOUBLE_EQ(adadelta.options().epsilon, 1e-7);
    EXPECT_FALSE(adadelta.weight_decay() || adadelta.clipnorm() || adadelta.clipvalue() ||
                 adadelta.global_clipnorm());
    EXPECT_EQ(adadelta.name(), "adadelta");
    EXPECT_EQ(adadelta.class_name(), "Adadelta");
}

TEST(AdadeltaTest, StepsMatchKerasFormula) {
    Adadelta adadelta(1.0);
    expect_matches_reference(adadelta, adadelta_reference(1.0));
}

TEST(AdadeltaTest, OtherRhoAndLargeEpsilonMatchKerasFormula) {
    Adadelta adadelta(0.5, {.rho = 0.6, .epsilon = 0.01});
    expect_matches_reference(adadelta, adadelta_reference(0.5, 0.6, 0.01));
}

TEST(AdadeltaTest, ClipvalueAndWeightDecayStepsMatchKerasFormula) {
    Adadelta adadelta(1.0, {.weight_decay = 0.1, .clipvalue = 0.3});
    expect_matches_reference(adadelta, adadelta_reference(1.0),
                             [](const testing::Values& g) { return clip_value_reference(g, 0.3); }, 0.1, 1.0);
}

TEST(AdadeltaTest, KerasSingleStep) {
    // keras/src/optimizers/adadelta_test.py, test_single_step: Adadelta(learning_rate=0.5).
    Adadelta adadelta(0.5);
    testing::expect_keras_single_step(adadelta, {0.9993, 1.9993, 2.9993, 3.9993});
}

TEST(AdadeltaTest, KerasWeightDecayValue) {
    testing::expect_keras_weight_decay([] { return Adadelta(1.0, {.weight_decay = 0.004}); });
}

TEST(AdadeltaTest, KerasGoldenValues) {
    // keras/src/optimizers/adadelta_test.py: Adadelta(learning_rate=1.0, rho=0.8, epsilon=1e-6).
    Adadelta adadelta(1.0, {.rho = 0.8, .epsilon = 1e-6});
    testing::expect_keras_golden(adadelta, {{0.9978}, {0.9947}, {0.9915}, {0.9882}, {0.9849}});
}

TEST(AdadeltaTest, CloneAndGetByName) {
    Adadelta adadelta(0.02, {.rho = 0.9});
    Tensor v = testing::variable_of(testing::kStart);
    adadelta.apply_gradients({Tensor::from_vector(testing::kGrads[0], testing::kShape)}, {v});
    auto copy = adadelta.clone();
    EXPECT_EQ(copy->class_name(), "Adadelta");
    EXPECT_EQ(copy->iterations(), 0);
    EXPECT_EQ(copy->get_config(), adadelta.get_config());
    EXPECT_EQ(get("Adadelta")->get_config(), Adadelta().get_config());
}

TEST(AdadeltaTest, GetConfigMatchesKeras) {
    nlohmann::json expected = testing::keras_base_config("adadelta", 0.001);
    expected["rho"] = 0.95;
    expected["epsilon"] = 1e-7;
    EXPECT_EQ(Adadelta().get_config(), expected);
}

}  // namespace
}  // namespace strata::optimizers
