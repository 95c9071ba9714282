// Float64 gradient checks of matmul (2D, batched, ND x 2D, vectors) and linear (with and without bias,
// each fused epilogue, rank-3 input).
#include <gtest/gtest.h>

#include <vector>

#include <strata/ops/linalg.hpp>

#include "support/gradcheck.hpp"

namespace strata {
namespace {

using backend::Epilogue;
using testing::expect_gradients_match;
using testing::random_inputs;
using Inputs = std::vector<Tensor>;

void check_matmul(const Shape& a, const Shape& b) {
    SCOPED_TRACE(a.to_string() + " x " + b.to_string());
    expect_gradients_match([](const Inputs& x) { return ops::matmul(x[0], x[1]); }, random_inputs({a, b}));
}

TEST(OpsLinalgGrad, Matmul2D) { check_matmul({3, 4}, {4, 2}); }
TEST(OpsLinalgGrad, MatmulBatched3D) { check_matmul({2, 3, 4}, {2, 4, 2}); }
TEST(OpsLinalgGrad, MatmulBatched4D) { check_matmul({2, 2, 2, 3}, {2, 2, 3, 2}); }
TEST(OpsLinalgGrad, MatmulNDTimes2D) { check_matmul({2, 3, 4}, {4, 2}); }
TEST(OpsLinalgGrad, MatmulBroadcastBatch) {
    check_matmul({3, 4}, {2, 4, 2});
    check_matmul({2, 1, 3, 4}, {3, 4, 2});
    check_matmul({4}, {2, 4, 3});
    check_matmul({2, 3, 4}, {4});
}
TEST(OpsLinalgGrad, MatmulVectors) {
    check_matmul({4}, {4, 3});
    check_matmul({3, 4}, {4});
    check_matmul({4}, {4});
}

TEST(OpsLinalgGrad, LinearEachEpilogue) {
    for (Epilogue e : {Epilogue::none, Epilogue::relu, Epilogue::sigmoid, Epilogue::tanh}) {
        SCOPED_TRACE(static_cast<int>(e));
        expect_gradients_match([e](const Inputs& x) { return ops::linear(x[0], x[1], x[2], e); },
                               random_inputs({{4, 3}, {3, 5}, {5}}));
        expect_gradients_match([e](const Inputs& x) { return ops::linear(x[0], x[1], Tensor(), e); },
                               random_inputs({{4, 3}, {3, 5}}));
    }
}

TEST(OpsLinalgGrad, LinearRank3Input) {
    for (Epilogue e : {Epilogue::none, Epilogue::relu, Epilogue::tanh}) {
        SCOPED_TRACE(static_cast<int>(e));
        expect_gradients_match([e](const Inputs& x) { return ops::linear(x[0], x[1], x[2], e); },
                               random_inputs({{2, 3, 4}, {4, 2}, {2}}));
    }
}

TEST(OpsLinalgGrad, LinearRank1Input) {
    expect_gradients_match([](const Inputs& x) { return ops::linear(x[0], x[1], x[2], Epilogue::sigmoid); },
                           random_inputs({{3}, {3, 2}, {2}}));
}

TEST(OpsLinalgGrad, MatmulOfTheSameTensor) {
    // x used as both operands: the two gradients add up.
    expect_gradients_match([](const Inputs& x) { return ops::matmul(x[0], x[0]); }, random_inputs({{3, 3}}));
}

}  // namespace
}  // namespace strata
