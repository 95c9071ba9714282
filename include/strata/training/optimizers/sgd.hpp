// Gradient descent with optional (Nesterov) momentum, as Keras's SGD:
//   momentum 0:  w -= learning_rate * g
//   otherwise:   velocity = momentum * velocity - learning_rate * g
//                w += velocity
//   nesterov:    w += momentum * velocity - learning_rate * g   (after the same velocity update)
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/training/optimizer.hpp"

namespace strata::optimizers {

// Keras: SGD(learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None, clipnorm=None,
// clipvalue=None, global_clipnorm=None, ..., name="SGD").
struct SGDOptions {
    double momentum = 0.0;  // in [0, 1]
    bool nesterov = false;
    std::optional<double> weight_decay;
    std::optional<double> clipnorm;
    std::optional<double> clipvalue;
    std::optional<double> global_clipnorm;
    bool use_ema = false;
    double ema_momentum = 0.99;
    std::optional<std::int64_t> ema_overwrite_frequency;
    std::optional<double> loss_scale_factor;
    std::optional<std::int64_t> gradient_accumulation_steps;
    std::string name = "SGD";
};

class SGD : public Optimizer {
public:
    // ValueError when momentum is outside [0, 1], as Keras.
    explicit SGD(LearningRate learning_rate = 0.01, SGDOptions options = {});

    const SGDOptions& options() const { return options_; }
    std::string class_name() const override { return "SGD"; }
    nlohmann::json get_config() const override;
    std::shared_ptr<Optimizer> clone() const override;

protected:
    void build_slots(const std::vector<Tensor>& variables) override;
    void update_step(const Tensor& gradient, Tensor& variable, double learning_rate) override;

private:
    SGDOptions options_;
};

}  // namespace strata::optimizers
