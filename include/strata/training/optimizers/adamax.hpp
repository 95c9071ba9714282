// Adamax (Kingma and Ba, 2014, section 7.1), Adam with the infinity norm, as Keras's Adamax:
//   t = iterations + 1
//   m += (g - m) * (1 - beta_1)
//   u = max(beta_2 * u, |g|)
//   w -= learning_rate * m / ((1 - beta_1^t) * (u + epsilon))
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/training/optimizer.hpp"

namespace strata::optimizers {

// Keras: Adamax(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=None,
// clipnorm=None, clipvalue=None, global_clipnorm=None, ..., name="adamax").
struct AdamaxOptions {
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
    std::string name = "adamax";
};

class Adamax : public Optimizer {
public:
    explicit Adamax(LearningRate learning_rate = 0.001, AdamaxOptions options = {});

    const AdamaxOptions& options() const { return options_; }
    std::string class_name() const override { return "Adamax"; }
    nlohmann::json get_config() const override;
    std::shared_ptr<Optimizer> clone() const override;

protected:
    void build_slots(const std::vector<Tensor>& variables) override;
    void update_step(const Tensor& gradient, Tensor& variable, double learning_rate) override;

private:
    AdamaxOptions options_;
};

}  // namespace strata::optimizers
