// Tensor's arithmetic and comparison operators: NumPy broadcasting, scalars on either side, and the
// promotion of element types (bool < uint8 < int32 < int64 < float32 < float64, as Keras's lattice).
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include <strata/core/tensor.hpp>

#include "core/tensor_matchers.hpp"

namespace strata {
namespace {

using testing::expect_tensor_eq;
using testing::expect_tensor_near;

Tensor row() { return Tensor::from_vector(std::vector<float>{10, 20, 30}); }                    // [3]
Tensor matrix() { return Tensor::from_vector(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3}); }  // [2, 3]

TEST(CoreTensorOperators, ArithmeticBroadcastsARowOverAMatrix) {
    expect_tensor_eq<float>(matrix() + row(), {11, 22, 33, 14, 25, 36});
    expect_tensor_eq<float>(row() + matrix(), {11, 22, 33, 14, 25, 36});
    expect_tensor_eq<float>(matrix() - row(), {-9, -18, -27, -6, -15, -24});
    expect_tensor_eq<float>(matrix() * row(), {10, 40, 90, 40, 100, 180});
    expect_tensor_near<float>(matrix() / row(), {0.1f, 0.1f, 0.1f, 0.4f, 0.25f, 0.2f}, 1e-7);
    EXPECT_EQ((matrix() + row()).shape(), Shape({2, 3}));
}

TEST(CoreTensorOperators, ArithmeticBroadcastsAColumnWithARow) {
    Tensor col = Tensor::from_vector(std::vector<float>{1, 2}, {2, 1});
    Tensor r = Tensor::from_vector(std::vector<float>{10, 20, 30}, {1, 3});
    Tensor sum = col + r;
    EXPECT_EQ(sum.shape(), Shape({2, 3}));
    expect_tensor_eq<float>(sum, {11, 21, 31, 12, 22, 32});
    expect_tensor_eq<float>(r - col, {9, 19, 29, 8, 18, 28});
}

TEST(CoreTensorOperators, ScalarsOnEitherSide) {
    Tensor x = Tensor::from_vector(std::vector<float>{1, 2, 4});
    expect_tensor_eq<float>(x + 1.0, {2, 3, 5});
    expect_tensor_eq<float>(1.0 + x, {2, 3, 5});
    expect_tensor_eq<float>(x - 1.0, {0, 1, 3});
    expect_tensor_eq<float>(1.0 - x, {0, -1, -3});
    expect_tensor_eq<float>(x * 2.0, {2, 4, 8});
    expect_tensor_eq<float>(2.0 * x, {2, 4, 8});
    expect_tensor_eq<float>(x / 2.0, {0.5f, 1, 2});
    expect_tensor_eq<float>(2.0 / x, {2, 1, 0.5f});
    expect_tensor_eq<float>(-x, {-1, -2, -4});
    // A 0-d tensor broadcasts like a scalar.
    expect_tensor_eq<float>(x * Tensor::scalar(3.0), {3, 6, 12});
}

TEST(CoreTensorOperators, ScalarsTakeTheTensorsElementType) {
    Tensor d = Tensor::from_vector(std::vector<double>{1, 2});
    EXPECT_EQ((d + 1.0).dtype(), float64);  // a Python float is weakly typed
    Tensor i = Tensor::from_vector(std::vector<std::int32_t>{1, 2, 3});
    expect_tensor_eq<std::int32_t>(i * 2.0, {2, 4, 6});
    expect_tensor_eq<std::int32_t>(i + 1.0, {2, 3, 4});
    expect_tensor_near<float>(i * 0.5, {0.5f, 1.0f, 1.5f});  // a fractional scalar makes it float32
    // True division of integers gives floats.
    expect_tensor_near<float>(i / Tensor::from_vector(std::vector<std::int32_t>{2, 2, 2}), {0.5f, 1.0f, 1.5f});
    expect_tensor_near<float>(i / 2.0, {0.5f, 1.0f, 1.5f});
    Tensor b = Tensor::from_vector(std::vector<bool>{true, false});
    expect_tensor_eq<std::int64_t>(b + 1.0, {2, 1});
}

TEST(CoreTensorOperators, ComparisonsGiveBoolTensors) {
    Tensor a = Tensor::from_vector(std::vector<float>{1, 2, 3});
    Tensor b = Tensor::from_vector(std::vector<float>{3, 2, 1});
    expect_tensor_eq<bool>(a == b, {false, true, false});
    expect_tensor_eq<bool>(a != b, {true, false, true});
    expect_tensor_eq<bool>(a < b, {true, false, false});
    expect_tensor_eq<bool>(a <= b, {true, true, false});
    expect_tensor_eq<bool>(a > b, {false, false, true});
    expect_tensor_eq<bool>(a >= b, {false, true, true});
    expect_tensor_eq<bool>(a == 2.0, {false, true, false});
    expect_tensor_eq<bool>(a != 2.0, {true, false, true});
    expect_tensor_eq<bool>(a < 2.0, {true, false, false});
    expect_tensor_eq<bool>(a <= 2.0, {true, true, false});
    expect_tensor_eq<bool>(a > 2.0, {false, false, true});
    expect_tensor_eq<bool>(a >= 2.0, {false, true, true});
    // Broadcasting and mixed types.
    Tensor col = Tensor::from_vector(std::vector<std::int32_t>{1, 3}, {2, 1});
    Tensor cmp = col < a;
    EXPECT_EQ(cmp.shape(), Shape({2, 3}));
    expect_tensor_eq<bool>(cmp, {false, true, true, false, false, false});
    expect_tensor_eq<bool>(Tensor::from_vector(std::vector<std::int32_t>{1, 2}) > 1.5, {false, true});
}

TEST(CoreTensorOperators, DtypePromotionFollowsTheLattice) {
    EXPECT_EQ(promote_types(bool_, uint8), uint8);
    EXPECT_EQ(promote_types(uint8, int32), int32);
    EXPECT_EQ(promote_types(int32, int64), int64);
    EXPECT_EQ(promote_types(int64, float32), float32);  // Keras/JAX: integers promote to float32
    EXPECT_EQ(promote_types(float32, float64), float64);
    EXPECT_EQ(promote_types(float64, bool_), float64);
    EXPECT_EQ(promote_types(int32, int32), int32);

    Tensor f = Tensor::from_vector(std::vector<float>{1.5f, 2.5f});
    Tensor d = Tensor::from_vector(std::vector<double>{1, 1});
    Tensor i = Tensor::from_vector(std::vector<std::int32_t>{1, 2});
    Tensor u = Tensor::from_vector(std::vector<std::uint8_t>{1, 2});
    Tensor l = Tensor::from_vector(std::vector<std::int64_t>{1, 2});
    expect_tensor_eq<double>(f + d, {2.5, 3.5});
    expect_tensor_eq<float>(i + f, {2.5f, 4.5f});
    expect_tensor_eq<std::int32_t>(u + i, {2, 4});
    expect_tensor_eq<std::int64_t>(i * l, {1, 4});
    expect_tensor_eq<std::uint8_t>(u * Tensor::from_vector(std::vector<bool>{true, false}), {1, 0});
}

TEST(CoreTensorOperators, DtypeNamesAreKerasSpellings) {
    EXPECT_EQ(dtype_name(float32), "float32");
    EXPECT_EQ(dtype_name(bool_), "bool");
    for (DType d : {float32, float64, int64, int32, uint8, bool_}) EXPECT_EQ(dtype_from_name(dtype_name(d)), d);
    EXPECT_EQ(dtype_size(float64), 8u);
    EXPECT_EQ(dtype_size(uint8), 1u);
    EXPECT_TRUE(is_floating(float64));
    EXPECT_FALSE(is_floating(int64));
    testing::expect_error<ValueError>([] { dtype_from_name("float16x"); }, {"float16x"});
}

}  // namespace
}  // namespace strata
