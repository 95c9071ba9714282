// BatchNormalization (keras/src/layers/normalization/batch_normalization.py), composed from ops.
#include <string>

#include "strata/autograd/node.hpp"
#include "strata/backend/backend.hpp"
#include "strata/layers/normalization.hpp"
#include "strata/ops/elementwise.hpp"
#include "strata/ops/reduce.hpp"
#include "strata/ops/shape.hpp"

namespace strata::layers {

namespace {

nlohmann::json initializer_json(const initializers::InitializerSpec& spec) {
    return initializers::serialize(*spec.get());
}

}  // namespace

BatchNormalizationImpl::BatchNormalizationImpl(BatchNormalizationOptions options)
    : Layer("batch_normalization", {options.input_shape, options.name, options.trainable, options.dtype}),
      options_(std::move(options)) {
    std::string label = "layer \"" + name() + "\" (BatchNormalization)";
    if (!(options_.epsilon > 0.0))
        throw ValueError(label + ": epsilon must be positive, got " + std::to_string(options_.epsilon));
    if (!(options_.momentum >= 0.0 && options_.momentum <= 1.0))
        throw ValueError(label + ": momentum must be in [0, 1], got " + std::to_string(options_.momentum));
}

void BatchNormalizationImpl::build(const Shape& input_shape) {
    std::string label = "layer \"" + name() + "\" (BatchNormalization)";
    int rank = input_shape.rank();
    if (options_.axis >= rank || options_.axis < -rank)
        throw ShapeError(label + ": axis " + std::to_string(options_.axis) + " is out of range for input shape " +
                         input_shape.to_string());
    axis_ = options_.axis < 0 ? options_.axis + rank : options_.axis;
    std::int64_t features = input_shape[axis_];
    if (features <= 0)
        throw ShapeError(label + ": axis " + std::to_string(options_.axis) + " of the input must be known, got input shape " +
                         input_shape.to_string());
    // Keras's order of creation: gamma, beta, moving_mean, moving_variance.
    if (options_.scale) gamma_ = add_weight("gamma", {features}, options_.gamma_initializer, true, options_.gamma_regularizer);
    if (options_.center) beta_ = add_weight("beta", {features}, options_.beta_initializer, true, options_.beta_regularizer);
    moving_mean_ = add_weight("moving_mean", {features}, options_.moving_mean_initializer, false);
    moving_variance_ = add_weight("moving_variance", {features}, options_.moving_variance_initializer, false);
    input_spec_ = InputSpec{.ndim = rank, .axes = {{axis_, features}}};
}

Tensor BatchNormalizationImpl::call(const Tensor& x, bool training) {
    std::vector<int> reduction_axes;
    std::vector<std::int64_t> broadcast(static_cast<std::size_t>(x.rank()), 1);
    for (int i = 0; i < x.rank(); ++i)
        if (i != axis_) reduction_axes.push_back(i);
    broadcast[static_cast<std::size_t>(axis_)] = x.shape()[axis_];
    Shape broadcast_shape(broadcast);

    Tensor mean, variance;
    // Keras 3: a BatchNormalization that is not trainable runs in inference mode even when training.
    if (training && trainable()) {
        mean = ops::mean(x, reduction_axes, true);
        variance = ops::mean(ops::square(x - mean), reduction_axes, true);  // biased, as Keras's moments
        autograd::NoGradScope no_grad;
        double m = options_.momentum;
        Shape features{x.shape()[axis_]};
        Tensor new_mean = moving_mean_ * m + ops::reshape(mean.detach(), features) * (1.0 - m);
        Tensor new_variance = moving_variance_ * m + ops::reshape(variance.detach(), features) * (1.0 - m);
        backend::of(moving_mean_).copy(new_mean, moving_mean_);
        backend::of(moving_variance_).copy(new_variance, moving_variance_);
    } else {
        mean = ops::reshape(moving_mean_, broadcast_shape);
        variance = ops::reshape(moving_variance_, broadcast_shape);
    }
    // As Keras's ops.batch_normalization: x * inv + (beta - mean * inv), inv = gamma / sqrt(var + epsilon).
    Tensor inv = ops::reciprocal(ops::sqrt(variance + options_.epsilon));
    if (gamma_.defined()) inv = inv * ops::reshape(gamma_, broadcast_shape);
    Tensor res = -(mean * inv);
    if (beta_.defined()) res = res + ops::reshape(beta_, broadcast_shape);
    return x * inv + res;
}

nlohmann::json BatchNormalizationImpl::get_config() const {
    nlohmann::json config = Layer::get_config();
    config["axis"] = options_.axis;
    config["momentum"] = options_.momentum;
    config["epsilon"] = options_.epsilon;
    config["center"] = options_.center;
    config["scale"] = options_.scale;
    config["beta_initializer"] = initializer_json(options_.beta_initializer);
    config["gamma_initializer"] = initializer_json(options_.gamma_initializer);
    config["moving_mean_initializer"] = initializer_json(options_.moving_mean_initializer);
    config["moving_variance_initializer"] = initializer_json(options_.moving_variance_initializer);
    config["beta_regularizer"] = options_.beta_regularizer.to_json();
    config["gamma_regularizer"] = options_.gamma_regularizer.to_json();
    // strata has no constraints yet, and no synchronized (cross-replica) statistics: Keras's defaults.
    config["beta_constraint"] = nullptr;
    config["gamma_constraint"] = nullptr;
    config["synchronized"] = false;
    return config;
}

}  // namespace strata::layers
