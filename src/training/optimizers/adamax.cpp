#include "strata/training/optimizers/adamax.hpp"

#include <cmath>

#include "strata/ops/elementwise.hpp"

namespace strata::optimizers {

Adamax::Adamax(LearningRate learning_rate, AdamaxOptions options)
    : Optimizer(std::move(learning_rate), base_options(options)), options_(std::move(options)) {}

void Adamax::build_slots(const std::vector<Tensor>& variables) {
    // Keras's build order: momentum (m) and norm (u) per variable.
    for (const Tensor& v : variables) {
        slot(v, "momentum");
        slot(v, "norm");
    }
}

void Adamax::update_step(const Tensor& gradient, Tensor& variable, double learning_rate) {
    const double beta_1 = options_.beta_1;
    // Only the first moment is bias-corrected: the infinity norm has no bias towards zero.
    const double beta_1_power = std::pow(beta_1, static_cast<double>(iterations() + 1));

    Tensor& m = slot(variable, "momentum");
    Tensor& u = slot(variable, "norm");
    assign_add(m, (gradient - m) * (1 - beta_1));
    assign(u, ops::maximum(u * options_.beta_2, ops::abs(gradient)));
    assign_sub(variable, (m * learning_rate) / ((u + options_.epsilon) * (1 - beta_1_power)));
}

nlohmann::json Adamax::get_config() const {
    nlohmann::json config = Optimizer::get_config();
    config["beta_1"] = options_.beta_1;
    config["beta_2"] = options_.beta_2;
    config["epsilon"] = options_.epsilon;
    return config;
}

std::shared_ptr<Optimizer> Adamax::clone() const { return std::make_shared<Adamax>(learning_rate_spec(), options_); }

}  // namespace strata::optimizers
