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
    std::string name = "nadam";
};

class Nadam : public Optimizer {
public:
    explicit Nadam(double learning_rate = 0.001, NadamOptions options = {});

    const NadamOptions& options() const { return options_; }
    std::string class_name() const override { return "Nadam"; }
    nlohmann::json get_config() const override;
    std::shared_ptr<Optimizer> clone() const override;

protected:
    void update_step(const Tensor& gradient, Tensor& variable, double learning_rate) override;

private:
    // u_1 * ... * u_step. Keras keeps this product in a variable it updates once per apply; here it follows
    // from the step count, cached so that consecutive steps cost one multiplication.
    double u_product(std::int64_t step);

    NadamOptions options_;
    std::int64_t u_product_step_ = 0;
    double u_product_ = 1.0;
};

}  // namespace strata::optimizers
