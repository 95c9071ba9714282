#include "strata/training/optimizers/adagrad.hpp"

#include "strata/ops/elementwise.hpp"

namespace strata::optimizers {

Adagrad::Adagrad(LearningRate learning_rate, AdagradOptions options)
    : Optimizer(std::move(learning_rate), base_options(options)), options_(std::move(options)) {}

void Adagrad::build_slots(const std::vector<Tensor>& variables) {
    // Keras: one accumulator per variable, starting at initial_accumulator_value (a Constant initializer).
    for (const Tensor& v : variables) slot(v, "accumulator", options_.initial_accumulator_value);
}

void Adagrad::update_step(const Tensor& gradient, Tensor& variable, double learning_rate) {
    Tensor& accumulator = slot(variable, "accumulator", options_.initial_accumulator_value);
    assign_add(accumulator, ops::square(gradient));
    assign_sub(variable, (gradient * learning_rate) / ops::sqrt(accumulator + options_.epsilon));
}

nlohmann::json Adagrad::get_config() const {
    nlohmann::json config = Optimizer::get_config();
    config["initial_accumulator_value"] = options_.initial_accumulator_value;
    config["epsilon"] = options_.epsilon;
    return config;
}

std::shared_ptr<Optimizer> Adagrad::clone() const { return std::make_shared<Adagrad>(learning_rate_spec(), options_); }

}  // namespace strata::optimizers
