// Adam (Kingma and Ba, 2014), as Keras's Adam, with the bias correction folded into the step size:
//   t = iterations + 1
//   alpha = learning_rate * sqrt(1 - beta_2^t) / (1 - beta_1^t)
//   m += (g - m) * (1 - beta_1)
//   v += (g^2 - v) * (1 - beta_2)
//   amsgrad: v_hat = max(v_hat, v), used in place of v
//   w -= alpha * m / (sqrt(v) + epsilon)          (epsilon is the paper's "epsilon hat")
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/training/optimizer.hpp"

namespace strata::optimizers {

// Keras: Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, weight_decay=None,
// clipnorm=None, clipvalue=None, global_clipnorm=None, ..., name="adam").
struct AdamOptions {
    double beta_1 = 0.9;
    double beta_2 = 0.999;
    double epsilon = 1e-7;
    bool amsgrad = false;
    std::optional<double> weight_decay;
    std::optional<double> clipnorm;
    std::optional<double> clipvalue;
    std::optional<double> global_clipnorm;
    bool use_ema = false;
    double ema_momentum = 0.99;
    std::optional<std::int64_t> ema_overwrite_frequency;
    std::optional<double> loss_scale_factor;
    std::optional<std::int64_t> gradient_accumulation_steps;
    std::string name = "adam";
};

class Adam : public Optimizer {
public:
    explicit Adam(LearningRate learning_rate = 0.001, AdamOptions options = {});

    const AdamOptions& options() const { return options_; }
    std::string class_name() const override { return "Adam"; }
    nlohmann::json get_config() const override;
    std::shared_ptr<Optimizer> clone() const override;

protected:
    void build_slots(const std::vector<Tensor>& variables) override;
    void update_step(const Tensor& gradient, Tensor& variable, double learning_rate) override;

private:
    AdamOptions options_;
};

}  // namespace strata::optimizers
