// RMSprop (Hinton, 2012, lecture 6), as Keras's RMSprop:
//   velocity = rho * velocity + (1 - rho) * g^2
//   centered:  average_gradient = rho * average_gradient + (1 - rho) * g
//              increment = learning_rate * g / sqrt(velocity - average_gradient^2 + epsilon)
//   otherwise: increment = learning_rate * g / sqrt(velocity + epsilon)      (epsilon inside the root)
//   momentum > 0: momentum_slot = momentum * momentum_slot + increment; w -= momentum_slot
//   otherwise:    w -= increment
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/training/optimizer.hpp"

namespace strata::optimizers {

// Keras: RMSprop(learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, weight_decay=None,
// clipnorm=None, clipvalue=None, global_clipnorm=None, ..., name="rmsprop").
struct RMSpropOptions {
    double rho = 0.9;
    double momentum = 0.0;
    double epsilon = 1e-7;
    bool centered = false;
    std::optional<double> weight_decay;
    std::optional<double> clipnorm;
    std::optional<double> clipvalue;
    std::optional<double> global_clipnorm;
    bool use_ema = false;
    double ema_momentum = 0.99;
    std::optional<std::int64_t> ema_overwrite_frequency;
    std::optional<double> loss_scale_factor;
    std::optional<std::int64_t> gradient_accumulation_steps;
    std::string name = "rmsprop";
};

class RMSprop : public Optimizer {
public:
    explicit RMSprop(LearningRate learning_rate = 0.001, RMSpropOptions options = {});

    const RMSpropOptions& options() const { return options_; }
    std::string class_name() const override { return "RMSprop"; }
    nlohmann::json get_config() const override;
    std::shared_ptr<Optimizer> clone() const override;

protected:
    void build_slots(const std::vector<Tensor>& variables) override;
    void update_step(const Tensor& gradient, Tensor& variable, double learning_rate) override;

private:
    RMSpropOptions options_;
};

}  // namespace strata::optimizers
