// The learning-rate schedules against Keras 3's formulas written out by hand, their defaults, configs and
// argument checks (keras/src/optimizers/schedules/learning_rate_schedule.py).
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include <strata/strata.hpp>

#include "strata/core/error.hpp"
#include "strata/training/schedules.hpp"

namespace strata::optimizers::schedules {
namespace {

constexpr double kPi = std::numbers::pi;

TEST(SchedulesTest, ExponentialDecayFollowsTheFormula) {
    ExponentialDecay schedule(0.1, {.decay_steps = 10, .decay_rate = 0.5});
    for (std::int64_t step : {0, 1, 5, 10, 15, 37})
        EXPECT_NEAR(schedule(step), 0.1 * std::pow(0.5, step / 10.0), 1e-15) << "step " << step;
}

TEST(SchedulesTest, ExponentialDecayStaircaseFloorsTheExponent) {
    ExponentialDecay schedule(0.1, {.decay_steps = 10, .decay_rate = 0.5, .staircase = true});
    EXPECT_DOUBLE_EQ(schedule(0), 0.1);
    EXPECT_DOUBLE_EQ(schedule(9), 0.1);
    EXPECT_DOUBLE_EQ(schedule(10), 0.05);
    EXPECT_DOUBLE_EQ(schedule(29), 0.025);
}

TEST(SchedulesTest, ExponentialDecayConfigAndDefaults) {
    // Keras 3: ExponentialDecay(initial_learning_rate, decay_steps, decay_rate, staircase=False,
    // name="ExponentialDecay").
    ExponentialDecay schedule(1e-3, {.decay_steps = 100, .decay_rate = 0.9});
    EXPECT_EQ(schedule.class_name(), "ExponentialDecay");
    nlohmann::json expected = {{"initial_learning_rate", 1e-3}, {"decay_steps", 100}, {"decay_rate", 0.9},
                               {"staircase", false},           {"name", "ExponentialDecay"}};
    EXPECT_EQ(schedule.get_config(), expected);
}

TEST(SchedulesTest, PiecewiseConstantDecayIntervalsIncludeTheirUpperBoundary) {
    // Keras: values[0] while step <= boundaries[0], values[1] while boundaries[0] < step <= boundaries[1]...
    PiecewiseConstantDecay schedule({10, 20}, {1.0, 0.5, 0.1});
    EXPECT_DOUBLE_EQ(schedule(0), 1.0);
    EXPECT_DOUBLE_EQ(schedule(10), 1.0);
    EXPECT_DOUBLE_EQ(schedule(11), 0.5);
    EXPECT_DOUBLE_EQ(schedule(20), 0.5);
    EXPECT_DOUBLE_EQ(schedule(21), 0.1);
    EXPECT_DOUBLE_EQ(schedule(1000), 0.1);
    // Keras 3: PiecewiseConstantDecay(boundaries, values, name="PiecewiseConstant").
    nlohmann::json expected = {{"boundaries", {10, 20}}, {"values", {1.0, 0.5, 0.1}}, {"name", "PiecewiseConstant"}};
    EXPECT_EQ(schedule.get_config(), expected);
    EXPECT_EQ(schedule.class_name(), "PiecewiseConstantDecay");
}

TEST(SchedulesTest, PolynomialDecayFollowsTheFormula) {
    PolynomialDecay schedule(0.1, {.decay_steps = 10, .end_learning_rate = 0.01, .power = 0.5});
    for (std::int64_t step : {0, 3, 10, 25}) {
        double s = std::min<double>(step, 10);
        EXPECT_NEAR(schedule(step), (0.1 - 0.01) * std::pow(1 - s / 10, 0.5) + 0.01, 1e-15) << "step " << step;
    }
}

TEST(SchedulesTest, PolynomialDecayCycleStretchesDecaySteps) {
    PolynomialDecay schedule(0.1, {.decay_steps = 10, .end_learning_rate = 0.0, .power = 1.0, .cycle = true});
    auto by_hand = [](double step) {
        double decay_steps = 10 * (step == 0 ? 1.0 : std::ceil(step / 10));
        return 0.1 * (1 - step / decay_steps);
    };
    for (std::int64_t step : {0, 5, 10, 11, 15, 20, 27}) EXPECT_NEAR(schedule(step), by_hand(step), 1e-15) << step;
    EXPECT_NEAR(schedule(10), 0.0, 1e-15);  // the end of a period reaches the end rate
    EXPECT_NEAR(schedule(15), 0.1 * 0.25, 1e-15);
}

TEST(SchedulesTest, PolynomialDecayConfigAndDefaults) {
    // Keras 3: PolynomialDecay(initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
    // cycle=False, name="PolynomialDecay").
    PolynomialDecay schedule(0.1, {.decay_steps = 10});
    nlohmann::json expected = {{"initial_learning_rate", 0.1}, {"decay_steps", 10}, {"end_learning_rate", 0.0001},
                               {"power", 1.0},                 {"cycle", false},    {"name", "PolynomialDecay"}};
    EXPECT_EQ(schedule.get_config(), expected);
}

TEST(SchedulesTest, InverseTimeDecayFollowsTheFormula) {
    InverseTimeDecay smooth(0.1, {.decay_steps = 1.0, .decay_rate = 0.5});
    InverseTimeDecay stairs(0.1, {.decay_steps = 4.0, .decay_rate = 0.5, .staircase = true});
    for (std::int64_t step : {0, 1, 3, 4, 9}) {
        EXPECT_NEAR(smooth(step), 0.1 / (1 + 0.5 * step), 1e-15) << step;
        EXPECT_NEAR(stairs(step), 0.1 / (1 + 0.5 * std::floor(step / 4.0)), 1e-15) << step;
    }
    // Keras 3: InverseTimeDecay(initial_learning_rate, decay_steps, decay_rate, staircase=False,
    // name="InverseTimeDecay").
    nlohmann::json expected = {{"initial_learning_rate", 0.1}, {"decay_steps", 1.0}, {"decay_rate", 0.5},
                               {"staircase", false},           {"name", "InverseTimeDecay"}};
    EXPECT_EQ(smooth.get_config(), expected);
}

TEST(SchedulesTest, CosineDecayFollowsTheFormula) {
    CosineDecay schedule(0.1, {.decay_steps = 10, .alpha = 0.1});
    for (std::int64_t step : {0, 2, 5, 10, 30}) {
        double s = std::min<double>(step, 10);
        double decayed = (1 - 0.1) * 0.5 * (1 + std::cos(kPi * s / 10)) + 0.1;
        EXPECT_NEAR(schedule(step), 0.1 * decayed, 1e-15) << step;
    }
}

TEST(SchedulesTest, CosineDecayWarmsUpLinearlyThenDecaysFromTheTarget) {
    CosineDecay schedule(0.0, {.decay_steps = 10, .warmup_target = 0.2, .warmup_steps = 4});
    EXPECT_NEAR(schedule(0), 0.0, 1e-15);
    EXPECT_NEAR(schedule(1), 0.05, 1e-15);
    EXPECT_NEAR(schedule(3), 0.15, 1e-15);
    for (std::int64_t step : {4, 6, 9, 14, 40}) {
        double s = std::min<double>(step, 14) - 4;
        EXPECT_NEAR(schedule(step), 0.2 * 0.5 * (1 + std::cos(kPi * s / 10)), 1e-15) << step;
    }
}

TEST(SchedulesTest, CosineDecayConfigAndDefaults) {
    // Keras 3: CosineDecay(initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
    // warmup_target=None, warmup_steps=0).
    CosineDecay schedule(0.1, {.decay_steps = 10});
    nlohmann::json expected = {{"initial_learning_rate", 0.1}, {"decay_steps", 10},   {"alpha", 0.0},
                               {"name", "CosineDecay"},        {"warmup_target", nullptr}, {"warmup_steps", 0}};
    EXPECT_EQ(schedule.get_config(), expected);
}

TEST(SchedulesTest, CosineDecayRestartsWithGrowingPeriods) {
    // first_decay_steps 10, t_mul 2: periods [0, 10), [10, 30), [30, 70); m_mul 0.5 halves each restart.
    CosineDecayRestarts schedule(0.1, {.first_decay_steps = 10, .t_mul = 2.0, .m_mul = 0.5, .alpha = 0.0});
    auto by_hand = [](double start, double length, double factor, double step) {
        return 0.1 * factor * 0.5 * (1 + std::cos(kPi * (step - start) / length));
    };
    for (std::int64_t step : {0, 4, 9}) EXPECT_NEAR(schedule(step), by_hand(0, 10, 1.0, step), 1e-12) << step;
    for (std::int64_t step : {10, 17, 29}) EXPECT_NEAR(schedule(step), by_hand(10, 20, 0.5, step), 1e-12) << step;
    for (std::int64_t step : {31, 50}) EXPECT_NEAR(schedule(step), by_hand(30, 40, 0.25, step), 1e-12) << step;
    EXPECT_NEAR(schedule(10), 0.05, 1e-12);  // the restart jumps back up
}

TEST(SchedulesTest, CosineDecayRestartsWithEqualPeriods) {
    CosineDecayRestarts schedule(0.1, {.first_decay_steps = 4, .t_mul = 1.0, .alpha = 0.2});
    for (std::int64_t step : {0, 1, 3, 4, 6, 9}) {
        double fraction = (step % 4) / 4.0;
        double cosine = 0.5 * (1 + std::cos(kPi * fraction));
        EXPECT_NEAR(schedule(step), 0.1 * ((1 - 0.2) * cosine + 0.2), 1e-12) << step;
    }
}

TEST(SchedulesTest, CosineDecayRestartsConfigAndDefaults) {
    // Keras 3: CosineDecayRestarts(initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0,
    // name="SGDRDecay").
    CosineDecayRestarts schedule(0.1, {.first_decay_steps = 10});
    nlohmann::json expected = {{"initial_learning_rate", 0.1}, {"first_decay_steps", 10}, {"t_mul", 2.0},
                               {"m_mul", 1.0},                 {"alpha", 0.0},            {"name", "SGDRDecay"}};
    EXPECT_EQ(schedule.get_config(), expected);
}

TEST(SchedulesTest, BadArgumentsAreValueErrors) {
    // Keras: "Argument `decay_steps` must be > 0."
    EXPECT_THROW(ExponentialDecay(0.1, {.decay_steps = 0, .decay_rate = 0.9}), ValueError);
    EXPECT_THROW(ExponentialDecay(0.1, {.decay_steps = 10}), ValueError);  // decay_rate is required
    EXPECT_THROW(PolynomialDecay(0.1, {.decay_steps = -1}), ValueError);
    EXPECT_THROW(InverseTimeDecay(0.1, {.decay_steps = 0.0, .decay_rate = 0.5}), ValueError);
    EXPECT_THROW(CosineDecay(0.1, {}), ValueError);
    EXPECT_THROW(CosineDecayRestarts(0.1, {}), ValueError);
    // Keras: "The length of boundaries should be 1 less than the length of values."
    EXPECT_THROW(PiecewiseConstantDecay({10, 20}, {1.0, 0.5}), ValueError);
    try {
        ExponentialDecay(0.1, {.decay_steps = 0, .decay_rate = 0.9});
    } catch (const ValueError& e) {
        std::string message = e.what();
        EXPECT_NE(message.find("ExponentialDecay"), std::string::npos) << message;
        EXPECT_NE(message.find("decay_steps"), std::string::npos) << message;
    }
}

TEST(SchedulesTest, SerializeIsKerasForm) {
    ExponentialDecay schedule(0.1, {.decay_steps = 10, .decay_rate = 0.5});
    nlohmann::json serialized = serialize(schedule);
    EXPECT_EQ(serialized["module"], "keras.optimizers.schedules");
    EXPECT_EQ(serialized["class_name"], "ExponentialDecay");
    EXPECT_EQ(serialized["config"], schedule.get_config());
    EXPECT_TRUE(serialized.contains("registered_name") && serialized["registered_name"].is_null());
    auto back = deserialize(serialized);
    EXPECT_EQ(back->class_name(), "ExponentialDecay");
    EXPECT_EQ(back->get_config(), schedule.get_config());
    CosineDecay cosine(0.0, {.decay_steps = 10, .warmup_target = 0.2, .warmup_steps = 4});
    EXPECT_EQ(deserialize(serialize(cosine))->get_config(), cosine.get_config());
    EXPECT_THROW(deserialize({{"class_name", "NoSuchDecay"}, {"config", nlohmann::json::object()}}), ValueError);
}

}  // namespace
}  // namespace strata::optimizers::schedules
