// Tensor: construction from host data, element access, and the NumPy-style methods.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include <strata/core/tensor.hpp>
#include <strata/ops/elementwise.hpp>

#include "core/tensor_matchers.hpp"

namespace strata {
namespace {

using testing::expect_tensor_eq;
using testing::expect_tensor_near;

template <Element T>
void expect_round_trip(const std::vector<T>& values) {
    Tensor t = Tensor::from_vector(values, {2, 2});
    EXPECT_EQ(t.dtype(), dtype_of_v<T>);
    EXPECT_EQ(t.shape(), Shape({2, 2}));
    EXPECT_EQ(t.to_vector<T>(), values);
    Tensor one = Tensor::from_vector(std::vector<T>{values[1]}, {});
    EXPECT_EQ(one.rank(), 0);
    EXPECT_EQ(one.item<T>(), values[1]);
}

TEST(CoreTensor, FromVectorToVectorAndItemForEveryDtype) {
    expect_round_trip<float>({1.5f, -2.25f, 3.0f, 1e-30f});
    expect_round_trip<double>({1.5, -2.25, 3.0, 1e-300});
    expect_round_trip<std::int64_t>({1, -2, std::int64_t{1} << 40, 0});
    expect_round_trip<std::int32_t>({1, -2, 2147483647, 0});
    expect_round_trip<std::uint8_t>({0, 7, 255, 1});
    expect_round_trip<bool>({true, false, true, true});
}

TEST(CoreTensor, FromVectorWithoutShapeIsOneDimensional) {
    Tensor t = Tensor::from_vector(std::vector<float>{1, 2, 3});
    EXPECT_EQ(t.shape(), Shape({3}));
    EXPECT_EQ(t.numel(), 3);
    EXPECT_EQ(t.size(-1), 3);
}

TEST(CoreTensor, FactoriesFillTheirValue) {
    expect_tensor_eq<float>(Tensor::zeros({2, 2}), {0, 0, 0, 0});
    expect_tensor_eq<double>(Tensor::ones({3}, float64), {1, 1, 1});
    expect_tensor_eq<std::int32_t>(Tensor::full({2}, 7.0, int32), {7, 7});
    expect_tensor_eq<bool>(Tensor::full({2}, 1.0, bool_), {true, true});
    Tensor s = Tensor::scalar(2.5);
    EXPECT_EQ(s.rank(), 0);
    EXPECT_EQ(s.dtype(), float32);  // float32 is the default, as in Keras
    EXPECT_EQ(s.item<float>(), 2.5f);
}

TEST(CoreTensor, ReshapeInfersTheMinusOneExtent) {
    std::vector<float> v(24);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i);
    Tensor x = Tensor::from_vector(v, {2, 3, 4});
    EXPECT_EQ(x.reshape({-1, 4}).shape(), Shape({6, 4}));
    EXPECT_EQ(x.reshape({2, -1}).shape(), Shape({2, 12}));
    EXPECT_EQ(x.reshape({-1}).shape(), Shape({24}));
    EXPECT_EQ(x.reshape({4, -1, 2}).to_vector<float>(), v);  // row-major order is kept
    EXPECT_THROW(x.reshape({-1, -1}), ShapeError);
    EXPECT_THROW(x.reshape({5, -1}), ShapeError);
}

TEST(CoreTensor, AstypeConvertsAsNumPy) {
    Tensor x = Tensor::from_vector(std::vector<float>{1.7f, -1.7f, 0.0f, 2.0f});
    expect_tensor_eq<std::int32_t>(x.astype(int32), {1, -1, 0, 2});  // truncation toward zero
    expect_tensor_eq<std::int64_t>(x.astype(int64), {1, -1, 0, 2});
    expect_tensor_eq<bool>(x.astype(bool_), {true, true, false, true});
    expect_tensor_near<double>(x.astype(float64), {1.7f, -1.7f, 0.0f, 2.0f});
    expect_tensor_eq<float>(Tensor::from_vector(std::vector<bool>{true, false}).astype(float32), {1.0f, 0.0f});
    expect_tensor_eq<std::uint8_t>(Tensor::from_vector(std::vector<std::int64_t>{3, 200}).astype(uint8), {3, 200});
    EXPECT_TRUE(x.astype(float32).same_as(x));  // no copy when the dtype is already right
}

TEST(CoreTensor, SliceTakesRowsOfTheFirstAxis) {
    Tensor x = Tensor::from_vector(std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7}, {4, 2});
    Tensor s = x.slice(1, 3);
    EXPECT_EQ(s.shape(), Shape({2, 2}));
    expect_tensor_eq<float>(s, {2, 3, 4, 5});
    EXPECT_EQ(x.slice(2, 2).shape(), Shape({0, 2}));
    expect_tensor_eq<float>(x.slice(3, 4).slice(0, 1), {6, 7});  // a slice of a slice
}

