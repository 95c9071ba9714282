// serialize_layer / deserialize_layer / register_keras_serializable: every layer class round-trips (same
// config, same output with the weights copied); the layer configs of the real Keras files in the fixtures
// deserialize, with the Keras defaults they rely on; every refusal names what it refuses.
#include <gtest/gtest.h>

#include <array>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <strata/layers/activation.hpp>
#include <strata/layers/convolution.hpp>
#include <strata/layers/dense.hpp>
#include <strata/layers/merging.hpp>
#include <strata/layers/normalization.hpp>
#include <strata/layers/pooling.hpp>
#include <strata/layers/regularization.hpp>
#include <strata/layers/reshaping.hpp>
#include <strata/models/input.hpp>
#include <strata/ops/elementwise.hpp>
#include <strata/ops/random.hpp>
#include <strata/saving/serialization.hpp>
#include <strata/strata.hpp>

#include "core/tensor_matchers.hpp"

namespace strata {
namespace {

using json = nlohmann::json;
using saving::deserialize_layer;
using saving::serialize_layer;
using testing::expect_error;
using namespace strata::layers;

std::vector<double> values(const Tensor& t) { return ops::cast(t, float64).to_vector<double>(); }

Tensor call(Layer& layer, const std::vector<Tensor>& inputs) {
    return inputs.size() == 1 ? layer(inputs[0]) : layer(inputs);
}

// Builds `layer` on `inputs`, serializes it (through text, as in a file), deserializes it, and expects the
// same class, config and, with the weights copied, the same output.
void expect_round_trip(const std::shared_ptr<Layer>& layer, const std::vector<Tensor>& inputs) {
    SCOPED_TRACE(layer->class_name() + " " + layer->name());
    Tensor expected = call(*layer, inputs);
    json serialized = serialize_layer(*layer);
    EXPECT_EQ(serialized["module"], "keras.layers");
    EXPECT_EQ(serialized["registered_name"], nullptr);
    EXPECT_EQ(serialized["class_name"], layer->class_name());
    ASSERT_TRUE(serialized.contains("build_config"));
    std::shared_ptr<Layer> copy = deserialize_layer(json::parse(serialized.dump()));
    ASSERT_TRUE(copy);
    EXPECT_EQ(copy->class_name(), layer->class_name());
    EXPECT_EQ(copy->get_config(), layer->get_config());
    EXPECT_TRUE(copy->built());  // from build_config, so that weights can be loaded before any call
    EXPECT_EQ(copy->weight_names(), layer->weight_names());
    copy->set_weights(layer->get_weights());
    Tensor actual = call(*copy, inputs);
    EXPECT_EQ(actual.shape(), expected.shape());
    EXPECT_EQ(values(actual), values(expected));
}

Tensor normal(const Shape& shape) { return random::normal(shape); }

class LayerRegistryTest : public ::testing::Test {
protected:
    void SetUp() override {
        clear_session();
        random::seed(7);
    }
};

// ---- every class round-trips with non-default options ----

TEST_F(LayerRegistryTest, CoreLayersRoundTrip) {
    expect_round_trip(Dense(3, "tanh",
                            {.use_bias = true,
                             .kernel_initializer = initializers::RandomNormal({.stddev = 0.1}),
                             .bias_initializer = initializers::Constant(0.5),
                             .kernel_regularizer = regularizers::L2(0.02),
                             .bias_regularizer = regularizers::L1(0.03),
                             .activity_regularizer = regularizers::L1L2(0.1, 0.2),
                             .name = "my_dense",
                             .trainable = false,
                             .dtype = float64}),
                      {normal({4, 5})});
    expect_round_trip(Dense(2, {}, {.use_bias = false}), {normal({2, 3, 4})});
    expect_round_trip(Activation("softmax", {.name = "probabilities"}), {normal({2, 5})});
    expect_round_trip(Activation("gelu"), {normal({2, 5})});
}

TEST_F(LayerRegistryTest, ConvolutionLayersRoundTrip) {
    expect_round_trip(Conv1D(4, 3, {.strides = 2, .padding = "same", .activation = "relu"}), {normal({2, 9, 3})});
    expect_round_trip(Conv1D(2, 2, {.padding = "causal", .dilation_rate = 2}), {normal({2, 9, 3})});
    expect_round_trip(Conv2D(6, {3, 2},
                             {.padding = "same", .dilation_rate = {2, 1}, .groups = 2, .use_bias = false,
                              .kernel_initializer = "he_normal", .kernel_regularizer = regularizers::L2(0.1),
                              .activity_regularizer = regularizers::L1(0.01), .dtype = float64}),
                      {normal({2, 7, 7, 4})});
    expect_round_trip(Conv3D(2, 2, {.strides = {1, 2, 1}, .activation = "sigmoid"}), {normal({1, 4, 4, 4, 2})});
    expect_round_trip(Conv1DTranspose(3, 3, {.strides = 2, .output_padding = 1}), {normal({2, 5, 2})});
    expect_round_trip(Conv2DTranspose(3, {3, 2}, {.strides = {2, 2}, .padding = "same", .activation = "elu"}),
                      {normal({2, 4, 5, 3})});
    expect_round_trip(Conv3DTranspose(2, 2, {.bias_initializer = initializers::Constant(0.1)}),
                      {normal({1, 3, 3, 3, 2})});
    expect_round_trip(DepthwiseConv1D(3, {.depth_multiplier = 2, .bias_initializer = "ones"}), {normal({2, 8, 3})});
    expect_round_trip(DepthwiseConv2D({3, 3}, {.padding = "same", .depth_multiplier = 2, .activation = "sigmoid",
                                               .depthwise_regularizer = regularizers::L1(0.01)}),
                      {normal({2, 6, 6, 3})});
    expect_round_trip(SeparableConv1D(4, 3, {.depth_multiplier = 2, .use_bias = false}), {normal({2, 8, 3})});
    expect_round_trip(SeparableConv2D(5, 3, {.strides = 2, .depth_multiplier = 2, .pointwise_initializer = "he_normal",
                                             .pointwise_regularizer = regularizers::L2(0.01)}),
                      {normal({2, 9, 9, 4})});
}

TEST_F(LayerRegistryTest, PoolingLayersRoundTrip) {
    expect_round_trip(MaxPooling1D(3, {.strides = 1, .padding = "same"}), {normal({2, 7, 3})});
    expect_round_trip(MaxPooling2D({2, 3}, {.strides = {1, 2}}), {normal({2, 6, 7, 3})});
    expect_round_trip(AveragePooling1D(2, {.name = "avg"}), {normal({2, 7, 3})});
    expect_round_trip(AveragePooling2D(3, {.padding = "same"}), {normal({2, 7, 7, 2})});
    expect_round_trip(GlobalMaxPooling1D({.keepdims = true}), {normal({2, 7, 3})});
    expect_round_trip(GlobalMaxPooling2D(), {normal({2, 4, 5, 3})});
    expect_round_trip(GlobalAveragePooling1D(), {normal({2, 7, 3})});
    expect_round_trip(GlobalAveragePooling2D({.keepdims = true}), {normal({2, 4, 5, 3})});
}

TEST_F(LayerRegistryTest, NormalizationAndRegularizationLayersRoundTrip) {
    BatchNormalization bn({.axis = 1, .momentum = 0.9, .epsilon = 1e-2, .center = false,
                           .moving_variance_initializer = initializers::Constant(2.0),
                           .gamma_regularizer = regularizers::L2(0.01)});
    bn(normal({8, 3, 5}), {.training = true});  // moves the statistics away from their initial values
    expect_round_trip(bn, {normal({4, 3, 5})});
    expect_round_trip(LayerNormalization({.axis = {1, 2}, .epsilon = 1e-4, .scale = false}), {normal({2, 3, 4})});
    expect_round_trip(LayerNormalization({.axis = -1, .rms_scaling = true}), {normal({2, 6})});
    expect_round_trip(Dropout(0.3, {.noise_shape = {-1, 1, 4}, .seed = 3}), {normal({2, 3, 4})});
    expect_round_trip(SpatialDropout1D(0.2, {.seed = 1}), {normal({2, 3, 4})});
    expect_round_trip(SpatialDropout2D(0.2, {.seed = 5, .name = "sd"}), {normal({2, 3, 3, 4})});
    expect_round_trip(GaussianNoise(0.5, {.seed = 2}), {normal({2, 4})});
    expect_round_trip(GaussianDropout(0.3, {.seed = 9}), {normal({2, 4})});
    expect_round_trip(ActivityRegularization(0.1, 0.2), {normal({2, 4})});
}

TEST_F(LayerRegistryTest, ReshapingLayersRoundTrip) {
    expect_round_trip(Flatten(), {normal({2, 3, 4})});
    expect_round_trip(Flatten({.data_format = "channels_first"}), {normal({2, 3, 4})});
    expect_round_trip(Reshape({3, -1}), {normal({2, 3, 4})});
    expect_round_trip(Permute({2, 1}), {normal({2, 3, 4})});
    expect_round_trip(RepeatVector(3), {normal({2, 4})});
    expect_round_trip(UpSampling2D({2, 3}), {normal({2, 3, 3, 2})});
    expect_round_trip(Rescaling(1.0 / 255, {.offset = -1.0}), {normal({2, 4})});
    expect_round_trip(ZeroPadding2D({{1, 2}, {3, 4}}), {normal({2, 3, 3, 2})});
    expect_round_trip(ZeroPadding2D(2, {.data_format = "channels_first"}), {normal({2, 2, 3, 3})});
    expect_round_trip(Cropping2D({1, 2}), {normal({2, 6, 6, 2})});
}

TEST_F(LayerRegistryTest, MergingLayersRoundTrip) {
    std::vector<Tensor> pair{normal({2, 3}), normal({2, 3})};
    expect_round_trip(Add(), pair);
    expect_round_trip(Subtract(), pair);
    expect_round_trip(Multiply(), pair);
    expect_round_trip(Average(), pair);
    expect_round_trip(Maximum(), pair);
    expect_round_trip(Minimum({.name = "smallest"}), pair);
    expect_round_trip(Concatenate({.axis = 1}), {normal({2, 3}), normal({2, 2})});
    expect_round_trip(Dot({1, 1}, {.normalize = true}), pair);
    expect_round_trip(Dot(1), pair);
}

TEST_F(LayerRegistryTest, InputLayerRoundTripsWithNullExtents) {
    auto input = std::make_shared<InputLayer>(Shape{-1, 28, 28, 1}, float32, "pixels");
    json serialized = serialize_layer(*input);
    EXPECT_EQ(serialized["class_name"], "InputLayer");
    // Keras 3: {"batch_shape": [null, 28, 28, 1], "dtype": "float32", "sparse": false, "name": ...}.
    EXPECT_EQ(serialized["config"]["batch_shape"], json::parse("[null, 28, 28, 1]"));
    EXPECT_FALSE(serialized.contains("build_config"));
    std::shared_ptr<Layer> copy = deserialize_layer(serialized);
    auto* copied = dynamic_cast<InputLayer*>(copy.get());
    ASSERT_NE(copied, nullptr);
    EXPECT_EQ(copied->batch_shape(), (Shape{-1, 28, 28, 1}));
    EXPECT_EQ(copied->name(), "pixels");
    EXPECT_EQ(copy->get_config(), input->get_config());
}

TEST_F(LayerRegistryTest, SerializedLayerHasKerasFormAndBuildConfig) {
    Dense d(4, "relu");
    json before = serialize_layer(*d);
    EXPECT_FALSE(before.contains("build_config"));  // Keras writes none before build
    d(normal({2, 3}));
    json s = serialize_layer(*d);
    EXPECT_EQ(s["build_config"], json::parse(R"({"input_shape": [2, 3]})"));
    // Keras 3: the dtype is the layer's serialized DTypePolicy; initializers are serialized with their module.
    EXPECT_EQ(s["config"]["dtype"], json::parse(R"({"module": "keras", "class_name": "DTypePolicy",
                                                    "config": {"name": "float32"}, "registered_name": null})"));
    EXPECT_EQ(s["config"]["kernel_initializer"],
              json::parse(R"({"module": "keras.initializers", "class_name": "GlorotUniform",
                              "config": {"seed": null}, "registered_name": null})"));
    EXPECT_EQ(s["config"]["kernel_constraint"], nullptr);
    EXPECT_EQ(s["config"]["bias_constraint"], nullptr);
    // Several inputs: a list of shapes, as Keras's build_config of a merge layer.
    Add add;
    add({normal({2, 3}), normal({2, 3})});
    EXPECT_EQ(serialize_layer(*add)["build_config"], json::parse(R"({"input_shape": [[2, 3], [2, 3]]})"));
}

// ---- the layer configs of the real Keras files (shared/fixtures/keras) ----

// cnn_fashion_mnist_keras3.keras (Keras 3.10.0).
constexpr const char* kFashionInput = R"({"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 28, 28, 1], "dtype": "float32", "sparse": false, "ragged": false, "name": "input_layer"}, "registered_name": null})";
constexpr const char* kFashionConv = R"({"module": "keras.layers", "class_name": "Conv2D", "config": {"name": "conv2d", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "filters": 32, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid", "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1, "activation": "relu", "use_bias": true, "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": null}, "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}, "kernel_regularizer": null, "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null}, "registered_name": null, "build_config": {"input_shape": [null, 28, 28, 1]}})";
constexpr const char* kFashionPool = R"({"module": "keras.layers", "class_name": "MaxPooling2D", "config": {"name": "max_pooling2d", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null, "shared_object_id": 139979014837440}, "pool_size": [2, 2], "padding": "valid", "strides": [2, 2], "data_format": "channels_last"}, "registered_name": null})";
constexpr const char* kFashionFlatten = R"({"module": "keras.layers", "class_name": "Flatten", "config": {"name": "flatten", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null, "shared_object_id": 139979014837440}, "data_format": "channels_last"}, "registered_name": null, "build_config": {"input_shape": [null, 5, 5, 64]}})";
constexpr const char* kFashionDropout = R"({"module": "keras.layers", "class_name": "Dropout", "config": {"name": "dropout", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null, "shared_object_id": 139979014837440}, "rate": 0.5, "seed": null, "noise_shape": null}, "registered_name": null})";
constexpr const char* kFashionDense = R"({"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense_1", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null, "shared_object_id": 139979014837440}, "units": 10, "activation": "softmax", "use_bias": true, "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": null}, "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}, "kernel_regularizer": null, "bias_regularizer": null, "kernel_constraint": null, "bias_constraint": null}, "registered_name": null, "build_config": {"input_shape": [null, 64]}})";
// mlp_bn_dropout_diabetes_keras3.keras (Keras 3.5.0): a kernel regularizer; a Dropout with a build_config.
constexpr const char* kDiabetesDense = R"({"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense_6", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "units": 128, "activation": "relu", "use_bias": true, "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": null}, "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}, "kernel_regularizer": {"module": "keras.regularizers", "class_name": "L2", "config": {"l2": 0.01}, "registered_name": null}, "bias_regularizer": null, "kernel_constraint": null, "bias_constraint": null}, "registered_name": null, "build_config": {"input_shape": [null, 4]}})";
constexpr const char* kDiabetesDropout = R"({"module": "keras.layers", "class_name": "Dropout", "config": {"name": "dropout_4", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null, "shared_object_id": 138395735484560}, "rate": 0.3, "seed": null, "noise_shape": null}, "registered_name": null, "build_config": {"input_shape": [null, 128]}})";
constexpr const char* kDiabetesInput = R"({"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 4], "dtype": "float32", "sparse": false, "name": "input_layer_2"}, "registered_name": null})";
// functional_bn_dropout_saheart_keras3.keras (Keras 3.10.0): a functional layer entry (name, inbound_nodes).
constexpr const char* kSaheartBatchNorm = R"({"module": "keras.layers", "class_name": "BatchNormalization", "config": {"name": "batch_normalization_7", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null, "shared_object_id": 135862367191216}, "axis": -1, "momentum": 0.99, "epsilon": 0.001, "center": true, "scale": true, "beta_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}, "gamma_initializer": {"module": "keras.initializers", "class_name": "Ones", "config": {}, "registered_name": null}, "moving_mean_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}, "moving_variance_initializer": {"module": "keras.initializers", "class_name": "Ones", "config": {}, "registered_name": null}, "beta_regularizer": null, "gamma_regularizer": null, "beta_constraint": null, "gamma_constraint": null, "synchronized": false}, "registered_name": null, "build_config": {"input_shape": [null, 128]}, "name": "batch_normalization_7", "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"shape": [null, 128], "dtype": "float32", "keras_history": ["dense_21", 0, 0]}}], "kwargs": {"mask": null}}]})";
constexpr const char* kSaheartInput = R"({"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 11], "dtype": "float32", "sparse": false, "ragged": false, "name": "input_layer_7"}, "registered_name": null, "name": "input_layer_7", "inbound_nodes": []})";
// gru_forecast_keras3.keras (Keras 3.15.0): quantization_config, GlorotUniform's input_axes / output_axes.
constexpr const char* kGruDense = R"({"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense_1", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null, "shared_object_id": 1303370471504}, "units": 1, "activation": "linear", "use_bias": true, "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null, "input_axes": null, "output_axes": null}, "registered_name": null}, "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}, "kernel_regularizer": null, "bias_regularizer": null, "kernel_constraint": null, "bias_constraint": null, "quantization_config": null}, "registered_name": null, "build_config": {"input_shape": [null, 32]}})";
constexpr const char* kGruDropout = R"({"module": "keras.layers", "class_name": "Dropout", "config": {"name": "dropout_2", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null, "shared_object_id": 1303370471504}, "rate": 0.14673260028436005, "seed": null, "noise_shape": null}, "registered_name": null})";
constexpr const char* kGruInput = R"({"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 480, 3], "dtype": "float32", "sparse": false, "ragged": false, "name": "input_layer_1", "optional": false}, "registered_name": null})";
// legacy_lstm_keras2.h5 (Keras 2.3.1): no module, a plain dtype string, VarianceScaling without a module.
constexpr const char* kKeras2Dense = R"({"class_name": "Dense", "config": {"name": "dense_1", "trainable": true, "dtype": "float32", "units": 1, "activation": "linear", "use_bias": true, "kernel_initializer": {"class_name": "VarianceScaling", "config": {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform", "seed": null}}, "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": null, "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null}})";
// legacy_functional_concat_keras2.h5 (Keras 2.13.1): trainable false, HeNormal with an integer seed.
constexpr const char* kKeras2FrozenDense = R"({"class_name": "Dense", "config": {"name": "dense", "trainable": false, "dtype": "float32", "units": 16, "activation": "relu", "use_bias": true, "kernel_initializer": {"module": "keras.initializers", "class_name": "HeNormal", "config": {"seed": 20}, "registered_name": null}, "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}, "kernel_regularizer": null, "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null}, "name": "dense", "inbound_nodes": [[["input_1", 0, 0, {}]]]})";
constexpr const char* kKeras2Concatenate = R"({"class_name": "Concatenate", "config": {"name": "concatenate", "trainable": false, "dtype": "float32", "axis": -1}, "name": "concatenate", "inbound_nodes": [[["dense", 0, 0, {}], ["dense_1", 0, 0, {}]]]})";
constexpr const char* kKeras2Input = R"({"class_name": "InputLayer", "config": {"batch_input_shape": [null, 30], "dtype": "float32", "sparse": false, "ragged": false, "name": "input_1"}, "name": "input_1", "inbound_nodes": []})";
// legacy_embedding_keras2_hdf5_misnamed.keras (Keras 2.11.0).
constexpr const char* kKeras2GlobalAverage = R"({"class_name": "GlobalAveragePooling1D", "config": {"name": "global_average_pooling1d", "trainable": true, "dtype": "float32", "data_format": "channels_last", "keepdims": false}})";
constexpr const char* kKeras2Dropout = R"({"class_name": "Dropout", "config": {"name": "dropout", "trainable": true, "dtype": "float32", "rate": 0.2, "noise_shape": null, "seed": null}})";
constexpr const char* kKeras2NullInput = R"({"class_name": "InputLayer", "config": {"batch_input_shape": [null, null], "dtype": "float32", "sparse": false, "ragged": false, "name": "embedding_input"}})";

