// Convolutions, channels-last, as keras.ops.conv, conv_transpose, depthwise_conv and separable_conv: inputs
// [batch, spatial..., channels] with one to three spatial axes. float32 runs on oneDNN, float64 on loops.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "strata/backend/backend.hpp"
#include "strata/core/tensor.hpp"

namespace strata::ops {

// Keras: ops.conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1). strides and
// dilation_rate take one value for every spatial axis or one per axis.
struct ConvOptions {
    std::vector<std::int64_t> strides = {1};
    std::string padding = "valid";  // "valid", "same" (TF's: the odd one at the end), or "causal" (1-D only)
    std::vector<std::int64_t> dilation_rate = {1};
};

// kernel [k..., channels / groups, filters]; the groups are channels / kernel's second-to-last extent, as
// Keras infers them, and output channel o belongs to group o / (filters / groups).
Tensor conv(const Tensor& x, const Tensor& kernel, const ConvOptions& options = {});
// conv + bias[filters] (bias may be undefined), then relu, sigmoid or tanh fused into the same kernel where
// the backend can: the Conv layers' forward. The backward uses the output for the activation.
Tensor conv(const Tensor& x, const Tensor& kernel, const Tensor& bias, const ConvOptions& options,
            backend::Epilogue activation = backend::Epilogue::none);

// Keras: ops.conv_transpose(inputs, kernel, strides, padding="valid", output_padding=None, data_format=None,
// dilation_rate=1): the gradient of a convolution with respect to its input.
struct ConvTransposeOptions {
    std::vector<std::int64_t> strides = {1};
    std::string padding = "valid";
    std::vector<std::int64_t> output_padding = {};  // empty: None, chosen as Keras does
    std::vector<std::int64_t> dilation_rate = {1};
};

// kernel [k..., filters, channels] (Keras's Conv*Transpose layout).
Tensor conv_transpose(const Tensor& x, const Tensor& kernel, const ConvTransposeOptions& options = {});

// Keras: ops.depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1);
// kernel [k..., channels, depth_multiplier]; output channel c * depth_multiplier + m.
Tensor depthwise_conv(const Tensor& x, const Tensor& kernel, const ConvOptions& options = {});

// Keras: ops.separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
// data_format=None, dilation_rate=1): depthwise_conv, then a 1x1 conv with pointwise_kernel
// [1..., channels * depth_multiplier, filters].
Tensor separable_conv(const Tensor& x, const Tensor& depthwise_kernel, const Tensor& pointwise_kernel,
                      const ConvOptions& options = {});

// Keras's compute_conv_output_shape along one axis: "valid" floor((in - (k - 1) d - 1) / s) + 1, "same" and
// "causal" floor((in - 1) / s) + 1. An unknown extent (-1) stays unknown.
std::int64_t conv_output_length(std::int64_t input, std::int64_t kernel, std::int64_t stride,
                                const std::string& padding, std::int64_t dilation = 1);
// Keras's deconv_output_length; output_padding -1 means None.
std::int64_t conv_transpose_output_length(std::int64_t input, std::int64_t kernel, std::int64_t stride,
                                          const std::string& padding, std::int64_t output_padding = -1,
                                          std::int64_t dilation = 1);

}  // namespace strata::ops
