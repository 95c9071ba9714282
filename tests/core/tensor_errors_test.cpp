// Bad input to Tensor's own methods: each throws a strata::Error subclass that names the call and what
// came, never a crash.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include <strata/core/tensor.hpp>

#include "core/tensor_matchers.hpp"

namespace strata {
namespace {

using testing::expect_error;

TEST(CoreTensorErrors, ToVectorWithTheWrongElementTypeIsATypeError) {
    Tensor x = Tensor::from_vector(std::vector<float>{1, 2});
    expect_error<TypeError>([&] { x.to_vector<double>(); }, {"to_vector", "float64", "float32", "(2,)"});
    expect_error<TypeError>([&] { x.to_vector<std::int32_t>(); }, {"to_vector", "int32", "float32"});
    expect_error<TypeError>([] { Tensor::scalar(1.0).item<double>(); }, {"float64", "float32"});
    expect_error<TypeError>([&] { x.data<std::int64_t>(); }, {"int64", "float32"});
}

TEST(CoreTensorErrors, ItemOfSeveralElementsIsAShapeError) {
    Tensor x = Tensor::zeros({2, 2});
    expect_error<ShapeError>([&] { x.item<float>(); }, {"item", "(2, 2)"});
    expect_error<ShapeError>([&] { Tensor::zeros({0}).item<float>(); }, {"item", "(0,)"});
}

TEST(CoreTensorErrors, FromVectorWithTheWrongCountIsAShapeError) {
    expect_error<ShapeError>([] { Tensor::from_vector(std::vector<float>{1, 2, 3}, {2, 2}); },
                             {"from_vector", "3", "(2, 2)"});
    expect_error<ShapeError>([] { Tensor::from_vector(std::vector<float>{1, 2}, {-1, 2}); }, {"from_vector"});
}

TEST(CoreTensorErrors, SliceOutOfRangeIsAnIndexError) {
    Tensor x = Tensor::zeros({3, 2});
    expect_error<IndexError>([&] { x.slice(1, 5); }, {"slice", "[1, 5)", "(3, 2)"});
    expect_error<IndexError>([&] { x.slice(-1, 2); }, {"slice", "(3, 2)"});
    expect_error<IndexError>([&] { x.slice(2, 1); }, {"slice", "(3, 2)"});
    expect_error<ShapeError>([] { Tensor::scalar(1.0).slice(0, 1); }, {"slice"});
}

TEST(CoreTensorErrors, UndefinedTensorsRefuseToBeRead) {
    Tensor t;
    EXPECT_FALSE(t.defined());
    expect_error<ValueError>([&] { (void)t.shape(); }, {"undefined"});
    expect_error<ValueError>([&] { t.to_vector<float>(); }, {"undefined"});
    expect_error<ValueError>([&] { t.set_requires_grad(true); }, {"undefined"});
    expect_error<ValueError>([&] { t.sum(); }, {"sum", "undefined"});
    expect_error<ValueError>([&] { t.reshape({2}); }, {"reshape", "undefined"});
    expect_error<ValueError>([&] { t.astype(float64); }, {"cast", "undefined"});
    expect_error<ValueError>([&] { (void)(t + 1.0); }, {"add", "undefined"});
    expect_error<ValueError>([&] { (void)(2.0 * t); }, {"multiply", "undefined"});
    expect_error<ValueError>([&] { (void)(t < 2.0); }, {"less", "undefined"});
}

TEST(CoreTensorErrors, SymbolicTensorsHaveNoData) {
    Tensor s = Tensor::symbolic({-1, 32}, float32, nullptr);
    EXPECT_TRUE(s.is_symbolic());
    EXPECT_EQ(s.shape().to_string(), "(None, 32)");
    expect_error<ValueError>([&] { s.raw_data(); }, {"symbolic", "(None, 32)"});
    expect_error<ValueError>([&] { (void)(s + 1.0); }, {"add", "symbolic", "(None, 32)"});
}

}  // namespace
}  // namespace strata
