// Lion (Chen et al., 2023), as Keras's Lion: the step is the sign of an interpolation of momentum and gradient,
// so every element moves by exactly learning_rate (or stays):
//   w -= learning_rate * sign(beta_1 * m + (1 - beta_1) * g)
//   m = beta_2 * m + (1 - beta_2) * g
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/training/optimizer.hpp"

namespace strata::optimizers {

// Keras: Lion(learning_rate=0.001, beta_1=0.9, beta_2=0.99, weight_decay=None, clipnorm=None, clipvalue=None,
// global_clipnorm=None, ..., name="lion").
struct LionOptions {
    double beta_1 = 0.9;
    double beta_2 = 0.99;
    std::optional<double> weight_decay;
    std::optional<double> clipnorm;
    std::optional<double> clipvalue;
    std::optional<double> global_clipnorm;
    bool use_ema = false;
    double ema_momentum = 0.99;
    std::optional<std::int64_t> ema_overwrite_frequency;
    std::optional<double> loss_scale_factor;
    std::optional<std::int64_t> gradient_accumulation_steps;
    std::string name = "lion";
};

class Lion : public Optimizer {
public:
    // ValueError when beta_1 is outside (0, 1], as Keras (at 0 Lion degenerates to SignSGD).
    explicit Lion(LearningRate learning_rate = 0.001, LionOptions options = {});

    const LionOptions& options() const { return options_; }
    std::string class_name() const override { return "Lion"; }
    nlohmann::json get_config() const override;
    std::shared_ptr<Optimizer> clone() const override;

protected:
    void build_slots(const std::vector<Tensor>& variables) override;
    void update_step(const Tensor& gradient, Tensor& variable, double learning_rate) override;

private:
    LionOptions options_;
};

}  // namespace strata::optimizers
