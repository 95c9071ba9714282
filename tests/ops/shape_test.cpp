// Forward values of the ops that move elements: reshape, transpose, slice, broadcast_to, expand_dims,
// squeeze, take, cast, one_hot.
#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include <strata/ops/elementwise.hpp>
#include <strata/ops/shape.hpp>

#include "core/tensor_matchers.hpp"

namespace strata {
namespace {

using testing::expect_error;
using testing::expect_tensor_eq;

Tensor iota(const Shape& shape) {
    std::vector<double> v(static_cast<std::size_t>(shape.numel()));
    std::iota(v.begin(), v.end(), 0.0);
    return Tensor::from_vector(v, shape);
}

TEST(OpsShape, ReshapeIsAViewInRowMajorOrder) {
    Tensor x = iota({2, 3});
    Tensor r = ops::reshape(x, {3, -1});
    EXPECT_EQ(r.shape(), Shape({3, 2}));
    expect_tensor_eq<double>(r, {0, 1, 2, 3, 4, 5});
    EXPECT_EQ(r.raw_data(), x.raw_data());  // no copy
    EXPECT_EQ(ops::reshape(Tensor::zeros({0, 3}), {-1, 3}).shape(), Shape({0, 3}));
    EXPECT_EQ(ops::reshape(Tensor::scalar(1.0), {1, 1}).shape(), Shape({1, 1}));
}

TEST(OpsShape, TransposeFourAxes) {
    Tensor x = iota({2, 3, 4, 5});
    Tensor t = ops::transpose(x, {2, 0, 3, 1});
    ASSERT_EQ(t.shape(), Shape({4, 2, 5, 3}));
    std::vector<double> got = t.to_vector<double>();
    std::size_t n = 0;
    for (int c = 0; c < 4; ++c)
        for (int a = 0; a < 2; ++a)
            for (int d = 0; d < 5; ++d)
                for (int b = 0; b < 3; ++b) EXPECT_EQ(got[n++], ((a * 3 + b) * 4 + c) * 5 + d);
}

TEST(OpsShape, TransposeLargeMatrixTakesTheBlockedPath) {
    Tensor x = iota({67, 1030});
    std::vector<double> got = ops::transpose(x).to_vector<double>();
    for (int c = 0; c < 1030; c += 7)
        for (int r = 0; r < 67; r += 5) EXPECT_EQ(got[static_cast<std::size_t>(c * 67 + r)], r * 1030 + c);
}

TEST(OpsShape, SliceViewsRows) {
    Tensor x = iota({4, 2});
    Tensor s = ops::slice(x, 1, 3);
    expect_tensor_eq<double>(s, {2, 3, 4, 5});
    // Ops on a slice read from its offset.
    expect_tensor_eq<double>(s * 2.0, {4, 6, 8, 10});
    expect_tensor_eq<double>(ops::transpose(s), {2, 4, 3, 5});
}

TEST(OpsShape, BroadcastTo) {
    Tensor row = Tensor::from_vector(std::vector<float>{1, 2, 3});
    Tensor b = ops::broadcast_to(row, {2, 3});
    EXPECT_EQ(b.shape(), Shape({2, 3}));
    expect_tensor_eq<float>(b, {1, 2, 3, 1, 2, 3});
    Tensor col = Tensor::from_vector(std::vector<float>{1, 2}, {2, 1});
    expect_tensor_eq<float>(ops::broadcast_to(col, {2, 2, 3}), {1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2});
    expect_error<ShapeError>([&] { ops::broadcast_to(row, {3, 2}); }, {"broadcast_to", "(3,)", "(3, 2)"});
    expect_error<ShapeError>([&] { ops::broadcast_to(ops::broadcast_to(row, {2, 3}), {3}); }, {"broadcast_to"});
}

TEST(OpsShape, ExpandDimsAndSqueeze) {
    Tensor x = iota({2, 3});
    EXPECT_EQ(ops::expand_dims(x, 0).shape(), Shape({1, 2, 3}));
    EXPECT_EQ(ops::expand_dims(x, 1).shape(), Shape({2, 1, 3}));
    EXPECT_EQ(ops::expand_dims(x, -1).shape(), Shape({2, 3, 1}));
    EXPECT_EQ(ops::expand_dims(x, 2).shape(), Shape({2, 3, 1}));
    EXPECT_EQ(ops::squeeze(ops::expand_dims(x, 1), 1).shape(), Shape({2, 3}));
    EXPECT_EQ(ops::squeeze(ops::expand_dims(x, -1), -1).shape(), Shape({2, 3}));
    expect_error<IndexError>([&] { ops::expand_dims(x, 4); }, {"expand_dims", "(2, 3)"});
    expect_error<ShapeError>([&] { ops::squeeze(x, 0); }, {"squeeze", "(2, 3)"});
    expect_error<IndexError>([&] { ops::squeeze(x, 2); }, {"squeeze", "(2, 3)"});
}

TEST(OpsShape, TakeGathersRowsWithRepeats) {
    Tensor x = iota({3, 2});
    Tensor idx = Tensor::from_vector(std::vector<std::int64_t>{2, 0, 2});
    Tensor t = ops::take(x, idx);
    EXPECT_EQ(t.shape(), Shape({3, 2}));
    expect_tensor_eq<double>(t, {4, 5, 0, 1, 4, 5});
    // int32 indices are accepted.
    expect_tensor_eq<double>(ops::take(x, Tensor::from_vector(std::vector<std::int32_t>{1})), {2, 3});
    expect_error<TypeError>([&] { ops::take(x, Tensor::from_vector(std::vector<float>{1})); }, {"take", "float32"});
}

TEST(OpsShape, TakeWithMatrixIndicesKeepsTheirShape) {
    // As NumPy's and Keras's take along axis 0: the result is indices.shape + x.shape[1:].
    Tensor x = iota({3, 2});
    Tensor idx = Tensor::from_vector(std::vector<std::int64_t>{0, 1, 2, 2}, {2, 2});
    Tensor t = ops::take(x, idx);
    EXPECT_EQ(t.shape(), Shape({2, 2, 2}));
    expect_tensor_eq<double>(t, {0, 1, 2, 3, 4, 5, 4, 5});
    Tensor v = iota({4});
    EXPECT_EQ(ops::take(v, idx).shape(), Shape({2, 2}));
}

TEST(OpsShape, CastBetweenDtypes) {
    Tensor x = Tensor::from_vector(std::vector<double>{1.25, -2.5, 3.0});
    Tensor f = ops::cast(x, float32);
    testing::expect_tensor_eq<float>(f, {1.25f, -2.5f, 3.0f});
    testing::expect_tensor_eq<double>(ops::cast(f, float64), {1.25, -2.5, 3.0});
    testing::expect_tensor_eq<std::int64_t>(ops::cast(x, int64), {1, -2, 3});
}

TEST(OpsShape, OneHot) {
    Tensor labels = Tensor::from_vector(std::vector<std::int64_t>{0, 2, 1});
    Tensor h = ops::one_hot(labels, 3);
    EXPECT_EQ(h.shape(), Shape({3, 3}));
    expect_tensor_eq<float>(h, {1, 0, 0, 0, 0, 1, 0, 1, 0});
    // Float labels holding whole numbers, as to_categorical accepts; other dtypes; nested shapes.
    Tensor fl = Tensor::from_vector(std::vector<float>{1, 0}, {2, 1});
    Tensor hf = ops::one_hot(fl, 2, float64);
    EXPECT_EQ(hf.shape(), Shape({2, 1, 2}));
    expect_tensor_eq<double>(hf, {0, 1, 1, 0});
    expect_tensor_eq<float>(ops::one_hot(Tensor::from_vector(std::vector<std::uint8_t>{1}), 2), {0, 1});
    expect_error<ValueError>([] { ops::one_hot(Tensor::from_vector(std::vector<float>{0.5f}), 2); }, {"one_hot"});
    expect_error<ValueError>([] { ops::one_hot(Tensor::from_vector(std::vector<std::int64_t>{0}), 0); },
                             {"one_hot", "0"});
}

}  // namespace
}  // namespace strata
