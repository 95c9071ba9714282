#include "strata/training/optimizers/ftrl.hpp"

#include <sstream>

#include "strata/core/error.hpp"
#include "strata/ops/elementwise.hpp"

namespace strata::optimizers {

namespace {

void check(bool ok, const char* requirement, const char* argument, double value) {
    if (ok) return;
    std::ostringstream message;
    message << "Ftrl: `" << argument << "` needs to be " << requirement << ". Received: " << argument << "="
            << value << ".";
    throw ValueError(message.str());
}

}  // namespace

Ftrl::Ftrl(LearningRate learning_rate, FtrlOptions options)
    : Optimizer(std::move(learning_rate), base_options(options)), options_(std::move(options)) {
    check(options_.initial_accumulator_value >= 0.0, "positive or zero", "initial_accumulator_value",
          options_.initial_accumulator_value);
    check(options_.learning_rate_power <= 0.0, "negative or zero", "learning_rate_power",
          options_.learning_rate_power);
    check(options_.l1_regularization_strength >= 0.0, "positive or zero", "l1_regularization_strength",
          options_.l1_regularization_strength);
    check(options_.l2_regularization_strength >= 0.0, "positive or zero", "l2_regularization_strength",
          options_.l2_regularization_strength);
    check(options_.l2_shrinkage_regularization_strength >= 0.0, "positive or zero",
          "l2_shrinkage_regularization_strength", options_.l2_shrinkage_regularization_strength);
}

void Ftrl::build_slots(const std::vector<Tensor>& variables) {
    // Keras's build order: accumulator (starting at initial_accumulator_value) and linear per variable.
    for (const Tensor& v : variables) {
        slot(v, "accumulator", options_.initial_accumulator_value);
        slot(v, "linear");
    }
}

void Ftrl::update_step(const Tensor& gradient, Tensor& variable, double learning_rate) {
    const double power = -options_.learning_rate_power;
    const double l1 = options_.l1_regularization_strength;
    const double l2 = options_.l2_regularization_strength + options_.beta / (2.0 * learning_rate);

    Tensor& accum = slot(variable, "accumulator", options_.initial_accumulator_value);
    Tensor& linear = slot(variable, "linear");

    // Shrinkage enters the linear term only; the accumulator sees the raw gradient.
    Tensor grad_to_use = gradient + variable * (2 * options_.l2_shrinkage_regularization_strength);
    Tensor new_accum = accum + ops::square(gradient);
    assign_add(linear,
               grad_to_use - ((ops::power(new_accum, power) - ops::power(accum, power)) / learning_rate) * variable);
    Tensor quadratic = ops::power(new_accum, power) / learning_rate + 2 * l2;
    // The closed-form argmin of the regularized linear model: zero where |linear| <= l1 (the L1 sparsity).
    assign(variable, (ops::clip(linear, -l1, l1) - linear) / quadratic);
    assign(accum, new_accum);
}

nlohmann::json Ftrl::get_config() const {
    nlohmann::json config = Optimizer::get_config();
    config["learning_rate_power"] = options_.learning_rate_power;
    config["initial_accumulator_value"] = options_.initial_accumulator_value;
    config["l1_regularization_strength"] = options_.l1_regularization_strength;
    config["l2_regularization_strength"] = options_.l2_regularization_strength;
    config["l2_shrinkage_regularization_strength"] = options_.l2_shrinkage_regularization_strength;
    config["beta"] = options_.beta;
    return config;
}

std::shared_ptr<Optimizer> Ftrl::clone() const { return std::make_shared<Ftrl>(learning_rate_spec(), options_); }

}  // namespace strata::optimizers