std::shared_ptr<Layer> load(const char* text) { return deserialize_layer(json::parse(text)); }

TEST_F(LayerRegistryTest, FixtureConvnetLayersDeserialize) {
    auto input = load(kFashionInput);
    EXPECT_EQ(dynamic_cast<InputLayer&>(*input).batch_shape(), (Shape{-1, 28, 28, 1}));
    EXPECT_EQ(input->name(), "input_layer");

    auto conv = std::dynamic_pointer_cast<ConvImpl>(load(kFashionConv));
    ASSERT_TRUE(conv);
    EXPECT_EQ(conv->name(), "conv2d");
    EXPECT_EQ(conv->filters(), 32);
    EXPECT_EQ(conv->kernel_size(), (std::vector<std::int64_t>{3, 3}));
    EXPECT_EQ(conv->activation().name(), "relu");
    EXPECT_EQ(conv->dtype(), float32);
    ASSERT_TRUE(conv->built());  // build_config [null, 28, 28, 1]
    EXPECT_EQ(conv->kernel().shape(), (Shape{3, 3, 1, 32}));
    EXPECT_EQ(conv->weight_names(), (std::vector<std::string>{"kernel", "bias"}));

    auto pool = std::dynamic_pointer_cast<PoolingImpl>(load(kFashionPool));
    ASSERT_TRUE(pool);
    EXPECT_TRUE(pool->is_max());
    EXPECT_EQ(pool->pool_size(), (std::vector<std::int64_t>{2, 2}));
    EXPECT_EQ(pool->strides(), (std::vector<std::int64_t>{2, 2}));

    auto flatten = load(kFashionFlatten);
    EXPECT_EQ(flatten->class_name(), "Flatten");
    EXPECT_TRUE(flatten->built());
    EXPECT_EQ(flatten->compute_output_shape({-1, 5, 5, 64}), (Shape{-1, 1600}));

    auto dropout = std::dynamic_pointer_cast<DropoutImpl>(load(kFashionDropout));
    ASSERT_TRUE(dropout);
    EXPECT_EQ(dropout->rate(), 0.5);
    EXPECT_FALSE(dropout->seed().has_value());

    auto dense = std::dynamic_pointer_cast<DenseImpl>(load(kFashionDense));
    ASSERT_TRUE(dense);
    EXPECT_EQ(dense->name(), "dense_1");
    EXPECT_EQ(dense->units(), 10);
    EXPECT_EQ(dense->activation().name(), "softmax");
    EXPECT_EQ(dense->kernel().shape(), (Shape{64, 10}));
    // The config written back is the one read, less Keras's shared_object_id bookkeeping.
    json written = dense->get_config();
    json read = json::parse(kFashionDense)["config"];
    read["dtype"].erase("shared_object_id");
    EXPECT_EQ(written, read);
}

