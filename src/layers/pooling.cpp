#include "strata/layers/pooling.hpp"

#include "pooling_args.hpp"
#include "strata/ops/pooling.hpp"
#include "strata/ops/reduce.hpp"

namespace strata::layers {

namespace {

std::string pooling_class(bool max, int dimensions) {
    return std::string(max ? "MaxPooling" : "AveragePooling") + std::to_string(dimensions) + "D";
}

// Keras names layers after their class in snake case: MaxPooling2D -> max_pooling2d.
std::string pooling_prefix(bool max, int dimensions) {
    return std::string(max ? "max_pooling" : "average_pooling") + std::to_string(dimensions) + "d";
}

std::string global_class(bool max, int dimensions) { return "Global" + pooling_class(max, dimensions); }
std::string global_prefix(bool max, int dimensions) { return "global_" + pooling_prefix(max, dimensions); }

std::string tuple_string(const std::vector<std::int64_t>& values) {
    std::string out = "(";
    for (std::size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + std::to_string(values[i]);
    return out + (values.size() == 1 ? ",)" : ")");
}

}  // namespace

PoolingImpl::PoolingImpl(bool max, int dimensions, IntTuple pool_size, PoolingOptions options)
    : Layer(pooling_prefix(max, dimensions), {options.input_shape, options.name, options.trainable, options.dtype}),
      max_(max),
      dimensions_(dimensions) {
    std::string who = detail::layer_label(name(), class_name());
    auto rank = static_cast<std::size_t>(dimensions);
    pool_size_ = pool_size.expand(rank, who, "pool_size");
    // Keras: strides=None means strides = pool_size.
    strides_ = options.strides.empty() ? pool_size_ : options.strides.expand(rank, who, "strides");
    padding_ = detail::standardize_padding(options.padding, who);
    data_format_ = detail::require_channels_last(options.data_format, who);
    input_spec_ = InputSpec{.ndim = dimensions + 2};
}

std::string PoolingImpl::class_name() const { return pooling_class(max_, dimensions_); }

Shape PoolingImpl::compute_output_shape(const Shape& input_shape) const {
    if (input_shape.rank() != dimensions_ + 2)
        throw ShapeError(detail::layer_label(name(), class_name()) + ": expected input of rank " +
                         std::to_string(dimensions_ + 2) + ", got shape " + input_shape.to_string());
    Shape out = input_shape;
    for (int i = 0; i < dimensions_; ++i) {
        auto k = static_cast<std::size_t>(i);
        std::int64_t n = ops::pool_output_length(input_shape[i + 1], pool_size_[k], strides_[k], padding_);
        // Keras's compute_pooling_output_shape: "Computed output size would be negative".
        if (input_shape[i + 1] >= 0 && n < 0)
            throw ShapeError(detail::layer_label(name(), class_name()) + ": computed output size would be negative for "
                             "input of shape " + input_shape.to_string() + " with pool_size " + tuple_string(pool_size_) +
                             ", strides " + tuple_string(strides_) + " and padding \"" + padding_ + "\"");
        out[i + 1] = n;
    }
    return out;
}

Tensor PoolingImpl::call(const Tensor& x, bool) {
    compute_output_shape(x.shape());  // errors name the layer rather than the op
    return max_ ? ops::max_pool(x, pool_size_, strides_, padding_) : ops::average_pool(x, pool_size_, strides_, padding_);
}

nlohmann::json PoolingImpl::get_config() const {
    nlohmann::json config = Layer::get_config();
    config["pool_size"] = pool_size_;
    config["padding"] = padding_;
    config["strides"] = strides_;
    config["data_format"] = data_format_;
    return config;
}

GlobalPoolingImpl::GlobalPoolingImpl(bool max, int dimensions, GlobalPoolingOptions options)
    : Layer(global_prefix(max, dimensions), {options.input_shape, options.name, options.trainable, options.dtype}),
      max_(max),
      dimensions_(dimensions),
      data_format_(detail::standardize_data_format(options.data_format, detail::layer_label(name(), global_class(max, dimensions)))),
      keepdims_(options.keepdims) {
    input_spec_ = InputSpec{.ndim = dimensions + 2};
}

std::string GlobalPoolingImpl::class_name() const { return global_class(max_, dimensions_); }

Shape GlobalPoolingImpl::compute_output_shape(const Shape& input_shape) const {
    if (input_shape.rank() != dimensions_ + 2)
        throw ShapeError(detail::layer_label(name(), class_name()) + ": expected input of rank " +
                         std::to_string(dimensions_ + 2) + ", got shape " + input_shape.to_string());
    bool last = data_format_ == "channels_last";
    std::int64_t channels = input_shape[last ? dimensions_ + 1 : 1];
    if (!keepdims_) return Shape{input_shape[0], channels};
    Shape out = input_shape;
    for (int i = 0; i < dimensions_; ++i) out[last ? i + 1 : i + 2] = 1;
    return out;
}

Tensor GlobalPoolingImpl::call(const Tensor& x, bool) {
    std::vector<int> axes;
    int first = data_format_ == "channels_last" ? 1 : 2;
    for (int i = 0; i < dimensions_; ++i) axes.push_back(first + i);
    return max_ ? ops::max(x, axes, keepdims_) : ops::mean(x, axes, keepdims_);
}

nlohmann::json GlobalPoolingImpl::get_config() const {
    nlohmann::json config = Layer::get_config();
    config["data_format"] = data_format_;
    config["keepdims"] = keepdims_;
    return config;
}

}  // namespace strata::layers
