// Reshaping layers, as keras/src/layers/reshaping/*.py and keras.layers.Rescaling: Flatten, Reshape, Permute,
// RepeatVector, UpSampling2D, ZeroPadding2D, Cropping2D. They hold no weights and compose shape ops.
#pragma once

#include <array>
#include <initializer_list>

#include "strata/layers/int_tuple.hpp"
#include "strata/layers/layer.hpp"

namespace strata::layers {

// Layers whose only own argument is data_format (Keras: Flatten(data_format=None), and ZeroPadding2D /
// Cropping2D after their amounts). data_format None means image_data_format(), "channels_last".
struct DataFormatOptions {
    std::string data_format = "channels_last";
    // Keras's layer keyword arguments.
    Shape input_shape;
    std::string name;
    bool trainable = true;
    DType dtype = float32;
};
using FlattenOptions = DataFormatOptions;
using ZeroPadding2DOptions = DataFormatOptions;
using Cropping2DOptions = DataFormatOptions;

// Layers that take only Keras's layer keyword arguments besides their positional one.
struct ReshapeOptions {
    Shape input_shape;
    std::string name;
    bool trainable = true;
    DType dtype = float32;
};
using PermuteOptions = ReshapeOptions;
using RepeatVectorOptions = ReshapeOptions;

// Keras: Flatten(data_format=None): (batch, ...) -> (batch, product of the rest). With "channels_first" the
// channels move last first, so the order matches a channels-last model.
class FlattenImpl : public Layer {
public:
    explicit FlattenImpl(FlattenOptions options);
    std::string class_name() const override { return "Flatten"; }
    Shape compute_output_shape(const Shape& input_shape) const override;
    nlohmann::json get_config() const override;

protected:
    Tensor call(const Tensor& x, bool training) override;

private:
    std::string data_format_;
};

class Flatten : public LayerHandle<FlattenImpl> {
public:
    explicit Flatten(FlattenOptions options = {}) : LayerHandle(std::make_shared<FlattenImpl>(std::move(options))) {}
};

// Keras: Reshape(target_shape): (batch, ...) -> (batch, *target_shape); one extent may be -1, inferred.
class ReshapeImpl : public Layer {
public:
    ReshapeImpl(Shape target_shape, ReshapeOptions options);
    std::string class_name() const override { return "Reshape"; }
    Shape compute_output_shape(const Shape& input_shape) const override;
    nlohmann::json get_config() const override;
    const Shape& target_shape() const { return target_shape_; }

protected:
    Tensor call(const Tensor& x, bool training) override;

private:
    Shape target_shape_;
};

class Reshape : public LayerHandle<ReshapeImpl> {
public:
    explicit Reshape(Shape target_shape, ReshapeOptions options = {})
        : LayerHandle(std::make_shared<ReshapeImpl>(std::move(target_shape), std::move(options))) {}
};

// Keras: Permute(dims): permutes the non-batch axes; dims counts them from 1, e.g. (2, 1) swaps the two.
class PermuteImpl : public Layer {
public:
    PermuteImpl(std::vector<int> dims, PermuteOptions options);
    std::string class_name() const override { return "Permute"; }
    Shape compute_output_shape(const Shape& input_shape) const override;
    nlohmann::json get_config() const override;
    const std::vector<int>& dims() const { return dims_; }

protected:
    Tensor call(const Tensor& x, bool training) override;

private:
    std::vector<int> dims_;
};

class Permute : public LayerHandle<PermuteImpl> {
public:
    explicit Permute(std::vector<int> dims, PermuteOptions options = {})
        : LayerHandle(std::make_shared<PermuteImpl>(std::move(dims), std::move(options))) {}
};

// Keras: RepeatVector(n): (batch, features) -> (batch, n, features).
class RepeatVectorImpl : public Layer {
public:
    RepeatVectorImpl(std::int64_t n, RepeatVectorOptions options);
    std::string class_name() const override { return "RepeatVector"; }
    Shape compute_output_shape(const Shape& input_shape) const override;
    nlohmann::json get_config() const override;
    std::int64_t n() const { return n_; }

protected:
    Tensor call(const Tensor& x, bool training) override;

private:
    std::int64_t n_;
};

class RepeatVector : public LayerHandle<RepeatVectorImpl> {
public:
    explicit RepeatVector(std::int64_t n, RepeatVectorOptions options = {})
        : LayerHandle(std::make_shared<RepeatVectorImpl>(n, std::move(options))) {}
};

// Keras: UpSampling2D(size=(2, 2), data_format=None, interpolation="nearest"); size is the constructor's
// first argument. Only "nearest" interpolation is implemented: each pixel repeats size[0] x size[1] times.
struct UpSampling2DOptions {
    std::string data_format = "channels_last";
    std::string interpolation = "nearest";
    // Keras's layer keyword arguments.
    Shape input_shape;
    std::string name;
    bool trainable = true;
    DType dtype = float32;
};

class UpSampling2DImpl : public Layer {
public:
    UpSampling2DImpl(IntTuple size, UpSampling2DOptions options);
    std::string class_name() const override { return "UpSampling2D"; }
    Shape compute_output_shape(const Shape& input_shape) const override;
    nlohmann::json get_config() const override;
    const std::vector<std::int64_t>& size() const { return size_; }

protected:
    Tensor call(const Tensor& x, bool training) override;

private:
    std::vector<std::int64_t> size_;
    std::string data_format_, interpolation_;
};

class UpSampling2D : public LayerHandle<UpSampling2DImpl> {
public:
    explicit UpSampling2D(IntTuple size = {2, 2}, UpSampling2DOptions options = {})
        : LayerHandle(std::make_shared<UpSampling2DImpl>(std::move(size), std::move(options))) {}
};

// Keras: Rescaling(scale, offset=0.0): x * scale + offset, in the layer's dtype (integer inputs are cast).
struct RescalingOptions {
    double offset = 0.0;
    // Keras's layer keyword arguments.
    Shape input_shape;
    std::string name;
    bool trainable = true;
    DType dtype = float32;
};

class RescalingImpl : public Layer {
public:
    RescalingImpl(double scale, RescalingOptions options);
    std::string class_name() const override { return "Rescaling"; }
    nlohmann::json get_config() const override;
    double scale() const { return scale_; }
    double offset() const { return offset_; }

protected:
    Tensor call(const Tensor& x, bool training) override;

private:
    double scale_, offset_;
};

class Rescaling : public LayerHandle<RescalingImpl> {
public:
    explicit Rescaling(double scale, RescalingOptions options = {})
        : LayerHandle(std::make_shared<RescalingImpl>(scale, std::move(options))) {}
};

// The amounts ZeroPadding2D and Cropping2D take, in Keras's three forms: an integer for every side, a pair
// (rows, columns) applied symmetrically, or ((top, bottom), (left, right)); e.g. `1`, `{1, 2}`, `{{1, 2}, {3, 4}}`.
class Padding2DSpec {
public:
    Padding2DSpec(std::int64_t all) : entries_{IntTuple(all)}, scalar_(true) {}
    Padding2DSpec(std::initializer_list<IntTuple> entries) : entries_(entries) {}

