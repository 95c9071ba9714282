// The step-wise decays of Keras 3: ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay and
// InverseTimeDecay (keras/src/optimizers/schedules/learning_rate_schedule.py).
#include <algorithm>
#include <cmath>

#include "check.hpp"
#include "strata/core/error.hpp"
#include "strata/training/schedules.hpp"

namespace strata::optimizers::schedules {

ExponentialDecay::ExponentialDecay(double initial_learning_rate, ExponentialDecayOptions options)
    : initial_learning_rate_(initial_learning_rate), options_(std::move(options)) {
    detail::check_positive("ExponentialDecay", "decay_steps", options_.decay_steps);
    detail::required("ExponentialDecay", "decay_rate", options_.decay_rate);
}

double ExponentialDecay::operator()(std::int64_t step) const {
    double p = static_cast<double>(step) / static_cast<double>(options_.decay_steps);
    if (options_.staircase) p = std::floor(p);
    return initial_learning_rate_ * std::pow(*options_.decay_rate, p);
}

nlohmann::json ExponentialDecay::get_config() const {
    return {{"initial_learning_rate", initial_learning_rate_},
            {"decay_steps", options_.decay_steps},
            {"decay_rate", *options_.decay_rate},
            {"staircase", options_.staircase},
            {"name", options_.name}};
}

namespace {

template <typename T>
std::string list_to_string(const std::vector<T>& values) {
    return nlohmann::json(values).dump();
}

}  // namespace

PiecewiseConstantDecay::PiecewiseConstantDecay(std::vector<std::int64_t> boundaries, std::vector<double> values,
                                               std::string name)
    : boundaries_(std::move(boundaries)), values_(std::move(values)), name_(std::move(name)) {
    if (boundaries_.size() + 1 != values_.size())
        throw ValueError("PiecewiseConstantDecay: the length of boundaries should be 1 less than the length of "
                         "values. Received: boundaries=" + list_to_string(boundaries_) + " of length " +
                         std::to_string(boundaries_.size()) + ", and values=" + list_to_string(values_) +
                         " of length " + std::to_string(values_.size()) + ".");
    // Keras fails on the first call (it reads boundaries[0]); refusing at construction names the schedule.
    if (boundaries_.empty())
        throw ValueError("PiecewiseConstantDecay: expected at least one boundary, got none");
}

double PiecewiseConstantDecay::operator()(std::int64_t step) const {
    // Keras sums one indicator per interval: (-inf, b0], (b0, b1], ..., (b_last, inf). With boundaries that do
    // not increase, several intervals can hold the step (or none), and their values add up, as in Keras.
    double result = 0.0;
    if (step <= boundaries_.front()) result += values_.front();
    if (step > boundaries_.back()) result += values_.back();
    for (std::size_t i = 0; i + 1 < boundaries_.size(); ++i)
        if (step > boundaries_[i] && step <= boundaries_[i + 1]) result += values_[i + 1];
    return result;
}

nlohmann::json PiecewiseConstantDecay::get_config() const {
    return {{"boundaries", boundaries_}, {"values", values_}, {"name", name_}};
}

PolynomialDecay::PolynomialDecay(double initial_learning_rate, PolynomialDecayOptions options)
    : initial_learning_rate_(initial_learning_rate), options_(std::move(options)) {
    detail::check_positive("PolynomialDecay", "decay_steps", options_.decay_steps);
}

double PolynomialDecay::operator()(std::int64_t step) const {
    double global_step = static_cast<double>(step);
    double decay_steps = static_cast<double>(options_.decay_steps);
    if (options_.cycle) {
        // The first multiple of decay_steps that is not below the step (one period at step 0).
        double multiplier = global_step == 0 ? 1.0 : std::ceil(global_step / decay_steps);
        decay_steps *= multiplier;
    } else {
        global_step = std::min(global_step, decay_steps);
    }
    double p = global_step / decay_steps;
    return (initial_learning_rate_ - options_.end_learning_rate) * std::pow(1 - p, options_.power) +
           options_.end_learning_rate;
}

nlohmann::json PolynomialDecay::get_config() const {
    return {{"initial_learning_rate", initial_learning_rate_},
            {"decay_steps", options_.decay_steps},
            {"end_learning_rate", options_.end_learning_rate},
            {"power", options_.power},
            {"cycle", options_.cycle},
            {"name", options_.name}};
}

InverseTimeDecay::InverseTimeDecay(double initial_learning_rate, InverseTimeDecayOptions options)
    : initial_learning_rate_(initial_learning_rate), options_(std::move(options)) {
    detail::check_positive("InverseTimeDecay", "decay_steps", options_.decay_steps);
    detail::required("InverseTimeDecay", "decay_rate", options_.decay_rate);
}

double InverseTimeDecay::operator()(std::int64_t step) const {
    double p = static_cast<double>(step) / options_.decay_steps;
    if (options_.staircase) p = std::floor(p);
    return initial_learning_rate_ / (1.0 + *options_.decay_rate * p);
}

nlohmann::json InverseTimeDecay::get_config() const {
    return {{"initial_learning_rate", initial_learning_rate_},
            {"decay_steps", options_.decay_steps},
            {"decay_rate", *options_.decay_rate},
            {"staircase", options_.staircase},
            {"name", options_.name}};
}

}  // namespace strata::optimizers::schedules
