// The convolution layers of keras.layers, channels-last: Conv1D/2D/3D, Conv1D/2D/3DTranspose,
// DepthwiseConv1D/2D and SeparableConv1D/2D, with Keras's weight layouts:
//   Conv*D           kernel (k..., in / groups, filters), bias (filters,)
//   Conv*DTranspose  kernel (k..., filters, in), bias (filters,)
//   DepthwiseConv*D  kernel (k..., in, depth_multiplier), bias (in * depth_multiplier,)
//   SeparableConv*D  depthwise_kernel (k..., in, depth_multiplier), pointwise_kernel (1..., in * depth_multiplier,
//                    filters), bias (filters,)
#pragma once

#include <cstdint>
#include <string>

#include "strata/layers/activations.hpp"
#include "strata/layers/initializers.hpp"
#include "strata/layers/int_tuple.hpp"
#include "strata/layers/layer.hpp"
#include "strata/layers/regularizers.hpp"

namespace strata::layers {

// Keras: Conv2D(filters, kernel_size, strides=(1, 1), padding="valid", data_format=None, dilation_rate=(1, 1),
// groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
// kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, ...); Conv1D and Conv3D take the same arguments (Conv1D also padding="causal").
struct ConvOptions {
    IntTuple strides = 1;
    std::string padding = "valid";
    std::string data_format = "channels_last";  // the only layout strata's convolutions take
    IntTuple dilation_rate = 1;
    std::int64_t groups = 1;
    activations::ActivationSpec activation = {};
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
using Conv1DOptions = ConvOptions;
using Conv2DOptions = ConvOptions;
using Conv3DOptions = ConvOptions;

// Keras: Conv2DTranspose(filters, kernel_size, strides=(1, 1), padding="valid", output_padding=None,
// data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True, kernel_initializer="glorot_uniform",
// bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, ...).
struct ConvTransposeOptions {
    IntTuple strides = 1;
    std::string padding = "valid";
    IntTuple output_padding = {};  // empty: None
    std::string data_format = "channels_last";
    IntTuple dilation_rate = 1;
    activations::ActivationSpec activation = {};
    bool use_bias = true;
    initializers::InitializerSpec kernel_initializer = "glorot_uniform";
    initializers::InitializerSpec bias_initializer = "zeros";
    regularizers::RegularizerSpec kernel_regularizer;
    regularizers::RegularizerSpec bias_regularizer;
    regularizers::RegularizerSpec activity_regularizer;
    Shape input_shape;
    std::string name;
    bool trainable = true;
    DType dtype = float32;
};
using Conv1DTransposeOptions = ConvTransposeOptions;
using Conv2DTransposeOptions = ConvTransposeOptions;
using Conv3DTransposeOptions = ConvTransposeOptions;

// Keras: DepthwiseConv2D(kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1, data_format=None,
// dilation_rate=(1, 1), activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
// bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None, ...).
struct DepthwiseConvOptions {
    IntTuple strides = 1;
    std::string padding = "valid";
    std::int64_t depth_multiplier = 1;
    std::string data_format = "channels_last";
    IntTuple dilation_rate = 1;
    activations::ActivationSpec activation = {};
    bool use_bias = true;
    initializers::InitializerSpec depthwise_initializer = "glorot_uniform";
    initializers::InitializerSpec bias_initializer = "zeros";
    regularizers::RegularizerSpec depthwise_regularizer;
    regularizers::RegularizerSpec bias_regularizer;
    regularizers::RegularizerSpec activity_regularizer;
    Shape input_shape;
    std::string name;
    bool trainable = true;
    DType dtype = float32;
};
using DepthwiseConv1DOptions = DepthwiseConvOptions;
using DepthwiseConv2DOptions = DepthwiseConvOptions;

// Keras: SeparableConv2D(filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
// dilation_rate=(1, 1), depth_multiplier=1, activation=None, use_bias=True, depthwise_initializer=
// "glorot_uniform", pointwise_initializer="glorot_uniform", bias_initializer="zeros", depthwise_regularizer=None,
// pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None, ...).
struct SeparableConvOptions {
    IntTuple strides = 1;
    std::string padding = "valid";
    std::string data_format = "channels_last";
    IntTuple dilation_rate = 1;
    std::int64_t depth_multiplier = 1;
    activations::ActivationSpec activation = {};
    bool use_bias = true;
    initializers::InitializerSpec depthwise_initializer = "glorot_uniform";
    initializers::InitializerSpec pointwise_initializer = "glorot_uniform";
    initializers::InitializerSpec bias_initializer = "zeros";
    regularizers::RegularizerSpec depthwise_regularizer;
    regularizers::RegularizerSpec pointwise_regularizer;
    regularizers::RegularizerSpec bias_regularizer;
    regularizers::RegularizerSpec activity_regularizer;
    Shape input_shape;
    std::string name;
    bool trainable = true;
    DType dtype = float32;
};
using SeparableConv1DOptions = SeparableConvOptions;
using SeparableConv2DOptions = SeparableConvOptions;

// What every convolution layer shares: its rank, window arguments, activation, and the checks of Keras's
// BaseConv (an input of rank + 2 axes with known channels, a kernel no larger than the padded input).
class BaseConvImpl : public Layer {
public:
    std::string class_name() const override { return class_name_; }
    int rank() const { return rank_; }
    const std::vector<std::int64_t>& kernel_size() const { return kernel_size_; }
    const std::vector<std::int64_t>& strides() const { return strides_; }
    const std::string& padding() const { return padding_; }
    const std::vector<std::int64_t>& dilation_rate() const { return dilation_rate_; }
    const activations::ActivationSpec& activation() const { return activation_; }
    bool use_bias() const { return use_bias_; }
    const Tensor& bias() const { return bias_; }

protected:
    BaseConvImpl(int rank, std::string class_name, const std::string& prefix, const IntTuple& kernel_size,
                 const IntTuple& strides, std::string padding, bool allow_causal, const std::string& data_format,
                 const IntTuple& dilation_rate, activations::ActivationSpec activation, bool use_bias,
                 const LayerArgs& args);

