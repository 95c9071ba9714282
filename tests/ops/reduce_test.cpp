// Forward values of the reductions, in float32 and float64, against sums computed here.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include <strata/core/tensor.hpp>
#include <strata/ops/reduce.hpp>

#include "core/tensor_matchers.hpp"

namespace strata {
namespace {

using testing::expect_tensor_eq;
using testing::expect_tensor_near;

// x[i, j, k] = f(i, j, k) for a [2, 3, 4] tensor.
double f(int i, int j, int k) { return std::sin(1.0 + i * 12 + j * 4 + k) * 3.0; }

template <class T>
Tensor cube() {
    std::vector<T> v;
    for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 3; ++j)
            for (int k = 0; k < 4; ++k) v.push_back(static_cast<T>(f(i, j, k)));
    return Tensor::from_vector(v, {2, 3, 4});
}

template <class T>
void check_reductions(double rtol) {
    SCOPED_TRACE(dtype_name(dtype_of_v<T>));
    Tensor x = cube<T>();
    auto at = [](int i, int j, int k) { return static_cast<double>(static_cast<T>(f(i, j, k))); };
    // Over axis 1 (a middle axis): [2, 4].
    std::vector<T> s1, m1, mx1, mn1;
    for (int i = 0; i < 2; ++i)
        for (int k = 0; k < 4; ++k) {
            double s = 0, mx = -1e300, mn = 1e300;
            for (int j = 0; j < 3; ++j) {
                s += at(i, j, k);
                mx = std::max(mx, at(i, j, k));
                mn = std::min(mn, at(i, j, k));
            }
            s1.push_back(static_cast<T>(s));
            m1.push_back(static_cast<T>(s / 3));
            mx1.push_back(static_cast<T>(mx));
            mn1.push_back(static_cast<T>(mn));
        }
    expect_tensor_near<T>(ops::sum(x, {1}), s1, rtol, rtol);
    expect_tensor_near<T>(ops::mean(x, {1}), m1, rtol, rtol);
    expect_tensor_eq<T>(ops::max(x, {1}), mx1);
    expect_tensor_eq<T>(ops::min(x, {-2}), mn1);
    EXPECT_EQ(ops::sum(x, {1}).shape(), Shape({2, 4}));
    EXPECT_EQ(ops::sum(x, {1}, true).shape(), Shape({2, 1, 4}));

    // Over axes 0 and 2 (not adjacent): [3].
    std::vector<T> s02, lse02;
    for (int j = 0; j < 3; ++j) {
        double s = 0, e = 0;
        for (int i = 0; i < 2; ++i)
            for (int k = 0; k < 4; ++k) {
                s += at(i, j, k);
                e += std::exp(at(i, j, k));
            }
        s02.push_back(static_cast<T>(s));
        lse02.push_back(static_cast<T>(std::log(e)));
    }
    expect_tensor_near<T>(ops::sum(x, {0, 2}), s02, rtol, rtol);
    expect_tensor_near<T>(ops::sum(x, {2, 0}), s02, rtol, rtol);  // the order of the axes does not matter
    EXPECT_EQ(ops::sum(x, {0, 2}, true).shape(), Shape({1, 3, 1}));
    expect_tensor_near<T>(ops::logsumexp(x, {0, 2}), lse02, rtol, rtol);
    EXPECT_EQ(ops::logsumexp(x, {0, 2}, true).shape(), Shape({1, 3, 1}));

    // Over the last axis, and over everything.
    std::vector<T> s2;
    double total = 0, big = -1e300;
    for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 3; ++j) {
            double s = 0;
            for (int k = 0; k < 4; ++k) {
                s += at(i, j, k);
                big = std::max(big, at(i, j, k));
            }
            s2.push_back(static_cast<T>(s));
            total += s;
        }
    expect_tensor_near<T>(ops::sum(x, {-1}), s2, rtol, rtol);
    expect_tensor_near<T>(ops::sum(x), {static_cast<T>(total)}, rtol, rtol);
    expect_tensor_near<T>(ops::mean(x), {static_cast<T>(total / 24)}, rtol, rtol);
    expect_tensor_eq<T>(ops::max(x), {static_cast<T>(big)});
    EXPECT_EQ(ops::max(x, {}, true).shape(), Shape({1, 1, 1}));
}

TEST(OpsReduce, SumMeanMaxMinLogsumexpInFloat32AndFloat64) {
    check_reductions<float>(1e-6);
    check_reductions<double>(1e-14);
}

TEST(OpsReduce, LogsumexpIsStableForLargeInputs) {
    Tensor x = Tensor::from_vector(std::vector<float>{1000.0f, 1000.0f, -1000.0f});
    expect_tensor_near<float>(ops::logsumexp(x), {1000.0f + std::log(2.0f)}, 1e-6);
    Tensor y = Tensor::from_vector(std::vector<double>{-1000.0, -1001.0});
    expect_tensor_near<double>(ops::logsumexp(y), {-1000.0 + std::log1p(std::exp(-1.0))}, 1e-14);
}

