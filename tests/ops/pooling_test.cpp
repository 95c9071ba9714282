// Max and average pooling ops: forward values against windows walked in plain loops (every padding, stride
// and pool size combination below), float64 gradient checks of each mode, TF's tie rule, thread-count
// independence and the errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <strata/backend/threading.hpp>
#include <strata/ops/pooling.hpp>

#include "support/gradcheck.hpp"

namespace strata {
namespace {

using Dims = std::vector<std::int64_t>;

struct Case {
    Shape shape;  // (n, L, c) or (n, h, w, c)
    Dims pool, strides;
    std::string padding;
};

// The reference: windows placed as TF places them, computed independently of the library, in doubles.
// "same": ceil(L / s) outputs, total padding max((out - 1) s + k - L, 0), the smaller half before.
std::vector<double> reference(bool max, const Tensor& x, const Case& c, Shape* out_shape) {
    std::vector<double> v = x.astype(float64).to_vector<double>();
    bool one_d = x.rank() == 3;
    std::int64_t n = x.shape()[0], h = one_d ? 1 : x.shape()[1], w = x.shape()[one_d ? 1 : 2], ch = x.shape()[x.rank() - 1];
    Dims k = one_d ? Dims{1, c.pool[0]} : c.pool, s = one_d ? Dims{1, c.strides[0]} : c.strides;
    std::int64_t len[2] = {h, w}, out[2], before[2];
    for (int i = 0; i < 2; ++i) {
        if (c.padding == "valid") {
            out[i] = (len[i] - k[i]) / s[i] + 1;
            before[i] = 0;
        } else {
            out[i] = (len[i] + s[i] - 1) / s[i];
            before[i] = std::max<std::int64_t>((out[i] - 1) * s[i] + k[i] - len[i], 0) / 2;
        }
    }
    *out_shape = one_d ? Shape{n, out[1], ch} : Shape{n, out[0], out[1], ch};
    std::vector<double> result;
    for (std::int64_t b = 0; b < n; ++b)
        for (std::int64_t i = 0; i < out[0]; ++i)
            for (std::int64_t j = 0; j < out[1]; ++j)
                for (std::int64_t q = 0; q < ch; ++q) {
                    double acc = max ? -std::numeric_limits<double>::infinity() : 0.0;
                    int count = 0;
                    for (std::int64_t di = 0; di < k[0]; ++di)
                        for (std::int64_t dj = 0; dj < k[1]; ++dj) {
                            std::int64_t r = i * s[0] - before[0] + di, col = j * s[1] - before[1] + dj;
                            if (r < 0 || r >= h || col < 0 || col >= w) continue;  // padding is never pooled
                            double e = v[static_cast<std::size_t>(((b * h + r) * w + col) * ch + q)];
                            acc = max ? std::max(acc, e) : acc + e;
                            ++count;
                        }
                    result.push_back(max ? acc : acc / count);
                }
    return result;
}

const std::vector<Case>& cases() {
    static const std::vector<Case> all = {
        {{2, 6, 6, 3}, {2, 2}, {2, 2}, "valid"},   // Keras's default 2x2 pool
        {{2, 7, 5, 3}, {2, 2}, {2, 2}, "valid"},   // odd extents: the last row/column is dropped
        {{2, 7, 5, 3}, {2, 2}, {2, 2}, "same"},    // ... or pooled alone
        {{1, 7, 8, 2}, {3, 3}, {2, 2}, "valid"},   // overlapping windows
        {{1, 7, 8, 2}, {3, 3}, {2, 2}, "same"},
        {{2, 5, 6, 2}, {3, 2}, {1, 1}, "same"},    // stride 1, uneven padding
        {{2, 5, 6, 2}, {3, 2}, {1, 3}, "valid"},
        {{1, 4, 4, 70}, {3, 3}, {3, 1}, "same"},   // more channels than one kernel block
        {{1, 2, 3, 1}, {4, 4}, {1, 1}, "same"},    // windows larger than the input
        {{3, 9, 4}, {2}, {2}, "valid"},            // 1-D
        {{3, 9, 4}, {3}, {2}, "same"},
        {{2, 10, 3}, {4}, {1}, "same"},
        {{2, 10, 3}, {3}, {4}, "valid"},
    };
    return all;
}

class PoolingOpTest : public ::testing::Test {
protected:
    void SetUp() override { random::seed(11); }
};

TEST_F(PoolingOpTest, ForwardMatchesWindowLoopsForEveryPaddingAndStride) {
    for (bool max : {true, false})
        for (DType dtype : {float32, float64})
            for (const Case& c : cases()) {
                Tensor x = random::uniform(c.shape, -2.0, 2.0, dtype);
                Tensor y = max ? ops::max_pool(x, c.pool, c.strides, c.padding)
                               : ops::average_pool(x, c.pool, c.strides, c.padding);
                Shape expected_shape;
                std::vector<double> expected = reference(max, x, c, &expected_shape);
                SCOPED_TRACE((max ? "max " : "average ") + c.shape.to_string() + " " + c.padding + " " + dtype_name(dtype));
                ASSERT_EQ(y.shape(), expected_shape);
                EXPECT_EQ(y.dtype(), dtype);
                std::vector<double> got = y.astype(float64).to_vector<double>();
                double tol = dtype == float32 ? 1e-5 : 1e-12;
                for (std::size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], expected[i], tol) << "element " << i;
            }
}

TEST_F(PoolingOpTest, StridesDefaultToPoolSize) {
    // keras.ops.max_pool(inputs, pool_size, strides=None, padding="valid"): strides=None means pool_size.
    Tensor x = random::normal({2, 6, 6, 3});
    EXPECT_EQ(ops::max_pool(x, {2, 2}).shape(), (Shape{2, 3, 3, 3}));
    EXPECT_EQ(ops::max_pool(x, {3}).shape(), (Shape{2, 2, 2, 3}));  // one value for every spatial axis
    EXPECT_EQ(ops::average_pool(x, {2}, {}, "same").shape(), (Shape{2, 3, 3, 3}));
    std::vector<float> a = ops::max_pool(x, {2, 2}).to_vector<float>();
    std::vector<float> b = ops::max_pool(x, {2, 2}, {2, 2}, "valid").to_vector<float>();
    EXPECT_EQ(a, b);
}

TEST_F(PoolingOpTest, OutputLengthFollowsKerasFormula) {
    // Keras's compute_pooling_output_shape: valid floor((L - k) / s) + 1, same floor((L - 1) / s) + 1.
    EXPECT_EQ(ops::pool_output_length(28, 2, 2, "valid"), 14);
    EXPECT_EQ(ops::pool_output_length(7, 3, 2, "valid"), 3);
    EXPECT_EQ(ops::pool_output_length(7, 3, 2, "same"), 4);
    EXPECT_EQ(ops::pool_output_length(1, 2, 2, "valid"), 0);
    EXPECT_EQ(ops::pool_output_length(1, 3, 1, "valid"), -1);  // negative: the window cannot fit
    EXPECT_EQ(ops::pool_output_length(-1, 2, 2, "valid"), -1);  // unknown stays unknown
}

TEST_F(PoolingOpTest, GradientsMatchFiniteDifferences) {
    for (bool max : {true, false})
        for (const Case& c : cases()) {
            if (c.shape.numel() > 200) continue;  // the check perturbs each element; small cases cover every branch
            SCOPED_TRACE((max ? "max " : "average ") + c.shape.to_string() + " " + c.padding);
            testing::expect_gradients_match(
                [&](const std::vector<Tensor>& in) {
                    return max ? ops::max_pool(in[0], c.pool, c.strides, c.padding)
                               : ops::average_pool(in[0], c.pool, c.strides, c.padding);
                },
                testing::random_inputs({c.shape}));
        }
}

TEST_F(PoolingOpTest, GradientsOfLargerCasesMatchFiniteDifferences) {
    // The channel-block case and an overlapping 2-D case, checked in full.
    for (bool max : {true, false}) {
        testing::expect_gradients_match(
            [&](const std::vector<Tensor>& in) {
                return max ? ops::max_pool(in[0], {3, 3}, {3, 1}, "same") : ops::average_pool(in[0], {3, 3}, {3, 1}, "same");
            },
            testing::random_inputs({{1, 3, 2, 70}}));
        testing::expect_gradients_match(
            [&](const std::vector<Tensor>& in) {
                return max ? ops::max_pool(in[0], {3, 3}, {2, 2}, "same") : ops::average_pool(in[0], {3, 3}, {2, 2}, "same");
            },
            testing::random_inputs({{1, 7, 8, 2}}));
    }
}

TEST_F(PoolingOpTest, MaxGradientGoesToTheFirstMaximumAsTF) {
    // TF's MaxPoolGrad: on ties the first maximum in row-major window order takes the whole gradient.
    Tensor x = Tensor::from_vector(std::vector<double>{1, 3, 3, 3}, {1, 2, 2, 1});
    x.set_requires_grad(true);
    Tensor y = ops::max_pool(x, {2, 2});
    EXPECT_EQ(y.to_vector<double>(), std::vector<double>{3});
    Tensor g = autograd::gradients(y.sum(), {x})[0];
    EXPECT_EQ(g.to_vector<double>(), (std::vector<double>{0, 1, 0, 0}));

    // Overlapping windows add their gradients into a shared maximum.
    Tensor z = Tensor::from_vector(std::vector<double>{0, 5, 0, 1, 2}, {1, 5, 1});
    z.set_requires_grad(true);
    Tensor w = ops::max_pool(z, {3}, {1});  // windows [0,5,0] [5,0,1] [0,1,2]
    EXPECT_EQ(w.to_vector<double>(), (std::vector<double>{5, 5, 2}));
    EXPECT_EQ(autograd::gradients(w.sum(), {z})[0].to_vector<double>(), (std::vector<double>{0, 2, 0, 0, 1}));
}

TEST_F(PoolingOpTest, AverageSameDividesByRealElements) {
    // Keras/TF: "same" average pooling counts only the unpadded elements of each window.
    Tensor x = Tensor::from_vector(std::vector<float>{1, 2, 3}, {1, 3, 1});
    EXPECT_EQ(ops::average_pool(x, {2}, {1}, "same").to_vector<float>(), (std::vector<float>{1.5f, 2.5f, 3.0f}));
    Tensor ones = Tensor::ones({1, 3, 3, 1});
    for (float v : ops::average_pool(ones, {2, 2}, {2, 2}, "same").to_vector<float>()) EXPECT_EQ(v, 1.0f);
}

TEST_F(PoolingOpTest, ResultsDoNotDependOnTheThreadCount) {
    Tensor x = random::normal({8, 32, 32, 80});
    auto run = [&](int threads, bool max) {
        int previous = backend::num_threads();
        backend::set_num_threads(threads);
        Tensor xr = x.clone();
        xr.set_requires_grad(true);
        Tensor y = max ? ops::max_pool(xr, {3, 3}, {2, 2}, "same") : ops::average_pool(xr, {3, 3}, {2, 2}, "same");
        Tensor r = Tensor::full(y.shape(), 0.5);
        Tensor g = autograd::gradients((y * r).sum(), {xr})[0];
        backend::set_num_threads(previous);
        return std::make_pair(y.to_vector<float>(), g.to_vector<float>());
    };
    for (bool max : {true, false}) {
        auto [y1, g1] = run(1, max);
        auto [y4, g4] = run(4, max);
        ASSERT_EQ(y1.size(), y4.size());
        ASSERT_EQ(g1.size(), g4.size());
        EXPECT_EQ(std::memcmp(y1.data(), y4.data(), y1.size() * sizeof(float)), 0);
        EXPECT_EQ(std::memcmp(g1.data(), g4.data(), g1.size() * sizeof(float)), 0);
    }
}

TEST_F(PoolingOpTest, BadArgumentsThrowNamingTheOp) {
    Tensor x = random::normal({2, 4, 4, 3});
    auto message = [](auto fn) {
        try {
            fn();
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    std::string m = message([&] { ops::max_pool(x, {0, 2}); });
    EXPECT_NE(m.find("max_pool"), std::string::npos) << m;
    EXPECT_NE(m.find("pool_size"), std::string::npos) << m;
    EXPECT_THROW(ops::max_pool(x, {2, 2}, {0}), ValueError);
    EXPECT_THROW(ops::max_pool(x, {2, 2, 2}), ValueError);
    m = message([&] { ops::average_pool(x, {2, 2}, {}, "full"); });
    EXPECT_NE(m.find("average_pool"), std::string::npos) << m;
    EXPECT_NE(m.find("full"), std::string::npos) << m;
    m = message([&] { ops::max_pool(random::normal({2, 4}), {2}); });
    EXPECT_NE(m.find("(2, 4)"), std::string::npos) << m;
    EXPECT_THROW(ops::max_pool(random::normal({2, 4}), {2}), ShapeError);
    EXPECT_THROW(ops::max_pool(random::normal({1, 2, 2, 2, 2}), {2}), ShapeError);
    EXPECT_THROW(ops::max_pool(random::normal({1, 2, 1}), {4}, {1}), ShapeError);  // valid window cannot fit
    EXPECT_THROW(ops::max_pool(Tensor::zeros({1, 4, 4, 1}, int32), {2}), TypeError);
    // Upper-case padding is accepted, as Keras lower-cases it.
    EXPECT_EQ(ops::max_pool(x, {2, 2}, {}, "SAME").shape(), (Shape{2, 2, 2, 3}));
}

}  // namespace
}  // namespace strata