TEST_F(LayerRegistryTest, FixtureMlpLayersDeserialize) {
    auto dense = std::dynamic_pointer_cast<DenseImpl>(load(kDiabetesDense));
    ASSERT_TRUE(dense);
    EXPECT_EQ(dense->units(), 128);
    EXPECT_EQ(dense->get_config()["kernel_regularizer"], json::parse(kDiabetesDense)["config"]["kernel_regularizer"]);
    dense->kernel();
    EXPECT_EQ(dense->losses().size(), 1u);  // the L2 penalty of the kernel
    EXPECT_EQ(dense->get_config(), json::parse(kDiabetesDense)["config"]);

    auto dropout = load(kDiabetesDropout);
    EXPECT_TRUE(dropout->built());
    EXPECT_EQ(load(kDiabetesInput)->name(), "input_layer_2");

    auto bn = std::dynamic_pointer_cast<BatchNormalizationImpl>(load(kSaheartBatchNorm));
    ASSERT_TRUE(bn);
    EXPECT_EQ(bn->name(), "batch_normalization_7");
    EXPECT_EQ(bn->options().momentum, 0.99);
    EXPECT_EQ(bn->options().epsilon, 0.001);
    EXPECT_EQ(bn->weight_names(),
              (std::vector<std::string>{"gamma", "beta", "moving_mean", "moving_variance"}));
    EXPECT_EQ(bn->gamma().shape(), (Shape{128}));
    EXPECT_EQ(dynamic_cast<InputLayer&>(*load(kSaheartInput)).batch_shape(), (Shape{-1, 11}));

    auto gru_dense = std::dynamic_pointer_cast<DenseImpl>(load(kGruDense));
    ASSERT_TRUE(gru_dense);
    EXPECT_TRUE(gru_dense->activation().is_linear());
    EXPECT_EQ(gru_dense->kernel().shape(), (Shape{32, 1}));
    EXPECT_NEAR(std::dynamic_pointer_cast<DropoutImpl>(load(kGruDropout))->rate(), 0.14673260028436005, 0.0);
    EXPECT_EQ(dynamic_cast<InputLayer&>(*load(kGruInput)).batch_shape(), (Shape{-1, 480, 3}));
}

