// DepthwiseConv1D/2D and SeparableConv1D/2D (Keras's base_depthwise_conv.py, base_separable_conv.py). A
// depthwise convolution is a grouped one with a group per channel: its kernel (k..., in, depth_multiplier) is,
// in memory, the grouped kernel (k..., 1, in * depth_multiplier), so it runs on the same fused kernel.
#include "strata/layers/convolution.hpp"

#include "strata/ops/convolution.hpp"
#include "strata/ops/shape.hpp"

namespace strata::layers {

namespace {

nlohmann::json serialize(const initializers::InitializerSpec& spec) {
    return initializers::serialize(*spec.get());
}

// (k..., c, m) -> (k..., 1, c * m): the same memory.
Tensor as_grouped(const Tensor& kernel) {
    std::vector<std::int64_t> dims(kernel.shape().begin(), kernel.shape().end() - 2);
    dims.push_back(1);
    dims.push_back(kernel.shape()[kernel.rank() - 2] * kernel.shape()[kernel.rank() - 1]);
    return ops::reshape(kernel, Shape(dims));
}

void check_depth_multiplier(std::int64_t m, const std::string& label) {
    if (m <= 0)
        throw ValueError(label + ": invalid value for argument `depth_multiplier`: expected a strictly positive value, "
                         "got depth_multiplier=" + std::to_string(m));
}

}  // namespace

DepthwiseConvImpl::DepthwiseConvImpl(int rank, const IntTuple& kernel_size, DepthwiseConvOptions options)
    : BaseConvImpl(rank, "DepthwiseConv" + std::to_string(rank) + "D", "depthwise_conv" + std::to_string(rank) + "d",
                   kernel_size, options.strides, options.padding, false, options.data_format, options.dilation_rate,
                   options.activation, options.use_bias,
                   {options.input_shape, options.name, options.trainable, options.dtype}),
      options_(std::move(options)) {
    check_depth_multiplier(options_.depth_multiplier, label());
    set_activity_regularizer(options_.activity_regularizer);
}

void DepthwiseConvImpl::build(const Shape& input_shape) {
    std::int64_t channels = input_channels(input_shape);
    output_spatial(input_shape);
    std::vector<std::int64_t> kernel_shape = kernel_size_;
    kernel_shape.push_back(channels);
    kernel_shape.push_back(options_.depth_multiplier);
    kernel_ = add_weight("kernel", Shape(kernel_shape), options_.depthwise_initializer, true,
                         options_.depthwise_regularizer);
    if (use_bias_)
        bias_ = add_weight("bias", {channels * options_.depth_multiplier}, options_.bias_initializer, true,
                           options_.bias_regularizer);
    input_spec_ = InputSpec{.ndim = rank_ + 2, .axes = {{-1, channels}}};
}

Tensor DepthwiseConvImpl::call(const Tensor& x, bool) {
    ops::ConvOptions window{strides_, padding_, dilation_rate_};
    return activate(ops::conv(x, as_grouped(kernel_), bias_, window, epilogue()));
}

Shape DepthwiseConvImpl::compute_output_shape(const Shape& input_shape) const {
    return windowed_output_shape(input_shape, input_channels(input_shape) * options_.depth_multiplier);
}

nlohmann::json DepthwiseConvImpl::get_config() const {
    nlohmann::json config = window_config(Layer::get_config());
    config["depth_multiplier"] = options_.depth_multiplier;
    config["depthwise_initializer"] = serialize(options_.depthwise_initializer);
    config["bias_initializer"] = serialize(options_.bias_initializer);
    config["depthwise_regularizer"] = options_.depthwise_regularizer.to_json();
    config["bias_regularizer"] = options_.bias_regularizer.to_json();
    config["depthwise_constraint"] = nullptr;
    return config;
}

SeparableConvImpl::SeparableConvImpl(int rank, std::int64_t filters, const IntTuple& kernel_size,
                                     SeparableConvOptions options)
    : BaseConvImpl(rank, "SeparableConv" + std::to_string(rank) + "D", "separable_conv" + std::to_string(rank) + "d",
                   kernel_size, options.strides, options.padding, false, options.data_format, options.dilation_rate,
                   options.activation, options.use_bias,
                   {options.input_shape, options.name, options.trainable, options.dtype}),
      filters_(filters),
      options_(std::move(options)) {
    if (filters_ <= 0)
        throw ValueError(label() + ": invalid value for argument `filters`: expected a strictly positive value, got filters=" +
                         std::to_string(filters_));
    check_depth_multiplier(options_.depth_multiplier, label());
    set_activity_regularizer(options_.activity_regularizer);
}

void SeparableConvImpl::build(const Shape& input_shape) {
    std::int64_t channels = input_channels(input_shape);
    output_spatial(input_shape);
    std::vector<std::int64_t> depthwise_shape = kernel_size_;
    depthwise_shape.push_back(channels);
    depthwise_shape.push_back(options_.depth_multiplier);
    std::vector<std::int64_t> pointwise_shape(static_cast<std::size_t>(rank_), 1);
    pointwise_shape.push_back(channels * options_.depth_multiplier);
    pointwise_shape.push_back(filters_);
    // Keras's order: depthwise_kernel, pointwise_kernel, bias.
    depthwise_kernel_ = add_weight("depthwise_kernel", Shape(depthwise_shape), options_.depthwise_initializer, true,
                                   options_.depthwise_regularizer);
    pointwise_kernel_ = add_weight("pointwise_kernel", Shape(pointwise_shape), options_.pointwise_initializer, true,
                                   options_.pointwise_regularizer);
    if (use_bias_) bias_ = add_weight("bias", {filters_}, options_.bias_initializer, true, options_.bias_regularizer);
    input_spec_ = InputSpec{.ndim = rank_ + 2, .axes = {{-1, channels}}};
}

Tensor SeparableConvImpl::call(const Tensor& x, bool) {
    // Strides, padding and dilation apply to the depthwise step; the pointwise one is a 1x1 "valid" convolution
    // carrying the bias and the fused activation.
    ops::ConvOptions window{strides_, padding_, dilation_rate_};
    Tensor depthwise = ops::conv(x, as_grouped(depthwise_kernel_), window);
    return activate(ops::conv(depthwise, pointwise_kernel_, bias_, ops::ConvOptions{}, epilogue()));
}

Shape SeparableConvImpl::compute_output_shape(const Shape& input_shape) const {
    input_channels(input_shape);
    return windowed_output_shape(input_shape, filters_);
}

nlohmann::json SeparableConvImpl::get_config() const {
    nlohmann::json config = window_config(Layer::get_config());
    config["filters"] = filters_;
    config["depth_multiplier"] = options_.depth_multiplier;
    config["depthwise_initializer"] = serialize(options_.depthwise_initializer);
    config["pointwise_initializer"] = serialize(options_.pointwise_initializer);
    config["bias_initializer"] = serialize(options_.bias_initializer);
    config["depthwise_regularizer"] = options_.depthwise_regularizer.to_json();
    config["pointwise_regularizer"] = options_.pointwise_regularizer.to_json();
    config["bias_regularizer"] = options_.bias_regularizer.to_json();
    config["depthwise_constraint"] = nullptr;
    config["pointwise_constraint"] = nullptr;
    return config;
}

}  // namespace strata::layers