    // `layer "conv2d" (Conv2D)`, for messages.
    std::string label() const;
    // The input's channels, after checking its rank and that they are known.
    std::int64_t input_channels(const Shape& input_shape) const;
    // The output's spatial extents (-1 where the input's is unknown); ShapeError naming the layer, the input
    // shape and the kernel where a window does not fit in the padded input.
    std::vector<std::int64_t> output_spatial(const Shape& input_shape) const;
    // The batch, the output's spatial extents, then `channels`: the output shape of a windowed convolution.
    Shape windowed_output_shape(const Shape& input_shape, std::int64_t channels) const;
    // The base config plus the window arguments, in Keras's key order up to `padding`.
    nlohmann::json window_config(nlohmann::json config) const;
    // Applies the activation where the convolution could not fuse it.
    Tensor activate(const Tensor& y) const { return activation_.fusable() ? y : activation_(y); }
    backend::Epilogue epilogue() const {
        return activation_.fusable() ? activation_.epilogue() : backend::Epilogue::none;
    }

    int rank_;
    std::string class_name_;
    std::vector<std::int64_t> kernel_size_, strides_, dilation_rate_;
    std::string padding_;
    std::string data_format_;
    activations::ActivationSpec activation_;
    bool use_bias_;
    Tensor bias_;
};

class ConvImpl : public BaseConvImpl {
public:
    ConvImpl(int rank, std::int64_t filters, const IntTuple& kernel_size, ConvOptions options);

    Shape compute_output_shape(const Shape& input_shape) const override;
    nlohmann::json get_config() const override;

    std::int64_t filters() const { return filters_; }
    std::int64_t groups() const { return options_.groups; }
    const Tensor& kernel() const { return kernel_; }

protected:
    void build(const Shape& input_shape) override;
    Tensor call(const Tensor& x, bool training) override;

private:
    std::int64_t filters_;
    ConvOptions options_;
    Tensor kernel_;
};

class ConvTransposeImpl : public BaseConvImpl {
public:
    ConvTransposeImpl(int rank, std::int64_t filters, const IntTuple& kernel_size, ConvTransposeOptions options);

    Shape compute_output_shape(const Shape& input_shape) const override;
    nlohmann::json get_config() const override;

    std::int64_t filters() const { return filters_; }
    // Empty when None.
    const std::vector<std::int64_t>& output_padding() const { return output_padding_; }
    const Tensor& kernel() const { return kernel_; }

protected:
    void build(const Shape& input_shape) override;
    Tensor call(const Tensor& x, bool training) override;

private:
    std::int64_t filters_;
    ConvTransposeOptions options_;
    std::vector<std::int64_t> output_padding_;
    Tensor kernel_;
};

class DepthwiseConvImpl : public BaseConvImpl {
public:
    DepthwiseConvImpl(int rank, const IntTuple& kernel_size, DepthwiseConvOptions options);

