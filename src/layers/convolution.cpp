// Conv1D, Conv2D, Conv3D and the checks every convolution layer shares (Keras's base_conv.py): the
// constructor validates the window arguments, build() the input's rank and channels and that the kernel fits.
#include "strata/layers/convolution.hpp"

#include <algorithm>
#include <cctype>

#include "strata/ops/convolution.hpp"

namespace strata::layers {

namespace {

std::string lowered(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::string tuple_string(const std::vector<std::int64_t>& v) {
    std::string out = "(";
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + std::to_string(v[i]);
    return out + (v.size() == 1 ? ",)" : ")");
}

}  // namespace

BaseConvImpl::BaseConvImpl(int rank, std::string class_name, const std::string& prefix, const IntTuple& kernel_size,
                           const IntTuple& strides, std::string padding, bool allow_causal,
                           const std::string& data_format, const IntTuple& dilation_rate,
                           activations::ActivationSpec activation, bool use_bias, const LayerArgs& args)
    : Layer(prefix, args),
      rank_(rank),
      class_name_(std::move(class_name)),
      activation_(std::move(activation)),
      use_bias_(use_bias) {
    std::string who = label();
    auto r = static_cast<std::size_t>(rank);
    kernel_size_ = kernel_size.expand(r, who, "kernel_size");
    strides_ = strides.expand(r, who, "strides");
    dilation_rate_ = dilation_rate.expand(r, who, "dilation_rate");
    padding_ = lowered(std::move(padding));
    if (padding_ != "valid" && padding_ != "same" && !(allow_causal && padding_ == "causal"))
        throw ValueError(who + ": the `padding` argument must be one of \"valid\", \"same\"" +
                         (allow_causal ? std::string(" or \"causal\"") : std::string()) + ", got \"" + padding_ + "\"");
    data_format_ = lowered(data_format);
    if (data_format_ != "channels_last")
        throw ValueError(who + ": data_format \"" + data_format +
                         "\" is not supported; strata's convolutions take channels-last inputs (\"channels_last\")");
    // Keras: "`strides > 1` not supported in conjunction with `dilation_rate > 1`".
    if (*std::max_element(strides_.begin(), strides_.end()) > 1 &&
        *std::max_element(dilation_rate_.begin(), dilation_rate_.end()) > 1)
        throw ValueError(who + ": `strides > 1` not supported in conjunction with `dilation_rate > 1`, got strides=" +
                         tuple_string(strides_) + " and dilation_rate=" + tuple_string(dilation_rate_));
    input_spec_ = InputSpec{.ndim = rank + 2};
}

std::string BaseConvImpl::label() const { return "layer \"" + name() + "\" (" + class_name_ + ")"; }

std::int64_t BaseConvImpl::input_channels(const Shape& input_shape) const {
    if (input_shape.rank() != rank_ + 2)
        throw ShapeError("Input 0 of " + label() + " is incompatible with the layer: expected ndim=" +
                         std::to_string(rank_ + 2) + " (batch, " + std::to_string(rank_) +
                         " spatial axes, channels), found ndim=" + std::to_string(input_shape.rank()) +
                         ". Full shape received: " + input_shape.to_string());
    std::int64_t channels = input_shape[rank_ + 1];
    if (channels <= 0)
        throw ShapeError(label() + ": the channel axis (the last) of the input must be known, got input shape " +
                         input_shape.to_string());
    return channels;
}

Shape BaseConvImpl::windowed_output_shape(const Shape& input_shape, std::int64_t channels) const {
    std::vector<std::int64_t> dims{input_shape[0]};
    for (std::int64_t e : output_spatial(input_shape)) dims.push_back(e);
    dims.push_back(channels);
    return Shape(dims);
}

std::vector<std::int64_t> BaseConvImpl::output_spatial(const Shape& input_shape) const {
    std::vector<std::int64_t> out;
    for (int a = 0; a < rank_; ++a) {
        auto i = static_cast<std::size_t>(a);
        std::int64_t length = ops::conv_output_length(input_shape[a + 1], kernel_size_[i], strides_[i], padding_,
                                                      dilation_rate_[i]);
        if (input_shape[a + 1] >= 0 && length < 1)
            throw ShapeError(label() + ": the kernel " + tuple_string(kernel_size_) + " with dilation_rate " +
                             tuple_string(dilation_rate_) + " is larger than the input padded \"" + padding_ +
                             "\" along spatial axis " + std::to_string(a) + ": input shape " + input_shape.to_string() +
                             ", kernel size " + tuple_string(kernel_size_));
        out.push_back(length);
    }
    return out;
}

nlohmann::json BaseConvImpl::window_config(nlohmann::json config) const {
    config["kernel_size"] = kernel_size_;
    config["strides"] = strides_;
    config["padding"] = padding_;
    config["data_format"] = data_format_;
    config["dilation_rate"] = dilation_rate_;
    config["activation"] = activation_.name();
    config["use_bias"] = use_bias_;
    // Keras's base_conv writes activity_regularizer always, null when absent; strata has no constraints.
    config["activity_regularizer"] = activity_regularizer().to_json();
    config["bias_constraint"] = nullptr;
    return config;
}

namespace {

nlohmann::json serialize(const initializers::InitializerSpec& spec) {
    return initializers::serialize(*spec.get());
}

}  // namespace

ConvImpl::ConvImpl(int rank, std::int64_t filters, const IntTuple& kernel_size, ConvOptions options)
    : BaseConvImpl(rank, "Conv" + std::to_string(rank) + "D", "conv" + std::to_string(rank) + "d", kernel_size,
                   options.strides, options.padding, rank == 1, options.data_format, options.dilation_rate,
                   options.activation, options.use_bias,
                   {options.input_shape, options.name, options.trainable, options.dtype}),
      filters_(filters),
      options_(std::move(options)) {
    if (filters_ <= 0)
        throw ValueError(label() + ": invalid value for argument `filters`: expected a strictly positive value, got filters=" +
                         std::to_string(filters_));
    if (options_.groups <= 0)
        throw ValueError(label() + ": the number of groups must be a positive integer, got groups=" +
                         std::to_string(options_.groups));
    if (filters_ % options_.groups != 0)
        throw ValueError(label() + ": the number of filters must be evenly divisible by the number of groups, got groups=" +
                         std::to_string(options_.groups) + ", filters=" + std::to_string(filters_));
    set_activity_regularizer(options_.activity_regularizer);
}

void ConvImpl::build(const Shape& input_shape) {
    std::int64_t channels = input_channels(input_shape);
    if (channels % options_.groups != 0)
        throw ValueError(label() + ": the number of input channels must be evenly divisible by the number of groups, "
                         "got groups=" + std::to_string(options_.groups) + ", but the input has " +
                         std::to_string(channels) + " channels (full input shape is " + input_shape.to_string() + ")");
    output_spatial(input_shape);  // the kernel must fit, as Keras checks in build
    std::vector<std::int64_t> kernel_shape = kernel_size_;
    kernel_shape.push_back(channels / options_.groups);
    kernel_shape.push_back(filters_);
    kernel_ = add_weight("kernel", Shape(kernel_shape), options_.kernel_initializer, true, options_.kernel_regularizer);
    if (use_bias_) bias_ = add_weight("bias", {filters_}, options_.bias_initializer, true, options_.bias_regularizer);
    input_spec_ = InputSpec{.ndim = rank_ + 2, .axes = {{-1, channels}}};
}

Tensor ConvImpl::call(const Tensor& x, bool) {
    // The bias and relu/sigmoid/tanh run inside the convolution's kernel; other activations follow it.
    ops::ConvOptions window{strides_, padding_, dilation_rate_};
    return activate(ops::conv(x, kernel_, bias_, window, epilogue()));
}

Shape ConvImpl::compute_output_shape(const Shape& input_shape) const {
    input_channels(input_shape);
    return windowed_output_shape(input_shape, filters_);
}

nlohmann::json ConvImpl::get_config() const {
    nlohmann::json config = window_config(Layer::get_config());
    config["filters"] = filters_;
    config["groups"] = options_.groups;
    config["kernel_initializer"] = serialize(options_.kernel_initializer);
    config["bias_initializer"] = serialize(options_.bias_initializer);
    config["kernel_regularizer"] = options_.kernel_regularizer.to_json();
    config["bias_regularizer"] = options_.bias_regularizer.to_json();
    config["kernel_constraint"] = nullptr;
    return config;
}

}  // namespace strata::layers
