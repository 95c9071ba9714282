#include <gtest/gtest.h>

#include <vector>

#include "optimizer_reference.hpp"
#include "strata/training/optimizers/rmsprop.hpp"
#include "strata/ops/elementwise.hpp"
#include "strata/ops/random.hpp"

namespace strata::optimizers {
namespace {

using testing::clip_norm_reference;
using testing::clip_value_reference;
using testing::expect_matches_reference;
using testing::rmsprop_reference;

TEST(RMSpropTest, KerasDefaults) {
    // Keras 3: RMSprop(learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
    // weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, name="rmsprop").
    RMSprop rms;
    EXPECT_DOUBLE_EQ(rms.learning_rate(), 0.001);
    EXPECT_DOUBLE_EQ(rms.options().rho, 0.9);
    EXPECT_EQ(rms.options().momentum, 0.0);
    EXPECT_DOUBLE_EQ(rms.options().epsilon, 1e-7);
    EXPECT_FALSE(rms.options().centered);
    EXPECT_FALSE(rms.weight_decay() || rms.clipnorm() || rms.clipvalue() || rms.global_clipnorm());
    EXPECT_EQ(rms.name(), "rmsprop");
    EXPECT_EQ(rms.class_name(), "RMSprop");
}

TEST(RMSpropTest, PlainStepsMatchKerasFormula) {
    RMSprop rms(0.01);
    expect_matches_reference(rms, rmsprop_reference(0.01));
}

// On float32 CPU variables the plain update runs as one fused pass (backend/cpu/optimizer_updates.hpp); it
// must give the bits of the elementwise ops it stands for, on a variable large enough to be split over threads.
TEST(RMSpropTest, FusedFloat32UpdateGivesTheBitsOfItsOps) {
    random::seed(3);
    const Shape shape{250, 401};
    Tensor variable = random::normal(shape), expected = variable.clone();
    Tensor velocity = Tensor::zeros(shape, float32);
    RMSprop rms(0.01);
    for (int step = 0; step < 3; ++step) {
        Tensor gradient = random::normal(shape);
        rms.apply_gradients({gradient}, {variable});
        // RMSprop::update_step's ops, in float32 (Keras: rho 0.9, epsilon 1e-7 inside the square root).
        velocity = 0.9 * velocity + (1 - 0.9) * ops::square(gradient);
        expected = expected - 0.01 * gradient / ops::sqrt(velocity + 1e-7);
    }
    EXPECT_EQ(testing::differing_elements(variable, expected), 0u) << "of " << variable.numel();
}

TEST(RMSpropTest, EpsilonIsInsideTheSquareRoot) {
    // With a large epsilon the two placements differ clearly: Keras divides by sqrt(v + epsilon).
    RMSprop rms(0.01, {.epsilon = 0.5});
    expect_matches_reference(rms, rmsprop_reference(0.01, 0.9, 0.0, 0.5));
}

TEST(RMSpropTest, MomentumStepsMatchKerasFormula) {
    RMSprop rms(0.01, {.rho = 0.8, .momentum = 0.7});
    expect_matches_reference(rms, rmsprop_reference(0.01, 0.8, 0.7));
}

TEST(RMSpropTest, CenteredStepsMatchKerasFormula) {
    RMSprop rms(0.01, {.rho = 0.8, .centered = true});
    expect_matches_reference(rms, rmsprop_reference(0.01, 0.8, 0.0, 1e-7, true));
}

TEST(RMSpropTest, CenteredWithMomentumStepsMatchKerasFormula) {
    RMSprop rms(0.01, {.rho = 0.8, .momentum = 0.5, .epsilon = 1e-6, .centered = true});
    expect_matches_reference(rms, rmsprop_reference(0.01, 0.8, 0.5, 1e-6, true));
}

TEST(RMSpropTest, ClipnormStepsMatchKerasFormula) {
    RMSprop rms(0.01, {.momentum = 0.5, .clipnorm = 0.5});
    expect_matches_reference(rms, rmsprop_reference(0.01, 0.9, 0.5),
                             [](const testing::Values& g) { return clip_norm_reference(g, 0.5); });
}

TEST(RMSpropTest, ClipvalueStepsMatchKerasFormula) {
    RMSprop rms(0.01, {.centered = true, .clipvalue = 0.3});
    expect_matches_reference(rms, rmsprop_reference(0.01, 0.9, 0.0, 1e-7, true),
                             [](const testing::Values& g) { return clip_value_reference(g, 0.3); });
}

TEST(RMSpropTest, WeightDecayStepsMatchKerasFormula) {
    RMSprop rms(0.01, {.weight_decay = 0.1});
    expect_matches_reference(rms, rmsprop_reference(0.01), {}, 0.1, 0.01);
}

TEST(RMSpropTest, KerasDocstringExample) {
    // keras/src/optimizers/rmsprop.py: RMSprop(learning_rate=0.1), var1 = 10, loss = var1^2 / 2, one
    // minimize step gives 9.683772.
    RMSprop rms(0.1);
    Tensor var1 = Tensor::scalar(10.0);
    rms.apply_gradients({var1.clone()}, {var1});
    EXPECT_NEAR(var1.item<float>(), 9.683772f, 1e-5);
}

TEST(RMSpropTest, KerasSingleStep) {
    // keras/src/optimizers/rmsprop_test.py: RMSprop(learning_rate=0.5) on [1, 2, 3, 4], gradients [1, 6, 7, 2].
    RMSprop rms(0.5);
    Tensor v = Tensor::from_vector(std::vector<float>{1, 2, 3, 4});
    rms.apply_gradients({Tensor::from_vector(std::vector<float>{1, 6, 7, 2})}, {v});
    std::vector<float> expected = {-0.5811f, 0.4189f, 1.4189f, 2.4189f};
    std::vector<float> got = v.to_vector<float>();
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-4);
}

TEST(RMSpropTest, KerasGoldenValuesCenteredInFloat32) {
    // keras/src/optimizers/rmsprop_test.py, test_correctness_with_golden: RMSprop(centered=True).
    RMSprop rms(0.001, {.centered = true});
    Tensor x = Tensor::ones({10});
    std::vector<float> grads(10);
    for (int i = 0; i < 10; ++i) grads[static_cast<std::size_t>(i)] = 0.1f * static_cast<float>(i + 1);
    const double golden[5] = {0.9967, 0.9933, 0.9908, 0.9885, 0.9864};
    rms.apply_gradients({Tensor::full({10}, 0.01)}, {x});
    for (int step = 0; step < 5; ++step) {
        for (float value : x.to_vector<float>()) EXPECT_NEAR(value, golden[step], 5e-4 + 5e-4 * golden[step]);
        rms.apply_gradients({Tensor::from_vector(grads)}, {x});
    }
}

TEST(RMSpropTest, GetConfigHasKerasKeys) {
    RMSprop rms(0.5, {.rho = 0.8, .momentum = 0.05, .epsilon = 1e-6, .centered = true});
    nlohmann::json config = rms.get_config();
    EXPECT_EQ(config["name"], "rmsprop");
    EXPECT_DOUBLE_EQ(config["learning_rate"].get<double>(), 0.5);
    EXPECT_DOUBLE_EQ(config["rho"].get<double>(), 0.8);
    EXPECT_DOUBLE_EQ(config["momentum"].get<double>(), 0.05);
    EXPECT_DOUBLE_EQ(config["epsilon"].get<double>(), 1e-6);
    EXPECT_EQ(config["centered"], true);
}

}  // namespace
}  // namespace strata::optimizers
