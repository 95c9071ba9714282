// The factories of the core, activation, normalization, regularization, reshaping and merging layers, each
// reading the fields of the class's Keras 3 get_config (keras/src/layers/...) into its options struct.
#include "saving/layer_registry.hpp"

#include "strata/layers/activation.hpp"
#include "strata/layers/dense.hpp"
#include "strata/layers/merging.hpp"
#include "strata/layers/normalization.hpp"
#include "strata/layers/regularization.hpp"
#include "strata/layers/reshaping.hpp"
#include "strata/models/input.hpp"

namespace strata::saving::detail {

namespace {

using namespace strata::layers;

// ---- core ----

std::shared_ptr<Layer> make_input_layer(LayerConfig& c) {
    // Keras 3: {"batch_shape": [null, 28, 28, 1], "dtype": "float32", "sparse": false, "ragged": false,
    // "name": "input_layer", "optional": false}; Keras 2 writes "batch_input_shape"; Input(shape, batch_size)
    // gives "shape" and "batch_size". An InputLayer has no trainable or activity_regularizer.
    std::string name = c.string("name", "");
    Shape batch_shape = c.shape("batch_shape");
    Shape legacy = c.shape("batch_input_shape");
    Shape shape = c.shape("shape");
    std::optional<std::int64_t> batch_size = c.optional_integer("batch_size");
    if (batch_shape.empty()) batch_shape = legacy;
    if (batch_shape.empty() && !shape.empty()) batch_shape = shape.with_batch(batch_size.value_or(-1));
    if (batch_shape.empty())
        throw ValueError(c.who() + ": an InputLayer needs \"batch_shape\" (or Keras 2's \"batch_input_shape\")");
    const nlohmann::json& dtype_value = c.raw("dtype");
    DType dtype = dtype_value.is_null() ? float32 : parse_dtype(dtype_value, false, c.who());
    c.ignored("sparse", false, "strata has no sparse tensors");
    c.ignored("ragged", false, "strata has no ragged tensors");
    c.ignored("optional", false, "strata's inputs are always given");
    c.finish();
    return std::make_shared<InputLayer>(batch_shape, dtype, name);
}

std::shared_ptr<Layer> make_dense(LayerConfig& c) {
    CommonArgs common = c.common();
    DenseOptions options;
    std::int64_t units = c.integer("units");
    activations::ActivationSpec activation = c.activation("activation");
    options.use_bias = c.boolean("use_bias", true);
    options.kernel_initializer = c.initializer("kernel_initializer", "glorot_uniform");
    options.bias_initializer = c.initializer("bias_initializer", "zeros");
    options.kernel_regularizer = c.regularizer("kernel_regularizer");
    options.bias_regularizer = c.regularizer("bias_regularizer");
    c.no_constraint("kernel_constraint");
    c.no_constraint("bias_constraint");
    options.activity_regularizer = common.activity_regularizer;
    return c.make<DenseImpl>(common, units, activation, with_common(options, common, c));
}

std::shared_ptr<Layer> make_activation(LayerConfig& c) {
    CommonArgs common = c.common();
    activations::ActivationSpec activation = c.activation("activation");
    return c.make<ActivationImpl>(common, activation, with_common(ActivationOptions{}, common, c));
}

// ---- normalization ----

std::shared_ptr<Layer> make_batch_normalization(LayerConfig& c) {
    CommonArgs common = c.common();
    BatchNormalizationOptions options;
    options.axis = static_cast<int>(c.integer("axis", -1));
    options.momentum = c.number("momentum", 0.99);
    options.epsilon = c.number("epsilon", 1e-3);
    options.center = c.boolean("center", true);
    options.scale = c.boolean("scale", true);
    options.beta_initializer = c.initializer("beta_initializer", "zeros");
    options.gamma_initializer = c.initializer("gamma_initializer", "ones");
    options.moving_mean_initializer = c.initializer("moving_mean_initializer", "zeros");
    options.moving_variance_initializer = c.initializer("moving_variance_initializer", "ones");
    options.beta_regularizer = c.regularizer("beta_regularizer");
    options.gamma_regularizer = c.regularizer("gamma_regularizer");
    c.no_constraint("beta_constraint");
    c.no_constraint("gamma_constraint");
    // Keras: synchronized only syncs the statistics across devices; on one device both values compute the same.
    c.boolean("synchronized", false);
    return c.make<BatchNormalizationImpl>(common, with_common(options, common, c));
}

// Keras's LayerNormalization axis: an integer or a list of integers.
NormalizationAxes normalization_axes(LayerConfig& c) {
    const nlohmann::json& value = c.raw("axis");
    if (value.is_null()) return -1;
    if (value.is_number_integer()) return value.get<int>();
    std::vector<int> a;
    if (value.is_array())
        for (const nlohmann::json& v : value)
            if (v.is_number_integer()) a.push_back(v.get<int>());
    if (!value.is_array() || a.size() != value.size() || a.empty() || a.size() > 6)
        throw c.field_error("axis", "expects an integer or a list of 1 to 6 integers, got " + value.dump());
    switch (a.size()) {  // NormalizationAxes takes the list form as an initializer list
        case 1: return NormalizationAxes{a[0]};
        case 2: return NormalizationAxes{a[0], a[1]};
        case 3: return NormalizationAxes{a[0], a[1], a[2]};
        case 4: return NormalizationAxes{a[0], a[1], a[2], a[3]};
        case 5: return NormalizationAxes{a[0], a[1], a[2], a[3], a[4]};
        default: return NormalizationAxes{a[0], a[1], a[2], a[3], a[4], a[5]};
    }
}

std::shared_ptr<Layer> make_layer_normalization(LayerConfig& c) {
    CommonArgs common = c.common();
    LayerNormalizationOptions options;
    options.axis = normalization_axes(c);
    options.epsilon = c.number("epsilon", 1e-3);
    options.center = c.boolean("center", true);
    options.scale = c.boolean("scale", true);
    options.rms_scaling = c.boolean("rms_scaling", false);
    options.beta_initializer = c.initializer("beta_initializer", "zeros");
    options.gamma_initializer = c.initializer("gamma_initializer", "ones");
    options.beta_regularizer = c.regularizer("beta_regularizer");
    options.gamma_regularizer = c.regularizer("gamma_regularizer");
    c.no_constraint("beta_constraint");
    c.no_constraint("gamma_constraint");
    return c.make<LayerNormalizationImpl>(common, with_common(options, common, c));
}

// ---- regularization ----

std::shared_ptr<Layer> make_dropout(LayerConfig& c) {
    CommonArgs common = c.common();
    DropoutOptions options;
    double rate = c.number("rate");
    options.noise_shape = c.shape("noise_shape");
    options.seed = c.optional_integer("seed");
    return c.make<DropoutImpl>(common, rate, with_common(options, common, c));
}

std::shared_ptr<Layer> make_spatial_dropout1d(LayerConfig& c) {
    CommonArgs common = c.common();
    SpatialDropout1DOptions options;
    double rate = c.number("rate");
    options.seed = c.optional_integer("seed");
    return c.make<SpatialDropout1DImpl>(common, rate, with_common(options, common, c));
}

std::shared_ptr<Layer> make_spatial_dropout2d(LayerConfig& c) {
    CommonArgs common = c.common();
    SpatialDropout2DOptions options;
    double rate = c.number("rate");
    options.data_format = c.data_format("data_format");
    options.seed = c.optional_integer("seed");
    return c.make<SpatialDropout2DImpl>(common, rate, with_common(options, common, c));
}

std::shared_ptr<Layer> make_gaussian_noise(LayerConfig& c) {
    CommonArgs common = c.common();
    GaussianNoiseOptions options;
    double stddev = c.number("stddev");
    options.seed = c.optional_integer("seed");
    return c.make<GaussianNoiseImpl>(common, stddev, with_common(options, common, c));
}

std::shared_ptr<Layer> make_gaussian_dropout(LayerConfig& c) {
    CommonArgs common = c.common();
    GaussianDropoutOptions options;
    double rate = c.number("rate");
    options.seed = c.optional_integer("seed");
    return c.make<GaussianDropoutImpl>(common, rate, with_common(options, common, c));
}

std::shared_ptr<Layer> make_activity_regularization(LayerConfig& c) {
    CommonArgs common = c.common();
    // Keras's ActivityRegularization sets its own activity_regularizer from l1 and l2.
    if (common.activity_regularizer)
        throw c.field_error("activity_regularizer", "is not an argument of ActivityRegularization (it takes l1 and l2)");
    double l1 = c.number("l1", 0.0);
    double l2 = c.number("l2", 0.0);
    return c.make<ActivityRegularizationImpl>(common, l1, l2, with_common(ActivityRegularizationOptions{}, common, c));
}

// ---- reshaping ----

std::shared_ptr<Layer> make_flatten(LayerConfig& c) {
    CommonArgs common = c.common();
    FlattenOptions options;
    options.data_format = c.data_format("data_format");
    return c.make<FlattenImpl>(common, with_common(options, common, c));
}

std::shared_ptr<Layer> make_reshape(LayerConfig& c) {
    CommonArgs common = c.common();
    Shape target_shape(c.integers("target_shape"));  // -1 allowed: one extent inferred
    return c.make<ReshapeImpl>(common, target_shape, with_common(ReshapeOptions{}, common, c));
}

std::shared_ptr<Layer> make_permute(LayerConfig& c) {
    CommonArgs common = c.common();
    std::vector<int> dims;
    for (std::int64_t d : c.integers("dims")) dims.push_back(static_cast<int>(d));
    return c.make<PermuteImpl>(common, dims, with_common(PermuteOptions{}, common, c));
}

std::shared_ptr<Layer> make_repeat_vector(LayerConfig& c) {
    CommonArgs common = c.common();
    std::int64_t n = c.integer("n");
    return c.make<RepeatVectorImpl>(common, n, with_common(RepeatVectorOptions{}, common, c));
}

std::shared_ptr<Layer> make_rescaling(LayerConfig& c) {
    CommonArgs common = c.common();
    RescalingOptions options;
    double scale = c.number("scale");
    options.offset = c.number("offset", 0.0);
    return c.make<RescalingImpl>(common, scale, with_common(options, common, c));
}

// ---- merging ----

template <MergeKind kind>
std::shared_ptr<Layer> make_merge(LayerConfig& c) {
    CommonArgs common = c.common();
    return c.make<MergeImpl>(common, kind, with_common(MergeOptions{}, common, c));
}

std::shared_ptr<Layer> make_concatenate(LayerConfig& c) {
    CommonArgs common = c.common();
    ConcatenateOptions options;
    options.axis = static_cast<int>(c.integer("axis", -1));
    return c.make<ConcatenateImpl>(common, with_common(options, common, c));
}

std::shared_ptr<Layer> make_dot(LayerConfig& c) {
    CommonArgs common = c.common();
    DotOptions options;
    const nlohmann::json& value = c.raw("axes");
    options.normalize = c.boolean("normalize", false);
    auto axes = [&]() -> DotAxes {
        if (value.is_number_integer()) return value.get<int>();
        if (value.is_array() && value.size() == 2 && value[0].is_number_integer() && value[1].is_number_integer())
            return DotAxes{value[0].get<int>(), value[1].get<int>()};
        throw c.field_error("axes", "expects an integer or a list of 2 integers, got " + value.dump());
    }();
    return c.make<DotImpl>(common, axes, with_common(options, common, c));
}

}  // namespace

void add_core_layers(BuiltinTable& table) {
    table["InputLayer"] = make_input_layer;
    table["Dense"] = make_dense;
    table["Activation"] = make_activation;
    table["BatchNormalization"] = make_batch_normalization;
    table["LayerNormalization"] = make_layer_normalization;
    table["Dropout"] = make_dropout;
    table["SpatialDropout1D"] = make_spatial_dropout1d;
    table["SpatialDropout2D"] = make_spatial_dropout2d;
    table["GaussianNoise"] = make_gaussian_noise;
    table["GaussianDropout"] = make_gaussian_dropout;
    table["ActivityRegularization"] = make_activity_regularization;
    table["Flatten"] = make_flatten;
    table["Reshape"] = make_reshape;
    table["Permute"] = make_permute;
    table["RepeatVector"] = make_repeat_vector;
    table["Rescaling"] = make_rescaling;
    table["Add"] = make_merge<MergeKind::add>;
    table["Subtract"] = make_merge<MergeKind::subtract>;
    table["Multiply"] = make_merge<MergeKind::multiply>;
    table["Average"] = make_merge<MergeKind::average>;
    table["Maximum"] = make_merge<MergeKind::maximum>;
    table["Minimum"] = make_merge<MergeKind::minimum>;
    table["Concatenate"] = make_concatenate;
    table["Dot"] = make_dot;
}

}  // namespace strata::saving::detail
