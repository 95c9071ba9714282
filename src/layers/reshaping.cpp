// Flatten, Reshape, Permute, RepeatVector and Rescaling: one or two shape ops each.
#include "strata/layers/reshaping.hpp"

#include <algorithm>
#include <numeric>

#include "pooling_args.hpp"
#include "strata/ops/elementwise.hpp"
#include "strata/ops/shape.hpp"

namespace strata::layers {

namespace {

std::string list_string(const std::vector<int>& values) {
    std::string out = "(";
    for (std::size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + std::to_string(values[i]);
    return out + (values.size() == 1 ? ",)" : ")");
}

// The non-batch part of a shape.
std::vector<std::int64_t> features(const Shape& shape) {
    std::vector<std::int64_t> dims = shape.dims();
    if (!dims.empty()) dims.erase(dims.begin());
    return dims;
}

}  // namespace

// Flatten --------------------------------------------------------------------------------------------------

FlattenImpl::FlattenImpl(FlattenOptions options)
    : Layer("flatten", {options.input_shape, options.name, options.trainable, options.dtype}),
      data_format_(detail::standardize_data_format(options.data_format, detail::layer_label(name(), "Flatten"))) {
    input_spec_ = InputSpec{.min_ndim = 1};
}

Shape FlattenImpl::compute_output_shape(const Shape& input_shape) const {
    if (input_shape.rank() < 1)
        throw ShapeError(detail::layer_label(name(), class_name()) + ": expected input of rank >= 1, got a scalar");
    std::int64_t n = 1;
    for (std::int64_t d : features(input_shape)) n = (d < 0 || n < 0) ? -1 : n * d;
    return Shape{input_shape[0], n};
}

Tensor FlattenImpl::call(const Tensor& x, bool) {
    Tensor y = x;
    if (data_format_ == "channels_first" && x.rank() > 2) {  // Keras moves the channels last before flattening
        std::vector<int> perm{0};
        for (int i = 2; i < x.rank(); ++i) perm.push_back(i);
        perm.push_back(1);
        y = ops::transpose(x, perm);
    }
    return ops::reshape(y, compute_output_shape(x.shape()));
}

nlohmann::json FlattenImpl::get_config() const {
    nlohmann::json config = Layer::get_config();
    config["data_format"] = data_format_;
    return config;
}

// Reshape --------------------------------------------------------------------------------------------------

ReshapeImpl::ReshapeImpl(Shape target_shape, ReshapeOptions options)
    : Layer("reshape", {options.input_shape, options.name, options.trainable, options.dtype}),
      target_shape_(std::move(target_shape)) {
    int unknown = 0;
    for (std::int64_t d : target_shape_) {
        if (d == -1) ++unknown;
        else if (d < 1)
            throw ValueError(detail::layer_label(name(), class_name()) + ": target_shape " + target_shape_.to_string() +
                             " has an extent that is neither positive nor -1");
    }
    if (unknown > 1)
        throw ValueError(detail::layer_label(name(), class_name()) + ": target_shape " + target_shape_.to_string() +
                         " has more than one unknown (-1) extent");
}

Shape ReshapeImpl::compute_output_shape(const Shape& input_shape) const {
    std::vector<std::int64_t> out{input_shape.rank() ? input_shape[0] : -1};
    std::int64_t in = 1, known = 1;
    for (std::int64_t d : features(input_shape)) in = (d < 0 || in < 0) ? -1 : in * d;
    int unknown = -1;
    for (int i = 0; i < target_shape_.rank(); ++i) {
        if (target_shape_[i] == -1) unknown = i;
        else known *= target_shape_[i];
        out.push_back(target_shape_[i]);
    }
    // Keras: "The total size of the tensor must be unchanged" (compute_reshape_output_shape).
    auto mismatch = [&] {
        return ShapeError(detail::layer_label(name(), class_name()) + ": cannot reshape input of shape " +
                          input_shape.to_string() + " to target_shape " + target_shape_.to_string() +
                          ": the number of elements per sample must be unchanged");
    };
    if (in >= 0) {
        if (unknown >= 0) {
            if (in % known != 0) throw mismatch();
            out[static_cast<std::size_t>(unknown) + 1] = in / known;
        } else if (in != known) {
            throw mismatch();
        }
    }
    return Shape(out);
}

Tensor ReshapeImpl::call(const Tensor& x, bool) { return ops::reshape(x, compute_output_shape(x.shape())); }

nlohmann::json ReshapeImpl::get_config() const {
    nlohmann::json config = Layer::get_config();
    config["target_shape"] = target_shape_.dims();
    return config;
}

// Permute --------------------------------------------------------------------------------------------------

PermuteImpl::PermuteImpl(std::vector<int> dims, PermuteOptions options)
    : Layer("permute", {options.input_shape, options.name, options.trainable, options.dtype}), dims_(std::move(dims)) {
    std::vector<int> sorted = dims_, expected(dims_.size());
    std::sort(sorted.begin(), sorted.end());
    std::iota(expected.begin(), expected.end(), 1);
    // Keras: "The set of indices in `dims` must be consecutive and start from 1."
    if (dims_.empty() || sorted != expected)
        throw ValueError(detail::layer_label(name(), class_name()) + ": invalid permutation `dims` " +
                         list_string(dims_) + "; the indices must be consecutive and start from 1");
    input_spec_ = InputSpec{.ndim = static_cast<int>(dims_.size()) + 1};
}

Shape PermuteImpl::compute_output_shape(const Shape& input_shape) const {
    if (input_shape.rank() != static_cast<int>(dims_.size()) + 1)
        throw ShapeError(detail::layer_label(name(), class_name()) + ": dims " + list_string(dims_) + " expect input of rank " +
                         std::to_string(dims_.size() + 1) + ", got shape " + input_shape.to_string());
    Shape out = input_shape;
    for (std::size_t i = 0; i < dims_.size(); ++i) out[static_cast<int>(i) + 1] = input_shape[dims_[i]];
    return out;
}

Tensor PermuteImpl::call(const Tensor& x, bool) {
    std::vector<int> perm{0};
    perm.insert(perm.end(), dims_.begin(), dims_.end());
    return ops::transpose(x, perm);
}

nlohmann::json PermuteImpl::get_config() const {
    nlohmann::json config = Layer::get_config();
    config["dims"] = dims_;
    return config;
}

// RepeatVector ---------------------------------------------------------------------------------------------

RepeatVectorImpl::RepeatVectorImpl(std::int64_t n, RepeatVectorOptions options)
    : Layer("repeat_vector", {options.input_shape, options.name, options.trainable, options.dtype}), n_(n) {
    if (n_ < 1)
        throw ValueError(detail::layer_label(name(), class_name()) + ": n must be a positive integer, got " +
                         std::to_string(n_));
    input_spec_ = InputSpec{.ndim = 2};
}

Shape RepeatVectorImpl::compute_output_shape(const Shape& input_shape) const {
    if (input_shape.rank() != 2)
        throw ShapeError(detail::layer_label(name(), class_name()) + ": expected input of rank 2 (batch, features), got shape " +
                         input_shape.to_string());
    return Shape{input_shape[0], n_, input_shape[1]};
}

Tensor RepeatVectorImpl::call(const Tensor& x, bool) {
    return ops::broadcast_to(ops::expand_dims(x, 1), {x.shape()[0], n_, x.shape()[1]});
}

nlohmann::json RepeatVectorImpl::get_config() const {
    nlohmann::json config = Layer::get_config();
    config["n"] = n_;
    return config;
}

// Rescaling ------------------------------------------------------------------------------------------------

RescalingImpl::RescalingImpl(double scale, RescalingOptions options)
    : Layer("rescaling", {options.input_shape, options.name, options.trainable, options.dtype}),
      scale_(scale),
      offset_(options.offset) {}

Tensor RescalingImpl::call(const Tensor& x, bool) {
    // Keras casts the input to the layer's compute dtype first, so uint8 images come out as floats.
    Tensor y = x.dtype() == dtype() ? x : ops::cast(x, dtype());
    return ops::add(ops::multiply(y, ops::scalar_like(y, scale_)), ops::scalar_like(y, offset_));
}

nlohmann::json RescalingImpl::get_config() const {
    nlohmann::json config = Layer::get_config();
    config["scale"] = scale_;
    config["offset"] = offset_;
    return config;
}

}  // namespace strata::layers
