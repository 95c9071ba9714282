#include <gtest/gtest.h>

#include <vector>

#include "optimizer_reference.hpp"
#include "strata/training/optimizers/nadam.hpp"

namespace strata::optimizers {
namespace {

using testing::clip_norm_reference;
using testing::expect_matches_reference;
using testing::nadam_reference;

TEST(NadamTest, KerasDefaults) {
    // Keras 3: Nadam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=None,
    // clipnorm=None, clipvalue=None, global_clipnorm=None, name="nadam").
    Nadam nadam;
    EXPECT_DOUBLE_EQ(nadam.learning_rate(), 0.001);
    EXPECT_DOUBLE_EQ(nadam.options().beta_1, 0.9);
    EXPECT_DOUBLE_EQ(nadam.options().beta_2, 0.999);
    EXPECT_DOUBLE_EQ(nadam.options().epsilon, 1e-7);
    EXPECT_FALSE(nadam.weight_decay() || nadam.clipnorm() || nadam.clipvalue() || nadam.global_clipnorm());
    EXPECT_EQ(nadam.name(), "nadam");
    EXPECT_EQ(nadam.class_name(), "Nadam");
}

TEST(NadamTest, StepsMatchKerasFormula) {
    Nadam nadam(0.01);
    expect_matches_reference(nadam, nadam_reference(0.01));
}

TEST(NadamTest, OtherBetasAndEpsilonMatchKerasFormula) {
    Nadam nadam(0.05, {.beta_1 = 0.5, .beta_2 = 0.67, .epsilon = 0.1});
    expect_matches_reference(nadam, nadam_reference(0.05, 0.5, 0.67, 0.1));
}

TEST(NadamTest, ClipnormAndWeightDecayStepsMatchKerasFormula) {
    Nadam nadam(0.01, {.weight_decay = 0.1, .clipnorm = 0.5});
    expect_matches_reference(nadam, nadam_reference(0.01),
                             [](const testing::Values& g) { return clip_norm_reference(g, 0.5); }, 0.1, 0.01);
}

TEST(NadamTest, MomentumProductIsSharedByAllVariables) {
    // Keras advances u_product once per apply, not once per variable: two variables updated together step
    // exactly as each would alone.
    Nadam together(0.01), alone_a(0.01), alone_b(0.01);
    Tensor a = testing::variable_of(testing::kStart), b = testing::variable_of(testing::kStart);
    Tensor a_alone = testing::variable_of(testing::kStart), b_alone = testing::variable_of(testing::kStart);
    for (std::size_t t = 0; t < testing::kGrads.size(); ++t) {
        Tensor g = Tensor::from_vector(testing::kGrads[t], testing::kShape);
        Tensor h = g * 2.0;
        together.apply_gradients({g, h}, {a, b});
        alone_a.apply_gradients({g}, {a_alone});
        alone_b.apply_gradients({h}, {b_alone});
    }
    EXPECT_EQ(a.to_vector<double>(), a_alone.to_vector<double>());
    EXPECT_EQ(b.to_vector<double>(), b_alone.to_vector<double>());
}

TEST(NadamTest, KerasSingleStep) {
    // keras/src/optimizers/nadam_test.py, test_single_step: Nadam(learning_rate=0.5).
    Nadam nadam(0.5);
    testing::expect_keras_single_step(nadam, {0.4686, 1.4686, 2.4686, 3.4686});
}

TEST(NadamTest, KerasWeightDecayValue) {
    testing::expect_keras_weight_decay([] { return Nadam(1.0, {.weight_decay = 0.004}); });
}

TEST(NadamTest, KerasGoldenValues) {
    // keras/src/optimizers/nadam_test.py: Nadam(learning_rate=0.5, beta_1=0.5, beta_2=0.67, epsilon=1e-5).
    Nadam nadam(0.5, {.beta_1 = 0.5, .beta_2 = 0.67, .epsilon = 1e-5});
    testing::expect_keras_golden(
        nadam,
        {{0.4281},
         {-0.1738, -0.1731, -0.1726, -0.1723, -0.1721, -0.172, -0.1719, -0.1718, -0.1718, -0.1717},
         {-0.7115, -0.7103, -0.7096, -0.7092, -0.709, -0.7088, -0.7086, -0.7085, -0.7085, -0.7084},
         {-1.2335, -1.2322, -1.2313, -1.2309, -1.2306, -1.2304, -1.2302, -1.2301, -1.23, -1.2299},
         {-1.7492, -1.7478, -1.7469, -1.7464, -1.7461, -1.7459, -1.7457, -1.7456, -1.7455, -1.7454}});
}

TEST(NadamTest, CloneStartsTheScheduleAgain) {
    Nadam nadam(0.01);
    Tensor v = testing::variable_of(testing::kStart);
    nadam.apply_gradients({Tensor::from_vector(testing::kGrads[0], testing::kShape)}, {v});
    auto copy = nadam.clone();
    EXPECT_EQ(copy->class_name(), "Nadam");
    EXPECT_EQ(copy->iterations(), 0);
    EXPECT_EQ(copy->get_config(), nadam.get_config());
    expect_matches_reference(*copy, nadam_reference(0.01));
    EXPECT_EQ(get("Nadam")->get_config(), Nadam().get_config());
}

TEST(NadamTest, GetConfigMatchesKeras) {
    nlohmann::json expected = testing::keras_base_config("nadam", 0.001);
    expected["beta_1"] = 0.9;
    expected["beta_2"] = 0.999;
    expected["epsilon"] = 1e-7;
    EXPECT_EQ(Nadam().get_config(), expected);
}

}  // namespace
}  // namespace strata::optimizers
