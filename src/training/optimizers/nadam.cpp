#include "strata/training/optimizers/nadam.hpp"

#include <cmath>

#include "strata/ops/elementwise.hpp"

namespace strata::optimizers {

namespace {

// Dozat's momentum schedule: beta_1 warmed up by a factor 1 - 0.5 * 0.96^step.
double momentum_at(double beta_1, std::int64_t step) {
    return beta_1 * (1.0 - 0.5 * std::pow(0.96, static_cast<double>(step)));
}

}  // namespace

Nadam::Nadam(double learning_rate, NadamOptions options)
    : Optimizer(learning_rate, base_options(options)), options_(std::move(options)) {}

double Nadam::u_product(std::int64_t step) {
    if (step < u_product_step_) {
        u_product_step_ = 0;
        u_product_ = 1.0;
    }
    while (u_product_step_ < step) u_product_ *= momentum_at(options_.beta_1, ++u_product_step_);
    return u_product_;
}

void Nadam::update_step(const Tensor& gradient, Tensor& variable, double learning_rate) {
    const double beta_1 = options_.beta_1, beta_2 = options_.beta_2;
    const std::int64_t local_step = iterations() + 1;
    const double u_t = momentum_at(beta_1, local_step);
    const double u_t_1 = momentum_at(beta_1, local_step + 1);
    const double u_product_t = u_product(local_step);
    const double u_product_t_1 = u_product_t * u_t_1;
    const double beta_2_power = std::pow(beta_2, static_cast<double>(local_step));

    Tensor& m = slot(variable, "momentum");
    Tensor& v = slot(variable, "velocity");
    assign_add(m, (gradient - m) * (1 - beta_1));
    assign_add(v, (ops::square(gradient) - v) * (1 - beta_2));
    // The Nesterov look-ahead: the next step's momentum on m plus this step's share of the raw gradient.
    Tensor m_hat = (m * u_t_1) / (1 - u_product_t_1) + (gradient * (1 - u_t)) / (1 - u_product_t);
    Tensor v_hat = v / (1 - beta_2_power);
    assign_sub(variable, (m_hat * learning_rate) / (ops::sqrt(v_hat) + options_.epsilon));
}

nlohmann::json Nadam::get_config() const {
    nlohmann::json config = Optimizer::get_config();
    config["beta_1"] = options_.beta_1;
    config["beta_2"] = options_.beta_2;
    config["epsilon"] = options_.epsilon;
    return config;
}

std::shared_ptr<Optimizer> Nadam::clone() const { return std::make_shared<Nadam>(learning_rate(), options_); }

}  // namespace strata::optimizers
