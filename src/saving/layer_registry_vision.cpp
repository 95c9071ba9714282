// The factories of the convolution, pooling and spatial reshaping layers, each reading the fields of the
// class's Keras 3 get_config (keras/src/layers/convolutional, pooling, reshaping) into its options struct.
// data_format is passed on as written: the layers refuse "channels_first" where they do not support it.
#include "saving/layer_registry.hpp"

#include "strata/layers/convolution.hpp"
#include "strata/layers/pooling.hpp"
#include "strata/layers/reshaping.hpp"

namespace strata::saving::detail {

namespace {

using namespace strata::layers;

// ---- convolution ----

// Keras's base_conv arguments after kernel_size, up to the initializers (strides=1, padding="valid", ...).
template <class Options>
void read_window(LayerConfig& c, Options& options) {
    options.strides = c.int_tuple("strides", 1);
    options.padding = c.string("padding", "valid");
    options.data_format = c.data_format("data_format");
    options.dilation_rate = c.int_tuple("dilation_rate", 1);
    options.activation = c.activation("activation");
    options.use_bias = c.boolean("use_bias", true);
}

template <int rank>
std::shared_ptr<Layer> make_conv(LayerConfig& c) {
    CommonArgs common = c.common();
    ConvOptions options;
    std::int64_t filters = c.integer("filters");
    IntTuple kernel_size = c.int_tuple("kernel_size", {});
    read_window(c, options);
    options.groups = c.integer("groups", 1);
    options.kernel_initializer = c.initializer("kernel_initializer", "glorot_uniform");
    options.bias_initializer = c.initializer("bias_initializer", "zeros");
    options.kernel_regularizer = c.regularizer("kernel_regularizer");
    options.bias_regularizer = c.regularizer("bias_regularizer");
    c.no_constraint("kernel_constraint");
    c.no_constraint("bias_constraint");
    options.activity_regularizer = common.activity_regularizer;
    return c.make<ConvImpl>(common, rank, filters, kernel_size, with_common(options, common, c));
}

template <int rank>
std::shared_ptr<Layer> make_conv_transpose(LayerConfig& c) {
    CommonArgs common = c.common();
    ConvTransposeOptions options;
    std::int64_t filters = c.integer("filters");
    IntTuple kernel_size = c.int_tuple("kernel_size", {});
    read_window(c, options);
    options.output_padding = c.int_tuple("output_padding", {});  // null: None
    options.kernel_initializer = c.initializer("kernel_initializer", "glorot_uniform");
    options.bias_initializer = c.initializer("bias_initializer", "zeros");
    options.kernel_regularizer = c.regularizer("kernel_regularizer");
    options.bias_regularizer = c.regularizer("bias_regularizer");
    c.no_constraint("kernel_constraint");
    c.no_constraint("bias_constraint");
    options.activity_regularizer = common.activity_regularizer;
    return c.make<ConvTransposeImpl>(common, rank, filters, kernel_size, with_common(options, common, c));
}

template <int rank>
std::shared_ptr<Layer> make_depthwise_conv(LayerConfig& c) {
    CommonArgs common = c.common();
    DepthwiseConvOptions options;
    IntTuple kernel_size = c.int_tuple("kernel_size", {});
    read_window(c, options);
    options.depth_multiplier = c.integer("depth_multiplier", 1);
    options.depthwise_initializer = c.initializer("depthwise_initializer", "glorot_uniform");
    options.bias_initializer = c.initializer("bias_initializer", "zeros");
    options.depthwise_regularizer = c.regularizer("depthwise_regularizer");
    options.bias_regularizer = c.regularizer("bias_regularizer");
    c.no_constraint("depthwise_constraint");
    c.no_constraint("bias_constraint");
    options.activity_regularizer = common.activity_regularizer;
    return c.make<DepthwiseConvImpl>(common, rank, kernel_size, with_common(options, common, c));
}

template <int rank>
std::shared_ptr<Layer> make_separable_conv(LayerConfig& c) {
    CommonArgs common = c.common();
    SeparableConvOptions options;
    std::int64_t filters = c.integer("filters");
    IntTuple kernel_size = c.int_tuple("kernel_size", {});
    read_window(c, options);
    options.depth_multiplier = c.integer("depth_multiplier", 1);
    options.depthwise_initializer = c.initializer("depthwise_initializer", "glorot_uniform");
    options.pointwise_initializer = c.initializer("pointwise_initializer", "glorot_uniform");
    options.bias_initializer = c.initializer("bias_initializer", "zeros");
    options.depthwise_regularizer = c.regularizer("depthwise_regularizer");
    options.pointwise_regularizer = c.regularizer("pointwise_regularizer");
    options.bias_regularizer = c.regularizer("bias_regularizer");
    c.no_constraint("depthwise_constraint");
    c.no_constraint("pointwise_constraint");
    c.no_constraint("bias_constraint");
    options.activity_regularizer = common.activity_regularizer;
    return c.make<SeparableConvImpl>(common, rank, filters, kernel_size, with_common(options, common, c));
}

// ---- pooling ----

// Keras: MaxPooling1D(pool_size=2, ...), MaxPooling2D(pool_size=(2, 2), ...); strides=None means pool_size.
template <bool max, int rank>
std::shared_ptr<Layer> make_pooling(LayerConfig& c) {
    CommonArgs common = c.common();
    PoolingOptions options;
    IntTuple pool_size = c.int_tuple("pool_size", 2);
    options.strides = c.int_tuple("strides", {});
    options.padding = c.string("padding", "valid");
    options.data_format = c.data_format("data_format");
    return c.make<PoolingImpl>(common, max, rank, pool_size, with_common(options, common, c));
}

template <bool max, int rank>
std::shared_ptr<Layer> make_global_pooling(LayerConfig& c) {
    CommonArgs common = c.common();
    GlobalPoolingOptions options;
    options.data_format = c.data_format("data_format");
    options.keepdims = c.boolean("keepdims", false);
    return c.make<GlobalPoolingImpl>(common, max, rank, with_common(options, common, c));
}

// ---- spatial reshaping ----

std::shared_ptr<Layer> make_up_sampling2d(LayerConfig& c) {
    CommonArgs common = c.common();
    UpSampling2DOptions options;
    IntTuple size = c.int_tuple("size", IntTuple{2, 2});
    options.data_format = c.data_format("data_format");
    options.interpolation = c.string("interpolation", "nearest");
    return c.make<UpSampling2DImpl>(common, size, with_common(options, common, c));
}

// Keras's ZeroPadding2D padding / Cropping2D cropping: an integer, a pair (symmetric per axis), or a pair of
// pairs ((top, bottom), (left, right)).
Padding2DSpec padding_2d(LayerConfig& c, const std::string& key, std::int64_t fallback) {
    const nlohmann::json& value = c.raw(key);
    if (value.is_null()) return fallback;
    if (value.is_number_integer()) return value.get<std::int64_t>();
    auto entry = [&](const nlohmann::json& e) -> IntTuple {
        if (e.is_number_integer()) return e.get<std::int64_t>();
        if (e.is_array() && e.size() == 2 && e[0].is_number_integer() && e[1].is_number_integer())
            return IntTuple{e[0].get<std::int64_t>(), e[1].get<std::int64_t>()};
        throw c.field_error(key, "expects an integer, a pair or a pair of pairs of integers, got " + value.dump());
    };
    if (!value.is_array() || value.size() != 2)
        throw c.field_error(key, "expects an integer, a pair or a pair of pairs of integers, got " + value.dump());
    return Padding2DSpec{entry(value[0]), entry(value[1])};
}

std::shared_ptr<Layer> make_zero_padding2d(LayerConfig& c) {
    CommonArgs common = c.common();
    ZeroPadding2DOptions options;
    Padding2DSpec padding = padding_2d(c, "padding", 1);
    options.data_format = c.data_format("data_format");
    return c.make<ZeroPadding2DImpl>(common, padding, with_common(options, common, c));
}

std::shared_ptr<Layer> make_cropping2d(LayerConfig& c) {
    CommonArgs common = c.common();
    Cropping2DOptions options;
    Padding2DSpec cropping = padding_2d(c, "cropping", 0);
    options.data_format = c.data_format("data_format");
    return c.make<Cropping2DImpl>(common, cropping, with_common(options, common, c));
}

}  // namespace

void add_vision_layers(BuiltinTable& table) {
    table["Conv1D"] = make_conv<1>;
    table["Conv2D"] = make_conv<2>;
    table["Conv3D"] = make_conv<3>;
    table["Conv1DTranspose"] = make_conv_transpose<1>;
    table["Conv2DTranspose"] = make_conv_transpose<2>;
    table["Conv3DTranspose"] = make_conv_transpose<3>;
    table["DepthwiseConv1D"] = make_depthwise_conv<1>;
    table["DepthwiseConv2D"] = make_depthwise_conv<2>;
    table["SeparableConv1D"] = make_separable_conv<1>;
    table["SeparableConv2D"] = make_separable_conv<2>;
    table["MaxPooling1D"] = make_pooling<true, 1>;
    table["MaxPooling2D"] = make_pooling<true, 2>;
    table["AveragePooling1D"] = make_pooling<false, 1>;
    table["AveragePooling2D"] = make_pooling<false, 2>;
    table["GlobalMaxPooling1D"] = make_global_pooling<true, 1>;
    table["GlobalMaxPooling2D"] = make_global_pooling<true, 2>;
    table["GlobalAveragePooling1D"] = make_global_pooling<false, 1>;
    table["GlobalAveragePooling2D"] = make_global_pooling<false, 2>;
    table["UpSampling2D"] = make_up_sampling2d;
    table["ZeroPadding2D"] = make_zero_padding2d;
    table["Cropping2D"] = make_cropping2d;
}

}  // namespace strata::saving::detail