TEST(CoreTensor, TransposeReversesOrPermutesAxes) {
    Tensor x = Tensor::from_vector(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3});
    Tensor t = x.transpose();
    EXPECT_EQ(t.shape(), Shape({3, 2}));
    expect_tensor_eq<float>(t, {1, 4, 2, 5, 3, 6});

    std::vector<double> v(24);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i);
    Tensor y = Tensor::from_vector(v, {2, 3, 4});
    Tensor p = y.transpose({1, 0, 2});
    ASSERT_EQ(p.shape(), Shape({3, 2, 4}));
    std::vector<double> got = p.to_vector<double>();
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 2; ++j)
            for (int k = 0; k < 4; ++k) EXPECT_EQ(got[static_cast<std::size_t>((i * 2 + j) * 4 + k)], (j * 3 + i) * 4 + k);
    EXPECT_EQ(y.transpose().shape(), Shape({4, 3, 2}));
    EXPECT_EQ(y.transpose({-1, 0, 1}).shape(), Shape({4, 2, 3}));  // negative axes count from the end
}

TEST(CoreTensor, ArgmaxGivesTheFirstMaximum) {
    Tensor x = Tensor::from_vector(std::vector<float>{1, 5, 5, 2, 9, 0}, {2, 3});
    expect_tensor_eq<std::int64_t>(x.argmax(), {1, 1});  // default axis -1; ties go to the first
    expect_tensor_eq<std::int64_t>(x.argmax(0), {1, 1, 0});
    expect_tensor_eq<std::int64_t>(Tensor::from_vector(std::vector<std::int32_t>{3, 1, 4, 1, 5}).argmax(), {4});
}

TEST(CoreTensor, ReductionsWithAndWithoutKeepdims) {
    Tensor x = Tensor::from_vector(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3});
    expect_tensor_eq<float>(x.sum(), {21});
    EXPECT_EQ(x.sum().rank(), 0);
    expect_tensor_eq<float>(x.sum({0}), {5, 7, 9});
    EXPECT_EQ(x.sum({1}, true).shape(), Shape({2, 1}));
    expect_tensor_eq<float>(x.sum({1}, true), {6, 15});
    EXPECT_EQ(x.sum({}, true).shape(), Shape({1, 1}));
    expect_tensor_near<float>(x.mean(), {3.5f}, 1e-7);
    expect_tensor_near<float>(x.mean({-1}, true), {2.0f, 5.0f}, 1e-7);
    EXPECT_EQ(x.mean({-1}, true).shape(), Shape({2, 1}));
    expect_tensor_eq<float>(x.max(), {6});
    expect_tensor_eq<float>(x.max({0}), {4, 5, 6});
    EXPECT_EQ(x.max({0}, true).shape(), Shape({1, 3}));
    expect_tensor_eq<float>(x.min({1}), {1, 4});
    // Integer sums stay integers; the mean of integers is float32, as in Keras.
    Tensor i = Tensor::from_vector(std::vector<std::int32_t>{1, 2, 3, 4}, {2, 2});
    expect_tensor_eq<std::int32_t>(i.sum({0}), {4, 6});
    expect_tensor_near<float>(i.mean(), {2.5f});
    expect_tensor_eq<std::int32_t>(i.max(), {4});
}

TEST(CoreTensor, RoundIsHalfToEvenAsNumPy) {
    std::vector<double> v{0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, 2.6, -2.6, 3.0};
    std::vector<double> expected{0.0, 2.0, 2.0, -0.0, -2.0, -2.0, 2.0, 3.0, -3.0, 3.0};
    expect_tensor_eq<double>(Tensor::from_vector(v).round(), expected);
    std::vector<float> vf(v.begin(), v.end()), ef(expected.begin(), expected.end());
    expect_tensor_eq<float>(Tensor::from_vector(vf).round(), ef);
    expect_tensor_eq<std::int64_t>(Tensor::from_vector(std::vector<std::int64_t>{3, -4}).round(), {3, -4});
}

TEST(CoreTensor, CloneOwnsItsDataAndDetachDropsHistory) {
    Tensor x = Tensor::from_vector(std::vector<float>{1, 2});
    Tensor c = x.clone();
    c.data<float>()[0] = 9.0f;
    EXPECT_EQ(x.to_vector<float>()[0], 1.0f);
    x.set_requires_grad(true);
    Tensor y = x * 2.0;
    EXPECT_TRUE(y.requires_grad());
    Tensor d = y.detach();
    EXPECT_FALSE(d.requires_grad());
    EXPECT_EQ(d.impl()->grad_fn, nullptr);
    EXPECT_EQ(d.to_vector<float>(), (std::vector<float>{2, 4}));
}

TEST(CoreTensor, ToStringNamesShapeDtypeAndValues) {
    Tensor x = Tensor::from_vector(std::vector<float>{1, 2}, {1, 2});
    std::string s = x.to_string();
    EXPECT_NE(s.find("(1, 2)"), std::string::npos) << s;
    EXPECT_NE(s.find("float32"), std::string::npos) << s;
    EXPECT_EQ(Tensor().to_string(), "Tensor(undefined)");
}

TEST(CoreTensor, OnlyFloatingTensorsRequireGradients) {
    Tensor i = Tensor::from_vector(std::vector<std::int32_t>{1, 2});
    EXPECT_THROW(i.set_requires_grad(true), TypeError);
    Tensor f = Tensor::from_vector(std::vector<double>{1, 2});
    f.set_requires_grad(true);
    EXPECT_TRUE(f.requires_grad());
}

}  // namespace
}  // namespace strata
