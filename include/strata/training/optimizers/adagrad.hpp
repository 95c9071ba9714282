// Adagrad (Duchi et al., 2011), as Keras's Adagrad; the accumulator starts at initial_accumulator_value:
//   accumulator += g^2
//   w -= learning_rate * g / sqrt(accumulator + epsilon)
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/training/optimizer.hpp"

namespace strata::optimizers {

// Keras: Adagrad(learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, weight_decay=None,
// clipnorm=None, clipvalue=None, global_clipnorm=None, ..., name=None), where name=None becomes the class name
// in snake case, "adagrad".
struct AdagradOptions {
    double initial_accumulator_value = 0.1;
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
    std::string name = "adagrad";
};

class Adagrad : public Optimizer {
public:
    explicit Adagrad(LearningRate learning_rate = 0.001, AdagradOptions options = {});

    const AdagradOptions& options() const { return options_; }
    std::string class_name() const override { return "Adagrad"; }
    nlohmann::json get_config() const override;
    std::shared_ptr<Optimizer> clone() const override;

protected:
    void build_slots(const std::vector<Tensor>& variables) override;
    void update_step(const Tensor& gradient, Tensor& variable, double learning_rate) override;

private:
    AdagradOptions options_;
};

}  // namespace strata::optimizers
