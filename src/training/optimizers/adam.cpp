#include "strata/training/optimizers/adam.hpp"

#include <cmath>

#include "backend/cpu/optimizer_updates.hpp"
#include "strata/ops/elementwise.hpp"

namespace strata::optimizers {

Adam::Adam(LearningRate learning_rate, AdamOptions options)
    : Optimizer(std::move(learning_rate), base_options(options)), options_(std::move(options)) {}

void Adam::build_slots(const std::vector<Tensor>& variables) {
    // Keras's build order: momentum and velocity per variable, then (amsgrad) every velocity_hat.
    for (const Tensor& v : variables) {
        slot(v, "momentum");
        slot(v, "velocity");
    }
    if (options_.amsgrad)
        for (const Tensor& v : variables) slot(v, "velocity_hat");
}

void Adam::update_step(const Tensor& gradient, Tensor& variable, double learning_rate) {
    const double beta_1 = options_.beta_1, beta_2 = options_.beta_2;
    // The step being taken, counted from 1: the bias corrections of both moments fold into one step size.
    const double local_step = static_cast<double>(iterations() + 1);
    const double beta_1_power = std::pow(beta_1, local_step), beta_2_power = std::pow(beta_2, local_step);
    const double alpha = learning_rate * std::sqrt(1 - beta_2_power) / (1 - beta_1_power);

    Tensor& m = slot(variable, "momentum");
    Tensor& v = slot(variable, "velocity");
    // Without amsgrad, on the CPU in float32: one fused pass, the same numbers as the ops below.
    if (!options_.amsgrad && fusable_on_cpu(gradient, variable, {&m, &v})) {
        backend::cpu::adam_update(variable.data<float>(), m.data<float>(), v.data<float>(), gradient.data<float>(),
                                  variable.numel(), static_cast<float>(alpha), static_cast<float>(1 - beta_1),
                                  static_cast<float>(1 - beta_2), static_cast<float>(options_.epsilon));
        return;
    }
    assign_add(m, (gradient - m) * (1 - beta_1));
    assign_add(v, (ops::square(gradient) - v) * (1 - beta_2));
    Tensor second_moment = v;
    if (options_.amsgrad) {
        Tensor& v_hat = slot(variable, "velocity_hat");
        assign(v_hat, ops::maximum(v_hat, v));
        second_moment = v_hat;
    }
    assign_sub(variable, m * alpha / (ops::sqrt(second_moment) + options_.epsilon));
}

nlohmann::json Adam::get_config() const {
    nlohmann::json config = Optimizer::get_config();
    config["beta_1"] = options_.beta_1;
    config["beta_2"] = options_.beta_2;
    config["epsilon"] = options_.epsilon;
    config["amsgrad"] = options_.amsgrad;
    return config;
}

std::shared_ptr<Optimizer> Adam::clone() const { return std::make_shared<Adam>(learning_rate_spec(), options_); }

}  // namespace strata::optimizers
