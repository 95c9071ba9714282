// Activation: applies an activation function to its input, as keras.layers.Activation.
#pragma once

#include "strata/layers/activations.hpp"
#include "strata/layers/layer.hpp"

namespace strata::layers {

struct ActivationOptions {
    Shape input_shape;
    std::string name;
    bool trainable = true;
    DType dtype = float32;
};

class ActivationImpl : public Layer {
public:
    ActivationImpl(activations::ActivationSpec activation, ActivationOptions options);
    std::string class_name() const override { return "Activation"; }
    nlohmann::json get_config() const override;
    const activations::ActivationSpec& activation() const { return activation_; }

protected:
    Tensor call(const Tensor& x, bool training) override { return activation_(x); }

private:
    activations::ActivationSpec activation_;
};

class Activation : public LayerHandle<ActivationImpl> {
public:
    explicit Activation(activations::ActivationSpec activation, ActivationOptions options = {})
        : LayerHandle(std::make_shared<ActivationImpl>(std::move(activation), std::move(options))) {}
};

}  // namespace strata::layers