    // ((top, bottom), (left, right)); ValueError naming `who` and `argument` for another form or a negative amount.
    std::array<std::array<std::int64_t, 2>, 2> expand(const std::string& who, const std::string& argument) const;

private:
    std::vector<IntTuple> entries_;
    bool scalar_ = false;
};

// Keras: ZeroPadding2D(padding=(1, 1), data_format=None): adds rows and columns of zeros.
class ZeroPadding2DImpl : public Layer {
public:
    ZeroPadding2DImpl(const Padding2DSpec& padding, ZeroPadding2DOptions options);
    std::string class_name() const override { return "ZeroPadding2D"; }
    Shape compute_output_shape(const Shape& input_shape) const override;
    nlohmann::json get_config() const override;
    const std::array<std::array<std::int64_t, 2>, 2>& padding() const { return padding_; }

protected:
    Tensor call(const Tensor& x, bool training) override;

private:
    std::array<std::array<std::int64_t, 2>, 2> padding_;
    std::string data_format_;
};

class ZeroPadding2D : public LayerHandle<ZeroPadding2DImpl> {
public:
    explicit ZeroPadding2D(const Padding2DSpec& padding = 1, ZeroPadding2DOptions options = {})
        : LayerHandle(std::make_shared<ZeroPadding2DImpl>(padding, std::move(options))) {}
};

// Keras: Cropping2D(cropping=((0, 0), (0, 0)), data_format=None): removes rows and columns at the edges.
class Cropping2DImpl : public Layer {
public:
    Cropping2DImpl(const Padding2DSpec& cropping, Cropping2DOptions options);
    std::string class_name() const override { return "Cropping2D"; }
    Shape compute_output_shape(const Shape& input_shape) const override;
    nlohmann::json get_config() const override;
    const std::array<std::array<std::int64_t, 2>, 2>& cropping() const { return cropping_; }

protected:
    Tensor call(const Tensor& x, bool training) override;

private:
    std::array<std::array<std::int64_t, 2>, 2> cropping_;
    std::string data_format_;
};

class Cropping2D : public LayerHandle<Cropping2DImpl> {
public:
    explicit Cropping2D(const Padding2DSpec& cropping = 0, Cropping2DOptions options = {})
        : LayerHandle(std::make_shared<Cropping2DImpl>(cropping, std::move(options))) {}
};

}  // namespace strata::layers
