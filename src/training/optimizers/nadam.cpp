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

Nadam::Nadam(LearningRate learning_rate, NadamOptions options)
    : Optimizer(std::move(learning_rate), base_options(options)), options_(std::move(options)) {}

void Nadam::build_slots(const std::vector<Tensor>& variables) {
    // Keras 3's build (the releases whose files strata reads): u_product = 1 in the first variable's dtype,
    // created once, then momentum and velocity per variable.
    if (!optimizer_variable("u_product").defined()) {
        DType dtype = variables.empty() || variables.front().dtype() != float64 ? float32 : float64;
        add_variable("u_product", Tensor::full({}, 1.0, dtype, Device::cpu()));
    }
    for (const Tensor& v : variables) {
        slot(v, "momentum");
        slot(v, "velocity");
    }
}

void Nadam::update_steps(const std::vector<Tensor>& grads, const std::vector<Tensor>& variables,
                         double learning_rate) {
    Tensor u_product = optimizer_variable("u_product");
    set_scalar_value(u_product, scalar_value(u_product) * momentum_at(options_.beta_1, iterations() + 1));
    Optimizer::update_steps(grads, variables, learning_rate);
}

void Nadam::update_step(const Tensor& gradient, Tensor& variable, double learning_rate) {
    const double beta_1 = options_.beta_1, beta_2 = options_.beta_2;
    const std::int64_t local_step = iterations() + 1;
    const double u_t = momentum_at(beta_1, local_step);
    const double u_t_1 = momentum_at(beta_1, local_step + 1);
    const double u_product_t = scalar_value(optimizer_variable("u_product"));
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

std::shared_ptr<Optimizer> Nadam::clone() const { return std::make_shared<Nadam>(learning_rate_spec(), options_); }

}  // namespace strata::optimizers