TEST_F(LayerRegistryTest, FixtureKeras2LayersDeserialize) {
    auto dense = std::dynamic_pointer_cast<DenseImpl>(load(kKeras2Dense));
    ASSERT_TRUE(dense);
    EXPECT_EQ(dense->name(), "dense_1");
    EXPECT_FALSE(dense->built());  // Keras 2 writes no build_config
    EXPECT_EQ(dense->get_config()["kernel_initializer"]["class_name"], "VarianceScaling");
    EXPECT_EQ(dense->get_config()["kernel_initializer"]["config"]["mode"], "fan_avg");

    auto frozen = load(kKeras2FrozenDense);
    EXPECT_FALSE(frozen->trainable());
    EXPECT_EQ(frozen->get_config()["kernel_initializer"]["class_name"], "HeNormal");
    frozen->ensure_built(std::vector<Shape>{Shape{-1, 30}});
    EXPECT_TRUE(frozen->trainable_weights().empty());
    EXPECT_EQ(frozen->non_trainable_weights().size(), 2u);

    auto concat = std::dynamic_pointer_cast<ConcatenateImpl>(load(kKeras2Concatenate));
    ASSERT_TRUE(concat);
    EXPECT_EQ(concat->axis(), -1);
    EXPECT_FALSE(concat->trainable());

    EXPECT_EQ(dynamic_cast<InputLayer&>(*load(kKeras2Input)).batch_shape(), (Shape{-1, 30}));
    EXPECT_EQ(dynamic_cast<InputLayer&>(*load(kKeras2NullInput)).batch_shape(), (Shape{-1, -1}));
    auto pool = std::dynamic_pointer_cast<GlobalPoolingImpl>(load(kKeras2GlobalAverage));
    ASSERT_TRUE(pool);
    EXPECT_FALSE(pool->keepdims());
    EXPECT_EQ(std::dynamic_pointer_cast<DropoutImpl>(load(kKeras2Dropout))->rate(), 0.2);
}

