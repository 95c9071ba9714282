// UpSampling2D, ZeroPadding2D and Cropping2D: the 2-D layers that change the rows and columns of an image.
#include "pooling_args.hpp"
#include "strata/layers/reshaping.hpp"
#include "strata/ops/shape.hpp"

namespace strata::layers {

namespace {

using Amounts = std::array<std::array<std::int64_t, 2>, 2>;

nlohmann::json amounts_json(const Amounts& a) { return {{a[0][0], a[0][1]}, {a[1][0], a[1][1]}}; }

std::string amounts_string(const Amounts& a) {
    return "((" + std::to_string(a[0][0]) + ", " + std::to_string(a[0][1]) + "), (" + std::to_string(a[1][0]) + ", " +
           std::to_string(a[1][1]) + "))";
}

// The axes of rows and columns: 1, 2 channels-last; 2, 3 channels-first.
int row_axis(const std::string& data_format) { return data_format == "channels_last" ? 1 : 2; }

void require_rank4(const Shape& shape, const std::string& who) {
    if (shape.rank() != 4)
        throw ShapeError(who + ": expected input of rank 4 (batch, rows, cols, channels), got shape " + shape.to_string());
}

}  // namespace

Amounts Padding2DSpec::expand(const std::string& who, const std::string& argument) const {
    if (scalar_) {
        std::int64_t v = entries_[0].values()[0];
        if (v < 0) throw ValueError(who + ": the `" + argument + "` argument must not be negative, got " + std::to_string(v));
        return {{{v, v}, {v, v}}};
    }
    // Keras: "`padding` should have two elements" (an int, 2 ints, or 2 tuples of 2 ints).
    if (entries_.size() != 2)
        throw ValueError(who + ": the `" + argument + "` argument must be an integer, a tuple of 2 integers or a tuple "
                         "of 2 tuples of 2 integers, got " + std::to_string(entries_.size()) + " entries");
    auto rows = entries_[0].expand(2, who, argument, 0), cols = entries_[1].expand(2, who, argument, 0);
    return {{{rows[0], rows[1]}, {cols[0], cols[1]}}};
}

// UpSampling2D ---------------------------------------------------------------------------------------------

UpSampling2DImpl::UpSampling2DImpl(IntTuple size, UpSampling2DOptions options)
    : Layer("up_sampling2d", {options.input_shape, options.name, options.trainable, options.dtype}) {
    std::string who = detail::layer_label(name(), class_name());
    size_ = size.expand(2, who, "size");
    data_format_ = detail::standardize_data_format(options.data_format, who);
    interpolation_ = detail::lower_case(options.interpolation);
    if (interpolation_ != "nearest")
        throw ValueError(who + ": only interpolation=\"nearest\" is supported, got \"" + options.interpolation + "\"");
    input_spec_ = InputSpec{.ndim = 4};
}

Shape UpSampling2DImpl::compute_output_shape(const Shape& input_shape) const {
    require_rank4(input_shape, detail::layer_label(name(), class_name()));
    Shape out = input_shape;
    int r = row_axis(data_format_);
    for (int i = 0; i < 2; ++i)
        out[r + i] = input_shape[r + i] < 0 ? -1 : input_shape[r + i] * size_[static_cast<std::size_t>(i)];
    return out;
}

Tensor UpSampling2DImpl::call(const Tensor& x, bool) {
    // Nearest neighbour: (.., h, w, ..) -> (.., h, 1, w, 1, ..) -> broadcast (.., h, sh, w, sw, ..) -> merge.
    // The broadcast's gradient sums each block back onto its pixel.
    int r = row_axis(data_format_);
    std::vector<std::int64_t> dims = x.shape().dims();
    std::vector<std::int64_t> split = dims;
    split.insert(split.begin() + r + 2, 1);
    split.insert(split.begin() + r + 1, 1);
    std::vector<std::int64_t> repeated = split;
    repeated[static_cast<std::size_t>(r) + 1] = size_[0];
    repeated[static_cast<std::size_t>(r) + 3] = size_[1];
    Tensor y = ops::broadcast_to(ops::reshape(x, Shape(split)), Shape(repeated));
    return ops::reshape(y, compute_output_shape(x.shape()));
}

nlohmann::json UpSampling2DImpl::get_config() const {
    nlohmann::json config = Layer::get_config();
    config["size"] = size_;
    config["data_format"] = data_format_;
    config["interpolation"] = interpolation_;
    return config;
}

// ZeroPadding2D --------------------------------------------------------------------------------------------

ZeroPadding2DImpl::ZeroPadding2DImpl(const Padding2DSpec& padding, ZeroPadding2DOptions options)
    : Layer("zero_padding2d", {options.input_shape, options.name, options.trainable, options.dtype}) {
    std::string who = detail::layer_label(name(), class_name());
    padding_ = padding.expand(who, "padding");
    data_format_ = detail::standardize_data_format(options.data_format, who);
    input_spec_ = InputSpec{.ndim = 4};
}

Shape ZeroPadding2DImpl::compute_output_shape(const Shape& input_shape) const {
    require_rank4(input_shape, detail::layer_label(name(), class_name()));
    Shape out = input_shape;
    int r = row_axis(data_format_);
    for (int i = 0; i < 2; ++i) {
        auto k = static_cast<std::size_t>(i);
        out[r + i] = input_shape[r + i] < 0 ? -1 : input_shape[r + i] + padding_[k][0] + padding_[k][1];
    }
    return out;
}

Tensor ZeroPadding2DImpl::call(const Tensor& x, bool) {
    std::vector<std::pair<std::int64_t, std::int64_t>> pads(4, {0, 0});
    auto r = static_cast<std::size_t>(row_axis(data_format_));
    pads[r] = {padding_[0][0], padding_[0][1]};
    pads[r + 1] = {padding_[1][0], padding_[1][1]};
    return ops::pad(x, pads);
}

nlohmann::json ZeroPadding2DImpl::get_config() const {
    nlohmann::json config = Layer::get_config();
    config["padding"] = amounts_json(padding_);
    config["data_format"] = data_format_;
    return config;
}

// Cropping2D -----------------------------------------------------------------------------------------------

Cropping2DImpl::Cropping2DImpl(const Padding2DSpec& cropping, Cropping2DOptions options)
    : Layer("cropping2d", {options.input_shape, options.name, options.trainable, options.dtype}) {
    std::string who = detail::layer_label(name(), class_name());
    cropping_ = cropping.expand(who, "cropping");
    data_format_ = detail::standardize_data_format(options.data_format, who);
    input_spec_ = InputSpec{.ndim = 4};
}

Shape Cropping2DImpl::compute_output_shape(const Shape& input_shape) const {
    std::string who = detail::layer_label(name(), class_name());
    require_rank4(input_shape, who);
    Shape out = input_shape;
    int r = row_axis(data_format_);
    for (int i = 0; i < 2; ++i) {
        auto k = static_cast<std::size_t>(i);
        std::int64_t extent = input_shape[r + i], removed = cropping_[k][0] + cropping_[k][1];
        // Keras: values in `cropping` must be smaller than the corresponding spatial dimension of the input.
        if (extent >= 0 && removed >= extent)
            throw ShapeError(who + ": cropping " + amounts_string(cropping_) + " removes all of input of shape " +
                             input_shape.to_string() + "; each pair must sum to less than its axis");
        out[r + i] = extent < 0 ? -1 : extent - removed;
    }
    return out;
}

Tensor Cropping2DImpl::call(const Tensor& x, bool) {
    Shape out = compute_output_shape(x.shape());
    int r = row_axis(data_format_);
    Tensor y = ops::slice_axis(x, r, cropping_[0][0], cropping_[0][0] + out[r]);
    return ops::slice_axis(y, r + 1, cropping_[1][0], cropping_[1][0] + out[r + 1]);
}

nlohmann::json Cropping2DImpl::get_config() const {
    nlohmann::json config = Layer::get_config();
    config["cropping"] = amounts_json(cropping_);
    config["data_format"] = data_format_;
    return config;
}

}  // namespace strata::layers
