// Adadelta (Zeiler, 2012), as Keras's Adadelta, with rms(x) = sqrt(x + epsilon):
//   accumulated_grad = rho * accumulated_grad + (1 - rho) * g^2
//   delta = -rms(accumulated_delta_var) * g / rms(accumulated_grad)
//   accumulated_delta_var = rho * accumulated_delta_var + (1 - rho) * delta^2
//   w += learning_rate * delta
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/training/optimizer.hpp"

namespace strata::optimizers {

// Keras: Adadelta(learning_rate=0.001, rho=0.95, epsilon=1e-7, weight_decay=None, clipnorm=None,
// clipvalue=None, global_clipnorm=None, ..., name="adadelta").
struct AdadeltaOptions {
    double rho = 0.95;
    double epsilon = 1e-7;
    std::optional<double> weight_decay;
    std::optional<double> clipnorm;
    std::optional<double> clipvalue;
    std::optional<double> global_clipnorm;
    bool use_ema = false;
    double ema_momentum = 0.99;
    std::optional<std::int64_t> ema_overwrite_frequency;
    std::optional<double> loss_scale_factor;
    std::optional<std::int64_t> gradient_accumulation_steps;
    std::string name = "adadelta";
};

class Adadelta : public Optimizer {
public:
    explicit Adadelta(LearningRate learning_rate = 0.001, AdadeltaOptions options = {});

    const AdadeltaOptions& options() const { return options_; }
    std::string class_name() const override { return "Adadelta"; }
    nlohmann::json get_config() const override;
    std::shared_ptr<Optimizer> clone() const override;

protected:
    void build_slots(const std::vector<Tensor>& variables) override;
    void update_step(const Tensor& gradient, Tensor& variable, double learning_rate) override;

private:
    AdadeltaOptions options_;
};

}  // namespace strata::optimizers
