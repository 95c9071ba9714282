// Nadam (Dozat, 2015), Adam with Nesterov momentum, as Keras's Nadam, with its momentum schedule
// u_s = beta_1 * (1 - 0.5 * 0.96^s):
//   t = iterations + 1
//   u_product = u_1 * ... * u_t                    (one value for the whole optimizer)
//   m += (g - m) * (1 - beta_1)
//   v += (g^2 - v) * (1 - beta_2)
//   m_hat = u_{t+1} * m / (1 - u_product * u_{t+1}) + (1 - u_t) * g / (1 - u_product)
//   v_hat = v / (1 - beta_2^t)
//   w -= learning_rate * m_hat / (sqrt(v_hat) + epsilon)
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/training/optimizer.hpp"

namespace strata::optimizers {

// Keras: Nadam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=None,
// clipnorm=None, clipvalue=None, global_clipnorm=None, ..., name="nadam").
struct NadamOptions {
    double beta_1 = 0.9;
    double beta_2 = 0.999;
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
    std::string name = "nadam";
};

class Nadam : public Optimizer {
public:
    explicit Nadam(LearningRate learning_rate = 0.001, NadamOptions options = {});

    const NadamOptions& options() const { return options_; }
    std::string class_name() const override { return "Nadam"; }
    nlohmann::json get_config() const override;
    std::shared_ptr<Optimizer> clone() const override;

protected:
    void build_slots(const std::vector<Tensor>& variables) override;
    // Keras's Nadam._backend_update_step: u_product *= u_t once per update, before the per-variable steps.
    void update_steps(const std::vector<Tensor>& grads, const std::vector<Tensor>& variables,
                      double learning_rate) override;
    void update_step(const Tensor& gradient, Tensor& variable, double learning_rate) override;

private:
    NadamOptions options_;
};

}  // namespace strata::optimizers
