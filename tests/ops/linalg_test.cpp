// Forward values of matmul and linear against products computed here, in float32 (oneDNN) and float64.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include <strata/ops/linalg.hpp>
#include <strata/ops/random.hpp>

#include "core/tensor_matchers.hpp"

namespace strata {
namespace {

using backend::Epilogue;
using testing::expect_tensor_near;

// Values that make every product distinct.
template <class T>
Tensor filled(const Shape& shape, double scale) {
    std::vector<T> v;
    for (std::int64_t i = 0; i < shape.numel(); ++i) v.push_back(static_cast<T>(std::sin(scale * static_cast<double>(i + 1))));
    return Tensor::from_vector(v, shape);
}

// out[b, i, j] = sum_p a[b, i, p] * w[b?, p, j], reference loops in double.
std::vector<double> reference_matmul(const std::vector<double>& a, const std::vector<double>& w, std::int64_t batch,
                                     std::int64_t m, std::int64_t k, std::int64_t n, bool shared_w) {
    std::vector<double> out;
    for (std::int64_t b = 0; b < batch; ++b)
        for (std::int64_t i = 0; i < m; ++i)
            for (std::int64_t j = 0; j < n; ++j) {
                double s = 0;
                for (std::int64_t p = 0; p < k; ++p)
                    s += a[static_cast<std::size_t>((b * m + i) * k + p)] *
                         w[static_cast<std::size_t>((shared_w ? 0 : b * k * n) + p * n + j)];
                out.push_back(s);
            }
    return out;
}

template <class T>
std::vector<T> as(const std::vector<double>& v) {
    return std::vector<T>(v.begin(), v.end());
}

template <class T>
std::vector<double> values(const Tensor& t) {
    std::vector<T> v = t.to_vector<T>();
    return std::vector<double>(v.begin(), v.end());
}

template <class T>
void check_matmul(const Shape& sa, const Shape& sb, const Shape& expected_shape, std::int64_t batch, std::int64_t m,
                  std::int64_t k, std::int64_t n, bool shared_w, double rtol) {
    SCOPED_TRACE(sa.to_string() + " x " + sb.to_string() + " " + dtype_name(dtype_of_v<T>));
    Tensor a = filled<T>(sa, 0.7), b = filled<T>(sb, 1.3);
    Tensor out = ops::matmul(a, b);
    EXPECT_EQ(out.shape(), expected_shape);
    expect_tensor_near<T>(out, as<T>(reference_matmul(values<T>(a), values<T>(b), batch, m, k, n, shared_w)), rtol, rtol);
}

template <class T>
void check_all_matmuls(double rtol) {
    check_matmul<T>({3, 4}, {4, 5}, {3, 5}, 1, 3, 4, 5, true, rtol);
    check_matmul<T>({2, 3, 4}, {2, 4, 5}, {2, 3, 5}, 2, 3, 4, 5, false, rtol);       // batched
    check_matmul<T>({2, 2, 3, 4}, {2, 2, 4, 5}, {2, 2, 3, 5}, 4, 3, 4, 5, false, rtol);  // two batch axes
    check_matmul<T>({2, 3, 4}, {4, 5}, {2, 3, 5}, 1, 6, 4, 5, true, rtol);            // ND x 2D
    check_matmul<T>({4}, {4, 5}, {5}, 1, 1, 4, 5, true, rtol);                        // vector x matrix
    check_matmul<T>({3, 4}, {4}, {3}, 1, 3, 4, 1, true, rtol);                        // matrix x vector
    check_matmul<T>({4}, {4}, {}, 1, 1, 4, 1, true, rtol);                            // dot product
    check_matmul<T>({1, 1}, {1, 1}, {1, 1}, 1, 1, 1, 1, true, rtol);
    check_matmul<T>({37, 65}, {65, 19}, {37, 19}, 1, 37, 65, 19, true, rtol);         // odd sizes
}

TEST(OpsLinalg, MatmulFloat32) { check_all_matmuls<float>(1e-5); }
TEST(OpsLinalg, MatmulOfAFewRowsCoversEveryRemainder) {
    // Up to four rows run on the CPU backend's own kernel (32 columns and four lanes of k at a time): every
    // count of rows, columns around 32 and 64, and inner extents around multiples of four.
    for (std::int64_t m : {1, 2, 3, 4, 5})
        for (std::int64_t n : {1, 7, 31, 32, 33, 64, 70})
            for (std::int64_t k : {1, 3, 4, 5, 8, 13, 784})
                check_matmul<float>({m, k}, {k, n}, {m, n}, 1, m, k, n, true, 1e-5);
}

TEST(OpsLinalg, MatmulFloat64) { check_all_matmuls<double>(1e-13); }

TEST(OpsLinalg, MatmulBroadcastsLeadingAxesAsNumPy) {
    // [3, 4] x [2, 4, 5]: a is used for both batches of b.
    Tensor a = filled<double>({3, 4}, 0.7), b = filled<double>({2, 4, 5}, 1.3);
    Tensor out = ops::matmul(a, b);
    ASSERT_EQ(out.shape(), Shape({2, 3, 5}));
    std::vector<double> va = values<double>(a), vb = values<double>(b), expected;
    for (int q = 0; q < 2; ++q) {
        std::vector<double> bq(vb.begin() + q * 20, vb.begin() + (q + 1) * 20);
        std::vector<double> r = reference_matmul(va, bq, 1, 3, 4, 5, true);
        expected.insert(expected.end(), r.begin(), r.end());
    }
    expect_tensor_near<double>(out, expected, 1e-13, 1e-13);
    // [2, 1, 3, 4] x [5, 4, 2] -> [2, 5, 3, 2]; [4] x [2, 4, 3] -> [2, 3]; [2, 3, 4] x [4] -> [2, 3].
    EXPECT_EQ(ops::matmul(Tensor::zeros({2, 1, 3, 4}), Tensor::zeros({5, 4, 2})).shape(), Shape({2, 5, 3, 2}));
    EXPECT_EQ(ops::matmul(Tensor::zeros({4}), Tensor::zeros({2, 4, 3})).shape(), Shape({2, 3}));
    EXPECT_EQ(ops::matmul(Tensor::zeros({2, 3, 4}), Tensor::zeros({4})).shape(), Shape({2, 3}));
    EXPECT_EQ(ops::matmul(Tensor::zeros({0, 3, 4}), Tensor::zeros({0, 4, 2})).shape(), Shape({0, 3, 2}));
}

TEST(OpsLinalg, MatmulWithAnEmptyInnerAxisIsZero) {
    Tensor out = ops::matmul(Tensor::zeros({2, 0}), Tensor::zeros({0, 3}));
    EXPECT_EQ(out.shape(), Shape({2, 3}));
    testing::expect_tensor_eq<float>(out, std::vector<float>(6, 0.0f));
    EXPECT_EQ(ops::matmul(Tensor::zeros({0, 4}), Tensor::zeros({4, 3})).shape(), Shape({0, 3}));
}

double activate(double v, Epilogue e) {
    switch (e) {
        case Epilogue::none: return v;
        case Epilogue::relu: return v > 0 ? v : 0;
        case Epilogue::sigmoid: return 1 / (1 + std::exp(-v));
        case Epilogue::tanh: return std::tanh(v);
    }
    return v;
}

template <class T>
void check_linear(const Shape& sx, bool with_bias, Epilogue e, double rtol) {
    SCOPED_TRACE(sx.to_string() + (with_bias ? " with bias, epilogue " : " without bias, epilogue ") +
                 std::to_string(static_cast<int>(e)) + " " + dtype_name(dtype_of_v<T>));
    const std::int64_t k = sx[sx.rank() - 1], n = 5, rows = sx.numel() / k;
    Tensor x = filled<T>(sx, 0.9), w = filled<T>({k, n}, 1.7);
    Tensor bias = with_bias ? filled<T>({n}, 2.3) : Tensor();
    Tensor out = ops::linear(x, w, bias, e);
    std::vector<std::int64_t> dims(sx.begin(), sx.end() - 1);
    dims.push_back(n);
    EXPECT_EQ(out.shape(), Shape(dims));
    std::vector<double> expected = reference_matmul(values<T>(x), values<T>(w), 1, rows, k, n, true);
    std::vector<double> b = with_bias ? values<T>(bias) : std::vector<double>(n, 0.0);
    for (std::size_t i = 0; i < expected.size(); ++i) expected[i] = activate(expected[i] + b[i % n], e);
    expect_tensor_near<T>(out, as<T>(expected), rtol, rtol);
}

TEST(OpsLinalg, LinearWithEachEpilogueAndBias) {
    for (Epilogue e : {Epilogue::none, Epilogue::relu, Epilogue::sigmoid, Epilogue::tanh})
        for (bool with_bias : {false, true})
            for (const Shape& sx : {Shape{4, 3}, Shape{2, 3, 3}, Shape{3}}) {
                check_linear<float>(sx, with_bias, e, 1e-5);
                check_linear<double>(sx, with_bias, e, 1e-13);
            }
}

TEST(OpsLinalg, LinearMatchesMatmulPlusBias) {
    Tensor x = random::normal({8, 16}), w = random::normal({16, 4}), b = random::normal({4});
    std::vector<float> fused = ops::linear(x, w, b).to_vector<float>();
    std::vector<float> plain = (ops::matmul(x, w) + b).to_vector<float>();
    for (std::size_t i = 0; i < fused.size(); ++i) EXPECT_NEAR(fused[i], plain[i], 1e-5);
}

}  // namespace
}  // namespace strata
