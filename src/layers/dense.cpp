#include "strata/layers/dense.hpp"

#include "strata/ops/linalg.hpp"

namespace strata::layers {

DenseImpl::DenseImpl(std::int64_t units, activations::ActivationSpec activation, DenseOptions options)
    : Layer("dense", {options.input_shape, options.name, options.trainable, options.dtype}),
      units_(units),
      activation_(std::move(activation)),
      options_(std::move(options)) {
    if (units_ <= 0)
        throw ValueError("layer \"" + name() + "\" (Dense): units must be a positive integer, got " + std::to_string(units_));
    set_activity_regularizer(options_.activity_regularizer);
}

void DenseImpl::build(const Shape& input_shape) {
    if (input_shape.rank() < 1 || input_shape[input_shape.rank() - 1] <= 0)
        throw ShapeError("layer \"" + name() + "\" (Dense): the last axis of the input must be known, got input shape " +
                         input_shape.to_string());
    std::int64_t input_dim = input_shape[input_shape.rank() - 1];
    kernel_ = add_weight("kernel", {input_dim, units_}, options_.kernel_initializer, true, options_.kernel_regularizer);
    if (options_.use_bias) bias_ = add_weight("bias", {units_}, options_.bias_initializer, true, options_.bias_regularizer);
    input_spec_ = InputSpec{.min_ndim = 2, .axes = {{-1, input_dim}}};
}

Tensor DenseImpl::call(const Tensor& x, bool) {
    // matmul, bias and relu/sigmoid/tanh run as one kernel; other activations follow it.
    if (activation_.fusable()) return ops::linear(x, kernel_, bias_, activation_.epilogue());
    return activation_(ops::linear(x, kernel_, bias_));
}

Shape DenseImpl::compute_output_shape(const Shape& input_shape) const {
    Shape out = input_shape;
    out[out.rank() - 1] = units_;
    return out;
}

nlohmann::json DenseImpl::get_config() const {
    nlohmann::json config = Layer::get_config();
    config["units"] = units_;
    config["activation"] = activation_.name();
    config["use_bias"] = options_.use_bias;
    config["kernel_initializer"] = initializers::serialize(*options_.kernel_initializer.get());
    config["bias_initializer"] = initializers::serialize(*options_.bias_initializer.get());
    // Keras writes both weight regularizers, null when absent; activity_regularizer comes from Layer.
    config["kernel_regularizer"] = options_.kernel_regularizer.to_json();
    config["bias_regularizer"] = options_.bias_regularizer.to_json();
    // Keras writes both constraints; strata has none, so they are always null.
    config["kernel_constraint"] = nullptr;
    config["bias_constraint"] = nullptr;
    return config;
}

}  // namespace strata::layers
