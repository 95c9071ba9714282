// FTRL-Proximal (McMahan et al., 2013), as Keras's Ftrl, with online L2 (l2_regularization_strength, plus
// beta / (2 * learning_rate)) and shrinkage L2 (l2_shrinkage_regularization_strength, added to the gradient):
//   g_shrunk = g + 2 * l2_shrinkage * w
//   n_new = n + g^2                                 (n starts at initial_accumulator_value)
//   z += g_shrunk - (n_new^-p - n^-p) / learning_rate * w          (p = learning_rate_power)
//   quadratic = n_new^-p / learning_rate + 2 * (l2 + beta / (2 * learning_rate))
//   w = (clip(z, -l1, l1) - z) / quadratic
//   n = n_new
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/training/optimizer.hpp"

namespace strata::optimizers {

// Keras: Ftrl(learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
// l1_regularization_strength=0.0, l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0,
// beta=0.0, weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, ..., name="ftrl").
struct FtrlOptions {
    double learning_rate_power = -0.5;
    double initial_accumulator_value = 0.1;
    double l1_regularization_strength = 0.0;
    double l2_regularization_strength = 0.0;
    double l2_shrinkage_regularization_strength = 0.0;
    double beta = 0.0;
    std::optional<double> weight_decay;
    std::optional<double> clipnorm;
    std::optional<double> clipvalue;
    std::optional<double> global_clipnorm;
    bool use_ema = false;
    double ema_momentum = 0.99;
    std::optional<std::int64_t> ema_overwrite_frequency;
    std::optional<double> loss_scale_factor;
    std::optional<std::int64_t> gradient_accumulation_steps;
    std::string name = "ftrl";
};

class Ftrl : public Optimizer {
public:
    // ValueError, as Keras, when initial_accumulator_value, l1_regularization_strength,
    // l2_regularization_strength or l2_shrinkage_regularization_strength is negative, or learning_rate_power
    // is positive.
    explicit Ftrl(LearningRate learning_rate = 0.001, FtrlOptions options = {});

    const FtrlOptions& options() const { return options_; }
    std::string class_name() const override { return "Ftrl"; }
    nlohmann::json get_config() const override;
    std::shared_ptr<Optimizer> clone() const override;

protected:
    void build_slots(const std::vector<Tensor>& variables) override;
    void update_step(const Tensor& gradient, Tensor& variable, double learning_rate) override;

private:
    FtrlOptions options_;
};

}  // namespace strata::optimizers
