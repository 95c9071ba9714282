// The CPU kernels through the backend table, on shapes that reach each code path: general broadcasting,
// transposes of any rank, reductions over non-adjacent axes, transposed matmul operands, row gathers.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <vector>

#include <strata/backend/backend.hpp>
#include <strata/ops/random.hpp>

#include "core/tensor_matchers.hpp"

namespace strata {
namespace {

using backend::BinaryOp;
using backend::Epilogue;
using backend::ReduceOp;
using backend::UnaryOp;

Tensor iota(const Shape& shape, DType dtype = float64) {
    std::vector<double> v(static_cast<std::size_t>(shape.numel()));
    std::iota(v.begin(), v.end(), 1.0);
    Tensor t = Tensor::from_vector(v, shape);
    if (dtype == float64) return t;
    Tensor out = Tensor::empty(shape, dtype);
    backend::of(t).cast(t, out);
    return out;
}

TEST(BackendCpu, BinaryBroadcastsOverMiddleAxes) {
    // [2, 1, 3] with [4, 1]: every operand repeats along a different axis.
    Tensor a = iota({2, 1, 3}), b = iota({4, 1});
    Tensor out = Tensor::empty({2, 4, 3}, float64);
    backend::of(a).binary(BinaryOp::multiply, a, b, out);
    std::vector<double> got = out.to_vector<double>(), va = a.to_vector<double>(), vb = b.to_vector<double>();
    for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 4; ++j)
            for (int k = 0; k < 3; ++k)
                EXPECT_EQ(got[static_cast<std::size_t>((i * 4 + j) * 3 + k)],
                          va[static_cast<std::size_t>(i * 3 + k)] * vb[static_cast<std::size_t>(j)]);
}

TEST(BackendCpu, BinaryComparisonWritesBool) {
    Tensor a = iota({3}), b = Tensor::full({}, 2.0, float64);
    Tensor out = Tensor::empty({3}, bool_);
    backend::of(a).binary(BinaryOp::greater_equal, a, b, out);
    testing::expect_tensor_eq<bool>(out, {false, true, true});
}

TEST(BackendCpu, UnaryIdentityAndSteps) {
    Tensor x = Tensor::from_vector(std::vector<double>{-2, -0.5, 0, 0.5, 2});
    Tensor out = Tensor::empty({5}, float64);
    backend::of(x).unary(UnaryOp::positive_step, x, out, 0.0);
    testing::expect_tensor_eq<double>(out, {0, 0, 0, 1, 1});
    backend::of(x).unary(UnaryOp::identity, x, out, 0.0);
    testing::expect_tensor_eq<double>(out, {-2, -0.5, 0, 0.5, 2});
    backend::of(x).unary(UnaryOp::rsqrt, Tensor::from_vector(std::vector<double>{4, 0.25, 1, 16, 100}), out, 0.0);
    testing::expect_tensor_near<double>(out, {0.5, 2, 1, 0.25, 0.1}, 1e-15);
}

TEST(BackendCpu, ReduceNonAdjacentAxesOfRank4) {
    Tensor x = iota({2, 3, 4, 5});
    std::vector<double> v = x.to_vector<double>();
    std::vector<int> axes{0, 2};
    Tensor out = Tensor::empty({3, 5}, float64);
    backend::of(x).reduce(ReduceOp::sum, x, axes, out);
    std::vector<double> got = out.to_vector<double>();
    for (int j = 0; j < 3; ++j)
        for (int l = 0; l < 5; ++l) {
            double s = 0;
            for (int i = 0; i < 2; ++i)
                for (int k = 0; k < 4; ++k) s += v[static_cast<std::size_t>(((i * 3 + j) * 4 + k) * 5 + l)];
            EXPECT_EQ(got[static_cast<std::size_t>(j * 5 + l)], s);
        }
    std::vector<int> axes13{1, 3};
    Tensor mx = Tensor::empty({2, 4}, float64);
    backend::of(x).reduce(ReduceOp::max, x, axes13, mx);
    std::vector<double> gm = mx.to_vector<double>();
    for (int i = 0; i < 2; ++i)
        for (int k = 0; k < 4; ++k) EXPECT_EQ(gm[static_cast<std::size_t>(i * 4 + k)], ((i * 3 + 2) * 4 + k) * 5 + 5);
}

TEST(BackendCpu, ReduceAMiddleAxisInParallel) {
    // Large enough to split across threads; each output still sums its own column in order.
    Tensor x = iota({3, 200, 257});
    std::vector<int> axes{1};
    Tensor out = Tensor::empty({3, 257}, float64);
    backend::of(x).reduce(ReduceOp::sum, x, axes, out);
    std::vector<double> got = out.to_vector<double>();
    for (int i = 0; i < 3; ++i)
        for (int k = 0; k < 257; k += 16) {
            double s = 0;
            for (int j = 0; j < 200; ++j) s += 1.0 + (i * 200 + j) * 257 + k;
            EXPECT_EQ(got[static_cast<std::size_t>(i * 257 + k)], s);
        }
}

template <class T>
void check_transposed_matmul(bool ta, bool tb, Epilogue e, double rtol) {
    SCOPED_TRACE(::testing::Message() << "ta " << ta << " tb " << tb << " epilogue " << static_cast<int>(e) << " "
                                      << dtype_name(dtype_of_v<T>));
    const std::int64_t batch = 2, m = 3, k = 5, n = 4;
    random::seed(5);
    Tensor a64 = random::normal(ta ? Shape{batch, k, m} : Shape{batch, m, k}, 0, 1, float64);
    Tensor b64 = random::normal(tb ? Shape{batch, n, k} : Shape{batch, k, n}, 0, 1, float64);
    std::vector<double> va = a64.to_vector<double>(), vb = b64.to_vector<double>();
    Tensor a = Tensor::empty(a64.shape(), dtype_of_v<T>), b = Tensor::empty(b64.shape(), dtype_of_v<T>);
    backend::of(a64).cast(a64, a);
    backend::of(b64).cast(b64, b);
    Tensor out = Tensor::empty({batch, m, n}, dtype_of_v<T>);
    backend::of(a).matmul(a, b, nullptr, ta, tb, e, out);
    std::vector<T> expected;
    for (std::int64_t q = 0; q < batch; ++q)
        for (std::int64_t i = 0; i < m; ++i)
            for (std::int64_t j = 0; j < n; ++j) {
                double s = 0;
                for (std::int64_t p = 0; p < k; ++p) {
                    double x = ta ? va[static_cast<std::size_t>(q * k * m + p * m + i)] : va[static_cast<std::size_t>(q * m * k + i * k + p)];
                    double y = tb ? vb[static_cast<std::size_t>(q * n * k + j * k + p)] : vb[static_cast<std::size_t>(q * k * n + p * n + j)];
                    s += static_cast<double>(static_cast<T>(x)) * static_cast<double>(static_cast<T>(y));
                }
                if (e == Epilogue::relu) s = s > 0 ? s : 0;
                if (e == Epilogue::sigmoid) s = 1 / (1 + std::exp(-s));
                if (e == Epilogue::tanh) s = std::tanh(s);
                expected.push_back(static_cast<T>(s));
            }
    testing::expect_tensor_near<T>(out, expected, rtol, rtol);
}

TEST(BackendCpu, MatmulTransposedOperandsAndEpilogues) {
    for (bool ta : {false, true})
        for (bool tb : {false, true})
            for (Epilogue e : {Epilogue::none, Epilogue::relu, Epilogue::sigmoid, Epilogue::tanh}) {
                check_transposed_matmul<float>(ta, tb, e, 1e-5);
                check_transposed_matmul<double>(ta, tb, e, 1e-13);
            }
}

TEST(BackendCpu, TakeAndScatterRows) {
    Tensor x = iota({3, 2});
    Tensor idx = Tensor::from_vector(std::vector<std::int64_t>{1, 1, 0});
    Tensor gathered = Tensor::empty({3, 2}, float64);
    backend::of(x).take_rows(x, idx, gathered);
    testing::expect_tensor_eq<double>(gathered, {3, 4, 3, 4, 1, 2});
    Tensor acc = Tensor::zeros({3, 2}, float64);
    backend::of(x).scatter_add_rows(gathered, idx, acc);
    testing::expect_tensor_eq<double>(acc, {1, 2, 6, 8, 0, 0});
}

TEST(BackendCpu, OneHotAndArgmax) {
    Tensor labels = Tensor::from_vector(std::vector<std::int64_t>{2, 0});
    Tensor out = Tensor::empty({2, 3}, float32);
    backend::of(labels).one_hot(labels, out);
    testing::expect_tensor_eq<float>(out, {0, 0, 1, 1, 0, 0});
    Tensor x = Tensor::from_vector(std::vector<float>{1, 9, 3, 7, 2, 8}, {3, 2});
    Tensor am = Tensor::empty({2}, int64);
    backend::of(x).argmax(x, 0, am);
    testing::expect_tensor_eq<std::int64_t>(am, {1, 0});
}

TEST(BackendCpu, UnknownDeviceHasNoBackend) {
    if (Device::cuda_available()) GTEST_SKIP() << "a CUDA backend is present";
    testing::expect_error<DeviceError>([] { backend::of(Device::cuda(0)); }, {"cuda:0"});
    testing::expect_error<DeviceError>([] { Tensor::zeros({2}, float32, Device::cuda(0)); }, {"cuda:0"});
}

}  // namespace
}  // namespace strata
