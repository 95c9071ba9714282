// Pooling layers: Keras defaults, names, config, shape inference, values, float64 gradient checks of every
// layer and mode, and the errors a user can cause.
#include <gtest/gtest.h>

#include <strata/layers/pooling.hpp>

#include "support/layer_gradcheck.hpp"

namespace strata {
namespace {

using namespace layers;

class PoolingLayerTest : public ::testing::Test {
protected:
    void SetUp() override {
        clear_session();
        random::seed(5);
    }
};

std::string error_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

TEST_F(PoolingLayerTest, KerasDefaults) {
    // Keras 3: MaxPooling2D(pool_size=(2, 2), strides=None, padding="valid", data_format=None) with
    // strides=None meaning pool_size and data_format None meaning "channels_last".
    MaxPooling2D p2;
    EXPECT_EQ(p2->pool_size(), (std::vector<std::int64_t>{2, 2}));
    EXPECT_EQ(p2->strides(), (std::vector<std::int64_t>{2, 2}));
    EXPECT_EQ(p2->padding(), "valid");
    nlohmann::json c = p2->get_config();
    EXPECT_EQ(c["pool_size"], nlohmann::json({2, 2}));
    EXPECT_EQ(c["strides"], nlohmann::json({2, 2}));
    EXPECT_EQ(c["padding"], "valid");
    EXPECT_EQ(c["data_format"], "channels_last");
    EXPECT_EQ(c["name"], "max_pooling2d");
    // Keras 3: MaxPooling1D(pool_size=2, strides=None, padding="valid"), AveragePooling1D/2D alike.
    MaxPooling1D p1;
    EXPECT_EQ(p1->pool_size(), (std::vector<std::int64_t>{2}));
    EXPECT_EQ(p1->strides(), (std::vector<std::int64_t>{2}));
    EXPECT_EQ(AveragePooling1D()->get_config()["pool_size"], nlohmann::json({2}));
    EXPECT_EQ(AveragePooling2D()->get_config()["pool_size"], nlohmann::json({2, 2}));
    EXPECT_EQ(AveragePooling2D(3)->strides(), (std::vector<std::int64_t>{3, 3}));
    EXPECT_EQ(MaxPooling2D({3, 2}, {.strides = 1})->strides(), (std::vector<std::int64_t>{1, 1}));
    // Keras 3: GlobalAveragePooling2D(data_format=None, keepdims=False).
    nlohmann::json g = GlobalAveragePooling2D()->get_config();
    EXPECT_EQ(g["keepdims"], false);
    EXPECT_EQ(g["data_format"], "channels_last");
    EXPECT_EQ(p2->count_params(), 0);
}

TEST_F(PoolingLayerTest, NamesAndClassNamesFollowKeras) {
    EXPECT_EQ(MaxPooling2D()->name(), "max_pooling2d");
    EXPECT_EQ(MaxPooling2D()->name(), "max_pooling2d_1");
    EXPECT_EQ(MaxPooling1D()->class_name(), "MaxPooling1D");
    EXPECT_EQ(AveragePooling1D()->name(), "average_pooling1d");
    EXPECT_EQ(AveragePooling2D()->class_name(), "AveragePooling2D");
    EXPECT_EQ(GlobalMaxPooling1D()->name(), "global_max_pooling1d");
    EXPECT_EQ(GlobalAveragePooling2D()->name(), "global_average_pooling2d");
    EXPECT_EQ(GlobalMaxPooling2D()->class_name(), "GlobalMaxPooling2D");
    EXPECT_EQ(GlobalAveragePooling1D()->class_name(), "GlobalAveragePooling1D");
    EXPECT_EQ(MaxPooling2D(2, {.name = "pool"})->name(), "pool");
}

TEST_F(PoolingLayerTest, OutputShapesMatchKerasIncludingUnknownBatch) {
    // The small MNIST convnet: 26x26 -> 13x13, 11x11 -> 5x5.
    EXPECT_EQ(MaxPooling2D({2, 2})->compute_output_shape({-1, 26, 26, 32}), (Shape{-1, 13, 13, 32}));
    EXPECT_EQ(MaxPooling2D({2, 2})->compute_output_shape({-1, 11, 11, 64}), (Shape{-1, 5, 5, 64}));
    EXPECT_EQ(AveragePooling2D({2, 2}, {.padding = "same"})->compute_output_shape({-1, 11, 11, 64}),
              (Shape{-1, 6, 6, 64}));
    EXPECT_EQ(MaxPooling1D(3, {.strides = 2})->compute_output_shape({4, 10, 5}), (Shape{4, 4, 5}));
    EXPECT_EQ(MaxPooling1D(3, {.strides = 1, .padding = "same"})->compute_output_shape({4, -1, 5}), (Shape{4, -1, 5}));
    EXPECT_EQ(GlobalMaxPooling2D()->compute_output_shape({-1, 7, 7, 16}), (Shape{-1, 16}));
    EXPECT_EQ(GlobalAveragePooling1D({.keepdims = true})->compute_output_shape({-1, 7, 16}), (Shape{-1, 1, 16}));
    EXPECT_EQ(GlobalAveragePooling2D({.data_format = "channels_first"})->compute_output_shape({2, 3, 7, 7}),
              (Shape{2, 3}));

    Tensor in = Input({28, 28, 1});
    Tensor out = MaxPooling2D({2, 2})(in);
    EXPECT_TRUE(out.is_symbolic());
    EXPECT_EQ(out.shape(), (Shape{-1, 14, 14, 1}));
}

TEST_F(PoolingLayerTest, ValuesMatchHandComputedWindows) {
    // x[0, i, j, 0] = 4 i + j on a 4x4 image: 2x2 windows.
    std::vector<float> v(16);
    for (int i = 0; i < 16; ++i) v[static_cast<std::size_t>(i)] = static_cast<float>(i);
    Tensor x = Tensor::from_vector(v, {1, 4, 4, 1});
    EXPECT_EQ(MaxPooling2D()(x).to_vector<float>(), (std::vector<float>{5, 7, 13, 15}));
    EXPECT_EQ(AveragePooling2D()(x).to_vector<float>(), (std::vector<float>{2.5f, 4.5f, 10.5f, 12.5f}));
    // 3x3 "same" windows with stride 2: output 2x2; windows clipped at the bottom/right edge.
    EXPECT_EQ(MaxPooling2D(3, {.strides = 2, .padding = "same"})(x).to_vector<float>(),
              (std::vector<float>{10, 11, 14, 15}));
    // Windows rows [0,3) x cols [0,3): mean 5; [0,3) x [2,4): mean 6.5; [2,4) x [0,3): 11; [2,4) x [2,4): 12.5.
    EXPECT_EQ(AveragePooling2D(3, {.strides = 2, .padding = "same"})(x).to_vector<float>(),
              (std::vector<float>{5, 6.5f, 11, 12.5f}));

    Tensor s = Tensor::from_vector(std::vector<float>{1, -1, 4, 0, 2, 8}, {1, 3, 2});
    EXPECT_EQ(MaxPooling1D(2, {.strides = 1})(s).to_vector<float>(), (std::vector<float>{4, 0, 4, 8}));
    EXPECT_EQ(AveragePooling1D(2, {.padding = "same"})(s).to_vector<float>(), (std::vector<float>{2.5f, -0.5f, 2, 8}));
    EXPECT_EQ(GlobalMaxPooling1D()(s).to_vector<float>(), (std::vector<float>{4, 8}));
    std::vector<float> mean = GlobalAveragePooling1D()(s).to_vector<float>();
    EXPECT_FLOAT_EQ(mean[0], 7.0f / 3);
    EXPECT_FLOAT_EQ(mean[1], 7.0f / 3);
    EXPECT_EQ(GlobalMaxPooling2D()(x).to_vector<float>(), (std::vector<float>{15}));
    Tensor kept = GlobalAveragePooling2D({.keepdims = true})(x);
    EXPECT_EQ(kept.shape(), (Shape{1, 1, 1, 1}));
    EXPECT_FLOAT_EQ(kept.to_vector<float>()[0], 7.5f);
}

TEST_F(PoolingLayerTest, GlobalPoolingMatchesLoops) {
    Tensor x = random::uniform({3, 4, 5, 6}, -1, 1, float64);
    std::vector<double> v = x.to_vector<double>();
    std::vector<double> mx = GlobalMaxPooling2D({.dtype = float64})(x).to_vector<double>();
    std::vector<double> av = GlobalAveragePooling2D({.dtype = float64})(x).to_vector<double>();
    for (int b = 0; b < 3; ++b)
        for (int c = 0; c < 6; ++c) {
            double m = -1e9, s = 0;
            for (int p = 0; p < 20; ++p) {
                double e = v[static_cast<std::size_t>((b * 20 + p) * 6 + c)];
                m = std::max(m, e);
                s += e;
            }
            EXPECT_DOUBLE_EQ(mx[static_cast<std::size_t>(b * 6 + c)], m);
            EXPECT_NEAR(av[static_cast<std::size_t>(b * 6 + c)], s / 20, 1e-12);
        }
}

TEST_F(PoolingLayerTest, GradientsOfEveryLayerAndMode) {
    struct Named {
        std::shared_ptr<Layer> layer;
        Shape shape;
    };
    std::vector<Named> all = {
        {MaxPooling2D(2, {.dtype = float64}), {2, 4, 5, 2}},
        {MaxPooling2D(3, {.strides = 2, .padding = "same", .dtype = float64}), {1, 5, 5, 2}},
        {AveragePooling2D(2, {.dtype = float64}), {2, 4, 5, 2}},
        {AveragePooling2D({3, 2}, {.strides = 1, .padding = "same", .dtype = float64}), {1, 4, 3, 2}},
        {MaxPooling1D(2, {.dtype = float64}), {2, 5, 3}},
        {MaxPooling1D(3, {.strides = 1, .padding = "same", .dtype = float64}), {2, 5, 2}},
        {AveragePooling1D(2, {.dtype = float64}), {2, 5, 3}},
        {AveragePooling1D(3, {.strides = 2, .padding = "same", .dtype = float64}), {2, 6, 2}},
        {GlobalMaxPooling1D({.dtype = float64}), {2, 5, 3}},
        {GlobalMaxPooling2D({.dtype = float64}), {2, 3, 3, 2}},
        {GlobalAveragePooling1D({.dtype = float64}), {2, 5, 3}},
        {GlobalAveragePooling2D({.keepdims = true, .dtype = float64}), {2, 3, 3, 2}},
    };
    for (const Named& n : all) {
        SCOPED_TRACE(n.layer->name());
        testing::expect_layer_gradients_match([&](const Tensor& x) { return (*n.layer)(x); },
                                              random::uniform(n.shape, -1, 1, float64), {});
    }
}

TEST_F(PoolingLayerTest, BadArgumentsNameTheLayer) {
    std::string m = error_of([] { MaxPooling2D({0, 2}); });
    EXPECT_NE(m.find("max_pooling2d"), std::string::npos) << m;
    EXPECT_NE(m.find("pool_size"), std::string::npos) << m;
    EXPECT_THROW(MaxPooling2D({2, 2, 2}), ValueError);
    EXPECT_THROW(AveragePooling1D(2, {.strides = 0}), ValueError);
    m = error_of([] { AveragePooling2D(2, {.padding = "causal"}); });
    EXPECT_NE(m.find("average_pooling2d"), std::string::npos) << m;
    EXPECT_NE(m.find("causal"), std::string::npos) << m;
    EXPECT_THROW(MaxPooling2D(2, {.data_format = "channels_first"}), ValueError);
    EXPECT_THROW(GlobalMaxPooling2D({.data_format = "nchw"}), ValueError);
    EXPECT_EQ(MaxPooling2D(2, {.padding = "Same"})->padding(), "same");  // Keras lower-cases padding
}

TEST_F(PoolingLayerTest, BadInputsNameTheLayerAndBothShapes) {
    MaxPooling2D pool;
    std::string m = error_of([&] { pool(random::normal({2, 8, 3})); });
    EXPECT_NE(m.find("max_pooling2d"), std::string::npos) << m;
    EXPECT_NE(m.find("ndim=4"), std::string::npos) << m;
    EXPECT_NE(m.find("(2, 8, 3)"), std::string::npos) << m;
    EXPECT_THROW(MaxPooling1D()(random::normal({2, 8, 3, 1})), ShapeError);
    EXPECT_THROW(GlobalAveragePooling2D()(random::normal({2, 8, 3})), ShapeError);

    MaxPooling2D big(3, {.strides = 1});
    // Keras raises only when floor((L - k) / s) + 1 is negative: here floor((1 - 3) / 1) + 1 = -1.
    m = error_of([&] { big(random::normal({1, 1, 5, 1})); });
    EXPECT_NE(m.find("max_pooling2d_1"), std::string::npos) << m;
    EXPECT_NE(m.find("(1, 1, 5, 1)"), std::string::npos) << m;
    EXPECT_NE(m.find("(3, 3)"), std::string::npos) << m;
    EXPECT_THROW(big->compute_output_shape({-1, 1, 5, 1}), ShapeError);
    EXPECT_EQ(big->compute_output_shape({-1, 2, 5, 1}), (Shape{-1, 0, 3, 1}));
}

TEST_F(PoolingLayerTest, ChainsOnSymbolicTensors) {
    Tensor in = Input({4, 4, 2});
    Tensor h = MaxPooling2D()(in);
    h = GlobalAveragePooling2D()(h);
    EXPECT_EQ(h.shape(), (Shape{-1, 2}));
}

}  // namespace
}  // namespace strata
