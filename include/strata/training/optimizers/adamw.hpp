// AdamW (Loshchilov and Hutter, 2019), as Keras's AdamW: Adam's update with decoupled weight decay, which the
// base optimizer applies before each step (variable -= variable * weight_decay * learning_rate). It differs
// from Adam only in its defaults: weight_decay is 0.004 and must be set.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/training/optimizers/adam.hpp"

namespace strata::optimizers {

// Keras: AdamW(learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
// amsgrad=False, clipnorm=None, clipvalue=None, global_clipnorm=None, ..., name="adamw").
struct AdamWOptions {
    std::optional<double> weight_decay = 0.004;
    double beta_1 = 0.9;
    double beta_2 = 0.999;
    double epsilon = 1e-7;
    bool amsgrad = false;
    std::optional<double> clipnorm;
    std::optional<double> clipvalue;
    std::optional<double> global_clipnorm;
    bool use_ema = false;
    double ema_momentum = 0.99;
    std::optional<std::int64_t> ema_overwrite_frequency;
    std::optional<double> loss_scale_factor;
    std::optional<std::int64_t> gradient_accumulation_steps;
    std::string name = "adamw";
};

class AdamW : public Adam {
public:
    // ValueError when weight_decay is unset, as Keras.
    explicit AdamW(LearningRate learning_rate = 0.001, AdamWOptions options = {});

    const AdamWOptions& options() const { return options_; }
    std::string class_name() const override { return "AdamW"; }
    std::shared_ptr<Optimizer> clone() const override;

private:
    AdamWOptions options_;
};

}  // namespace strata::optimizers
