#include "strata/layers/activation.hpp"

namespace strata::layers {

ActivationImpl::ActivationImpl(activations::ActivationSpec activation, ActivationOptions options)
    : Layer("activation", {options.input_shape, options.name, options.trainable, options.dtype}),
      activation_(std::move(activation)) {}

nlohmann::json ActivationImpl::get_config() const {
    nlohmann::json config = Layer::get_config();
    config["activation"] = activation_.name();
    return config;
}

}  // namespace strata::layers
