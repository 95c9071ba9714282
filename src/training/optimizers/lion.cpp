#include "strata/training/optimizers/lion.hpp"

#include <sstream>

#include "strata/core/error.hpp"
#include "strata/ops/elementwise.hpp"

namespace strata::optimizers {

Lion::Lion(LearningRate learning_rate, LionOptions options)
    : Optimizer(std::move(learning_rate), base_options(options)), options_(std::move(options)) {
    if (options_.beta_1 <= 0 || options_.beta_1 > 1) {
        std::ostringstream message;
        message << "Lion: argument `beta_1` must be in the [0, 1] range. Otherwise, the optimizer degenerates to "
                   "SignSGD. Received: beta_1="
                << options_.beta_1;
        throw ValueError(message.str());
    }
}

void Lion::build_slots(const std::vector<Tensor>& variables) {
    for (const Tensor& v : variables) slot(v, "momentum");
}

void Lion::update_step(const Tensor& gradient, Tensor& variable, double learning_rate) {
    const double beta_1 = options_.beta_1, beta_2 = options_.beta_2;
    Tensor& m = slot(variable, "momentum");
    // The step uses the momentum before this gradient is folded in (with beta_1); the momentum then tracks
    // the gradients with its own, slower, beta_2.
    assign_sub(variable, ops::sign(m * beta_1 + gradient * (1.0 - beta_1)) * learning_rate);
    assign(m, m * beta_2 + gradient * (1.0 - beta_2));
}

nlohmann::json Lion::get_config() const {
    nlohmann::json config = Optimizer::get_config();
    config["beta_1"] = options_.beta_1;
    config["beta_2"] = options_.beta_2;
    return config;
}

std::shared_ptr<Optimizer> Lion::clone() const { return std::make_shared<Lion>(learning_rate_spec(), options_); }

}  // namespace strata::optimizers
