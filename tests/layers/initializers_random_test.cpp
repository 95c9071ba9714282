// The random initializers: statistics on large tensors, bounds, orthogonality, determinism and dtypes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "strata/layers/initializers.hpp"
#include "strata/ops/random.hpp"

namespace strata::initializers {
namespace {

std::vector<double> values_of(const Tensor& t) {
    if (t.dtype() == float64) return t.to_vector<double>();
    std::vector<float> f = t.to_vector<float>();
    return {f.begin(), f.end()};
}

struct Stats {
    double mean, std, min, max;
};

Stats stats_of(const Tensor& t) {
    std::vector<double> v = values_of(t);
    double n = static_cast<double>(v.size());
    double mean = std::accumulate(v.begin(), v.end(), 0.0) / n;
    double sq = 0.0;
    for (double x : v) sq += (x - mean) * (x - mean);
    auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    return {mean, std::sqrt(sq / n), *lo, *hi};
}

// The std of a standard normal truncated to [-2, 2], the constant Keras divides by.
constexpr double kTruncatedStd = 0.87962566103423978;

using Fans = std::pair<std::int64_t, std::int64_t>;

TEST(InitializersRandomTest, ComputeFansFollowsKeras) {
    // Keras 3 compute_fans: rank 0 -> (1, 1); rank 1 -> (n, n); rank 2 -> (rows, cols); conv kernels multiply by
    // the receptive field prod(shape[:-2]).
    EXPECT_EQ(compute_fans(Shape{}), (Fans{1, 1}));
    EXPECT_EQ(compute_fans(Shape{7}), (Fans{7, 7}));
    EXPECT_EQ(compute_fans(Shape{784, 32}), (Fans{784, 32}));
    EXPECT_EQ(compute_fans(Shape{3, 3, 16, 32}), (Fans{144, 288}));
    EXPECT_EQ(compute_fans(Shape{5, 4, 8}), (Fans{20, 40}));
}

TEST(InitializersRandomTest, RandomNormalDefaults) {
    random::seed(1);
    // Keras 3: RandomNormal(mean=0.0, stddev=0.05)
    RandomNormal init;
    EXPECT_EQ(init.options().mean, 0.0);
    EXPECT_EQ(init.options().stddev, 0.05);
    Stats s = stats_of(init({200, 250}));
    EXPECT_NEAR(s.mean, 0.0, 0.002);
    EXPECT_NEAR(s.std, 0.05, 0.05 * 0.02);

    Stats custom = stats_of(RandomNormal({.mean = 3.0, .stddev = 2.0})({50000}));
    EXPECT_NEAR(custom.mean, 3.0, 0.05);
    EXPECT_NEAR(custom.std, 2.0, 0.04);
}

TEST(InitializersRandomTest, RandomUniformDefaults) {
    random::seed(2);
    // Keras 3: RandomUniform(minval=-0.05, maxval=0.05)
    RandomUniform init;
    EXPECT_EQ(init.options().minval, -0.05);
    EXPECT_EQ(init.options().maxval, 0.05);
    Stats s = stats_of(init({200, 250}));
    EXPECT_GE(s.min, -0.05);
    EXPECT_LE(s.max, 0.05);
    EXPECT_NEAR(s.mean, 0.0, 0.002);
    EXPECT_NEAR(s.std, 0.1 / std::sqrt(12.0), 0.001);

    Stats custom = stats_of(RandomUniform({.minval = 2.0, .maxval = 5.0})({50000}));
    EXPECT_GE(custom.min, 2.0);
    EXPECT_LT(custom.max, 5.0);
    EXPECT_NEAR(custom.mean, 3.5, 0.03);
    // An empty interval holds its one value.
    Stats point = stats_of(RandomUniform({.minval = 1.5, .maxval = 1.5})({10}));
    EXPECT_EQ(point.min, 1.5);
    EXPECT_EQ(point.max, 1.5);
}

TEST(InitializersRandomTest, TruncatedNormalDefaults) {
    random::seed(3);
    // Keras 3: TruncatedNormal(mean=0.0, stddev=0.05), redrawn beyond two standard deviations.
    TruncatedNormal init;
    EXPECT_EQ(init.options().mean, 0.0);
    EXPECT_EQ(init.options().stddev, 0.05);
    Stats s = stats_of(init.operator()({200, 250}, float64));
    EXPECT_GE(s.min, -0.1);
    EXPECT_LE(s.max, 0.1);
    EXPECT_LT(s.min, -0.09);  // the tails are reached, only cut
    EXPECT_GT(s.max, 0.09);
    EXPECT_NEAR(s.mean, 0.0, 0.002);
    EXPECT_NEAR(s.std, 0.05 * kTruncatedStd, 0.05 * 0.02);

    Stats shifted = stats_of(TruncatedNormal({.mean = 1.0, .stddev = 0.5})({50000}));
    EXPECT_GE(shifted.min, 0.0 - 1e-6);
    EXPECT_LE(shifted.max, 2.0 + 1e-6);
}

TEST(InitializersRandomTest, VarianceScalingDefaults) {
    // Keras 3: VarianceScaling(scale=1.0, mode="fan_in", distribution="truncated_normal")
    VarianceScaling init;
    EXPECT_EQ(init.scale(), 1.0);
    EXPECT_EQ(init.mode(), "fan_in");
    EXPECT_EQ(init.distribution(), "truncated_normal");

    random::seed(4);
    // Truncated: the drawn stddev is sqrt(scale / fan_in) once truncated; the bound is 2 * that / 0.8796...
    Stats s = stats_of(init({400, 100}));
    double target = std::sqrt(1.0 / 400.0);
    EXPECT_NEAR(s.std, target, target * 0.02);
    EXPECT_LE(std::max(-s.min, s.max), 2.0 * target / kTruncatedStd + 1e-6);
}

TEST(InitializersRandomTest, VarianceScalingModesAndDistributions) {
    random::seed(5);
    Shape conv{3, 3, 16, 32};  // fan_in 144, fan_out 288
    struct Case {
        std::string mode;
        double fan;
    };
    for (const Case& c : {Case{"fan_in", 144.0}, Case{"fan_out", 288.0}, Case{"fan_avg", 216.0}}) {
        SCOPED_TRACE(c.mode);
        double scale = 3.0 / c.fan;
        Stats u = stats_of(VarianceScaling({.scale = 3.0, .mode = c.mode, .distribution = "uniform"})(conv));
        double limit = std::sqrt(3.0 * scale);
        EXPECT_GE(u.min, -limit);
        EXPECT_LE(u.max, limit);
        EXPECT_NEAR(u.std, limit / std::sqrt(3.0), limit / std::sqrt(3.0) * 0.04);

        Stats n = stats_of(VarianceScaling({.scale = 3.0, .mode = c.mode, .distribution = "untruncated_normal"})(conv));
        EXPECT_NEAR(n.std, std::sqrt(scale), std::sqrt(scale) * 0.04);

        Stats t = stats_of(VarianceScaling({.scale = 3.0, .mode = c.mode, .distribution = "truncated_normal"})(conv));
        EXPECT_NEAR(t.std, std::sqrt(scale), std::sqrt(scale) * 0.04);
        EXPECT_LE(std::max(-t.min, t.max), 2.0 * std::sqrt(scale) / kTruncatedStd + 1e-6);
    }
    // Keras: fans below one count as one (scale /= max(1, fan)), so a (0, 5) kernel does not divide by zero.
    EXPECT_EQ(VarianceScaling()(Shape{0, 5}).shape(), (Shape{0, 5}));
    Stats scalar_like = stats_of(VarianceScaling({.distribution = "uniform"})(Shape{20000, 1}));
    EXPECT_LE(scalar_like.max, std::sqrt(3.0 / 20000.0));  // fan_in = 20000
}

TEST(InitializersRandomTest, GlorotUniformStaysWithinItsLimit) {
    random::seed(6);
    // Keras 3: GlorotUniform = VarianceScaling(scale=1.0, mode="fan_avg", distribution="uniform"):
    // limit sqrt(6 / (fan_in + fan_out)).
    GlorotUniform init;
    EXPECT_EQ(init.scale(), 1.0);
    EXPECT_EQ(init.mode(), "fan_avg");
    EXPECT_EQ(init.distribution(), "uniform");
    Stats s = stats_of(init({784, 32}));
    double limit = std::sqrt(6.0 / (784.0 + 32.0));
    EXPECT_GE(s.min, -limit);
    EXPECT_LE(s.max, limit);
    EXPECT_LT(s.max, limit);
    EXPECT_GT(s.max, limit * 0.99);  // the whole range is used
    EXPECT_NEAR(s.mean, 0.0, limit * 0.02);
    EXPECT_NEAR(s.std, limit / std::sqrt(3.0), limit / std::sqrt(3.0) * 0.02);
}

TEST(InitializersRandomTest, GlorotNormal) {
    random::seed(7);
    // Keras 3: GlorotNormal = VarianceScaling(scale=1.0, mode="fan_avg", distribution="truncated_normal").
    GlorotNormal init;
    EXPECT_EQ(init.scale(), 1.0);
    EXPECT_EQ(init.mode(), "fan_avg");
    EXPECT_EQ(init.distribution(), "truncated_normal");
    Stats s = stats_of(init({784, 32}));
    double target = std::sqrt(2.0 / (784.0 + 32.0));
    EXPECT_NEAR(s.std, target, target * 0.02);
    EXPECT_LE(std::max(-s.min, s.max), 2.0 * target / kTruncatedStd + 1e-6);
}

TEST(InitializersRandomTest, HeUniformAndHeNormal) {
    random::seed(8);
    // Keras 3: HeUniform = VarianceScaling(scale=2.0, mode="fan_in", distribution="uniform"):
    // limit sqrt(6 / fan_in).
    HeUniform he_uniform;
    EXPECT_EQ(he_uniform.scale(), 2.0);
    EXPECT_EQ(he_uniform.mode(), "fan_in");
    EXPECT_EQ(he_uniform.distribution(), "uniform");
    Stats u = stats_of(he_uniform({784, 32}));
    double limit = std::sqrt(6.0 / 784.0);
    EXPECT_GE(u.min, -limit);
    EXPECT_LE(u.max, limit);
    EXPECT_NEAR(u.std, limit / std::sqrt(3.0), limit / std::sqrt(3.0) * 0.02);

    // Keras 3: HeNormal = VarianceScaling(scale=2.0, mode="fan_in", distribution="truncated_normal").
    HeNormal he_normal;
    EXPECT_EQ(he_normal.scale(), 2.0);
    EXPECT_EQ(he_normal.mode(), "fan_in");
    EXPECT_EQ(he_normal.distribution(), "truncated_normal");
    Stats n = stats_of(he_normal({784, 32}));
    double target = std::sqrt(2.0 / 784.0);
    EXPECT_NEAR(n.std, target, target * 0.02);
    EXPECT_LE(std::max(-n.min, n.max), 2.0 * target / kTruncatedStd + 1e-6);
}

TEST(InitializersRandomTest, LecunUniformAndLecunNormal) {
    random::seed(9);
    // Keras 3: LecunUniform = VarianceScaling(scale=1.0, mode="fan_in", distribution="uniform"):
    // limit sqrt(3 / fan_in).
    LecunUniform lecun_uniform;
    EXPECT_EQ(lecun_uniform.scale(), 1.0);
    EXPECT_EQ(lecun_uniform.mode(), "fan_in");
    EXPECT_EQ(lecun_uniform.distribution(), "uniform");
    Stats u = stats_of(lecun_uniform({784, 32}));
    double limit = std::sqrt(3.0 / 784.0);
    EXPECT_GE(u.min, -limit);
    EXPECT_LE(u.max, limit);
    EXPECT_NEAR(u.std, limit / std::sqrt(3.0), limit / std::sqrt(3.0) * 0.02);

    // Keras 3: LecunNormal = VarianceScaling(scale=1.0, mode="fan_in", distribution="truncated_normal").
    LecunNormal lecun_normal;
    EXPECT_EQ(lecun_normal.scale(), 1.0);
    EXPECT_EQ(lecun_normal.mode(), "fan_in");
    EXPECT_EQ(lecun_normal.distribution(), "truncated_normal");
    Stats n = stats_of(lecun_normal({784, 32}));
    double target = std::sqrt(1.0 / 784.0);
    EXPECT_NEAR(n.std, target, target * 0.02);
}

// The Gram matrix of the columns of a row-major rows x cols matrix (or of its rows when `of_rows`).
std::vector<double> gram(const std::vector<double>& m, std::int64_t rows, std::int64_t cols, bool of_rows) {
    std::int64_t k = of_rows ? rows : cols, len = of_rows ? cols : rows;
    auto at = [&](std::int64_t vec, std::int64_t i) {
        return of_rows ? m[static_cast<std::size_t>(vec * cols + i)] : m[static_cast<std::size_t>(i * cols + vec)];
    };
    std::vector<double> g(static_cast<std::size_t>(k * k));
    for (std::int64_t a = 0; a < k; ++a)
        for (std::int64_t b = 0; b < k; ++b) {
            double s = 0.0;
            for (std::int64_t i = 0; i < len; ++i) s += at(a, i) * at(b, i);
            g[static_cast<std::size_t>(a * k + b)] = s;
        }
    return g;
}

void expect_scaled_identity(const std::vector<double>& g, std::int64_t k, double diagonal, double tolerance) {
    for (std::int64_t a = 0; a < k; ++a)
        for (std::int64_t b = 0; b < k; ++b)
            ASSERT_NEAR(g[static_cast<std::size_t>(a * k + b)], a == b ? diagonal : 0.0, tolerance)
                << "at (" << a << ", " << b << ")";
}

TEST(InitializersRandomTest, OrthogonalGivesOrthonormalColumnsOrRows) {
    random::seed(10);
    // Keras 3: Orthogonal(gain=1.0)
    EXPECT_EQ(Orthogonal().gain(), 1.0);

    // Tall: Q^T Q = I.
    Tensor tall = Orthogonal()({64, 32}, float64);
    EXPECT_EQ(tall.shape(), (Shape{64, 32}));
    expect_scaled_identity(gram(tall.to_vector<double>(), 64, 32, false), 32, 1.0, 1e-12);

    // Wide: the rows are orthonormal, Q Q^T = I.
    Tensor wide = Orthogonal()({16, 48}, float64);
    expect_scaled_identity(gram(wide.to_vector<double>(), 16, 48, true), 16, 1.0, 1e-12);

    // Square, with a gain: (gQ)^T (gQ) = g^2 I, in float32 to rounding.
    Tensor square = Orthogonal(2.0)({40, 40});
    EXPECT_EQ(square.dtype(), float32);
    expect_scaled_identity(gram(values_of(square), 40, 40, false), 40, 4.0, 1e-5);

    // A convolution kernel is flattened to (prod(shape[:-1]), shape[-1]) = (36, 8).
    Tensor kernel = Orthogonal()({3, 3, 4, 8}, float64);
    EXPECT_EQ(kernel.shape(), (Shape{3, 3, 4, 8}));
    expect_scaled_identity(gram(kernel.to_vector<double>(), 36, 8, false), 8, 1.0, 1e-12);
}

TEST(InitializersRandomTest, OrthogonalIsTheSignCorrectedQOfANormalMatrix) {
    // Keras multiplies Q by sign(diag(R)), which makes R's diagonal positive: R = Q^T A has a positive
    // diagonal for the normal matrix A drawn from the same stream.
    random::seed(11);
    std::vector<double> a = random::normal({30, 12}, 0.0, 1.0, float64).to_vector<double>();
    random::seed(11);
    std::vector<double> q = Orthogonal()({30, 12}, float64).to_vector<double>();
    for (int j = 0; j < 12; ++j) {
        double r_jj = 0.0;
        for (int i = 0; i < 30; ++i)
            r_jj += q[static_cast<std::size_t>(i * 12 + j)] * a[static_cast<std::size_t>(i * 12 + j)];
        EXPECT_GT(r_jj, 0.0) << "column " << j;
    }
    // And Q R = A: A's columns lie in the span of Q's, so projecting on Q gives A back.
    for (int j = 0; j < 12; ++j)
        for (int i = 0; i < 30; ++i) {
            double projected = 0.0;
            for (int c = 0; c < 12; ++c) {
                double dot = 0.0;
                for (int r = 0; r < 30; ++r)
                    dot += q[static_cast<std::size_t>(r * 12 + c)] * a[static_cast<std::size_t>(r * 12 + j)];
                projected += q[static_cast<std::size_t>(i * 12 + c)] * dot;
            }
            ASSERT_NEAR(projected, a[static_cast<std::size_t>(i * 12 + j)], 1e-10);
        }
}

TEST(InitializersRandomTest, OrthogonalRejectsVectors) {
    try {
        Orthogonal()({5});
        FAIL() << "expected ValueError";
    } catch (const ValueError& e) {
        EXPECT_NE(std::string(e.what()).find("Orthogonal"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("(5,)"), std::string::npos) << e.what();
    }
    EXPECT_EQ(Orthogonal()({0, 4}).shape(), (Shape{0, 4}));
}

TEST(InitializersRandomTest, SameSeedSameValues) {
    std::vector<std::shared_ptr<Initializer>> all = {
        std::make_shared<RandomNormal>(),  std::make_shared<RandomUniform>(), std::make_shared<TruncatedNormal>(),
        std::make_shared<VarianceScaling>(), std::make_shared<GlorotUniform>(), std::make_shared<GlorotNormal>(),
        std::make_shared<HeUniform>(),     std::make_shared<HeNormal>(),      std::make_shared<LecunUniform>(),
        std::make_shared<LecunNormal>(),   std::make_shared<Orthogonal>()};
    for (const auto& init : all) {
        SCOPED_TRACE(init->class_name());
        random::seed(42);
        std::vector<float> first = (*init)({17, 9}).to_vector<float>();
        std::vector<float> second_draw = (*init)({17, 9}).to_vector<float>();
        random::seed(42);
        std::vector<float> again = (*init)({17, 9}).to_vector<float>();
        random::seed(43);
        std::vector<float> other = (*init)({17, 9}).to_vector<float>();
        EXPECT_EQ(first, again);
        EXPECT_NE(first, second_draw);  // the stream moves on
        EXPECT_NE(first, other);
    }
}

TEST(InitializersRandomTest, Float64MatchesFloat32ToRounding) {
    for (const auto& name : {"random_normal", "random_uniform", "truncated_normal", "glorot_uniform", "he_normal",
                             "lecun_normal", "orthogonal"}) {
        SCOPED_TRACE(name);
        std::shared_ptr<Initializer> init = get(name);
        random::seed(5);
        Tensor d = (*init)({20, 30}, float64);
        random::seed(5);
        Tensor f = (*init)({20, 30}, float32);
        EXPECT_EQ(d.dtype(), float64);
        EXPECT_EQ(f.dtype(), float32);
        std::vector<double> dv = d.to_vector<double>();
        std::vector<double> fv = values_of(f);
        for (std::size_t i = 0; i < dv.size(); ++i) ASSERT_NEAR(dv[i], fv[i], 1e-6 * (1.0 + std::abs(dv[i])));
    }
}

TEST(InitializersRandomTest, RandomInitializersRefuseIntegerDtypes) {
    for (const auto& name : {"random_normal", "random_uniform", "truncated_normal", "glorot_uniform", "orthogonal"}) {
        SCOPED_TRACE(name);
        try {
            (*get(name))({3, 3}, int64);
            FAIL() << "expected TypeError";
        } catch (const TypeError& e) {
            EXPECT_NE(std::string(e.what()).find(get(name)->class_name()), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find("int64"), std::string::npos) << e.what();
        }
    }
}

TEST(InitializersRandomTest, UnknownExtentsAreRefused) {
    try {
        GlorotUniform()({-1, 4});
        FAIL() << "expected ValueError";
    } catch (const ValueError& e) {
        EXPECT_NE(std::string(e.what()).find("GlorotUniform"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("(None, 4)"), std::string::npos) << e.what();
    }
    EXPECT_THROW(Zeros()({3, -2}), ValueError);
    EXPECT_THROW(RandomNormal()({-1}), ValueError);
}

}  // namespace
}  // namespace strata::initializers
