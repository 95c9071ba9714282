// Lion (Chen et al., 2023), as Keras's Lion: the step is the sign of an interpolation of momentum and gradient,
// so every element moves by exactly learning_rate (or stays):
//   w -= learning_rate * sign(beta_1 * m + (1 - beta_1) * g)
//   m = beta_2 * m + (1 - beta_2) * g
#pragma once

#include <memory>
#include <optional>
#include <string>

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
    std::string name = "lion";
};

class Lion : public Optimizer {
public:
    // ValueError when beta_1 is outside (0, 1], as Keras (at 0 Lion degenerates to SignSGD).
    explicit Lion(double learning_rate = 0.001, LionOptions options = {});

    const LionOptions& options() const { return options_; }
    std::string class_name() const override { return "Lion"; }
    nlohmann::json get_config() const override;
    std::shared_ptr<Optimizer> clone() const override;

protected:
    void update_step(const Tensor& gradient, Tensor& variable, double learning_rate) override;

private:
    LionOptions options_;
};

}  // namespace strata::optimizers
