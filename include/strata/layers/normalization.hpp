// The normalization layers of keras/src/layers/normalization/: BatchNormalization and LayerNormalization,
// composed from differentiable ops.
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include "strata/layers/initializers.hpp"
#include "strata/layers/layer.hpp"
#include "strata/layers/regularizers.hpp"

namespace strata::layers {

// Keras: BatchNormalization(axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
// beta_initializer="zeros", gamma_initializer="ones", moving_mean_initializer="zeros",
// moving_variance_initializer="ones", beta_regularizer=None, gamma_regularizer=None, ..., **kwargs).
struct BatchNormalizationOptions {
    int axis = -1;
    double momentum = 0.99;
    double epsilon = 1e-3;
    bool center = true;
    bool scale = true;
    initializers::InitializerSpec beta_initializer = "zeros";
    initializers::InitializerSpec gamma_initializer = "ones";
    initializers::InitializerSpec moving_mean_initializer = "zeros";
    initializers::InitializerSpec moving_variance_initializer = "ones";
    regularizers::RegularizerSpec beta_regularizer;
    regularizers::RegularizerSpec gamma_regularizer;
    // Keras's layer keyword arguments.
    Shape input_shape;
    std::string name;
    bool trainable = true;
    DType dtype = float32;
};

// Normalizes each feature along `axis` (Ioffe & Szegedy 2015): gamma * (x - mean) / sqrt(var + epsilon) + beta.
// When called with training = true (and trainable), mean and var are the batch's (var biased, divided by
// the count) and the moving statistics move toward them: moving = moving * momentum + batch * (1 - momentum),
// in place, outside the gradient. Otherwise, and always when the layer is not trainable (Keras 3: a frozen
// BatchNormalization runs in inference mode), the moving statistics normalize.
// Weights, in Keras's order: gamma (if scale), beta (if center), moving_mean, moving_variance (non-trainable).
class BatchNormalizationImpl : public Layer {
public:
    explicit BatchNormalizationImpl(BatchNormalizationOptions options);
    std::string class_name() const override { return "BatchNormalization"; }
    Shape compute_output_shape(const Shape& input_shape) const override { return input_shape; }
    nlohmann::json get_config() const override;

    const BatchNormalizationOptions& options() const { return options_; }
    const Tensor& gamma() const { return gamma_; }
    const Tensor& beta() const { return beta_; }
    const Tensor& moving_mean() const { return moving_mean_; }
    const Tensor& moving_variance() const { return moving_variance_; }

protected:
    void build(const Shape& input_shape) override;
    Tensor call(const Tensor& x, bool training) override;

private:
    BatchNormalizationOptions options_;
    int axis_ = -1;  // non-negative once built
    Tensor gamma_, beta_, moving_mean_, moving_variance_;
};

class BatchNormalization : public LayerHandle<BatchNormalizationImpl> {
public:
    explicit BatchNormalization(BatchNormalizationOptions options = {})
        : LayerHandle(std::make_shared<BatchNormalizationImpl>(std::move(options))) {}
};

// LayerNormalization's `axis`: one axis (`-1`) or several (`{1, 2, 3}`); negative axes count from the end.
class NormalizationAxes {
public:
    NormalizationAxes(int axis) : axes_{axis}, single_(true) {}  // NOLINT(google-explicit-constructor): Keras's int form
    NormalizationAxes(std::initializer_list<int> axes) : axes_(axes), single_(false) {}  // NOLINT: the list form
    const std::vector<int>& axes() const { return axes_; }
    bool single() const { return single_; }
    nlohmann::json to_json() const;

private:
    std::vector<int> axes_;
    bool single_;
};

// Keras: LayerNormalization(axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False,
// beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, ...,
// **kwargs).
struct LayerNormalizationOptions {
    NormalizationAxes axis = -1;
    double epsilon = 1e-3;
    bool center = true;
    bool scale = true;
    bool rms_scaling = false;
    initializers::InitializerSpec beta_initializer = "zeros";
    initializers::InitializerSpec gamma_initializer = "ones";
    regularizers::RegularizerSpec beta_regularizer;
    regularizers::RegularizerSpec gamma_regularizer;
    // Keras's layer keyword arguments.
    Shape input_shape;
    std::string name;
    bool trainable = true;
    DType dtype = float32;
};

// Normalizes each sample over `axis` (Ba et al. 2016): gamma * (x - mean) / sqrt(var + epsilon) + beta,
// the same in training and inference. With rms_scaling (Zhang & Sennrich 2019, Keras's
// ops.rms_normalization): gamma * x / sqrt(mean(x^2) + epsilon), no centering and no beta.
// Weights: gamma (if scale or rms_scaling), beta (if center and not rms_scaling), shaped like the
// normalized axes.
class LayerNormalizationImpl : public Layer {
public:
    explicit LayerNormalizationImpl(LayerNormalizationOptions options);
    std::string class_name() const override { return "LayerNormalization"; }
    Shape compute_output_shape(const Shape& input_shape) const override { return input_shape; }
    nlohmann::json get_config() const override;

    const LayerNormalizationOptions& options() const { return options_; }
    const Tensor& gamma() const { return gamma_; }
    const Tensor& beta() const { return beta_; }

protected:
    void build(const Shape& input_shape) override;
    Tensor call(const Tensor& x, bool training) override;

private:
    LayerNormalizationOptions options_;
    std::vector<int> axes_;       // sorted, non-negative once built
    Shape broadcast_shape_;       // the weights' shape with 1s on the other axes (batch -1 kept as 1)
    Tensor gamma_, beta_;
};

class LayerNormalization : public LayerHandle<LayerNormalizationImpl> {
public:
    explicit LayerNormalization(LayerNormalizationOptions options = {})
        : LayerHandle(std::make_shared<LayerNormalizationImpl>(std::move(options))) {}
};

}  // namespace strata::layers