// ---- the Keras forms and defaults deserialization relies on ----

TEST_F(LayerRegistryTest, KerasDefaultsFillMissingFields) {
    // Keras 3: Dense(units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
    // bias_initializer="zeros"); Layer(trainable=True, dtype=None -> float32).
    auto dense = std::dynamic_pointer_cast<DenseImpl>(deserialize_layer(json::parse(R"({"class_name": "Dense", "config": {"units": 2}})")));
    ASSERT_TRUE(dense);
    json c = dense->get_config();
    EXPECT_EQ(c["activation"], "linear");
    EXPECT_EQ(c["use_bias"], true);
    EXPECT_EQ(c["kernel_initializer"]["class_name"], "GlorotUniform");
    EXPECT_EQ(c["bias_initializer"]["class_name"], "Zeros");
    EXPECT_EQ(c["trainable"], true);
    EXPECT_EQ(dense->dtype(), float32);
    EXPECT_EQ(dense->name(), "dense");  // no name: named after the class, as Keras

    // Keras 3: Conv2D(filters, kernel_size, strides=(1, 1), padding="valid", data_format=None ->
    // "channels_last", dilation_rate=(1, 1), groups=1); an integer kernel_size means (k, k).
    auto conv = std::dynamic_pointer_cast<ConvImpl>(deserialize_layer(json::parse(R"({"class_name": "Conv2D", "config": {"filters": 4, "kernel_size": 3}})")));
    ASSERT_TRUE(conv);
    EXPECT_EQ(conv->kernel_size(), (std::vector<std::int64_t>{3, 3}));
    EXPECT_EQ(conv->strides(), (std::vector<std::int64_t>{1, 1}));
    EXPECT_EQ(conv->dilation_rate(), (std::vector<std::int64_t>{1, 1}));
    EXPECT_EQ(conv->padding(), "valid");
    EXPECT_EQ(conv->groups(), 1);
    EXPECT_EQ(conv->get_config()["data_format"], "channels_last");

    // Keras 3: MaxPooling2D(pool_size=(2, 2), strides=None -> pool_size, padding="valid").
    auto pool = std::dynamic_pointer_cast<PoolingImpl>(deserialize_layer(json::parse(R"({"class_name": "MaxPooling2D", "config": {"pool_size": 3, "strides": null}})")));
    ASSERT_TRUE(pool);
    EXPECT_EQ(pool->pool_size(), (std::vector<std::int64_t>{3, 3}));
    EXPECT_EQ(pool->strides(), (std::vector<std::int64_t>{3, 3}));
    auto pool_default = std::dynamic_pointer_cast<PoolingImpl>(deserialize_layer(json::parse(R"({"class_name": "AveragePooling2D", "config": {}})")));
    EXPECT_EQ(pool_default->pool_size(), (std::vector<std::int64_t>{2, 2}));

    // Keras 3: BatchNormalization(axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True).
    auto bn = std::dynamic_pointer_cast<BatchNormalizationImpl>(deserialize_layer(json::parse(R"({"class_name": "BatchNormalization", "config": {}})")));
    ASSERT_TRUE(bn);
    EXPECT_EQ(bn->options().axis, -1);
    EXPECT_EQ(bn->options().momentum, 0.99);
    EXPECT_EQ(bn->options().epsilon, 1e-3);
    EXPECT_TRUE(bn->options().center);
    EXPECT_TRUE(bn->options().scale);

    // Keras 3: Dropout(rate, noise_shape=None, seed=None).
    auto dropout = std::dynamic_pointer_cast<DropoutImpl>(deserialize_layer(json::parse(R"({"class_name": "Dropout", "config": {"rate": 0.1}})")));
    EXPECT_FALSE(dropout->seed().has_value());
}

