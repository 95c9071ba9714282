// keras.optimizers.schedules: learning rates as functions of the optimizer's step count. An optimizer built
// with a schedule evaluates it at its iterations before each step (Keras's _get_current_learning_rate). The
// formulas, defaults, config keys and argument checks are Keras 3's
// (keras/src/optimizers/schedules/learning_rate_schedule.py); values are computed in double precision.
//
// Each schedule takes initial_learning_rate first and the rest as an options struct in Keras's keyword order:
//   ExponentialDecay(1e-3, {.decay_steps = 100, .decay_rate = 0.9})
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace strata::optimizers::schedules {

// The base of every schedule: a learning rate for each step count.
class LearningRateSchedule {
public:
    virtual ~LearningRateSchedule() = default;
    // The learning rate at `step` (the optimizer's iterations, counted from 0).
    virtual double operator()(std::int64_t step) const = 0;
    // Keras's class name: "ExponentialDecay", "CosineDecay"...
    virtual std::string class_name() const = 0;
    // Keras's get_config: the constructor's arguments by name.
    virtual nlohmann::json get_config() const = 0;
};

// Keras: ExponentialDecay(initial_learning_rate, decay_steps, decay_rate, staircase=False,
// name="ExponentialDecay"). decay_steps and decay_rate are required.
struct ExponentialDecayOptions {
    std::int64_t decay_steps = 0;  // must be > 0
    std::optional<double> decay_rate;
    bool staircase = false;
    std::string name = "ExponentialDecay";
};

// initial_learning_rate * decay_rate ^ (step / decay_steps); with staircase the exponent is floored.
class ExponentialDecay : public LearningRateSchedule {
public:
    // ValueError when decay_steps <= 0 or decay_rate is not given.
    ExponentialDecay(double initial_learning_rate, ExponentialDecayOptions options);
    double operator()(std::int64_t step) const override;
    std::string class_name() const override { return "ExponentialDecay"; }
    nlohmann::json get_config() const override;

private:
    double initial_learning_rate_;
    ExponentialDecayOptions options_;
};

// values[0] while step <= boundaries[0], values[i] while boundaries[i-1] < step <= boundaries[i], values.back()
// after the last boundary. Keras: PiecewiseConstantDecay(boundaries, values, name="PiecewiseConstant").
class PiecewiseConstantDecay : public LearningRateSchedule {
public:
    // ValueError unless values has exactly one more element than boundaries, as Keras.
    PiecewiseConstantDecay(std::vector<std::int64_t> boundaries, std::vector<double> values,
                           std::string name = "PiecewiseConstant");
    double operator()(std::int64_t step) const override;
    std::string class_name() const override { return "PiecewiseConstantDecay"; }
    nlohmann::json get_config() const override;

private:
    std::vector<std::int64_t> boundaries_;
    std::vector<double> values_;
    std::string name_;
};

// Keras: PolynomialDecay(initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0, cycle=False,
// name="PolynomialDecay").
struct PolynomialDecayOptions {
    std::int64_t decay_steps = 0;  // must be > 0
    double end_learning_rate = 0.0001;
    double power = 1.0;
    bool cycle = false;
    std::string name = "PolynomialDecay";
};

// (initial - end) * (1 - step / decay_steps) ^ power + end, with step capped at decay_steps; with cycle,
// decay_steps is stretched to the first multiple of itself that is >= step (1 at step 0).
class PolynomialDecay : public LearningRateSchedule {
public:
    // ValueError when decay_steps <= 0.
    PolynomialDecay(double initial_learning_rate, PolynomialDecayOptions options);
    double operator()(std::int64_t step) const override;
    std::string class_name() const override { return "PolynomialDecay"; }
    nlohmann::json get_config() const override;

private:
    double initial_learning_rate_;
    PolynomialDecayOptions options_;
};

// Keras: InverseTimeDecay(initial_learning_rate, decay_steps, decay_rate, staircase=False,
// name="InverseTimeDecay"). Keras lets decay_steps be a float ("how often to apply decay").
struct InverseTimeDecayOptions {
    double decay_steps = 0.0;  // must be > 0
    std::optional<double> decay_rate;
    bool staircase = false;
    std::string name = "InverseTimeDecay";
};

// initial_learning_rate / (1 + decay_rate * step / decay_steps); with staircase the ratio is floored.
class InverseTimeDecay : public LearningRateSchedule {
public:
    // ValueError when decay_steps <= 0 or decay_rate is not given.
    InverseTimeDecay(double initial_learning_rate, InverseTimeDecayOptions options);
    double operator()(std::int64_t step) const override;
    std::string class_name() const override { return "InverseTimeDecay"; }
    nlohmann::json get_config() const override;

private:
    double initial_learning_rate_;
    InverseTimeDecayOptions options_;
};

// Keras: CosineDecay(initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay", warmup_target=None,
// warmup_steps=0).
struct CosineDecayOptions {
    std::int64_t decay_steps = 0;  // must be > 0
    double alpha = 0.0;
    std::string name = "CosineDecay";
    std::optional<double> warmup_target;
    std::int64_t warmup_steps = 0;
};

// SGDR's cosine (Loshchilov and Hutter, 2016) with Goyal et al.'s linear warmup. Without warmup_target:
// initial * ((1 - alpha) * 0.5 * (1 + cos(pi * min(step, decay_steps) / decay_steps)) + alpha). With it, the
// rate rises linearly from initial to warmup_target over warmup_steps, then decays from warmup_target the same
// way over decay_steps.
class CosineDecay : public LearningRateSchedule {
public:
    // ValueError when decay_steps <= 0.
    CosineDecay(double initial_learning_rate, CosineDecayOptions options);
    double operator()(std::int64_t step) const override;
    std::string class_name() const override { return "CosineDecay"; }
    nlohmann::json get_config() const override;

private:
    double initial_learning_rate_;
    CosineDecayOptions options_;
};

// Keras: CosineDecayRestarts(initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0,
// name="SGDRDecay").
struct CosineDecayRestartsOptions {
    std::int64_t first_decay_steps = 0;  // must be > 0
    double t_mul = 2.0;
    double m_mul = 1.0;
    double alpha = 0.0;
    std::string name = "SGDRDecay";
};

// SGDR with warm restarts: the i-th period lasts first_decay_steps * t_mul^i steps and starts from
// initial * m_mul^i; within a period the rate follows CosineDecay's curve down to alpha times its start.
class CosineDecayRestarts : public LearningRateSchedule {
public:
    // ValueError when first_decay_steps <= 0.
    CosineDecayRestarts(double initial_learning_rate, CosineDecayRestartsOptions options);
    double operator()(std::int64_t step) const override;
    std::string class_name() const override { return "CosineDecayRestarts"; }
    nlohmann::json get_config() const override;

private:
    double initial_learning_rate_;
    CosineDecayRestartsOptions options_;
};

// Keras's schedules.serialize: {"module": "keras.optimizers.schedules", "class_name": ..., "config": ...,
// "registered_name": null}.
nlohmann::json serialize(const LearningRateSchedule& schedule);
// Keras's schedules.deserialize for the built-in schedules (the form serialize writes, or just class_name and
// config); ValueError naming an unknown class.
std::shared_ptr<LearningRateSchedule> deserialize(const nlohmann::json& config);

}  // namespace strata::optimizers::schedules
