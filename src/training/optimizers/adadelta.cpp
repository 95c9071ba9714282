#include "strata/training/optimizers/adadelta.hpp"

#include "strata/ops/elementwise.hpp"

namespace strata::optimizers {

Adadelta::Adadelta(LearningRate learning_rate, AdadeltaOptions options)
    : Optimizer(std::move(learning_rate), base_options(options)), options_(std::move(options)) {}

void Adadelta::build_slots(const std::vector<Tensor>& variables) {
    // Keras's build order: accumulated_grad and accumulated_delta_var per variable.
    for (const Tensor& v : variables) {
        slot(v, "accumulated_grad");
        slot(v, "accumulated_delta_var");
    }
}

void Adadelta::update_step(const Tensor& gradient, Tensor& variable, double learning_rate) {
    const double rho = options_.rho, epsilon = options_.epsilon;
    auto rms = [epsilon](const Tensor& x) { return ops::sqrt(x + epsilon); };

    Tensor& accumulated_grad = slot(variable, "accumulated_grad");
    Tensor& accumulated_delta_var = slot(variable, "accumulated_delta_var");
    assign(accumulated_grad, accumulated_grad * rho + ops::square(gradient) * (1 - rho));
    // The step's units come from the running size of past steps, so learning_rate=1 is Zeiler's method.
    Tensor delta_var = -((rms(accumulated_delta_var) * gradient) / rms(accumulated_grad));
    assign(accumulated_delta_var, accumulated_delta_var * rho + ops::square(delta_var) * (1 - rho));
    assign_add(variable, delta_var * learning_rate);
}

nlohmann::json Adadelta::get_config() const {
    nlohmann::json config = Optimizer::get_config();
    config["rho"] = options_.rho;
    config["epsilon"] = options_.epsilon;
    return config;
}

std::shared_ptr<Optimizer> Adadelta::clone() const {
    return std::make_shared<Adadelta>(learning_rate_spec(), options_);
}

}  // namespace strata::optimizers
