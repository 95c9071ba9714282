#include "strata/training/optimizers/rmsprop.hpp"

#include "backend/cpu/optimizer_updates.hpp"
#include "strata/ops/elementwise.hpp"

namespace strata::optimizers {

RMSprop::RMSprop(LearningRate learning_rate, RMSpropOptions options)
    : Optimizer(std::move(learning_rate), base_options(options)), options_(std::move(options)) {}

void RMSprop::build_slots(const std::vector<Tensor>& variables) {
    // Keras's build order: every velocity, then every momentum (momentum > 0), then every average_gradient
    // (centered).
    for (const Tensor& v : variables) slot(v, "velocity");
    if (options_.momentum > 0)
        for (const Tensor& v : variables) slot(v, "momentum");
    if (options_.centered)
        for (const Tensor& v : variables) slot(v, "average_gradient");
}

void RMSprop::update_step(const Tensor& gradient, Tensor& variable, double learning_rate) {
    const double rho = options_.rho;
    Tensor& velocity = slot(variable, "velocity");
    Tensor* momentum = options_.momentum > 0 ? &slot(variable, "momentum") : nullptr;
    Tensor* average_grad = options_.centered ? &slot(variable, "average_gradient") : nullptr;

    // The plain update on the CPU in float32: one fused pass, the same numbers as the ops below.
    if (!momentum && !average_grad && fusable_on_cpu(gradient, variable, {&velocity})) {
        backend::cpu::rmsprop_update(variable.data<float>(), velocity.data<float>(), gradient.data<float>(),
                                     variable.numel(), static_cast<float>(learning_rate), static_cast<float>(rho),
                                     static_cast<float>(1 - rho), static_cast<float>(options_.epsilon));
        return;
    }
    assign(velocity, rho * velocity + (1 - rho) * ops::square(gradient));
    Tensor denominator;
    if (average_grad) {
        assign(*average_grad, rho * *average_grad + (1 - rho) * gradient);
        denominator = velocity - ops::square(*average_grad) + options_.epsilon;
    } else {
        denominator = velocity + options_.epsilon;
    }
    // Keras keeps epsilon inside the square root.
    Tensor increment = learning_rate * gradient / ops::sqrt(denominator);
    if (momentum) {
        assign(*momentum, options_.momentum * *momentum + increment);
        assign_sub(variable, *momentum);
    } else {
        assign_sub(variable, increment);
    }
}

nlohmann::json RMSprop::get_config() const {
    nlohmann::json config = Optimizer::get_config();
    config["rho"] = options_.rho;
    config["momentum"] = options_.momentum;
    config["epsilon"] = options_.epsilon;
    config["centered"] = options_.centered;
    return config;
}

std::shared_ptr<Optimizer> RMSprop::clone() const { return std::make_shared<RMSprop>(learning_rate_spec(), options_); }

}  // namespace strata::optimizers