// Keras 3: a config that gives only a class's required arguments takes Keras's keyword defaults for the rest
// (e.g. Conv2D strides=(1, 1), padding="valid"; BatchNormalization momentum=0.99, epsilon=1e-3;
// LayerNormalization epsilon=1e-3; UpSampling2D size=(2, 2); ZeroPadding2D padding=(1, 1)), which are strata's
// option defaults (each checked against Keras in the layers' own tests): the same config comes back.
TEST_F(LayerRegistryTest, EveryClassTakesKerasDefaultsForMissingArguments) {
    struct Case {
        const char* class_name;
        const char* required;
        std::function<std::shared_ptr<Layer>()> make;
    };
    const std::vector<Case> cases{
        {"Dense", R"({"units": 3})", [] { return Dense(3, {}, {.name = "n"}); }},
        {"Activation", R"({"activation": "relu"})", [] { return Activation("relu", {.name = "n"}); }},
        {"Conv1D", R"({"filters": 2, "kernel_size": 3})", [] { return Conv1D(2, 3, {.name = "n"}); }},
        {"Conv2D", R"({"filters": 2, "kernel_size": 3})", [] { return Conv2D(2, 3, {.name = "n"}); }},
        {"Conv3D", R"({"filters": 2, "kernel_size": 3})", [] { return Conv3D(2, 3, {.name = "n"}); }},
        {"Conv1DTranspose", R"({"filters": 2, "kernel_size": 3})", [] { return Conv1DTranspose(2, 3, {.name = "n"}); }},
        {"Conv2DTranspose", R"({"filters": 2, "kernel_size": 3})", [] { return Conv2DTranspose(2, 3, {.name = "n"}); }},
        {"Conv3DTranspose", R"({"filters": 2, "kernel_size": 3})", [] { return Conv3DTranspose(2, 3, {.name = "n"}); }},
        {"DepthwiseConv1D", R"({"kernel_size": 3})", [] { return DepthwiseConv1D(3, {.name = "n"}); }},
        {"DepthwiseConv2D", R"({"kernel_size": 3})", [] { return DepthwiseConv2D(3, {.name = "n"}); }},
        {"SeparableConv1D", R"({"filters": 2, "kernel_size": 3})", [] { return SeparableConv1D(2, 3, {.name = "n"}); }},
        {"SeparableConv2D", R"({"filters": 2, "kernel_size": 3})", [] { return SeparableConv2D(2, 3, {.name = "n"}); }},
        {"MaxPooling1D", "{}", [] { return MaxPooling1D(2, {.name = "n"}); }},
        {"MaxPooling2D", "{}", [] { return MaxPooling2D({2, 2}, {.name = "n"}); }},
        {"AveragePooling1D", "{}", [] { return AveragePooling1D(2, {.name = "n"}); }},
        {"AveragePooling2D", "{}", [] { return AveragePooling2D({2, 2}, {.name = "n"}); }},
        {"GlobalMaxPooling1D", "{}", [] { return GlobalMaxPooling1D({.name = "n"}); }},
        {"GlobalMaxPooling2D", "{}", [] { return GlobalMaxPooling2D({.name = "n"}); }},
        {"GlobalAveragePooling1D", "{}", [] { return GlobalAveragePooling1D({.name = "n"}); }},
        {"GlobalAveragePooling2D", "{}", [] { return GlobalAveragePooling2D({.name = "n"}); }},
        {"BatchNormalization", "{}", [] { return BatchNormalization({.name = "n"}); }},
        {"LayerNormalization", "{}", [] { return LayerNormalization({.name = "n"}); }},
        {"Dropout", R"({"rate": 0.5})", [] { return Dropout(0.5, {.name = "n"}); }},
        {"SpatialDropout1D", R"({"rate": 0.5})", [] { return SpatialDropout1D(0.5, {.name = "n"}); }},
        {"SpatialDropout2D", R"({"rate": 0.5})", [] { return SpatialDropout2D(0.5, {.name = "n"}); }},
        {"GaussianNoise", R"({"stddev": 0.1})", [] { return GaussianNoise(0.1, {.name = "n"}); }},
        {"GaussianDropout", R"({"rate": 0.1})", [] { return GaussianDropout(0.1, {.name = "n"}); }},
        {"ActivityRegularization", "{}", [] { return ActivityRegularization(0.0, 0.0, {.name = "n"}); }},
        {"Flatten", "{}", [] { return Flatten({.name = "n"}); }},
        {"Reshape", R"({"target_shape": [2, 3]})", [] { return Reshape({2, 3}, {.name = "n"}); }},
        {"Permute", R"({"dims": [2, 1]})", [] { return Permute({2, 1}, {.name = "n"}); }},
        {"RepeatVector", R"({"n": 2})", [] { return RepeatVector(2, {.name = "n"}); }},
        {"UpSampling2D", "{}", [] { return UpSampling2D({2, 2}, {.name = "n"}); }},
        {"Rescaling", R"({"scale": 0.5})", [] { return Rescaling(0.5, {.name = "n"}); }},
        {"ZeroPadding2D", "{}", [] { return ZeroPadding2D(1, {.name = "n"}); }},
        {"Cropping2D", "{}", [] { return Cropping2D(0, {.name = "n"}); }},
        {"Add", "{}", [] { return Add({.name = "n"}); }},
        {"Subtract", "{}", [] { return Subtract({.name = "n"}); }},
        {"Multiply", "{}", [] { return Multiply({.name = "n"}); }},
        {"Average", "{}", [] { return Average({.name = "n"}); }},
        {"Maximum", "{}", [] { return Maximum({.name = "n"}); }},
        {"Minimum", "{}", [] { return Minimum({.name = "n"}); }},
        {"Concatenate", "{}", [] { return Concatenate({.name = "n"}); }},
        {"Dot", R"({"axes": 1})", [] { return Dot(1, {.name = "n"}); }},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.class_name);
        json config = json::parse(c.required);
        config["name"] = "n";
        std::shared_ptr<Layer> layer = deserialize_layer({{"class_name", c.class_name}, {"config", config}});
        EXPECT_EQ(layer->class_name(), c.class_name);
        EXPECT_EQ(layer->get_config(), c.make()->get_config());
    }
}

