#include "strata/training/optimizers/sgd.hpp"

#include "backend/cpu/optimizer_updates.hpp"
#include "strata/core/error.hpp"

namespace strata::optimizers {

SGD::SGD(LearningRate learning_rate, SGDOptions options)
    : Optimizer(std::move(learning_rate), base_options(options)), options_(std::move(options)) {
    // Keras: "`momentum` must be a float between [0, 1]." (NaN is refused too.)
    if (!(options_.momentum >= 0.0 && options_.momentum <= 1.0))
        throw ValueError(options_.name + ": `momentum` must be a float between [0, 1]. Received: momentum=" +
                         std::to_string(options_.momentum));
}

void SGD::build_slots(const std::vector<Tensor>& variables) {
    // Keras's SGD keeps a momentum per variable only when momentum != 0.
    if (options_.momentum == 0.0) return;
    for (const Tensor& v : variables) slot(v, "momentum");
}

void SGD::update_step(const Tensor& gradient, Tensor& variable, double learning_rate) {
    const double momentum = options_.momentum;
    if (momentum == 0.0) {
        if (fusable_on_cpu(gradient, variable, {})) {
            backend::cpu::sgd_update(variable.data<float>(), gradient.data<float>(), variable.numel(),
                                     static_cast<float>(learning_rate));
            return;
        }
        assign_sub(variable, gradient * learning_rate);
        return;
    }
    Tensor& m = slot(variable, "momentum");
    assign(m, m * momentum - gradient * learning_rate);
    if (options_.nesterov)
        assign_add(variable, m * momentum - gradient * learning_rate);
    else
        assign_add(variable, m);
}

nlohmann::json SGD::get_config() const {
    nlohmann::json config = Optimizer::get_config();
    config["momentum"] = options_.momentum;
    config["nesterov"] = options_.nesterov;
    return config;
}

std::shared_ptr<Optimizer> SGD::clone() const { return std::make_shared<SGD>(learning_rate_spec(), options_); }

}  // namespace strata::optimizers
