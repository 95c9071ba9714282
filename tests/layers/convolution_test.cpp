// The convolution layers: Keras's defaults, names, weight layouts and config; output shapes with an unknown
// batch; forward values against independent loops; float64 gradient checks of every layer in every padding,
// stride, dilation (and groups) mode it takes; the errors.
#include <gtest/gtest.h>

#include <cmath>

#include <strata/layers/convolution.hpp>
#include <strata/models/input.hpp>
#include <strata/strata.hpp>

#include "ops/convolution_reference.hpp"
#include "support/layer_gradcheck.hpp"

namespace strata {
namespace {

using namespace layers;

class ConvLayerTest : public ::testing::Test {
protected:
    void SetUp() override {
        clear_session();
        random::seed(5);
    }
};

template <class Fn>
std::string message_of(Fn fn) {
    try {
        fn();
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

TEST_F(ConvLayerTest, Conv2DKerasDefaults) {
    // Keras 3: Conv2D(filters, kernel_size, strides=(1, 1), padding="valid", data_format=None (channels_last),
    // dilation_rate=(1, 1), groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
    // bias_initializer="zeros").
    Conv2D conv(16, 3);
    EXPECT_EQ(conv->name(), "conv2d");
    EXPECT_EQ(Conv2D(4, 3)->name(), "conv2d_1");
    Tensor y = conv(random::normal({2, 10, 9, 8}));
    EXPECT_EQ(y.shape(), (Shape{2, 8, 7, 16}));  // "valid": 10 - 3 + 1, 9 - 3 + 1
    EXPECT_EQ(conv->weight_names(), (std::vector<std::string>{"kernel", "bias"}));
    EXPECT_EQ(conv->kernel().shape(), (Shape{3, 3, 8, 16}));
    EXPECT_EQ(conv->bias().shape(), (Shape{16}));
    for (float v : conv->bias().to_vector<float>()) EXPECT_EQ(v, 0.0f);
    // glorot_uniform with Keras's fans for a conv kernel: receptive field 9, fan_in 8 * 9, fan_out 16 * 9.
    double limit = std::sqrt(6.0 / (8 * 9 + 16 * 9));
    double sum_sq = 0;
    auto kernel = conv->kernel().to_vector<float>();
    for (float v : kernel) {
        EXPECT_LE(std::abs(v), limit);
        sum_sq += v * v;
    }
    EXPECT_NEAR(std::sqrt(sum_sq / kernel.size()), limit / std::sqrt(3.0), 0.1 * limit);
    nlohmann::json config = conv->get_config();
    EXPECT_EQ(config["filters"], 16);
    EXPECT_EQ(config["kernel_size"], nlohmann::json({3, 3}));
    EXPECT_EQ(config["strides"], nlohmann::json({1, 1}));
    EXPECT_EQ(config["padding"], "valid");
    EXPECT_EQ(config["data_format"], "channels_last");
    EXPECT_EQ(config["dilation_rate"], nlohmann::json({1, 1}));
    EXPECT_EQ(config["groups"], 1);
    EXPECT_EQ(config["activation"], "linear");
    EXPECT_EQ(config["use_bias"], true);
    EXPECT_EQ(config["kernel_initializer"]["class_name"], "GlorotUniform");
    EXPECT_EQ(config["bias_initializer"]["class_name"], "Zeros");
    for (const char* key : {"kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
                            "bias_constraint", "name", "trainable", "dtype"})
        EXPECT_TRUE(config.contains(key)) << key;
    EXPECT_EQ(conv->count_params(), 3 * 3 * 8 * 16 + 16);
}

TEST_F(ConvLayerTest, OtherLayersKerasDefaultsNamesAndWeightLayouts) {
    Tensor x = random::normal({2, 9, 9, 4});
    // Keras 3: Conv2DTranspose(..., padding="valid", output_padding=None, ...): kernel (k, k, filters, in).
    Conv2DTranspose t(6, 3);
    EXPECT_EQ(t->name(), "conv2d_transpose");
    EXPECT_EQ(t(x).shape(), (Shape{2, 11, 11, 6}));  // valid: 9 + max(3 - 1, 0)
    EXPECT_EQ(t->kernel().shape(), (Shape{3, 3, 6, 4}));
    EXPECT_EQ(t->get_config()["output_padding"], nullptr);
    EXPECT_EQ(t->get_config()["padding"], "valid");
    // Keras 3: DepthwiseConv2D(kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1, ...,
    // depthwise_initializer="glorot_uniform"): kernel (k, k, in, depth_multiplier), bias (in * multiplier,).
    DepthwiseConv2D d(3);
    EXPECT_EQ(d->name(), "depthwise_conv2d");
    EXPECT_EQ(d(x).shape(), (Shape{2, 7, 7, 4}));
    EXPECT_EQ(d->kernel().shape(), (Shape{3, 3, 4, 1}));
    EXPECT_EQ(d->weight_names(), (std::vector<std::string>{"kernel", "bias"}));
    EXPECT_EQ(d->get_config()["depth_multiplier"], 1);
    EXPECT_EQ(d->get_config()["depthwise_initializer"]["class_name"], "GlorotUniform");
    DepthwiseConv2D d2(3, {.depth_multiplier = 2});
    d2(x);
    EXPECT_EQ(d2->bias().shape(), (Shape{8}));
    // Keras 3: SeparableConv2D(filters, kernel_size, ..., depth_multiplier=1, depthwise_initializer=
    // "glorot_uniform", pointwise_initializer="glorot_uniform", bias_initializer="zeros").
    SeparableConv2D s(5, 3, {.depth_multiplier = 2});
    EXPECT_EQ(s->name(), "separable_conv2d");
    EXPECT_EQ(s(x).shape(), (Shape{2, 7, 7, 5}));
    EXPECT_EQ(s->weight_names(), (std::vector<std::string>{"depthwise_kernel", "pointwise_kernel", "bias"}));
    EXPECT_EQ(s->depthwise_kernel().shape(), (Shape{3, 3, 4, 2}));
    EXPECT_EQ(s->pointwise_kernel().shape(), (Shape{1, 1, 8, 5}));
    EXPECT_EQ(s->bias().shape(), (Shape{5}));
    EXPECT_EQ(s->get_config()["pointwise_initializer"]["class_name"], "GlorotUniform");
    // Conv1D, with its causal padding.
    Conv1D c1(3, 4, {.padding = "causal"});
    EXPECT_EQ(c1->name(), "conv1d");
    EXPECT_EQ(c1(random::normal({2, 10, 3})).shape(), (Shape{2, 10, 3}));
    EXPECT_EQ(c1->kernel().shape(), (Shape{4, 3, 3}));
    EXPECT_EQ(c1->get_config()["padding"], "causal");
    // Grouped: kernel (k, k, in / groups, filters).
    Conv2D g(6, 3, {.groups = 2});
    g(x);
    EXPECT_EQ(g->kernel().shape(), (Shape{3, 3, 2, 6}));
    EXPECT_EQ(g->get_config()["groups"], 2);
}

TEST_F(ConvLayerTest, ComputeOutputShapeKeepsTheUnknownBatch) {
    EXPECT_EQ(Conv2D(64, 3)->compute_output_shape({-1, 28, 28, 1}), (Shape{-1, 26, 26, 64}));
    EXPECT_EQ(Conv2D(8, 3, {.strides = 2, .padding = "same"})->compute_output_shape({-1, 28, 27, 1}),
              (Shape{-1, 14, 14, 8}));
    EXPECT_EQ(Conv2D(8, 3, {.dilation_rate = 2})->compute_output_shape({-1, 28, 28, 1}), (Shape{-1, 24, 24, 8}));
    EXPECT_EQ(Conv1D(8, 5, {.padding = "causal"})->compute_output_shape({-1, 20, 3}), (Shape{-1, 20, 8}));
    EXPECT_EQ(Conv3D(2, {1, 2, 3})->compute_output_shape({-1, 5, 5, 5, 1}), (Shape{-1, 5, 4, 3, 2}));
    EXPECT_EQ(Conv2DTranspose(8, 3, {.strides = 2, .padding = "same"})->compute_output_shape({-1, 7, 7, 4}),
              (Shape{-1, 14, 14, 8}));
    EXPECT_EQ(Conv2DTranspose(8, 3, {.strides = 2, .output_padding = 1})->compute_output_shape({-1, 7, 7, 4}),
              (Shape{-1, 16, 16, 8}));
    EXPECT_EQ(DepthwiseConv2D(3, {.depth_multiplier = 3})->compute_output_shape({-1, 9, 9, 4}), (Shape{-1, 7, 7, 12}));
    EXPECT_EQ(SeparableConv1D(6, 3, {.padding = "same"})->compute_output_shape({-1, 9, 4}), (Shape{-1, 9, 6}));
    // On a symbolic input, as in a functional model.
    Tensor in = Input({28, 28, 1});
    Tensor out = Conv2D(32, {3, 3}, {.activation = "relu"})(in);
    EXPECT_EQ(out.shape(), (Shape{-1, 26, 26, 32}));
    EXPECT_EQ(Conv2D(64, {3, 3}, {.padding = "valid", .activation = "relu"})(out).shape(), (Shape{-1, 24, 24, 64}));
}

TEST_F(ConvLayerTest, ForwardMatchesNaiveLoops) {
    Tensor x = random::normal({3, 8, 7, 4});
    Conv2D conv(5, {3, 2}, {.strides = {2, 1}, .padding = "same", .activation = "relu",
                            .bias_initializer = "ones"});
    Tensor y = conv(x);
    auto ref = testing::reference_conv(x, conv->kernel(), {2, 1}, {1, 1}, "same", conv->bias());
    for (double& v : ref.values) v = std::max(v, 0.0);
    testing::expect_close(y, ref, 1e-5);

    // An activation that cannot be fused (elu) follows the convolution.
    Conv1D c1(3, 3, {.dilation_rate = 2, .activation = "elu"});
    Tensor x1 = random::normal({2, 9, 2});
    Tensor y1 = c1(x1);
    auto r1 = testing::reference_conv(x1, c1->kernel(), {1}, {2}, "valid", c1->bias());
    for (double& v : r1.values) v = v > 0 ? v : std::expm1(v);
    testing::expect_close(y1, r1, 1e-5);

    Conv2DTranspose t(3, 3, {.strides = 2, .padding = "same", .bias_initializer = "ones"});
    Tensor yt = t(x);
    auto rt = testing::reference_conv_transpose(x, t->kernel(), {2, 2}, {1, 1}, "same");
    for (double& v : rt.values) v += 1.0;
    testing::expect_close(yt, rt, 1e-5);
}

// Every layer, in float64, in every padding, stride and dilation mode it takes.
TEST_F(ConvLayerTest, GradientsMatchCentralDifferencesForEveryLayerAndMode) {
    auto check = [](auto layer, const Shape& input) {
        Tensor x = random::uniform(input, -1.0, 1.0, float64);
        layer(x);  // build
        testing::expect_layer_gradients_match([&](const Tensor& in) { return layer(in); }, x,
                                              layer->trainable_weights());
    };
    for (std::string padding : {"valid", "same", "causal"}) {
        SCOPED_TRACE("Conv1D " + padding);
        check(Conv1D(2, 3, {.padding = padding, .activation = "tanh", .dtype = float64}), {2, 7, 3});
        check(Conv1D(2, 3, {.strides = 2, .padding = padding, .dtype = float64}), {2, 8, 3});
        check(Conv1D(2, 2, {.padding = padding, .dilation_rate = 2, .dtype = float64}), {2, 7, 3});
    }
    for (std::string padding : {"valid", "same"}) {
        SCOPED_TRACE(padding);
        check(Conv2D(3, 3, {.padding = padding, .activation = "relu", .dtype = float64}), {2, 5, 6, 2});
        check(Conv2D(2, {3, 2}, {.strides = {2, 3}, .padding = padding, .activation = "sigmoid", .dtype = float64}),
              {2, 7, 6, 2});
        check(Conv2D(2, 2, {.padding = padding, .dilation_rate = {2, 1}, .dtype = float64}), {1, 6, 5, 2});
        check(Conv2D(4, 3, {.padding = padding, .groups = 2, .dtype = float64}), {2, 5, 5, 4});
        check(Conv3D(2, 2, {.strides = {1, 2, 1}, .padding = padding, .dtype = float64}), {1, 4, 4, 3, 2});
        check(Conv1DTranspose(2, 3, {.strides = 2, .padding = padding, .dtype = float64}), {2, 4, 3});
        check(Conv2DTranspose(2, 3, {.padding = padding, .activation = "tanh", .dtype = float64}), {2, 3, 4, 2});
        check(Conv2DTranspose(2, 3, {.strides = 2, .padding = padding, .dtype = float64}), {1, 3, 4, 2});
        check(Conv2DTranspose(2, 3, {.strides = 2, .padding = padding, .output_padding = 1, .dtype = float64}),
              {1, 3, 3, 2});
        check(Conv2DTranspose(2, 2, {.padding = padding, .dilation_rate = 2, .dtype = float64}), {1, 3, 3, 2});
        check(DepthwiseConv2D(3, {.padding = padding, .depth_multiplier = 2, .dtype = float64}), {2, 5, 5, 3});
        check(DepthwiseConv2D(2, {.strides = 2, .padding = padding, .dtype = float64}), {2, 5, 5, 3});
        check(DepthwiseConv2D(2, {.padding = padding, .dilation_rate = 2, .dtype = float64}), {1, 5, 5, 2});
        check(DepthwiseConv1D(3, {.strides = 2, .padding = padding, .depth_multiplier = 2, .dtype = float64}), {2, 7, 2});
        check(SeparableConv2D(3, 3, {.padding = padding, .depth_multiplier = 2, .activation = "relu", .dtype = float64}),
              {2, 5, 5, 2});
        check(SeparableConv2D(3, 2, {.strides = 2, .padding = padding, .dtype = float64}), {1, 5, 5, 2});
        check(SeparableConv2D(2, 2, {.padding = padding, .dilation_rate = 2, .dtype = float64}), {1, 5, 5, 2});
        check(SeparableConv1D(2, 3, {.strides = 2, .padding = padding, .dtype = float64}), {2, 7, 2});
    }
}

TEST_F(ConvLayerTest, BadInputNamesTheLayerAndShapes) {
    // A rank the layer does not take: Conv2D on a 2-D tensor.
    Conv2D conv(4, 3);
    std::string m = message_of([&] { conv(random::normal({3, 5})); });
    EXPECT_NE(m.find("conv2d"), std::string::npos) << m;
    EXPECT_NE(m.find("ndim=4"), std::string::npos) << m;
    EXPECT_NE(m.find("(3, 5)"), std::string::npos) << m;
    EXPECT_THROW(conv(random::normal({3, 5})), ShapeError);
    // Once built, other channels are refused by the InputSpec.
    conv(random::normal({1, 5, 5, 2}));
    EXPECT_THROW(conv(random::normal({1, 5, 5, 3})), ShapeError);
    EXPECT_THROW(conv(random::normal({1, 5, 5})), ShapeError);

    // A kernel larger than the padded input.
    Conv2D big(4, 5, {.name = "big"});
    m = message_of([&] { big(random::normal({1, 3, 8, 2})); });
    EXPECT_NE(m.find("\"big\""), std::string::npos) << m;
    EXPECT_NE(m.find("larger than"), std::string::npos) << m;
    EXPECT_NE(m.find("(1, 3, 8, 2)"), std::string::npos) << m;
    EXPECT_NE(m.find("(5, 5)"), std::string::npos) << m;
    EXPECT_THROW(Conv2D(4, 5)(random::normal({1, 3, 8, 2})), ShapeError);
    EXPECT_NO_THROW(Conv2D(4, 5, {.padding = "same"})(random::normal({1, 3, 8, 2})));
    EXPECT_THROW(DepthwiseConv2D(5)(random::normal({1, 3, 8, 2})), ShapeError);

    // Invalid padding strings; causal only for Conv1D.
    m = message_of([] { Conv2D(4, 3, {.padding = "full"}); });
    EXPECT_NE(m.find("padding"), std::string::npos) << m;
    EXPECT_NE(m.find("\"full\""), std::string::npos) << m;
    EXPECT_THROW(Conv2D(4, 3, {.padding = "full"}), ValueError);
    EXPECT_THROW(Conv2D(4, 3, {.padding = "causal"}), ValueError);
    EXPECT_THROW(Conv2DTranspose(4, 3, {.padding = "causal"}), ValueError);
    EXPECT_NO_THROW(Conv2D(4, 3, {.padding = "SAME"}));  // Keras lowercases it

    // Channels not divisible by the groups; filters not divisible by the groups.
    Conv2D grouped(6, 3, {.groups = 3, .name = "grouped"});
    m = message_of([&] { grouped(random::normal({1, 5, 5, 4})); });
    EXPECT_NE(m.find("\"grouped\""), std::string::npos) << m;
    EXPECT_NE(m.find("groups=3"), std::string::npos) << m;
    EXPECT_NE(m.find("(1, 5, 5, 4)"), std::string::npos) << m;
    EXPECT_THROW(Conv2D(6, 3, {.groups = 3})(random::normal({1, 5, 5, 4})), ValueError);
    EXPECT_THROW(Conv2D(5, 3, {.groups = 2}), ValueError);
    EXPECT_THROW(Conv2D(4, 3, {.groups = 0}), ValueError);

    // Keras's other constructor checks.
    EXPECT_THROW(Conv2D(0, 3), ValueError);
    EXPECT_THROW(Conv2D(4, {3, 3, 3}), ValueError);
    EXPECT_THROW(Conv2D(4, 0), ValueError);
    EXPECT_THROW(Conv2D(4, 3, {.strides = 2, .dilation_rate = 2}), ValueError);
    EXPECT_THROW(Conv2D(4, 3, {.data_format = "channels_first"}), ValueError);
    EXPECT_THROW(Conv2DTranspose(4, 3, {.strides = 2, .output_padding = 2}), ValueError);
    EXPECT_THROW(DepthwiseConv2D(3, {.depth_multiplier = 0}), ValueError);
    EXPECT_THROW(SeparableConv2D(0, 3), ValueError);
}

TEST_F(ConvLayerTest, RegularizersAddTheirPenaltiesAndAppearInTheConfig) {
    // Keras 3: kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None; "l2" is L2(l2=0.01).
    EXPECT_EQ(Conv2D(2, 3)->get_config()["kernel_regularizer"], nullptr);
    EXPECT_EQ(Conv2D(2, 3)->get_config()["activity_regularizer"], nullptr);
    Conv2D conv(3, 2, {.bias_initializer = "ones", .kernel_regularizer = "l2", .bias_regularizer = "l1"});
    conv(random::normal({1, 4, 4, 2}));
    std::vector<Tensor> losses = conv->losses();
    ASSERT_EQ(losses.size(), 2u);
    double sum_sq = 0;
    for (float v : conv->kernel().to_vector<float>()) sum_sq += double(v) * v;
    EXPECT_NEAR(losses[0].item<float>(), 0.01 * sum_sq, 1e-5);
    EXPECT_NEAR(losses[1].item<float>(), 0.01 * 3, 1e-5);  // L1(0.01) of three ones
    EXPECT_EQ(conv->get_config()["kernel_regularizer"]["class_name"], "L2");
    EXPECT_EQ(conv->get_config()["bias_regularizer"]["class_name"], "L1");
    SeparableConv2D sep(2, 2, {.depthwise_regularizer = "l2", .pointwise_regularizer = "l2"});
    sep(random::normal({1, 4, 4, 2}));
    EXPECT_EQ(sep->losses().size(), 2u);
    DepthwiseConv2D dw(2, {.depthwise_regularizer = "l1", .activity_regularizer = "l2"});
    dw(random::normal({2, 4, 4, 2}));
    EXPECT_EQ(dw->get_config()["activity_regularizer"]["class_name"], "L2");
    EXPECT_EQ(dw->losses().size(), 2u);  // the activity penalty of the call, then the kernel's
}

}  // namespace
}  // namespace strata