TEST_F(LayerRegistryTest, KerasFormsOfFieldsAreAccepted) {
    // An activation as Keras 3.0's serialized function, and None as linear.
    auto fn = std::dynamic_pointer_cast<DenseImpl>(deserialize_layer(json::parse(R"({"class_name": "Dense", "config": {"units": 2,
        "activation": {"module": "keras.activations", "class_name": "function", "config": "relu", "registered_name": "function"}}})")));
    EXPECT_EQ(fn->activation().name(), "relu");
    auto none = std::dynamic_pointer_cast<DenseImpl>(deserialize_layer(json::parse(R"({"class_name": "Dense", "config": {"units": 2, "activation": null}})")));
    EXPECT_TRUE(none->activation().is_linear());
    // A float64 DTypePolicy (Keras 3.0-3.3 named the class FloatDTypePolicy), and a plain dtype string.
    auto policy = deserialize_layer(json::parse(R"({"class_name": "Dense", "config": {"units": 2,
        "dtype": {"module": "keras", "class_name": "FloatDTypePolicy", "config": {"name": "float64"}, "registered_name": null}}})"));
    EXPECT_EQ(policy->dtype(), float64);
    EXPECT_EQ(deserialize_layer(json::parse(R"({"class_name": "Dense", "config": {"units": 2, "dtype": "float64"}})"))->dtype(), float64);
    // Initializers and regularizers by name, as Keras's get.
    auto named = deserialize_layer(json::parse(R"({"class_name": "Dense", "config": {"units": 2,
        "kernel_initializer": "he_uniform", "bias_regularizer": "l2"}})"));
    EXPECT_EQ(named->get_config()["kernel_initializer"]["class_name"], "HeUniform");
    EXPECT_EQ(named->get_config()["bias_regularizer"]["class_name"], "L2");
    // Keras 2's batch_input_shape and Keras's input_dim give the declared input shape.
    EXPECT_EQ(deserialize_layer(json::parse(R"({"class_name": "Dense", "config": {"units": 2, "batch_input_shape": [null, 1, 56]}})"))
                  ->declared_input_shape(),
              (Shape{1, 56}));
    EXPECT_EQ(deserialize_layer(json::parse(R"({"class_name": "Dense", "config": {"units": 2, "input_dim": 7}})"))
                  ->declared_input_shape(),
              (Shape{7}));
    // Windows as lists or integers; padding as a pair or pairs.
    auto conv = std::dynamic_pointer_cast<ConvImpl>(deserialize_layer(json::parse(R"({"class_name": "Conv1D", "config": {"filters": 2, "kernel_size": [5], "strides": 2}})")));
    EXPECT_EQ(conv->kernel_size(), (std::vector<std::int64_t>{5}));
    EXPECT_EQ(conv->strides(), (std::vector<std::int64_t>{2}));
    auto pad = std::dynamic_pointer_cast<ZeroPadding2DImpl>(deserialize_layer(json::parse(R"({"class_name": "ZeroPadding2D", "config": {"padding": [1, 2]}})")));
    EXPECT_EQ(pad->padding()[0], (std::array<std::int64_t, 2>{1, 1}));
    EXPECT_EQ(pad->padding()[1], (std::array<std::int64_t, 2>{2, 2}));
    // A module of Keras's own source tree is Keras's.
    EXPECT_EQ(deserialize_layer(json::parse(R"({"module": "keras.src.layers.core.dense", "class_name": "Dense", "config": {"units": 1}})"))->class_name(), "Dense");
}

// ---- refusals ----

TEST_F(LayerRegistryTest, RefusesUnknownClassesLambdasAndForeignModules) {
    expect_error<ValueError>([] { load(R"({"class_name": "Embedding", "config": {"input_dim": 10, "output_dim": 2}})"); },
                             {"unknown layer class Embedding", "register_keras_serializable"});
    expect_error<ValueError>([] { load(R"({"module": "keras.layers", "class_name": "Lambda", "config": {"name": "lambda", "function": {"class_name": "__lambda__", "config": {"code": "x"}}}})"); },
                             {"Lambda", "never runs code"});
    expect_error<ValueError>([] { load(R"({"module": "malicious_model", "class_name": "Dense", "config": {"units": 1}})"); },
                             {"Dense", "malicious_model", "not from Keras"});
    // evil_custom_class.keras: a class of an unknown module, named by its registered name.
    expect_error<ValueError>([] { load(R"({"module": "malicious_model", "class_name": "MaliciousModel", "config": {"name": "malicious_model", "trainable": true, "dtype": "float32"}, "registered_name": "Custom>MaliciousModel", "build_config": {"input_shape": [1, 10]}})"); },
                             {"unknown layer class MaliciousModel", "malicious_model", "Custom>MaliciousModel"});
    for (const char* model : {"Sequential", "Functional", "Model"})
        expect_error<ValueError>([&] { deserialize_layer({{"class_name", model}, {"config", json::object()}}); },
                                 {std::string(model) + " is a model: deserialize it with the models"});
    expect_error<ValueError>([] { deserialize_layer(json::parse("[1, 2]")); }, {"deserialize_layer", "class_name"});
    expect_error<ValueError>([] { load(R"({"class_name": "Dense"})"); }, {"Dense", "config"});
}

TEST_F(LayerRegistryTest, RefusesConstraintsWrongTypesAndUnknownKeys) {
    expect_error<ValueError>([] { load(R"({"class_name": "Dense", "config": {"name": "d", "units": 2, "kernel_constraint": {"class_name": "MaxNorm", "config": {"max_value": 2}}}})"); },
                             {"Dense \"d\"", "\"kernel_constraint\"", "constraint"});
    expect_error<ValueError>([] { load(R"({"class_name": "Dense", "config": {"name": "d", "units": "64"}})"); },
                             {"Dense \"d\"", "\"units\"", "integer", "\"64\""});
    expect_error<ValueError>([] { load(R"({"class_name": "Dense", "config": {"name": "d"}})"); },
                             {"Dense \"d\"", "\"units\"", "required"});
    expect_error<ValueError>([] { load(R"({"class_name": "Dense", "config": {"name": "d", "units": 2, "trainable": "yes"}})"); },
                             {"Dense \"d\"", "\"trainable\"", "boolean"});
    expect_error<ValueError>([] { load(R"({"class_name": "Conv2D", "config": {"name": "c", "filters": 2, "kernel_size": "3"}})"); },
                             {"Conv2D \"c\"", "\"kernel_size\""});
    expect_error<ValueError>([] { load(R"({"class_name": "Dense", "config": {"name": "d", "units": 2, "kernel_initialiser": "zeros"}})"); },
                             {"Dense \"d\"", "unrecognized keyword argument \"kernel_initialiser\""});
    expect_error<ValueError>([] { load(R"({"class_name": "Dense", "config": {"name": "d", "units": 2, "quantization_config": {"mode": "int8"}}})"); },
                             {"Dense \"d\"", "\"quantization_config\""});
    expect_error<ValueError>([] { load(R"({"class_name": "Dense", "config": {"name": "d", "units": 2, "kernel_initializer": {"class_name": "Nope", "config": {}}}})"); },
                             {"Dense \"d\"", "\"kernel_initializer\"", "Nope"});
    expect_error<ValueError>([] { load(R"({"class_name": "SpatialDropout1D", "config": {"name": "s", "rate": 0.1, "input_shape": [3, 4]}})"); },
                             {"SpatialDropout1D \"s\"", "\"input_shape\""});
    expect_error<ShapeError>([] { load(R"({"class_name": "Dense", "config": {"name": "d", "units": 2}, "build_config": {"input_shape": [null, null]}})"); },
                             {"Dense \"d\"", "build_config"});
}

