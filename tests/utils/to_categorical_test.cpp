// to_categorical: Keras's keras.utils.to_categorical(x, num_classes=None).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <strata/utils/to_categorical.hpp>

#include "core/tensor_matchers.hpp"

namespace strata {
namespace {

using testing::expect_error;
using testing::expect_tensor_eq;
using utils::to_categorical;

// Keras docstring: to_categorical([0, 1, 2, 3], num_classes=4) is the 4 x 4 identity.
TEST(UtilsToCategorical, KerasDocstringExample) {
    Tensor y = to_categorical(Tensor::from_vector(std::vector<std::int64_t>{0, 1, 2, 3}), 4);
    EXPECT_EQ(y.shape(), Shape({4, 4}));
    expect_tensor_eq<float>(y, {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1});
}

TEST(UtilsToCategorical, OneHotRowsAreFloat32WithClassesLast) {
    Tensor y = to_categorical(Tensor::from_vector(std::vector<std::uint8_t>{2, 0, 1}), 4);
    EXPECT_EQ(y.dtype(), float32);
    EXPECT_EQ(y.shape(), Shape({3, 4}));
    expect_tensor_eq<float>(y, {0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0});
}

// Keras: num_classes=None is inferred as max(x) + 1.
TEST(UtilsToCategorical, NumClassesInferredAsMaxPlusOne) {
    Tensor labels = Tensor::from_vector(std::vector<std::int32_t>{0, 2, 1, 2});
    Tensor y = to_categorical(labels);
    EXPECT_EQ(y.shape(), Shape({4, 3}));
    expect_tensor_eq<float>(y, {1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1});
    // Keras tests `if not num_classes`, so 0 infers as None does.
    expect_tensor_eq<float>(to_categorical(labels, 0), y.to_vector<float>());
}

// Keras: "Shrink the last dimension if the shape is (..., 1)".
TEST(UtilsToCategorical, TrailingAxisOfOneIsSqueezed) {
    Tensor y = to_categorical(Tensor::from_vector(std::vector<std::int64_t>{1, 0, 2}, {3, 1}), 3);
    EXPECT_EQ(y.shape(), Shape({3, 3}));
    expect_tensor_eq<float>(y, {0, 1, 0, 1, 0, 0, 0, 0, 1});
    // Only a trailing 1 after another axis: [1] stays [1] and gains the class axis.
    EXPECT_EQ(to_categorical(Tensor::from_vector(std::vector<std::int64_t>{1}), 2).shape(), Shape({1, 2}));
}

TEST(UtilsToCategorical, AnyShapeKeepsItsAxesAndAddsClasses) {
    Tensor y = to_categorical(Tensor::from_vector(std::vector<std::int64_t>{0, 1, 1, 0, 2, 2}, {2, 3}));
    EXPECT_EQ(y.shape(), Shape({2, 3, 3}));
    expect_tensor_eq<float>(y, {1, 0, 0, 0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 1});
    Tensor scalar = to_categorical(Tensor::from_vector(std::vector<std::int64_t>{2}, {}), 3);
    EXPECT_EQ(scalar.shape(), Shape({3}));
    expect_tensor_eq<float>(scalar, {0, 0, 1});
    EXPECT_EQ(to_categorical(Tensor::zeros({0}, int64), 5).shape(), Shape({0, 5}));
}

TEST(UtilsToCategorical, AcceptsBoolAndIntegralFloatLabels) {
    expect_tensor_eq<float>(to_categorical(Tensor::from_vector(std::vector<bool>{true, false})), {0, 1, 1, 0});
    expect_tensor_eq<float>(to_categorical(Tensor::from_vector(std::vector<float>{1.0f, 0.0f}), 2), {0, 1, 1, 0});
    expect_tensor_eq<float>(to_categorical(Tensor::from_vector(std::vector<double>{2.0}), 3), {0, 0, 1});
}

TEST(UtilsToCategorical, LabelsOutsideTheClassesNameLabelAndNumClasses) {
    Tensor labels = Tensor::from_vector(std::vector<std::int64_t>{0, 10, 3});
    expect_error<ValueError>([&] { to_categorical(labels, 10); },
                             {"to_categorical", "label 10", "index 1", "num_classes=10"});
    expect_error<ValueError>([] { to_categorical(Tensor::from_vector(std::vector<std::int64_t>{1, -1}), 3); },
                             {"to_categorical", "label -1", "num_classes=3"});
    // Inferred: a negative label is still refused (NumPy would set the last class).
    expect_error<ValueError>([] { to_categorical(Tensor::from_vector(std::vector<std::int64_t>{-2, 1})); },
                             {"label -2", "num_classes=2", "inferred"});
}

TEST(UtilsToCategorical, NonIntegerLabelsAreRefused) {
    expect_error<ValueError>([] { to_categorical(Tensor::from_vector(std::vector<float>{0.0f, 1.5f}), 3); },
                             {"to_categorical", "label 1.5", "index 1", "not an integer"});
    expect_error<ValueError>(
        [] { to_categorical(Tensor::from_vector(std::vector<double>{std::nan("")}), 3); }, {"not an integer"});
}

TEST(UtilsToCategorical, BadNumClassesAndInputsAreValueErrors) {
    Tensor labels = Tensor::from_vector(std::vector<std::int64_t>{0, 1});
    expect_error<ValueError>([&] { to_categorical(labels, -2); }, {"to_categorical", "num_classes", "-2"});
    expect_error<ValueError>([] { to_categorical(Tensor::zeros({0}, int64)); },
                             {"to_categorical", "cannot infer num_classes", "pass num_classes"});
    expect_error<ValueError>([] { to_categorical(Tensor()); }, {"to_categorical", "undefined"});
    expect_error<ValueError>(
        [] {
            to_categorical(Tensor::from_vector(std::vector<std::int64_t>{std::numeric_limits<std::int64_t>::max()}));
        },
        {"to_categorical", "too large"});
}

}  // namespace
}  // namespace strata
