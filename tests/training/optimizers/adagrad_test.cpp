#include <gtest/gtest.h>

#include <vector>

#include "optimizer_reference.hpp"
#include "strata/training/optimizers/adagrad.hpp"

namespace strata::optimizers {
namespace {

using testing::adagrad_reference;
using testing::clip_norm_reference;
using testing::expect_matches_reference;

TEST(AdagradTest, KerasDefaults) {
    // Keras 3: Adagrad(learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, weight_decay=None,
    // clipnorm=None, clipvalue=None, global_clipnorm=None, name=None), name=None giving "adagrad".
    Adagrad adagrad;
    EXPECT_DOUBLE_EQ(adagrad.learning_rate(), 0.001);
    EXPECT_DOUBLE_EQ(adagrad.options().initial_accumulator_value, 0.1);
    EXPECT_DOUBLE_EQ(adagrad.options().epsilon, 1e-7);
    EXPECT_FALSE(adagrad.weight_decay() || adagrad.clipnorm() || adagrad.clipvalue() ||
                 adagrad.global_clipnorm());
    EXPECT_EQ(adagrad.name(), "adagrad");
    EXPECT_EQ(adagrad.class_name(), "Adagrad");
}

TEST(AdagradTest, StepsMatchKerasFormula) {
    Adagrad adagrad(0.1);
    expect_matches_reference(adagrad, adagrad_reference(0.1));
}

TEST(AdagradTest, ZeroInitialAccumulatorAndLargeEpsilonMatchKerasFormula) {
    Adagrad adagrad(0.1, {.initial_accumulator_value = 0.0, .epsilon = 0.5});
    expect_matches_reference(adagrad, adagrad_reference(0.1, 0.0, 0.5));
}

TEST(AdagradTest, LargeInitialAccumulatorMatchesKerasFormula) {
    Adagrad adagrad(0.1, {.initial_accumulator_value = 2.5});
    expect_matches_reference(adagrad, adagrad_reference(0.1, 2.5));
}

TEST(AdagradTest, ClipnormAndWeightDecayStepsMatchKerasFormula) {
    Adagrad adagrad(0.1, {.weight_decay = 0.1, .clipnorm = 0.5});
    expect_matches_reference(adagrad, adagrad_reference(0.1),
                             [](const testing::Values& g) { return clip_norm_reference(g, 0.5); }, 0.1, 0.1);
}

TEST(AdagradTest, ZeroGradientsKeepTheInitialAccumulator) {
    // A zero gradient leaves the accumulator at its start: the next step still divides by
    // sqrt(initial_accumulator_value + g^2 + epsilon), not by sqrt(g^2 + epsilon).
    Adagrad adagrad(0.1);
    Tensor v = testing::variable_of(testing::kStart);
    adagrad.apply_gradients({Tensor::zeros(testing::kShape, float64)}, {v});
    EXPECT_EQ(v.to_vector<double>(), testing::kStart);
    adagrad.apply_gradients({Tensor::from_vector(testing::kGrads[0], testing::kShape)}, {v});
    testing::Values w = testing::kStart;
    auto reference = adagrad_reference(0.1);
    reference(w, testing::kGrads[0], 1);
    std::vector<double> got = v.to_vector<double>();
    for (std::size_t i = 0; i < w.size(); ++i) EXPECT_NEAR(got[i], w[i], 1e-12);
}

TEST(AdagradTest, KerasSingleStep) {
    // keras/src/optimizers/adagrad_test.py, test_single_step: Adagrad(learning_rate=0.5).
    Adagrad adagrad(0.5);
    testing::expect_keras_single_step(adagrad, {0.5233, 1.5007, 2.5005, 3.5061});
}

TEST(AdagradTest, KerasWeightDecayValue) {
    testing::expect_keras_weight_decay([] { return Adagrad(1.0, {.weight_decay = 0.004}); });
}

TEST(AdagradTest, KerasGoldenValues) {
    // keras/src/optimizers/adagrad_test.py: Adagrad(learning_rate=0.2, initial_accumulator_value=0.3,
    // epsilon=1e-6).
    Adagrad adagrad(0.2, {.initial_accumulator_value = 0.3, .epsilon = 1e-6});
    testing::expect_keras_golden(
        adagrad, {{0.9963},
                  {0.9604, 0.9278, 0.9003, 0.8784, 0.8615, 0.8487, 0.8388, 0.8313, 0.8255, 0.8209},
                  {0.9251, 0.8629, 0.8137, 0.7768, 0.7497, 0.7298, 0.7151, 0.704, 0.6956, 0.6891},
                  {0.8903, 0.8012, 0.7342, 0.6862, 0.6521, 0.6277, 0.6099, 0.5967, 0.5867, 0.579},
                  {0.856, 0.7422, 0.6604, 0.6037, 0.5644, 0.5367, 0.5168, 0.5021, 0.491, 0.4825}});
}

TEST(AdagradTest, CloneAndGetByName) {
    Adagrad adagrad(0.02, {.initial_accumulator_value = 0.4});
    Tensor v = testing::variable_of(testing::kStart);
    adagrad.apply_gradients({Tensor::from_vector(testing::kGrads[0], testing::kShape)}, {v});
    auto copy = adagrad.clone();
    EXPECT_EQ(copy->class_name(), "Adagrad");
    EXPECT_EQ(copy->iterations(), 0);
    EXPECT_EQ(copy->get_config(), adagrad.get_config());
    EXPECT_EQ(get("adagrad")->get_config(), Adagrad().get_config());
}

TEST(AdagradTest, GetConfigMatchesKeras) {
    nlohmann::json expected = testing::keras_base_config("adagrad", 0.001);
    expected["initial_accumulator_value"] = 0.1;
    expected["epsilon"] = 1e-7;
    EXPECT_EQ(Adagrad().get_config(), expected);
}

}  // namespace
}  // namespace strata::optimizers