TEST(OpsReduce, LogsumexpOfInfinities) {
    // As JAX and Keras: an infinite maximum is not subtracted, so -inf rows give -inf and +inf gives +inf.
    double inf = std::numeric_limits<double>::infinity();
    Tensor x = Tensor::from_vector(std::vector<double>{-inf, -inf, inf, 1.0, 0.0, std::log(2.0)}, {3, 2});
    expect_tensor_near<double>(ops::logsumexp(x, {1}), {-inf, inf, std::log(3.0)}, 1e-15);
    testing::expect_error<TypeError>([] { ops::logsumexp(Tensor::zeros({2}, int32)); }, {"logsumexp", "int32"});
}

TEST(OpsReduce, SumOfALongRowIsAccurate) {
    // Float32 sums accumulate in double: a million ones and a tiny remainder come out exactly.
    std::vector<float> v(1 << 20, 1.0f);
    v[5] = 0.5f;
    EXPECT_EQ(ops::sum(Tensor::from_vector(v)).item<float>(), static_cast<float>((1 << 20) - 0.5));
}

TEST(OpsReduce, BoolAndIntegerReductions) {
    Tensor b = Tensor::from_vector(std::vector<bool>{true, false, true, true});
    expect_tensor_eq<std::int64_t>(ops::sum(b), {3});  // counting, as NumPy
    Tensor u = Tensor::from_vector(std::vector<std::uint8_t>{200, 100, 7}, {3});
    expect_tensor_eq<std::uint8_t>(ops::max(u), {200});
    expect_tensor_eq<std::uint8_t>(ops::min(u), {7});
}

TEST(OpsReduce, EmptyReductions) {
    Tensor e = Tensor::zeros({0, 3});
    expect_tensor_eq<float>(ops::sum(e, {0}), {0, 0, 0});  // an empty sum is 0
    EXPECT_EQ(ops::sum(e, {1}).shape(), Shape({0}));
    testing::expect_error<ValueError>([&] { ops::max(e); }, {"max", "(0, 3)"});
    // The mean of nothing is NaN, as NumPy's and Keras's.
    Tensor m = ops::mean(e, {0});
    EXPECT_EQ(m.shape(), Shape({3}));
    for (float v : m.to_vector<float>()) EXPECT_TRUE(std::isnan(v));
    EXPECT_EQ(ops::mean(e, {1}).shape(), Shape({0}));
}

TEST(OpsReduce, MaxOfBoolIsATypeError) {
    Tensor b = Tensor::from_vector(std::vector<bool>{true, false});
    testing::expect_error<TypeError>([&] { ops::max(b); }, {"max", "bool", "(2,)"});
    testing::expect_error<TypeError>([&] { ops::min(b); }, {"min", "bool"});
}

TEST(OpsReduce, NaNPropagatesThroughMaxAndMin) {
    double nan = std::numeric_limits<double>::quiet_NaN();
    Tensor x = Tensor::from_vector(std::vector<double>{1.0, nan, 3.0});
    EXPECT_TRUE(std::isnan(ops::max(x).item<double>()));
    EXPECT_TRUE(std::isnan(ops::min(x).item<double>()));
}

TEST(OpsReduce, ArgmaxAlongEachAxis) {
    Tensor x = cube<double>();
    Tensor a = ops::argmax(x, 1);
    EXPECT_EQ(a.shape(), Shape({2, 4}));
    std::vector<std::int64_t> expected;
    for (int i = 0; i < 2; ++i)
        for (int k = 0; k < 4; ++k) {
            int best = 0;
            for (int j = 1; j < 3; ++j)
                if (f(i, j, k) > f(i, best, k)) best = j;
            expected.push_back(best);
        }
    expect_tensor_eq<std::int64_t>(a, expected);
    EXPECT_EQ(ops::argmax(Tensor::scalar(3.0)).item<std::int64_t>(), 0);
}

TEST(OpsReduce, SumToReducesBroadcastAxes) {
    Tensor x = Tensor::ones({2, 3, 4}, float64);
    expect_tensor_eq<double>(ops::sum_to(x, {3, 1}), {8, 8, 8});
    expect_tensor_eq<double>(ops::sum_to(x, {4}), {6, 6, 6, 6});
    expect_tensor_eq<double>(ops::sum_to(x, {}), {24});
    EXPECT_TRUE(ops::sum_to(x, {2, 3, 4}).same_as(x));
    testing::expect_error<ShapeError>([&] { ops::sum_to(x, {2, 4}); }, {"sum_to", "(2, 3, 4)", "(2, 4)"});
}

TEST(OpsReduce, RepeatedOrOutOfRangeAxesAreRefused) {
    Tensor x = Tensor::zeros({2, 3});
    testing::expect_error<ValueError>([&] { ops::sum(x, {1, -1}); }, {"sum", "(2, 3)"});
    testing::expect_error<IndexError>([&] { ops::mean(x, {2}); }, {"mean", "(2, 3)"});
    testing::expect_error<IndexError>([&] { ops::argmax(x, 5); }, {"argmax", "(2, 3)"});
}

}  // namespace
}  // namespace strata
