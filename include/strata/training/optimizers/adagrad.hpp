// Adagrad (Duchi et al., 2011), as Keras's Adagrad; the accumulator starts at initial_accumulator_value:
//   accumulator += g^2
//   w -= learning_rate * g / sqrt(accumulator + epsilon)
#pragma once

#include <memory>
#include <optional>
#include <string>

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
    std::string name = "adagrad";
};

class Adagrad : public Optimizer {
public:
    explicit Adagrad(double learning_rate = 0.001, AdagradOptions options = {});

    const AdagradOptions& options() const { return options_; }
    std::string class_name() const override { return "Adagrad"; }
    nlohmann::json get_config() const override;
    std::shared_ptr<Optimizer> clone() const override;

protected:
    void update_step(const Tensor& gradient, Tensor& variable, double learning_rate) override;

private:
    AdagradOptions options_;
};

}  // namespace strata::optimizers