    Shape compute_output_shape(const Shape& input_shape) const override;
    nlohmann::json get_config() const override;

    std::int64_t depth_multiplier() const { return options_.depth_multiplier; }
    const Tensor& kernel() const { return kernel_; }

protected:
    void build(const Shape& input_shape) override;
    Tensor call(const Tensor& x, bool training) override;

private:
    DepthwiseConvOptions options_;
    Tensor kernel_;
};

class SeparableConvImpl : public BaseConvImpl {
public:
    SeparableConvImpl(int rank, std::int64_t filters, const IntTuple& kernel_size, SeparableConvOptions options);

    Shape compute_output_shape(const Shape& input_shape) const override;
    nlohmann::json get_config() const override;

    std::int64_t filters() const { return filters_; }
    std::int64_t depth_multiplier() const { return options_.depth_multiplier; }
    const Tensor& depthwise_kernel() const { return depthwise_kernel_; }
    const Tensor& pointwise_kernel() const { return pointwise_kernel_; }

protected:
    void build(const Shape& input_shape) override;
    Tensor call(const Tensor& x, bool training) override;

private:
    std::int64_t filters_;
    SeparableConvOptions options_;
    Tensor depthwise_kernel_, pointwise_kernel_;
};

// The handles, as Keras's classes.
class Conv1D : public LayerHandle<ConvImpl> {
public:
    Conv1D(std::int64_t filters, IntTuple kernel_size, Conv1DOptions options = {})
        : LayerHandle(std::make_shared<ConvImpl>(1, filters, kernel_size, std::move(options))) {}
};
class Conv2D : public LayerHandle<ConvImpl> {
public:
    Conv2D(std::int64_t filters, IntTuple kernel_size, Conv2DOptions options = {})
        : LayerHandle(std::make_shared<ConvImpl>(2, filters, kernel_size, std::move(options))) {}
};
class Conv3D : public LayerHandle<ConvImpl> {
public:
    Conv3D(std::int64_t filters, IntTuple kernel_size, Conv3DOptions options = {})
        : LayerHandle(std::make_shared<ConvImpl>(3, filters, kernel_size, std::move(options))) {}
};
class Conv1DTranspose : public LayerHandle<ConvTransposeImpl> {
public:
    Conv1DTranspose(std::int64_t filters, IntTuple kernel_size, Conv1DTransposeOptions options = {})
        : LayerHandle(std::make_shared<ConvTransposeImpl>(1, filters, kernel_size, std::move(options))) {}
};
class Conv2DTranspose : public LayerHandle<ConvTransposeImpl> {
public:
    Conv2DTranspose(std::int64_t filters, IntTuple kernel_size, Conv2DTransposeOptions options = {})
        : LayerHandle(std::make_shared<ConvTransposeImpl>(2, filters, kernel_size, std::move(options))) {}
};
class Conv3DTranspose : public LayerHandle<ConvTransposeImpl> {
public:
    Conv3DTranspose(std::int64_t filters, IntTuple kernel_size, Conv3DTransposeOptions options = {})
        : LayerHandle(std::make_shared<ConvTransposeImpl>(3, filters, kernel_size, std::move(options))) {}
};
class DepthwiseConv1D : public LayerHandle<DepthwiseConvImpl> {
public:
    explicit DepthwiseConv1D(IntTuple kernel_size, DepthwiseConv1DOptions options = {})
        : LayerHandle(std::make_shared<DepthwiseConvImpl>(1, kernel_size, std::move(options))) {}
};
class DepthwiseConv2D : public LayerHandle<DepthwiseConvImpl> {
public:
    explicit DepthwiseConv2D(IntTuple kernel_size, DepthwiseConv2DOptions options = {})
        : LayerHandle(std::make_shared<DepthwiseConvImpl>(2, kernel_size, std::move(options))) {}
};
class SeparableConv1D : public LayerHandle<SeparableConvImpl> {
public:
    SeparableConv1D(std::int64_t filters, IntTuple kernel_size, SeparableConv1DOptions options = {})
        : LayerHandle(std::make_shared<SeparableConvImpl>(1, filters, kernel_size, std::move(options))) {}
};
class SeparableConv2D : public LayerHandle<SeparableConvImpl> {
public:
    SeparableConv2D(std::int64_t filters, IntTuple kernel_size, SeparableConv2DOptions options = {})
        : LayerHandle(std::make_shared<SeparableConvImpl>(2, filters, kernel_size, std::move(options))) {}
};

}  // namespace strata::layers
