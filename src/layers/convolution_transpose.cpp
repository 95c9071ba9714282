// Conv1DTranspose, Conv2DTranspose, Conv3DTranspose (Keras's base_conv_transpose.py): the gradient of a
// convolution with respect to its input, kernel (k..., filters, in), output extents by deconv_output_length.
#include "strata/layers/convolution.hpp"

#include "strata/ops/convolution.hpp"
#include "strata/ops/elementwise.hpp"

namespace strata::layers {

namespace {

nlohmann::json serialize(const initializers::InitializerSpec& spec) {
    return initializers::serialize(*spec.get());
}

std::string tuple_string(const std::vector<std::int64_t>& v) {
    std::string out = "(";
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + std::to_string(v[i]);
    return out + (v.size() == 1 ? ",)" : ")");
}

}  // namespace

ConvTransposeImpl::ConvTransposeImpl(int rank, std::int64_t filters, const IntTuple& kernel_size,
                                     ConvTransposeOptions options)
    : BaseConvImpl(rank, "Conv" + std::to_string(rank) + "DTranspose", "conv" + std::to_string(rank) + "d_transpose",
                   kernel_size, options.strides, options.padding, false, options.data_format, options.dilation_rate,
                   options.activation, options.use_bias,
                   {options.input_shape, options.name, options.trainable, options.dtype}),
      filters_(filters),
      options_(std::move(options)) {
    if (filters_ <= 0)
        throw ValueError(label() + ": invalid value for argument `filters`: expected a strictly positive value, got filters=" +
                         std::to_string(filters_));
    if (!options_.output_padding.empty()) {
        output_padding_ = options_.output_padding.expand(static_cast<std::size_t>(rank), label(), "output_padding", 0);
        for (std::size_t i = 0; i < output_padding_.size(); ++i)
            if (output_padding_[i] >= strides_[i])
                throw ValueError(label() + ": `output_padding` must be < `strides`, got output_padding=" +
                                 tuple_string(output_padding_) + ", strides=" + tuple_string(strides_));
    }
    set_activity_regularizer(options_.activity_regularizer);
}

void ConvTransposeImpl::build(const Shape& input_shape) {
    std::int64_t channels = input_channels(input_shape);
    compute_output_shape(input_shape);
    std::vector<std::int64_t> kernel_shape = kernel_size_;
    kernel_shape.push_back(filters_);
    kernel_shape.push_back(channels);
    kernel_ = add_weight("kernel", Shape(kernel_shape), options_.kernel_initializer, true, options_.kernel_regularizer);
    if (use_bias_) bias_ = add_weight("bias", {filters_}, options_.bias_initializer, true, options_.bias_regularizer);
    input_spec_ = InputSpec{.ndim = rank_ + 2, .axes = {{-1, channels}}};
}

Tensor ConvTransposeImpl::call(const Tensor& x, bool) {
    ops::ConvTransposeOptions window{strides_, padding_, output_padding_, dilation_rate_};
    Tensor y = ops::conv_transpose(x, kernel_, window);
    if (use_bias_) y = y + bias_;  // broadcast over the last axis
    return activation_(y);
}

Shape ConvTransposeImpl::compute_output_shape(const Shape& input_shape) const {
    input_channels(input_shape);
    std::vector<std::int64_t> dims{input_shape[0]};
    for (int a = 0; a < rank_; ++a) {
        auto i = static_cast<std::size_t>(a);
        std::int64_t length = ops::conv_transpose_output_length(input_shape[a + 1], kernel_size_[i], strides_[i],
                                                                padding_, output_padding_.empty() ? -1 : output_padding_[i],
                                                                dilation_rate_[i]);
        if (input_shape[a + 1] >= 0 && length < 1)
            throw ShapeError(label() + ": the output would be empty along spatial axis " + std::to_string(a) +
                             ": input shape " + input_shape.to_string() + ", kernel size " + tuple_string(kernel_size_) +
                             ", padding \"" + padding_ + "\"");
        dims.push_back(length);
    }
    dims.push_back(filters_);
    return Shape(dims);
}

nlohmann::json ConvTransposeImpl::get_config() const {
    nlohmann::json config = window_config(Layer::get_config());
    config["filters"] = filters_;
    config["output_padding"] = output_padding_.empty() ? nlohmann::json(nullptr) : nlohmann::json(output_padding_);
    config["kernel_initializer"] = serialize(options_.kernel_initializer);
    config["bias_initializer"] = serialize(options_.bias_initializer);
    config["kernel_regularizer"] = options_.kernel_regularizer.to_json();
    config["bias_regularizer"] = options_.bias_regularizer.to_json();
    config["kernel_constraint"] = nullptr;
    return config;
}

}  // namespace strata::layers
