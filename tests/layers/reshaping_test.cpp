// Reshaping layers: Keras defaults, names, config, shape inference, values against loops, float64 gradient
// checks of every layer, and the errors a user can cause.
#include <gtest/gtest.h>

#include <strata/layers/reshaping.hpp>

#include "support/layer_gradcheck.hpp"

namespace strata {
namespace {

using namespace layers;
using Amounts = std::array<std::array<std::int64_t, 2>, 2>;

class ReshapingLayerTest : public ::testing::Test {
protected:
    void SetUp() override {
        clear_session();
        random::seed(7);
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

void expect_gradients(const std::shared_ptr<Layer>& layer, const Shape& shape) {
    SCOPED_TRACE(layer->name());
    testing::expect_layer_gradients_match([&](const Tensor& x) { return (*layer)(x); },
                                          random::uniform(shape, -1, 1, float64), {});
}

// Element (b, i, j, c) of a (n, h, w, ch) tensor's values.
double at(const std::vector<double>& v, const Shape& s, std::int64_t b, std::int64_t i, std::int64_t j, std::int64_t c) {
    return v[static_cast<std::size_t>(((b * s[1] + i) * s[2] + j) * s[3] + c)];
}

TEST_F(ReshapingLayerTest, FlattenKeepsRowMajorOrder) {
    // Keras 3: Flatten(data_format=None), data_format None meaning "channels_last".
    Flatten f;
    EXPECT_EQ(f->name(), "flatten");
    EXPECT_EQ(f->get_config()["data_format"], "channels_last");
    Tensor x = random::normal({2, 3, 4, 5});
    Tensor y = f(x);
    EXPECT_EQ(y.shape(), (Shape{2, 60}));
    EXPECT_EQ(y.to_vector<float>(), x.to_vector<float>());
    EXPECT_EQ(f->compute_output_shape({-1, 5, 5, 64}), (Shape{-1, 1600}));
    EXPECT_EQ(f->compute_output_shape({-1, -1, 3}), (Shape{-1, -1}));
    EXPECT_EQ(Flatten()(random::normal({4})).shape(), (Shape{4, 1}));
    EXPECT_EQ(Flatten()(Input({5, 5, 64})).shape(), (Shape{-1, 1600}));
    // channels_first moves the channels last before flattening, as Keras does.
    Tensor cf = Tensor::from_vector(std::vector<float>{1, 2, 3, 4, 5, 6}, {1, 2, 3});  // (batch, channels, steps)
    EXPECT_EQ(Flatten({.data_format = "channels_first"})(cf).to_vector<float>(), (std::vector<float>{1, 4, 2, 5, 3, 6}));
    expect_gradients(Flatten({.dtype = float64}).ptr(), {2, 3, 2, 2});
    expect_gradients(Flatten({.data_format = "channels_first", .dtype = float64}).ptr(), {2, 3, 2, 2});
}

TEST_F(ReshapingLayerTest, ReshapeInfersOneUnknownExtent) {
    Reshape r({3, -1});
    EXPECT_EQ(r->name(), "reshape");
    Tensor x = random::normal({2, 12});
    Tensor y = r(x);
    EXPECT_EQ(y.shape(), (Shape{2, 3, 4}));
    EXPECT_EQ(y.to_vector<float>(), x.to_vector<float>());
    EXPECT_EQ(r->get_config()["target_shape"], nlohmann::json({3, -1}));
    EXPECT_EQ(r->compute_output_shape({-1, 12}), (Shape{-1, 3, 4}));
    EXPECT_EQ(r->compute_output_shape({-1, -1}), (Shape{-1, 3, -1}));
    EXPECT_EQ(Reshape({2, 2, 3})(Input({12})).shape(), (Shape{-1, 2, 2, 3}));
    expect_gradients(Reshape({3, 2, -1}, {.dtype = float64}).ptr(), {2, 12});
}

TEST_F(ReshapingLayerTest, ReshapeErrorsNameTheLayerAndBothShapes) {
    Reshape r({5});
    std::string m = error_of([&] { r(random::normal({2, 12})); });
    EXPECT_NE(m.find("reshape"), std::string::npos) << m;
    EXPECT_NE(m.find("(2, 12)"), std::string::npos) << m;
    EXPECT_NE(m.find("(5,)"), std::string::npos) << m;
    EXPECT_THROW(Reshape({5, -1})(random::normal({2, 12})), ShapeError);
    EXPECT_THROW(Reshape({5})->compute_output_shape({-1, 12}), ShapeError);
    EXPECT_THROW(Reshape({-1, -1}), ValueError);
    EXPECT_THROW(Reshape({0, 3}), ValueError);
}

TEST_F(ReshapingLayerTest, PermuteCountsAxesFromOne) {
    Permute p({2, 1});
    EXPECT_EQ(p->name(), "permute");
    EXPECT_EQ(p->get_config()["dims"], nlohmann::json({2, 1}));
    Tensor x = random::normal({2, 3, 4});
    Tensor y = p(x);
    ASSERT_EQ(y.shape(), (Shape{2, 4, 3}));
    std::vector<float> xv = x.to_vector<float>(), yv = y.to_vector<float>();
    for (int b = 0; b < 2; ++b)
        for (int i = 0; i < 3; ++i)
            for (int j = 0; j < 4; ++j)
                EXPECT_EQ(yv[static_cast<std::size_t>((b * 4 + j) * 3 + i)], xv[static_cast<std::size_t>((b * 3 + i) * 4 + j)]);
    EXPECT_EQ(Permute({3, 1, 2})->compute_output_shape({-1, 5, 6, 7}), (Shape{-1, 7, 5, 6}));
    expect_gradients(Permute({3, 1, 2}, {.dtype = float64}).ptr(), {2, 2, 3, 2});

    std::string m = error_of([] { Permute({1, 3}); });
    EXPECT_NE(m.find("permute"), std::string::npos) << m;
    EXPECT_NE(m.find("(1, 3)"), std::string::npos) << m;
    EXPECT_THROW(Permute({0, 1}), ValueError);
    m = error_of([] { Permute({2, 1})(random::normal({2, 3, 4, 5})); });
    EXPECT_NE(m.find("(2, 3, 4, 5)"), std::string::npos) << m;
}

TEST_F(ReshapingLayerTest, RepeatVectorRepeatsEachSample) {
    RepeatVector r(3);
    EXPECT_EQ(r->name(), "repeat_vector");
    EXPECT_EQ(r->get_config()["n"], 3);
    Tensor x = Tensor::from_vector(std::vector<float>{1, 2, 3, 4}, {2, 2});
    Tensor y = r(x);
    EXPECT_EQ(y.shape(), (Shape{2, 3, 2}));
    EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4}));
    EXPECT_EQ(r->compute_output_shape({-1, 8}), (Shape{-1, 3, 8}));
    expect_gradients(RepeatVector(4, {.dtype = float64}).ptr(), {3, 2});
    EXPECT_THROW(RepeatVector(0), ValueError);
    std::string m = error_of([] { RepeatVector(2)(random::normal({2, 3, 4})); });
    EXPECT_NE(m.find("repeat_vector"), std::string::npos) << m;
    EXPECT_NE(m.find("(2, 3, 4)"), std::string::npos) << m;
}

TEST_F(ReshapingLayerTest, UpSampling2DRepeatsNearestPixels) {
    // Keras 3: UpSampling2D(size=(2, 2), data_format=None, interpolation="nearest").
    UpSampling2D u;
    EXPECT_EQ(u->name(), "up_sampling2d");
    EXPECT_EQ(u->size(), (std::vector<std::int64_t>{2, 2}));
    nlohmann::json c = u->get_config();
    EXPECT_EQ(c["size"], nlohmann::json({2, 2}));
    EXPECT_EQ(c["interpolation"], "nearest");
    EXPECT_EQ(c["data_format"], "channels_last");

    Tensor x = random::normal({2, 3, 2, 3}, 0.0, 1.0, float64);
    UpSampling2D u32({2, 3}, {.dtype = float64});
    Tensor y = u32(x);
    ASSERT_EQ(y.shape(), (Shape{2, 6, 6, 3}));
    std::vector<double> xv = x.to_vector<double>(), yv = y.to_vector<double>();
    for (int b = 0; b < 2; ++b)
        for (int i = 0; i < 6; ++i)
            for (int j = 0; j < 6; ++j)
                for (int k = 0; k < 3; ++k) EXPECT_EQ(at(yv, y.shape(), b, i, j, k), at(xv, x.shape(), b, i / 2, j / 3, k));
    EXPECT_EQ(u->compute_output_shape({-1, 7, -1, 4}), (Shape{-1, 14, -1, 4}));
    EXPECT_EQ(UpSampling2D(2, {.data_format = "channels_first"})(random::normal({1, 3, 2, 2})).shape(), (Shape{1, 3, 4, 4}));
    expect_gradients(UpSampling2D({2, 3}, {.dtype = float64}).ptr(), {2, 2, 3, 2});

    std::string m = error_of([] { UpSampling2D(2, {.interpolation = "bilinear"}); });
    EXPECT_NE(m.find("up_sampling2d"), std::string::npos) << m;
    EXPECT_NE(m.find("bilinear"), std::string::npos) << m;
    EXPECT_THROW(UpSampling2D(0), ValueError);
    EXPECT_THROW(UpSampling2D()(random::normal({2, 3, 4})), ShapeError);
}

TEST_F(ReshapingLayerTest, RescalingScalesThenOffsets) {
    // Keras 3: Rescaling(scale, offset=0.0); integer inputs come out in the layer's dtype.
    Rescaling r(1.0 / 255);
    EXPECT_EQ(r->name(), "rescaling");
    EXPECT_EQ(r->offset(), 0.0);
    nlohmann::json c = r->get_config();
    EXPECT_DOUBLE_EQ(c["scale"].get<double>(), 1.0 / 255);
    EXPECT_EQ(c["offset"], 0.0);
    Tensor img = Tensor::from_vector(std::vector<std::uint8_t>{0, 51, 255}, {1, 3});
    Tensor y = r(img);
    EXPECT_EQ(y.dtype(), float32);
    std::vector<float> v = y.to_vector<float>();
    EXPECT_FLOAT_EQ(v[0], 0.0f);
    EXPECT_FLOAT_EQ(v[1], 0.2f);
    EXPECT_FLOAT_EQ(v[2], 1.0f);
    Tensor z = Rescaling(1.0 / 127.5, {.offset = -1})(Tensor::from_vector(std::vector<float>{0, 127.5f, 255}, {3}));
    EXPECT_EQ(z.to_vector<float>(), (std::vector<float>{-1, 0, 1}));
    EXPECT_EQ(r->compute_output_shape({-1, 28, 28, 1}), (Shape{-1, 28, 28, 1}));
    expect_gradients(Rescaling(0.5, {.offset = 2, .dtype = float64}).ptr(), {2, 3});
}

TEST_F(ReshapingLayerTest, PaddingAndCroppingAcceptKerasThreeForms) {
    // Keras 3: ZeroPadding2D(padding=(1, 1)) and Cropping2D(cropping=((0, 0), (0, 0))).
    EXPECT_EQ(ZeroPadding2D()->padding(), (Amounts{{{1, 1}, {1, 1}}}));
    EXPECT_EQ(Cropping2D()->cropping(), (Amounts{{{0, 0}, {0, 0}}}));
    EXPECT_EQ(ZeroPadding2D(2)->padding(), (Amounts{{{2, 2}, {2, 2}}}));
    EXPECT_EQ(ZeroPadding2D({1, 2})->padding(), (Amounts{{{1, 1}, {2, 2}}}));
    EXPECT_EQ(ZeroPadding2D({{1, 2}, {3, 4}})->padding(), (Amounts{{{1, 2}, {3, 4}}}));
    EXPECT_EQ(Cropping2D({{1, 0}, {0, 2}})->cropping(), (Amounts{{{1, 0}, {0, 2}}}));
    clear_session();
    EXPECT_EQ(ZeroPadding2D()->name(), "zero_padding2d");
    EXPECT_EQ(Cropping2D()->name(), "cropping2d");
    nlohmann::json c = ZeroPadding2D({{1, 2}, {3, 4}})->get_config();
    EXPECT_EQ(c["padding"], nlohmann::json({{1, 2}, {3, 4}}));
    EXPECT_EQ(c["data_format"], "channels_last");
    EXPECT_EQ(Cropping2D(1)->get_config()["cropping"], nlohmann::json({{1, 1}, {1, 1}}));
    EXPECT_THROW(ZeroPadding2D(-1), ValueError);
    EXPECT_THROW(Cropping2D({{1, -2}, {0, 0}}), ValueError);
    EXPECT_THROW(ZeroPadding2D({1, 2, 3}), ValueError);
    EXPECT_THROW(ZeroPadding2D({{1, 2, 3}, {1, 1}}), ValueError);
}

TEST_F(ReshapingLayerTest, ZeroPadding2DMatchesLoops) {
    ZeroPadding2D z({{1, 2}, {0, 3}}, {.dtype = float64});
    Tensor x = random::normal({2, 3, 2, 2}, 0.0, 1.0, float64);
    Tensor y = z(x);
    ASSERT_EQ(y.shape(), (Shape{2, 6, 5, 2}));
    std::vector<double> xv = x.to_vector<double>(), yv = y.to_vector<double>();
    for (int b = 0; b < 2; ++b)
        for (int i = 0; i < 6; ++i)
            for (int j = 0; j < 5; ++j)
                for (int k = 0; k < 2; ++k) {
                    bool inside = i >= 1 && i < 4 && j < 2;
                    EXPECT_EQ(at(yv, y.shape(), b, i, j, k), inside ? at(xv, x.shape(), b, i - 1, j, k) : 0.0);
                }
    EXPECT_EQ(z->compute_output_shape({-1, 3, -1, 2}), (Shape{-1, 6, -1, 2}));
    EXPECT_EQ(ZeroPadding2D(1, {.data_format = "channels_first"})(random::normal({1, 3, 2, 2})).shape(),
              (Shape{1, 3, 4, 4}));
    expect_gradients(ZeroPadding2D({{1, 0}, {2, 1}}, {.dtype = float64}).ptr(), {2, 2, 3, 2});
}

TEST_F(ReshapingLayerTest, Cropping2DMatchesLoops) {
    Cropping2D crop({{1, 0}, {2, 1}}, {.dtype = float64});
    Tensor x = random::normal({2, 4, 5, 2}, 0.0, 1.0, float64);
    Tensor y = crop(x);
    ASSERT_EQ(y.shape(), (Shape{2, 3, 2, 2}));
    std::vector<double> xv = x.to_vector<double>(), yv = y.to_vector<double>();
    for (int b = 0; b < 2; ++b)
        for (int i = 0; i < 3; ++i)
            for (int j = 0; j < 2; ++j)
                for (int k = 0; k < 2; ++k) EXPECT_EQ(at(yv, y.shape(), b, i, j, k), at(xv, x.shape(), b, i + 1, j + 2, k));
    EXPECT_EQ(crop->compute_output_shape({-1, 4, -1, 2}), (Shape{-1, 3, -1, 2}));
    EXPECT_EQ(Cropping2D()(x).shape(), x.shape());
    expect_gradients(Cropping2D({{1, 1}, {0, 2}}, {.dtype = float64}).ptr(), {2, 4, 4, 2});
}

TEST_F(ReshapingLayerTest, CroppingMoreThanTheInputHasNamesTheLayerAndBothShapes) {
    Cropping2D crop({{2, 2}, {0, 0}});
    std::string m = error_of([&] { crop(random::normal({1, 4, 5, 1})); });
    EXPECT_NE(m.find("cropping2d"), std::string::npos) << m;
    EXPECT_NE(m.find("(1, 4, 5, 1)"), std::string::npos) << m;
    EXPECT_NE(m.find("((2, 2), (0, 0))"), std::string::npos) << m;
    EXPECT_THROW(Cropping2D({0, 3})->compute_output_shape({-1, 8, 6, 1}), ShapeError);
    m = error_of([] { ZeroPadding2D()(random::normal({2, 3, 4})); });
    EXPECT_NE(m.find("zero_padding2d"), std::string::npos) << m;
    EXPECT_NE(m.find("(2, 3, 4)"), std::string::npos) << m;
}

}  // namespace
}  // namespace strata