TEST_F(LayerRegistryTest, RefusesWhatStrataWouldIgnore) {
    expect_error<ValueError>([] { load(R"({"class_name": "Conv2D", "config": {"name": "c", "filters": 2, "kernel_size": 3, "data_format": "channels_first"}})"); },
                             {"Conv2D \"c\"", "channels_first"});
    expect_error<ValueError>([] { load(R"({"class_name": "MaxPooling2D", "config": {"name": "p", "data_format": "channels_first"}})"); },
                             {"MaxPooling2D \"p\"", "channels_first"});
    expect_error<ValueError>([] { load(R"({"class_name": "InputLayer", "config": {"name": "in", "batch_shape": [null, 3], "sparse": true}})"); },
                             {"InputLayer \"in\"", "\"sparse\"", "sparse tensors"});
    expect_error<ValueError>([] { load(R"({"class_name": "InputLayer", "config": {"name": "in", "batch_shape": [null, 3], "ragged": true}})"); },
                             {"InputLayer \"in\"", "\"ragged\""});
    expect_error<ValueError>([] { load(R"({"class_name": "Dense", "config": {"name": "d", "units": 2, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "mixed_float16"}, "registered_name": null}}})"); },
                             {"Dense \"d\"", "\"dtype\"", "mixed_float16"});
    expect_error<ValueError>([] { load(R"({"class_name": "Dense", "config": {"name": "d", "units": 2, "dtype": "int32"}})"); },
                             {"Dense \"d\"", "\"dtype\"", "int32"});
    expect_error<ValueError>([] { load(R"({"class_name": "Dense", "config": {"name": "d", "units": 2, "activation": {"class_name": "__lambda__", "config": {"code": "..."}}}})"); },
                             {"Dense \"d\"", "\"activation\"", "never runs code"});
    expect_error<ValueError>([] { load(R"({"class_name": "Dense", "config": {"name": "d", "units": 2, "activation": "relu6"}})"); },
                             {"Dense \"d\"", "\"activation\"", "relu6"});
    expect_error<ValueError>([] { load(R"({"class_name": "Dense", "config": {"name": "d", "units": 2, "activation": {"module": "evil", "class_name": "function", "config": "relu"}}})"); },
                             {"Dense \"d\"", "\"activation\"", "evil"});
}

// ---- users' own layers ----

// A layer of a user's: y = x * w * factor, with w (last axis,) initialised to ones.
class Scale : public Layer {
public:
    Scale(double factor, const LayerArgs& args) : Layer("scale", args), factor_(factor) {}
    std::string class_name() const override { return "Scale"; }
    nlohmann::json get_config() const override {
        nlohmann::json config = Layer::get_config();
        config["factor"] = factor_;
        return config;
    }

protected:
    void build(const Shape& input_shape) override {
        w_ = add_weight("w", {input_shape[input_shape.rank() - 1]}, "ones");
    }
    Tensor call(const Tensor& x, bool) override { return x * w_ * factor_; }

private:
    double factor_;
    Tensor w_;
};

TEST_F(LayerRegistryTest, RegisteredCustomLayerRoundTrips) {
    saving::register_keras_serializable("my_package", "Scale", [](const json& config) -> std::shared_ptr<Layer> {
        return std::make_shared<Scale>(config.at("factor").get<double>(),
                                       LayerArgs{.name = config.at("name").get<std::string>()});
    });
    auto layer = std::make_shared<Scale>(2.5, LayerArgs{.name = "scaler"});
    Tensor x = normal({2, 3});
    Tensor y = (*layer)(x);
    layer->set_weights({Tensor::from_vector(std::vector<float>{1, 2, 3}, {3})});
    y = (*layer)(x);
    json serialized = serialize_layer(*layer);
    EXPECT_EQ(serialized["registered_name"], "my_package>Scale");
    EXPECT_EQ(serialized["module"], "my_package");
    EXPECT_EQ(serialized["build_config"], json::parse(R"({"input_shape": [2, 3]})"));
    std::shared_ptr<Layer> copy = deserialize_layer(json::parse(serialized.dump()));
    ASSERT_TRUE(dynamic_cast<Scale*>(copy.get()));
    EXPECT_EQ(copy->get_config(), layer->get_config());
    EXPECT_TRUE(copy->built());
    copy->set_weights(layer->get_weights());
    EXPECT_EQ(values((*copy)(x)), values(y));
    // Found by class name too when the registered name is absent, as Keras's custom objects.
    serialized.erase("registered_name");
    EXPECT_TRUE(dynamic_cast<Scale*>(deserialize_layer(serialized).get()));

    // Keras: registering the same name twice is an error.
    expect_error<ValueError>([] { saving::register_keras_serializable("my_package", "Scale", [](const json&) { return nullptr; }); },
                             {"my_package>Scale", "already been registered"});
    expect_error<ValueError>([] { saving::register_keras_serializable("", "Scale", [](const json&) { return nullptr; }); },
                             {"register_keras_serializable"});
    // A registered name that is not registered is refused, even for a built-in class name.
    expect_error<ValueError>([] { load(R"({"module": "other", "class_name": "Dense", "registered_name": "other>Dense", "config": {"units": 1}})"); },
                             {"unknown layer class Dense", "other>Dense"});
}

}  // namespace
}  // namespace strata
