#include "strata/training/optimizers/adagrad.hpp"

#include "initial_accumulator.hpp"
#include "strata/ops/elementwise.hpp"

namespace strata::optimizers {

Adagrad::Adagrad(double learning_rate, AdagradOptions options)
    : Optimizer(learning_rate, base_options(options)), options_(std::move(options)) {}

void Adagrad::update_step(const Tensor& gradient, Tensor& variable, double learning_rate) {
    Tensor& accumulator = slot(variable, "accumulator");
    if (options_.initial_accumulator_value != 0.0)
        assign(accumulator, started_accumulator(accumulator, options_.initial_accumulator_value));
    assign_add(accumulator, ops::square(gradient));
    assign_sub(variable, (gradient * learning_rate) / ops::sqrt(accumulator + options_.epsilon));
}

nlohmann::json Adagrad::get_config() const {
    nlohmann::json config = Optimizer::get_config();
    config["initial_accumulator_value"] = options_.initial_accumulator_value;
    config["epsilon"] = options_.epsilon;
    return config;
}

std::shared_ptr<Optimizer> Adagrad::clone() const { return std::make_shared<Adagrad>(learning_rate(), options_); }

}  // namespace strata::optimizers
