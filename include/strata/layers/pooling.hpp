// Pooling layers, as keras.layers.MaxPooling1D/2D, AveragePooling1D/2D (keras/src/layers/pooling/
// base_pooling.py) and GlobalMaxPooling1D/2D, GlobalAveragePooling1D/2D (base_global_pooling.py).
// Channels-last only: inputs are (batch, steps, channels) or (batch, rows, cols, channels).
#pragma once

#include "strata/layers/int_tuple.hpp"
#include "strata/layers/layer.hpp"

namespace strata::layers {

// Keras: MaxPooling2D(pool_size=(2, 2), strides=None, padding="valid", data_format=None, name=None, **kwargs);
// pool_size is the constructor's first argument, the rest are these.
struct PoolingOptions {
    IntTuple strides;  // empty: the pool size, as Keras's strides=None
    std::string padding = "valid";
    std::string data_format = "channels_last";  // Keras's image_data_format() default
    // Keras's layer keyword arguments.
    Shape input_shape;
    std::string name;
    bool trainable = true;
    DType dtype = float32;
};

// Keras's BasePooling: max or average pooling over 1 or 2 spatial axes.
class PoolingImpl : public Layer {
public:
    PoolingImpl(bool max, int dimensions, IntTuple pool_size, PoolingOptions options);

    std::string class_name() const override;
    Shape compute_output_shape(const Shape& input_shape) const override;
    nlohmann::json get_config() const override;

    bool is_max() const { return max_; }
    const std::vector<std::int64_t>& pool_size() const { return pool_size_; }
    const std::vector<std::int64_t>& strides() const { return strides_; }
    const std::string& padding() const { return padding_; }

protected:
    Tensor call(const Tensor& x, bool training) override;

private:
    bool max_;
    int dimensions_;
    std::vector<std::int64_t> pool_size_, strides_;
    std::string padding_, data_format_;
};

class MaxPooling1D : public LayerHandle<PoolingImpl> {
public:
    explicit MaxPooling1D(IntTuple pool_size = 2, PoolingOptions options = {})
        : LayerHandle(std::make_shared<PoolingImpl>(true, 1, std::move(pool_size), std::move(options))) {}
};

class MaxPooling2D : public LayerHandle<PoolingImpl> {
public:
    explicit MaxPooling2D(IntTuple pool_size = {2, 2}, PoolingOptions options = {})
        : LayerHandle(std::make_shared<PoolingImpl>(true, 2, std::move(pool_size), std::move(options))) {}
};

class AveragePooling1D : public LayerHandle<PoolingImpl> {
public:
    explicit AveragePooling1D(IntTuple pool_size = 2, PoolingOptions options = {})
        : LayerHandle(std::make_shared<PoolingImpl>(false, 1, std::move(pool_size), std::move(options))) {}
};

class AveragePooling2D : public LayerHandle<PoolingImpl> {
public:
    explicit AveragePooling2D(IntTuple pool_size = {2, 2}, PoolingOptions options = {})
        : LayerHandle(std::make_shared<PoolingImpl>(false, 2, std::move(pool_size), std::move(options))) {}
};

// Keras: GlobalMaxPooling2D(data_format=None, keepdims=False, **kwargs).
struct GlobalPoolingOptions {
    std::string data_format = "channels_last";
    bool keepdims = false;
    // Keras's layer keyword arguments.
    Shape input_shape;
    std::string name;
    bool trainable = true;
    DType dtype = float32;
};

// Keras's BaseGlobalPooling: the max or mean over every spatial axis.
class GlobalPoolingImpl : public Layer {
public:
    GlobalPoolingImpl(bool max, int dimensions, GlobalPoolingOptions options);

    std::string class_name() const override;
    Shape compute_output_shape(const Shape& input_shape) const override;
    nlohmann::json get_config() const override;

    bool keepdims() const { return keepdims_; }
    bool is_max() const { return max_; }
    const std::string& data_format() const { return data_format_; }

protected:
    Tensor call(const Tensor& x, bool training) override;

private:
    bool max_;
    int dimensions_;
    std::string data_format_;
    bool keepdims_;
};

class GlobalMaxPooling1D : public LayerHandle<GlobalPoolingImpl> {
public:
    explicit GlobalMaxPooling1D(GlobalPoolingOptions options = {})
        : LayerHandle(std::make_shared<GlobalPoolingImpl>(true, 1, std::move(options))) {}
};

class GlobalMaxPooling2D : public LayerHandle<GlobalPoolingImpl> {
public:
    explicit GlobalMaxPooling2D(GlobalPoolingOptions options = {})
        : LayerHandle(std::make_shared<GlobalPoolingImpl>(true, 2, std::move(options))) {}
};

class GlobalAveragePooling1D : public LayerHandle<GlobalPoolingImpl> {
public:
    explicit GlobalAveragePooling1D(GlobalPoolingOptions options = {})
        : LayerHandle(std::make_shared<GlobalPoolingImpl>(false, 1, std::move(options))) {}
};

class GlobalAveragePooling2D : public LayerHandle<GlobalPoolingImpl> {
public:
    explicit GlobalAveragePooling2D(GlobalPoolingOptions options = {})
        : LayerHandle(std::make_shared<GlobalPoolingImpl>(false, 2, std::move(options))) {}
};

}  // namespace strata::layers
