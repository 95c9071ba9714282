#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "optimizer_reference.hpp"
#include "strata/ops/random.hpp"
#include "strata/training/optimizers/sgd.hpp"

namespace strata::optimizers {
namespace {

using testing::clip_norm_reference;
using testing::clip_value_reference;
using testing::expect_matches_reference;
using testing::sgd_reference;

TEST(SGDTest, FusedFloat32UpdateGivesTheBitsOfItsOps) {
    random::seed(5);
    const Shape shape{250, 401};
    Tensor variable = random::normal(shape), expected = variable.clone();
    SGD sgd(0.03);
    for (int step = 0; step < 3; ++step) {
        Tensor gradient = random::normal(shape);
        sgd.apply_gradients({gradient}, {variable});
        expected = expected - gradient * 0.03;  // SGD::update_step without momentum
    }
    EXPECT_EQ(testing::differing_elements(variable, expected), 0u) << "of " << variable.numel();
}

TEST(SGDTest, KerasDefaults) {
    // Keras 3: SGD(learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None, clipnorm=None,
    // clipvalue=None, global_clipnorm=None, name="SGD").
    SGD sgd;
    EXPECT_DOUBLE_EQ(sgd.learning_rate(), 0.01);
    EXPECT_EQ(sgd.options().momentum, 0.0);
    EXPECT_FALSE(sgd.options().nesterov);
    EXPECT_FALSE(sgd.weight_decay() || sgd.clipnorm() || sgd.clipvalue() || sgd.global_clipnorm());
    EXPECT_EQ(sgd.name(), "SGD");
    EXPECT_EQ(sgd.class_name(), "SGD");
    EXPECT_EQ(sgd.iterations(), 0);
}

TEST(SGDTest, PlainStepsMatchKerasFormula) {
    SGD sgd(0.1);
    expect_matches_reference(sgd, sgd_reference(0.1));
}

TEST(SGDTest, MomentumStepsMatchKerasFormula) {
    SGD sgd(0.1, {.momentum = 0.9});
    expect_matches_reference(sgd, sgd_reference(0.1, 0.9));
}

TEST(SGDTest, NesterovStepsMatchKerasFormula) {
    SGD sgd(0.05, {.momentum = 0.8, .nesterov = true});
    expect_matches_reference(sgd, sgd_reference(0.05, 0.8, true));
}

TEST(SGDTest, ClipnormStepsMatchKerasFormula) {
    SGD sgd(0.1, {.momentum = 0.9, .clipnorm = 0.5});
    expect_matches_reference(sgd, sgd_reference(0.1, 0.9),
                             [](const testing::Values& g) { return clip_norm_reference(g, 0.5); });
}

TEST(SGDTest, ClipvalueStepsMatchKerasFormula) {
    SGD sgd(0.1, {.momentum = 0.9, .clipvalue = 0.3});
    expect_matches_reference(sgd, sgd_reference(0.1, 0.9),
                             [](const testing::Values& g) { return clip_value_reference(g, 0.3); });
}

TEST(SGDTest, WeightDecayStepsMatchKerasFormula) {
    SGD sgd(0.1, {.momentum = 0.9, .weight_decay = 0.05});
    expect_matches_reference(sgd, sgd_reference(0.1, 0.9), {}, 0.05, 0.1);
}

TEST(SGDTest, KerasSingleStep) {
    // keras/src/optimizers/sgd_test.py: SGD(learning_rate=0.5) on [1, 2, 3, 4] with gradients [1, 6, 7, 2].
    SGD sgd(0.5);
    Tensor v = Tensor::from_vector(std::vector<float>{1, 2, 3, 4});
    sgd.apply_gradients({Tensor::from_vector(std::vector<float>{1, 6, 7, 2})}, {v});
    std::vector<float> expected = {0.5f, -1.0f, -0.5f, 3.0f};
    std::vector<float> got = v.to_vector<float>();
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-4);
}

TEST(SGDTest, KerasGoldenValuesInFloat32) {
    // keras/src/optimizers/sgd_test.py, test_correctness_with_golden: SGD(nesterov=True) with momentum 0 is
    // plain gradient descent at the default rate 0.01.
    SGD sgd(0.01, {.nesterov = true});
    Tensor x = Tensor::ones({10});
    std::vector<float> grads(10);
    for (int i = 0; i < 10; ++i) grads[static_cast<std::size_t>(i)] = 0.1f * static_cast<float>(i + 1);
    sgd.apply_gradients({Tensor::full({10}, 0.01)}, {x});
    for (int step = 0; step < 5; ++step) {
        std::vector<float> got = x.to_vector<float>();
        for (int i = 0; i < 10; ++i)
            EXPECT_NEAR(got[static_cast<std::size_t>(i)], 0.9999 - 0.001 * (i + 1) * step, 5e-4);
        sgd.apply_gradients({Tensor::from_vector(grads)}, {x});
    }
}

TEST(SGDTest, MomentumOutsideZeroOneIsValueError) {
    // Keras 3: SGD raises "`momentum` must be a float between [0, 1]."
    EXPECT_THROW(SGD(0.01, {.momentum = -0.1}), ValueError);
    EXPECT_THROW(SGD(0.01, {.momentum = 1.5}), ValueError);
    EXPECT_THROW(SGD(0.01, {.momentum = std::numeric_limits<double>::quiet_NaN()}), ValueError);
    EXPECT_NO_THROW(SGD(0.01, {.momentum = 1.0}));
}

TEST(SGDTest, GetConfigHasKerasKeys) {
    SGD sgd(0.5, {.momentum = 0.06, .nesterov = true, .weight_decay = 0.004});
    nlohmann::json config = sgd.get_config();
    EXPECT_EQ(config["name"], "SGD");
    EXPECT_DOUBLE_EQ(config["learning_rate"].get<double>(), 0.5);
    EXPECT_DOUBLE_EQ(config["momentum"].get<double>(), 0.06);
    EXPECT_EQ(config["nesterov"], true);
    EXPECT_DOUBLE_EQ(config["weight_decay"].get<double>(), 0.004);
    EXPECT_TRUE(config["clipnorm"].is_null());
}

}  // namespace
}  // namespace strata::optimizers
