// Dense: output = activation(dot(input, kernel) + bias), as keras.layers.Dense. The kernel is (input_dim,
// units), the bias (units,); get_weights() returns [kernel, bias].
#pragma once

#include "strata/layers/activations.hpp"
#include "strata/layers/initializers.hpp"
#include "strata/layers/layer.hpp"
#include "strata/layers/regularizers.hpp"

namespace strata::layers {

// Keras: Dense(units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
// bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, ...,
// **kwargs).
struct DenseOptions {
    bool use_bias = true;
    initializers::InitializerSpec kernel_initializer = "glorot_uniform";
    initializers::InitializerSpec bias_initializer = "zeros";
    regularizers::RegularizerSpec kernel_regularizer;
    regularizers::RegularizerSpec bias_regularizer;
    regularizers::RegularizerSpec activity_regularizer;
    // Keras's layer keyword arguments.
    Shape input_shape;
    std::string name;
    bool trainable = true;
    DType dtype = float32;
};

class DenseImpl : public Layer {
public:
    DenseImpl(std::int64_t units, activations::ActivationSpec activation, DenseOptions options);

    std::string class_name() const override { return "Dense"; }
    Shape compute_output_shape(const Shape& input_shape) const override;
    nlohmann::json get_config() const override;

    std::int64_t units() const { return units_; }
    const activations::ActivationSpec& activation() const { return activation_; }
    const Tensor& kernel() const { return kernel_; }
    const Tensor& bias() const { return bias_; }

protected:
    void build(const Shape& input_shape) override;
    Tensor call(const Tensor& x, bool training) override;

private:
    std::int64_t units_;
    activations::ActivationSpec activation_;
    DenseOptions options_;
    Tensor kernel_, bias_;
};

class Dense : public LayerHandle<DenseImpl> {
public:
    explicit Dense(std::int64_t units, activations::ActivationSpec activation = {}, DenseOptions options = {})
        : LayerHandle(std::make_shared<DenseImpl>(units, std::move(activation), std::move(options))) {}
};

}  // namespace strata::layers
