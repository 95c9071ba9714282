// Cosine schedules of Keras 3: CosineDecay with its optional linear warmup (Goyal et al., 2017) and
// CosineDecayRestarts (SGDR, Loshchilov and Hutter, 2016), from keras/src/optimizers/schedules/
// learning_rate_schedule.py.
#include <algorithm>
#include <cmath>
#include <numbers>

#include "check.hpp"
#include "strata/training/schedules.hpp"

namespace strata::optimizers::schedules {

namespace {

// Keras's CosineDecay._decay_function: from `decay_from` down to alpha * decay_from over decay_steps.
double cosine_decayed(double step, double decay_steps, double decay_from, double alpha) {
    double cosine = 0.5 * (1.0 + std::cos(std::numbers::pi * (step / decay_steps)));
    return decay_from * ((1 - alpha) * cosine + alpha);
}

}  // namespace

CosineDecay::CosineDecay(double initial_learning_rate, CosineDecayOptions options)
    : initial_learning_rate_(initial_learning_rate), options_(std::move(options)) {
    detail::check_positive("CosineDecay", "decay_steps", options_.decay_steps);
}

double CosineDecay::operator()(std::int64_t step) const {
    const double decay_steps = static_cast<double>(options_.decay_steps);
    double global_step = static_cast<double>(step);
    if (!options_.warmup_target)
        return cosine_decayed(std::min(global_step, decay_steps), decay_steps, initial_learning_rate_,
                              options_.alpha);
    const double target = *options_.warmup_target;
    const double warmup_steps = static_cast<double>(options_.warmup_steps);
    global_step = std::min(global_step, decay_steps + warmup_steps);
    if (global_step < warmup_steps)
        return (target - initial_learning_rate_) * (global_step / warmup_steps) + initial_learning_rate_;
    return cosine_decayed(global_step - warmup_steps, decay_steps, target, options_.alpha);
}

nlohmann::json CosineDecay::get_config() const {
    return {{"initial_learning_rate", initial_learning_rate_},
            {"decay_steps", options_.decay_steps},
            {"alpha", options_.alpha},
            {"name", options_.name},
            {"warmup_target", options_.warmup_target ? nlohmann::json(*options_.warmup_target) : nlohmann::json()},
            {"warmup_steps", options_.warmup_steps}};
}

CosineDecayRestarts::CosineDecayRestarts(double initial_learning_rate, CosineDecayRestartsOptions options)
    : initial_learning_rate_(initial_learning_rate), options_(std::move(options)) {
    detail::check_positive("CosineDecayRestarts", "first_decay_steps", options_.first_decay_steps);
}

double CosineDecayRestarts::operator()(std::int64_t step) const {
    const double t_mul = options_.t_mul, m_mul = options_.m_mul, alpha = options_.alpha;
    double completed_fraction = static_cast<double>(step) / static_cast<double>(options_.first_decay_steps);
    double i_restart;
    if (t_mul == 1.0) {
        // Periods of equal length: the restart index is the whole part of the completed fraction.
        i_restart = std::floor(completed_fraction);
        completed_fraction -= i_restart;
    } else {
        // Periods growing geometrically: period i starts at fraction (1 - t_mul^i) / (1 - t_mul).
        i_restart = std::floor(std::log(1.0 - completed_fraction * (1.0 - t_mul)) / std::log(t_mul));
        double sum_r = (1.0 - std::pow(t_mul, i_restart)) / (1.0 - t_mul);
        completed_fraction = (completed_fraction - sum_r) / std::pow(t_mul, i_restart);
    }
    double m_fac = std::pow(m_mul, i_restart);
    double cosine = 0.5 * m_fac * (1.0 + std::cos(std::numbers::pi * completed_fraction));
    return initial_learning_rate_ * ((1 - alpha) * cosine + alpha);
}

nlohmann::json CosineDecayRestarts::get_config() const {
    return {{"initial_learning_rate", initial_learning_rate_},
            {"first_decay_steps", options_.first_decay_steps},
            {"t_mul", options_.t_mul},
            {"m_mul", options_.m_mul},
            {"alpha", options_.alpha},
            {"name", options_.name}};
}

}  // namespace strata::optimizers::schedules
