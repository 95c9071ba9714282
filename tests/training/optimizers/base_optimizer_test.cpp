// Keras 3's BaseOptimizer beyond the update rules: learning-rate schedules, gradient accumulation, the moving
// average of the weights (EMA), loss scaling, and the optimizer variables in Keras's order
// (keras/src/optimizers/base_optimizer.py). Expected values are hand-computed on doubles.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "optimizer_reference.hpp"
#include "strata/core/error.hpp"
#include "strata/training/optimizers/adagrad.hpp"
#include "strata/training/optimizers/adam.hpp"
#include "strata/training/optimizers/adamw.hpp"
#include "strata/training/optimizers/nadam.hpp"
#include "strata/training/optimizers/rmsprop.hpp"
#include "strata/training/optimizers/sgd.hpp"
#include "strata/training/schedules.hpp"

namespace strata::optimizers {
namespace {

using testing::kGrads;
using testing::kShape;
using testing::kStart;
using testing::Values;
using testing::variable_of;

Tensor grad(std::size_t t) { return Tensor::from_vector(kGrads[t], kShape); }

void expect_values(const Tensor& t, const Values& expected, const std::string& what) {
    std::vector<double> got = t.astype(float64).to_vector<double>();
    ASSERT_EQ(got.size(), expected.size()) << what;
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-12) << what << ", element " << i;
}

TEST(BaseOptimizerTest, ApplyPlannedMakesTheUpdatesOfApplyGradients) {
    // The planned training step's path: the same variables, slots and step count, without the checks.
    std::vector<std::shared_ptr<Optimizer>> pairs[] = {
        {std::make_shared<SGD>(0.1), std::make_shared<SGD>(0.1)},
        {std::make_shared<RMSprop>(0.01), std::make_shared<RMSprop>(0.01)},
        {std::make_shared<Adam>(0.01), std::make_shared<Adam>(0.01)},
        {std::make_shared<Nadam>(0.01), std::make_shared<Nadam>(0.01)},
    };
    for (auto& pair : pairs) {
        Tensor a = testing::variable_of(testing::kStart, float32), b = a.clone();
        pair[1]->build({b});
        for (const auto& g : testing::kGrads) {
            Tensor gradient = testing::variable_of(g, float32);
            pair[0]->apply_gradients({gradient}, {a});
            pair[1]->apply_planned({gradient}, {b});
        }
        EXPECT_EQ(testing::differing_elements(b, a), 0u) << pair[0]->class_name();
        EXPECT_EQ(pair[1]->iterations(), pair[0]->iterations()) << pair[0]->class_name();
    }
}

TEST(BaseOptimizerTest, ApplyPlannedRefusesUpdatesThatAreNotPlain) {
    EXPECT_TRUE(SGD(0.1).plain_updates());
    SGD clipped(0.1, {.clipnorm = 1.0});
    EXPECT_FALSE(clipped.plain_updates());
    Tensor v = testing::variable_of(testing::kStart, float32);
    clipped.build({v});
    EXPECT_THROW(clipped.apply_planned({v}, {v}), ValueError);
    EXPECT_FALSE(Adam(0.1, {.use_ema = true}).plain_updates());
    EXPECT_FALSE(Adam(0.1, {.gradient_accumulation_steps = 2}).plain_updates());
}

TEST(BaseOptimizerTest, LearningRateTakesANumberOrASchedule) {
    schedules::ExponentialDecay schedule(1e-3, {.decay_steps = 100, .decay_rate = 0.9});
    AdamW adamw(schedule, {.weight_decay = 1e-4});
    Adam adam(1e-3);
    SGD sgd;
    Adam shared(std::make_shared<schedules::CosineDecay>(0.1, schedules::CosineDecayOptions{.decay_steps = 10}));
    EXPECT_TRUE(adamw.learning_rate_schedule() != nullptr);
    EXPECT_FALSE(adam.learning_rate_schedule());
    EXPECT_DOUBLE_EQ(sgd.learning_rate(), 0.01);
    EXPECT_DOUBLE_EQ(adamw.learning_rate(), 1e-3);  // the schedule at step 0
    EXPECT_DOUBLE_EQ(shared.learning_rate(), 0.1);
    EXPECT_THROW(Adam{std::shared_ptr<schedules::CosineDecay>{}}, ValueError);
}

TEST(BaseOptimizerTest, ScheduledRateIsAppliedStepByStep) {
    // SGD with rate 0.1 * 0.5^step: each step uses the schedule at the step count before it.
    SGD sgd(schedules::ExponentialDecay(0.1, {.decay_steps = 1, .decay_rate = 0.5}));
    Tensor variable = variable_of(kStart);
    Values w = kStart;
    for (std::size_t t = 0; t < kGrads.size(); ++t) {
        EXPECT_DOUBLE_EQ(sgd.learning_rate(), 0.1 * std::pow(0.5, static_cast<double>(t)));
        sgd.apply_gradients({grad(t)}, {variable});
        for (std::size_t i = 0; i < w.size(); ++i) w[i] -= 0.1 * std::pow(0.5, static_cast<double>(t)) * kGrads[t][i];
        expect_values(variable, w, "step " + std::to_string(t + 1));
    }
    EXPECT_DOUBLE_EQ(sgd.learning_rate(), 0.1 * 0.125);
}

TEST(BaseOptimizerTest, ScheduledRateIsNotSettableAndSerializesAsKeras) {
    schedules::ExponentialDecay schedule(0.1, {.decay_steps = 10, .decay_rate = 0.5});
    Adam adam(schedule);
    // Keras: "This optimizer was created with a `LearningRateSchedule` object ... not settable."
    EXPECT_THROW(adam.set_learning_rate(0.5), TypeError);
    nlohmann::json lr = adam.get_config()["learning_rate"];
    EXPECT_EQ(lr["module"], "keras.optimizers.schedules");
    EXPECT_EQ(lr["class_name"], "ExponentialDecay");
    EXPECT_EQ(lr["config"], schedule.get_config());
    EXPECT_TRUE(lr["registered_name"].is_null());
    // A clone shares the schedule.
    EXPECT_EQ(adam.clone()->learning_rate_schedule(), adam.learning_rate_schedule());
}

TEST(BaseOptimizerTest, BaseKerasDefaults) {
    // Keras 3: use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
    // gradient_accumulation_steps=None.
    Adam adam;
    EXPECT_FALSE(adam.use_ema());
    EXPECT_DOUBLE_EQ(adam.ema_momentum(), 0.99);
    EXPECT_FALSE(adam.ema_overwrite_frequency() || adam.loss_scale_factor() || adam.gradient_accumulation_steps());
    nlohmann::json config = adam.get_config();
    EXPECT_EQ(config["use_ema"], false);
    EXPECT_EQ(config["ema_momentum"], 0.99);
    EXPECT_TRUE(config["ema_overwrite_frequency"].is_null());
    EXPECT_TRUE(config["gradient_accumulation_steps"].is_null());
    SGD accumulating(0.1, {.use_ema = true, .ema_overwrite_frequency = 3, .gradient_accumulation_steps = 4});
    EXPECT_EQ(accumulating.get_config()["gradient_accumulation_steps"], 4);
    EXPECT_EQ(accumulating.get_config()["ema_overwrite_frequency"], 3);
}

TEST(BaseOptimizerTest, BadBaseArgumentsAreValueErrors) {
    // Keras: "`gradient_accumulation_steps` must be an integer >= 2."
    EXPECT_THROW(SGD(0.1, {.gradient_accumulation_steps = 1}), ValueError);
    // Keras: "`ema_momentum` must be in the range [0, 1]." (checked only with use_ema)
    EXPECT_THROW(SGD(0.1, {.use_ema = true, .ema_momentum = 1.5}), ValueError);
    EXPECT_NO_THROW(SGD(0.1, {.ema_momentum = 1.5}));
    EXPECT_THROW(Adam(0.1, {.use_ema = true, .ema_overwrite_frequency = -2}), ValueError);
}

TEST(BaseOptimizerTest, GradientAccumulationAveragesAndAppliesEveryNSteps) {
    // SGD with momentum 0.5 and n = 2: calls 1 and 3 only accumulate; call 2 updates with (g1 + g2) / 2.
    SGD sgd(0.1, {.momentum = 0.5, .gradient_accumulation_steps = 2});
    Tensor variable = variable_of(kStart);
    sgd.apply_gradients({grad(0)}, {variable});
    expect_values(variable, kStart, "after call 1");
    EXPECT_EQ(sgd.iterations(), 0);  // Keras: iterations counts updates
    sgd.apply_gradients({grad(1)}, {variable});
    Values w = kStart, velocity(4);
    for (std::size_t i = 0; i < 4; ++i) {
        velocity[i] = -0.1 * (kGrads[0][i] + kGrads[1][i]) / 2;
        w[i] += velocity[i];
    }
    expect_values(variable, w, "after call 2");
    EXPECT_EQ(sgd.iterations(), 1);
    sgd.apply_gradients({grad(2)}, {variable});
    expect_values(variable, w, "after call 3");
    EXPECT_EQ(sgd.iterations(), 1);
    // The variables: iterations counts every call; the accumulator holds g3, the momentum is unchanged.
    std::vector<Tensor> vars = sgd.variables();
    ASSERT_EQ(vars.size(), 4u);  // iterations, learning_rate, gradient_accumulator, momentum
    EXPECT_EQ(vars[0].item<std::int64_t>(), 3);
    expect_values(vars[2], kGrads[2], "gradient_accumulator");
    expect_values(vars[3], velocity, "momentum");
}

TEST(BaseOptimizerTest, GradientAccumulationCountsAdamStepsInUpdates) {
    // Adam's bias correction uses `iterations` (updates): the one update is step 1 with the averaged gradient.
    Adam adam(0.01, {.gradient_accumulation_steps = 2});
    Tensor variable = variable_of(kStart);
    adam.apply_gradients({grad(0)}, {variable});
    adam.apply_gradients({grad(1)}, {variable});
    Values w = kStart, g(4);
    for (std::size_t i = 0; i < 4; ++i) g[i] = (kGrads[0][i] + kGrads[1][i]) / 2;
    testing::adam_reference(0.01)(w, g, 1);
    expect_values(variable, w, "after the first update");
}

TEST(BaseOptimizerTest, EmaTracksTheVariablesAndFinalizeSwapsItIn) {
    // average_1 = w_1 (momentum 0 on the first step), then average = 0.9 * average + 0.1 * w.
    SGD sgd(0.1, {.use_ema = true, .ema_momentum = 0.9});
    Tensor variable = variable_of(kStart);
    Values w = kStart, average(4);
    for (std::size_t t = 0; t < kGrads.size(); ++t) {
        sgd.apply_gradients({grad(t)}, {variable});
        for (std::size_t i = 0; i < 4; ++i) {
            w[i] -= 0.1 * kGrads[t][i];
            average[i] = t == 0 ? w[i] : 0.9 * average[i] + 0.1 * w[i];
        }
        expect_values(variable, w, "variable, step " + std::to_string(t + 1));  // no overwrite without a frequency
    }
    std::vector<Tensor> vars = sgd.variables();
    ASSERT_EQ(vars.size(), 3u);  // iterations, learning_rate, average
    expect_values(vars[2], average, "average");
    sgd.finalize_variable_values({variable});
    expect_values(variable, average, "after finalize_variable_values");
    Tensor stranger = variable_of(kStart);
    EXPECT_THROW(sgd.finalize_variable_values({stranger}), ValueError);
}

TEST(BaseOptimizerTest, EmaOverwritesEveryFrequencySteps) {
    // ema_overwrite_frequency 2: after the second step the variable takes its average.
    SGD sgd(0.1, {.use_ema = true, .ema_momentum = 0.5, .ema_overwrite_frequency = 2});
    Tensor variable = variable_of(kStart);
    Values w = kStart, average(4);
    for (std::size_t t = 0; t < 2; ++t) {
        sgd.apply_gradients({grad(t)}, {variable});
        for (std::size_t i = 0; i < 4; ++i) {
            w[i] -= 0.1 * kGrads[t][i];
            average[i] = t == 0 ? w[i] : 0.5 * average[i] + 0.5 * w[i];
        }
    }
    expect_values(variable, average, "after step 2");
}

TEST(BaseOptimizerTest, LossScaleFactorDividesTheGradients) {
    SGD sgd(0.1, {.loss_scale_factor = 4.0});
    Tensor variable = variable_of(kStart);
    sgd.apply_gradients({grad(0)}, {variable});
    Values w = kStart;
    for (std::size_t i = 0; i < 4; ++i) w[i] -= 0.1 * kGrads[0][i] / 4.0;
    expect_values(variable, w, "variable");
    expect_values(sgd.scale_loss(Tensor::scalar(2.0, float64)), {8.0}, "scaled loss");
}

TEST(BaseOptimizerTest, AdamVariablesAreInKerasOrder) {
    // Keras 3 (and the files it writes, optimizer/vars/<i>): iterations, learning_rate, then momentum and
    // velocity for each trainable variable in order.
    Adam adam(0.01);
    Tensor a = variable_of(kStart);
    Tensor b = Tensor::from_vector(Values{1.0, 2.0, 3.0});
    adam.apply_gradients({grad(0), Tensor::from_vector(Values{0.5, -0.5, 1.0})}, {a, b});
    std::vector<Tensor> vars = adam.variables();
    ASSERT_EQ(vars.size(), 6u);
    EXPECT_EQ(vars[0].dtype(), int64);
    EXPECT_EQ(vars[0].shape(), Shape{});
    EXPECT_EQ(vars[0].item<std::int64_t>(), 1);
    EXPECT_EQ(vars[1].dtype(), float32);
    EXPECT_EQ(vars[1].shape(), Shape{});
    EXPECT_FLOAT_EQ(vars[1].item<float>(), 0.01f);
    Values m_a(4), v_a(4);
    for (std::size_t i = 0; i < 4; ++i) {
        m_a[i] = 0.1 * kGrads[0][i];
        v_a[i] = 0.001 * kGrads[0][i] * kGrads[0][i];
    }
    expect_values(vars[2], m_a, "momentum of a");
    expect_values(vars[3], v_a, "velocity of a");
    expect_values(vars[4], {0.05, -0.05, 0.1}, "momentum of b");
    expect_values(vars[5], {0.00025, 0.00025, 0.001}, "velocity of b");
}

TEST(BaseOptimizerTest, WritingIntoVariablesRestoresTheState) {
    // The loader's path: build a fresh optimizer, write the saved values into variables(), go on; the next
    // update then equals the one the saved optimizer makes.
    Adam saved(0.01);
    Tensor a = variable_of(kStart);
    saved.apply_gradients({grad(0)}, {a});
    Adam restored(0.5);
    Tensor b = a.clone();
    restored.build({b});
    std::vector<Tensor> from = saved.variables(), into = restored.variables();
    ASSERT_EQ(from.size(), into.size());
    for (std::size_t i = 0; i < from.size(); ++i) {
        Tensor target = into[i];
        std::memcpy(target.raw_data(), from[i].raw_data(), static_cast<std::size_t>(from[i].numel()) *
                                                               (from[i].dtype() == float32 ? 4 : 8));
    }
    EXPECT_EQ(restored.iterations(), 1);
    EXPECT_FLOAT_EQ(static_cast<float>(restored.learning_rate()), 0.01f);
    saved.apply_gradients({grad(1)}, {a});
    restored.apply_gradients({grad(1)}, {b});
    std::vector<double> expected = a.to_vector<double>(), got = b.to_vector<double>();
    for (std::size_t i = 0; i < 4; ++i) EXPECT_NEAR(got[i], expected[i], 1e-7) << i;
    // Writing the learning rate alone changes the next step's rate.
    Tensor lr = restored.variables()[1];
    lr.data<float>()[0] = 0.25f;
    EXPECT_DOUBLE_EQ(restored.learning_rate(), 0.25);
}

TEST(BaseOptimizerTest, ScheduledOptimizerHasNoLearningRateVariable) {
    // Keras: optimizer/vars holds no learning_rate when it is a schedule (1 + 2 x variables for Adam).
    Adam adam(schedules::CosineDecay(0.1, {.decay_steps = 10}));
    Tensor a = variable_of(kStart);
    adam.build({a});
    std::vector<Tensor> vars = adam.variables();
    ASSERT_EQ(vars.size(), 3u);
    EXPECT_EQ(vars[0].dtype(), int64);
    EXPECT_EQ(vars[1].shape(), kShape);
}

TEST(BaseOptimizerTest, SlotKindsFollowKerasBuildOrder) {
    Tensor a = variable_of(kStart);
    Tensor b = Tensor::from_vector(Values{1.0, 2.0, 3.0});
    auto shapes = [](const Optimizer& optimizer) {
        std::vector<Shape> out;
        for (const Tensor& t : optimizer.variables()) out.push_back(t.shape());
        return out;
    };
    // Adam with amsgrad: m_a, v_a, m_b, v_b, then every velocity_hat.
    Adam adam(0.01, {.amsgrad = true});
    adam.build({a, b});
    EXPECT_EQ(shapes(adam), (std::vector<Shape>{{}, {}, kShape, kShape, {3}, {3}, kShape, {3}}));
    // RMSprop centered with momentum: every velocity, then every momentum, then every average_gradient.
    RMSprop rms(0.01, {.momentum = 0.5, .centered = true});
    rms.build({a, b});
    EXPECT_EQ(shapes(rms), (std::vector<Shape>{{}, {}, kShape, {3}, kShape, {3}, kShape, {3}}));
    // EMA and accumulation come first (BaseOptimizer.build), per variable: average, gradient_accumulator.
    SGD sgd(0.1, {.momentum = 0.9, .use_ema = true, .gradient_accumulation_steps = 2});
    sgd.build({a, b});
    EXPECT_EQ(shapes(sgd), (std::vector<Shape>{{}, {}, kShape, kShape, {3}, {3}, kShape, {3}}));
    // Nadam: u_product (a scalar of the first variable's dtype, starting at 1), then momentum and velocity.
    Nadam nadam(0.01);
    nadam.build({a, b});
    std::vector<Tensor> vars = nadam.variables();
    EXPECT_EQ(shapes(nadam), (std::vector<Shape>{{}, {}, {}, kShape, kShape, {3}, {3}}));
    EXPECT_DOUBLE_EQ(vars[2].item<double>(), 1.0);
    // SGD without momentum keeps no slot; building twice adds nothing.
    SGD plain(0.1);
    plain.build({a});
    plain.build({a});
    EXPECT_EQ(plain.variables().size(), 2u);
}

TEST(BaseOptimizerTest, AdagradAccumulatorStartsAtInitialValue) {
    // Keras 3: Adagrad's accumulators use Constant(initial_accumulator_value) (0.1 by default).
    Adagrad adagrad(0.01);
    Tensor a = variable_of(kStart);
    adagrad.build({a});
    std::vector<Tensor> vars = adagrad.variables();
    ASSERT_EQ(vars.size(), 3u);
    expect_values(vars[2], {0.1, 0.1, 0.1, 0.1}, "accumulator");
}

}  // namespace
}  // namespace strata::optimizers
