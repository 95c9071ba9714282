// LayerNormalization (keras/src/layers/normalization/layer_normalization.py), composed from ops.
#include <algorithm>
#include <string>

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

nlohmann::json NormalizationAxes::to_json() const {
    if (single_) return axes_.front();
    return axes_;
}

LayerNormalizationImpl::LayerNormalizationImpl(LayerNormalizationOptions options)
    : Layer("layer_normalization", {options.input_shape, options.name, options.trainable, options.dtype}),
      options_(std::move(options)) {
    std::string label = "layer \"" + name() + "\" (LayerNormalization)";
    if (options_.axis.axes().empty()) throw ValueError(label + ": axis must name at least one axis, got []");
    if (!(options_.epsilon > 0.0))
        throw ValueError(label + ": epsilon must be positive, got " + std::to_string(options_.epsilon));
}

void LayerNormalizationImpl::build(const Shape& input_shape) {
    std::string label = "layer \"" + name() + "\" (LayerNormalization)";
    int rank = input_shape.rank();
    axes_.clear();
    for (int a : options_.axis.axes()) {
        if (a >= rank || a < -rank)
            throw ShapeError(label + ": axis " + options_.axis.to_json().dump() + " is out of range for input shape " +
                             input_shape.to_string());
        int axis = a < 0 ? a + rank : a;
        if (std::find(axes_.begin(), axes_.end(), axis) != axes_.end())
            throw ValueError(label + ": axis " + options_.axis.to_json().dump() + " names an axis twice");
        axes_.push_back(axis);
    }
    // Keras: the weights span the normalized axes, in the order given; that part of the shape must be known.
    std::vector<std::int64_t> weight_dims;
    std::vector<std::int64_t> broadcast(static_cast<std::size_t>(rank), 1);
    for (int axis : axes_) {
        if (input_shape[axis] <= 0)
            throw ShapeError(label + ": axis " + std::to_string(axis) + " of the input must be known, got input shape " +
                             input_shape.to_string());
        weight_dims.push_back(input_shape[axis]);
        broadcast[static_cast<std::size_t>(axis)] = input_shape[axis];
    }
    broadcast_shape_ = Shape(broadcast);
    Shape weight_shape(weight_dims);
    if (options_.scale || options_.rms_scaling)
        gamma_ = add_weight("gamma", weight_shape, options_.gamma_initializer, true, options_.gamma_regularizer);
    if (options_.center && !options_.rms_scaling)
        beta_ = add_weight("beta", weight_shape, options_.beta_initializer, true, options_.beta_regularizer);
    std::sort(axes_.begin(), axes_.end());
    InputSpec spec{.ndim = rank};
    for (int axis : axes_) spec.axes[axis] = input_shape[axis];
    input_spec_ = spec;
}

Tensor LayerNormalizationImpl::call(const Tensor& x, bool) {
    // As Keras's _broadcast: a plain reshape of the weight onto the input's rank (weights of axes given out
    // of order keep their layout, as Keras's do).
    auto broadcast = [&](const Tensor& w) { return ops::reshape(w, broadcast_shape_); };
    if (options_.rms_scaling) {
        // Keras's ops.rms_normalization: x * rsqrt(mean(x^2) + epsilon) * gamma.
        Tensor inv = ops::reciprocal(ops::sqrt(ops::mean(ops::square(x), axes_, true) + options_.epsilon));
        return x * inv * broadcast(gamma_);
    }
    Tensor mean = ops::mean(x, axes_, true);
    Tensor variance = ops::mean(ops::square(x - mean), axes_, true);
    // As Keras: x * inv + (beta - mean * inv), inv = gamma / sqrt(var + epsilon).
    Tensor inv = ops::reciprocal(ops::sqrt(variance + options_.epsilon));
    if (gamma_.defined()) inv = inv * broadcast(gamma_);
    Tensor res = -(mean * inv);
    if (beta_.defined()) res = res + broadcast(beta_);
    return x * inv + res;
}

nlohmann::json LayerNormalizationImpl::get_config() const {
    nlohmann::json config = Layer::get_config();
    config["axis"] = options_.axis.to_json();
    config["epsilon"] = options_.epsilon;
    config["center"] = options_.center;
    config["scale"] = options_.scale;
    config["rms_scaling"] = options_.rms_scaling;
    config["beta_initializer"] = initializer_json(options_.beta_initializer);
    config["gamma_initializer"] = initializer_json(options_.gamma_initializer);
    config["beta_regularizer"] = options_.beta_regularizer.to_json();
    config["gamma_regularizer"] = options_.gamma_regularizer.to_json();
    // strata has no constraints yet: Keras's None.
    config["beta_constraint"] = nullptr;
    config["gamma_constraint"] = nullptr;
    return config;
}

}  // namespace strata::layers
