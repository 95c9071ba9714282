// Bad input to the ops: each throws the strata::Error subclass for the fault, with a message that names
// the op and both shapes or values, and never crashes.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include <strata/ops/elementwise.hpp>
#include <strata/ops/linalg.hpp>
#include <strata/ops/nn.hpp>
#include <strata/ops/reduce.hpp>
#include <strata/ops/shape.hpp>

#include "core/tensor_matchers.hpp"

namespace strata {
namespace {

using testing::expect_error;

TEST(OpsBadInput, MatmulOfIncompatibleShapes) {
    Tensor a = Tensor::zeros({2, 3}), b = Tensor::zeros({4, 5});
    expect_error<ShapeError>([&] { ops::matmul(a, b); }, {"matmul", "(2, 3)", "(4, 5)"});
    expect_error<ShapeError>([] { ops::matmul(Tensor::zeros({2, 2, 3}), Tensor::zeros({3, 3, 4})); },
                             {"matmul", "(2, 2, 3)", "(3, 3, 4)"});
    expect_error<ShapeError>([] { ops::matmul(Tensor::zeros({3}), Tensor::zeros({4})); }, {"matmul", "(3,)", "(4,)"});
    expect_error<ShapeError>([] { ops::matmul(Tensor::scalar(1.0), Tensor::zeros({1, 1})); }, {"matmul"});
    expect_error<TypeError>([] { ops::matmul(Tensor::zeros({2, 2}), Tensor::zeros({2, 2}, float64)); },
                            {"matmul", "float32", "float64"});
    expect_error<TypeError>([] { ops::matmul(Tensor::zeros({2, 2}, int32), Tensor::zeros({2, 2}, int32)); },
                            {"matmul", "int32"});
}

TEST(OpsBadInput, LinearWithAMismatchedKernelOrBias) {
    Tensor x = Tensor::zeros({2, 3}), w = Tensor::zeros({4, 5});
    expect_error<ShapeError>([&] { ops::linear(x, w, Tensor()); }, {"linear", "(2, 3)", "(4, 5)"});
    Tensor w2 = Tensor::zeros({3, 5});
    expect_error<ShapeError>([&] { ops::linear(x, w2, Tensor::zeros({4})); }, {"linear", "(4,)", "(3, 5)"});
    expect_error<TypeError>([&] { ops::linear(x, w2, Tensor::zeros({5}, float64)); }, {"linear", "float32", "float64"});
}

TEST(OpsBadInput, BroadcastingIncompatibleShapes) {
    Tensor a = Tensor::zeros({2, 3}), b = Tensor::zeros({4});
    expect_error<ShapeError>([&] { ops::add(a, b); }, {"add", "(2, 3)", "(4,)"});
    expect_error<ShapeError>([&] { (void)(a * b); }, {"multiply", "(2, 3)", "(4,)"});
    expect_error<ShapeError>([&] { ops::maximum(a, b); }, {"maximum", "(2, 3)", "(4,)"});
    expect_error<ShapeError>([&] { (void)(a < b); }, {"less", "(2, 3)", "(4,)"});
    expect_error<ShapeError>([&] { ops::where(Tensor::zeros({2, 3}, bool_), a, b); }, {"where", "(2, 3)", "(4,)"});
}

TEST(OpsBadInput, ReshapeToTheWrongSize) {
    Tensor x = Tensor::zeros({2, 3});
    expect_error<ShapeError>([&] { ops::reshape(x, {4, 2}); }, {"reshape", "(2, 3)", "(4, 2)"});
    expect_error<ShapeError>([&] { ops::reshape(x, {4, -1}); }, {"reshape", "(2, 3)", "(4, None)"});
    expect_error<ShapeError>([&] { ops::reshape(x, {-2, 3}); }, {"reshape"});
}

TEST(OpsBadInput, TransposeWithABadPermutation) {
    Tensor x = Tensor::zeros({2, 3});
    expect_error<ShapeError>([&] { ops::transpose(x, {0}); }, {"transpose", "(2, 3)"});
    expect_error<ValueError>([&] { ops::transpose(x, {1, 1}); }, {"transpose"});
    expect_error<IndexError>([&] { ops::transpose(x, {0, 2}); }, {"transpose", "(2, 3)"});
}

TEST(OpsBadInput, TakeWithAnOutOfRangeIndex) {
    Tensor x = Tensor::zeros({3, 2});
    expect_error<IndexError>([&] { ops::take(x, Tensor::from_vector(std::vector<std::int64_t>{0, 7})); },
                             {"take", "7", "(3, 2)"});
    expect_error<IndexError>([&] { ops::take(x, Tensor::from_vector(std::vector<std::int64_t>{-4})); },
                             {"take", "-4", "(3, 2)"});
}

TEST(OpsBadInput, OneHotWithAnOutOfRangeLabel) {
    expect_error<ValueError>([] { ops::one_hot(Tensor::from_vector(std::vector<std::int64_t>{0, 5}), 3); },
                             {"one_hot", "5", "3"});
    expect_error<ValueError>([] { ops::one_hot(Tensor::from_vector(std::vector<std::int32_t>{-1}), 3); },
                             {"one_hot", "-1", "3"});
}

TEST(OpsBadInput, UndefinedTensorsNameTheOp) {
    Tensor u;
    Tensor x = Tensor::zeros({2, 2});
    std::vector<std::pair<std::string, std::function<void()>>> calls{
        {"add", [&] { ops::add(u, x); }},
        {"add", [&] { ops::add(x, u); }},
        {"divide", [&] { ops::divide(u, x); }},
        {"divide", [&] { ops::divide(x, u); }},
        {"power", [&] { ops::power(u, x); }},
        {"power", [&] { ops::power(u, 2.0); }},
        {"exp", [&] { ops::exp(u); }},
        {"abs", [&] { ops::abs(u); }},
        {"round", [&] { ops::round(u); }},
        {"floor", [&] { ops::floor(u); }},
        {"clip", [&] { ops::clip(u, 0.0, 1.0); }},
        {"where", [&] { ops::where(u, x, x); }},
        {"equal", [&] { ops::equal(u, x); }},
        {"scalar_like", [&] { ops::scalar_like(u, 1.0); }},
        {"sum", [&] { ops::sum(u); }},
        {"mean", [&] { ops::mean(u); }},
        {"max", [&] { ops::max(u); }},
        {"argmax", [&] { ops::argmax(u); }},
        {"logsumexp", [&] { ops::logsumexp(u); }},
        {"sum_to", [&] { ops::sum_to(u, {2}); }},
        {"matmul", [&] { ops::matmul(u, x); }},
        {"matmul", [&] { ops::matmul(x, u); }},
        {"linear", [&] { ops::linear(u, x, Tensor()); }},
        {"reshape", [&] { ops::reshape(u, {4}); }},
        {"transpose", [&] { ops::transpose(u); }},
        {"slice", [&] { ops::slice(u, 0, 1); }},
        {"broadcast_to", [&] { ops::broadcast_to(u, {2, 2}); }},
        {"expand_dims", [&] { ops::expand_dims(u, 0); }},
        {"squeeze", [&] { ops::squeeze(u, 0); }},
        {"take", [&] { ops::take(u, x); }},
        {"cast", [&] { ops::cast(u, float64); }},
        {"one_hot", [&] { ops::one_hot(u, 3); }},
        {"relu", [&] { ops::relu(u); }},
        {"gelu", [&] { ops::gelu(u); }},
        {"softmax", [&] { ops::softmax(u); }},
        {"log_softmax", [&] { ops::log_softmax(u, 0); }},
    };
    for (auto& [name, call] : calls) {
        SCOPED_TRACE(name);
        expect_error<ValueError>(call, {name, "undefined"});
    }
}

TEST(OpsBadInput, WrongDtypesAreTypeErrors) {
    Tensor i = Tensor::from_vector(std::vector<std::int64_t>{1, 2});
    expect_error<TypeError>([&] { ops::log(i); }, {"log", "int64"});
    expect_error<TypeError>([&] { ops::sqrt(Tensor::zeros({2}, bool_)); }, {"sqrt", "bool"});
    expect_error<TypeError>([&] { ops::negative(Tensor::zeros({2}, bool_)); }, {"negative", "bool"});
    expect_error<TypeError>([&] { ops::exp(Tensor::zeros({2}, uint8)); }, {"exp", "uint8"});
}

}  // namespace
}  // namespace strata
