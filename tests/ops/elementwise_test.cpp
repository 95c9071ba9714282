// Forward values of the elementwise ops, in float32 and float64, against std:: math computed here.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <strata/core/tensor.hpp>
#include <strata/ops/elementwise.hpp>

#include "core/tensor_matchers.hpp"

namespace strata {
namespace {

using testing::expect_tensor_eq;
using testing::expect_tensor_near;

struct UnaryCase {
    std::string name;
    std::function<Tensor(const Tensor&)> op;
    std::function<double(double)> reference;
    std::vector<double> inputs;
};

std::vector<UnaryCase> unary_cases() {
    std::vector<double> any{-2.5, -1.0, -0.3, 0.0, 0.4, 1.0, 3.7};
    std::vector<double> positive{0.01, 0.3, 1.0, 2.5, 10.0, 123.0};
    return {
        {"negative", [](const Tensor& x) { return ops::negative(x); }, [](double v) { return -v; }, any},
        {"exp", [](const Tensor& x) { return ops::exp(x); }, [](double v) { return std::exp(v); }, any},
        {"log", [](const Tensor& x) { return ops::log(x); }, [](double v) { return std::log(v); }, positive},
        {"log1p", [](const Tensor& x) { return ops::log1p(x); }, [](double v) { return std::log1p(v); },
         {-0.9, -1e-5, 0.0, 1e-8, 0.5, 4.0}},
        {"sqrt", [](const Tensor& x) { return ops::sqrt(x); }, [](double v) { return std::sqrt(v); }, positive},
        {"square", [](const Tensor& x) { return ops::square(x); }, [](double v) { return v * v; }, any},
        {"abs", [](const Tensor& x) { return ops::abs(x); }, [](double v) { return std::abs(v); }, any},
        {"sign", [](const Tensor& x) { return ops::sign(x); }, [](double v) { return double((0 < v) - (v < 0)); }, any},
        {"reciprocal", [](const Tensor& x) { return ops::reciprocal(x); }, [](double v) { return 1.0 / v; },
         {-4.0, -0.5, 0.25, 1.0, 3.0}},
        {"erf", [](const Tensor& x) { return ops::erf(x); }, [](double v) { return std::erf(v); }, any},
        {"floor", [](const Tensor& x) { return ops::floor(x); }, [](double v) { return std::floor(v); }, any},
        {"power_cube", [](const Tensor& x) { return ops::power(x, 3.0); }, [](double v) { return v * v * v; }, any},
        {"power_half", [](const Tensor& x) { return ops::power(x, 0.5); }, [](double v) { return std::sqrt(v); },
         positive},
        {"clip", [](const Tensor& x) { return ops::clip(x, -1.0, 2.0); },
         [](double v) { return std::min(std::max(v, -1.0), 2.0); }, any},
    };
}

template <class T>
void check_unary(const UnaryCase& c, double rtol, double atol) {
    SCOPED_TRACE(c.name + " " + dtype_name(dtype_of_v<T>));
    std::vector<T> in(c.inputs.begin(), c.inputs.end());
    std::vector<T> expected;
    for (T v : in) expected.push_back(static_cast<T>(c.reference(static_cast<double>(v))));
    Tensor x = Tensor::from_vector(in);
    Tensor y = c.op(x);
    EXPECT_EQ(y.shape(), x.shape());
    expect_tensor_near<T>(y, expected, rtol, atol);
}

TEST(OpsElementwise, UnaryOpsMatchStdMathInFloat32AndFloat64) {
    for (const UnaryCase& c : unary_cases()) {
        check_unary<float>(c, 1e-6, 1e-7);
        check_unary<double>(c, 1e-14, 1e-15);
    }
}

struct BinaryCase {
    std::string name;
    std::function<Tensor(const Tensor&, const Tensor&)> op;
    std::function<double(double, double)> reference;
};

std::vector<BinaryCase> binary_cases() {
    return {
        {"add", [](const Tensor& a, const Tensor& b) { return ops::add(a, b); }, [](double a, double b) { return a + b; }},
        {"subtract", [](const Tensor& a, const Tensor& b) { return ops::subtract(a, b); },
         [](double a, double b) { return a - b; }},
        {"multiply", [](const Tensor& a, const Tensor& b) { return ops::multiply(a, b); },
         [](double a, double b) { return a * b; }},
        {"divide", [](const Tensor& a, const Tensor& b) { return ops::divide(a, b); },
         [](double a, double b) { return a / b; }},
        {"maximum", [](const Tensor& a, const Tensor& b) { return ops::maximum(a, b); },
         [](double a, double b) { return std::max(a, b); }},
        {"minimum", [](const Tensor& a, const Tensor& b) { return ops::minimum(a, b); },
         [](double a, double b) { return std::min(a, b); }},
        {"power", [](const Tensor& a, const Tensor& b) { return ops::power(a, b); },
         [](double a, double b) { return std::pow(a, b); }},
    };
}

// a is [2, 3] (or [2, 1]); b is [3], [1, 3] or a scalar; the result is [2, 3].
template <class T>
void check_binary(const BinaryCase& c, const Shape& sa, const Shape& sb, double rtol) {
    SCOPED_TRACE(c.name + " " + sa.to_string() + " with " + sb.to_string() + " " + dtype_name(dtype_of_v<T>));
    std::vector<T> va, vb;
    for (std::int64_t i = 0; i < sa.numel(); ++i) va.push_back(static_cast<T>(0.5 + 0.37 * static_cast<double>(i)));
    for (std::int64_t i = 0; i < sb.numel(); ++i) vb.push_back(static_cast<T>(1.9 - 0.41 * static_cast<double>(i)));
    Tensor out = c.op(Tensor::from_vector(va, sa), Tensor::from_vector(vb, sb));
    ASSERT_EQ(out.shape(), Shape({2, 3}));
    std::vector<T> expected;
    for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 3; ++j) {
            T a = sa.numel() == 6 ? va[static_cast<std::size_t>(i * 3 + j)] : va[static_cast<std::size_t>(i)];
            T b = sb.numel() == 1 ? vb[0] : vb[static_cast<std::size_t>(j)];
            expected.push_back(static_cast<T>(c.reference(a, b)));
        }
    expect_tensor_near<T>(out, expected, rtol, 0.0);
}

TEST(OpsElementwise, BinaryOpsBroadcastAndMatchStdMath) {
    for (const BinaryCase& c : binary_cases()) {
        for (auto [sa, sb] : std::vector<std::pair<Shape, Shape>>{
                 {{2, 3}, {2, 3}}, {{2, 3}, {3}}, {{2, 1}, {1, 3}}, {{2, 3}, {}}, {{2, 3}, {1}}}) {
            if (sb.numel() == 6) {  // same shapes: b is [2, 3] too, compare element for element
                std::vector<double> va{0.5, 1.1, 2.0, 3.5, 0.25, 1.0}, vb{1.5, 0.9, -2.0, 0.5, 4.0, 1.0};
                Tensor out = c.op(Tensor::from_vector(va, sa), Tensor::from_vector(vb, sb));
                std::vector<double> expected;
                for (std::size_t i = 0; i < va.size(); ++i) expected.push_back(c.reference(va[i], vb[i]));
                SCOPED_TRACE(c.name);
                expect_tensor_near<double>(out, expected, 1e-15, 0.0);
                continue;
            }
            check_binary<float>(c, sa, sb, 1e-6);
            check_binary<double>(c, sa, sb, 1e-15);
        }
    }
}

TEST(OpsElementwise, ScalarOnTheLeftBroadcasts) {
    Tensor s = Tensor::scalar(2.0, float64);
    Tensor x = Tensor::from_vector(std::vector<double>{1, 2, 4}, {3, 1});
    expect_tensor_eq<double>(ops::subtract(s, x), {1, 0, -2});
    expect_tensor_eq<double>(ops::divide(s, x), {2, 1, 0.5});
    expect_tensor_eq<double>(ops::power(s, x), {2, 4, 16});
}

TEST(OpsElementwise, WhereBroadcastsAllThree) {
    Tensor cond = Tensor::from_vector(std::vector<bool>{true, false, true});              // [3]
    Tensor a = Tensor::from_vector(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3});        // [2, 3]
    Tensor b = Tensor::from_vector(std::vector<float>{-1, -2}, {2, 1});                  // [2, 1]
    Tensor out = ops::where(cond, a, b);
    EXPECT_EQ(out.shape(), Shape({2, 3}));
    expect_tensor_eq<float>(out, {1, -1, 3, 4, -2, 6});
    // A numeric condition means "not zero"; a scalar branch broadcasts.
    Tensor numeric = Tensor::from_vector(std::vector<float>{0.0f, 2.0f});
    expect_tensor_eq<float>(ops::where(numeric, Tensor::scalar(7.0), Tensor::scalar(8.0)), {8, 7});
    // Mixed branch types promote.
    Tensor i = Tensor::from_vector(std::vector<std::int32_t>{1, 2});
    expect_tensor_eq<double>(ops::where(numeric, i, Tensor::from_vector(std::vector<double>{0.5, 0.5})), {0.5, 2.0});
}

TEST(OpsElementwise, ClipBoundsAndIntegers) {
    Tensor x = Tensor::from_vector(std::vector<double>{-5, -1, 0, 1, 5});
    expect_tensor_eq<double>(ops::clip(x, -1.0, 1.0), {-1, -1, 0, 1, 1});
    Tensor i = Tensor::from_vector(std::vector<std::int32_t>{-5, 3, 9});
    expect_tensor_eq<std::int32_t>(ops::clip(i, 0.0, 6.0), {0, 3, 6});
    testing::expect_error<ValueError>([&] { ops::clip(x, 1.0, -1.0); }, {"clip"});
}

TEST(OpsElementwise, ComparisonFunctions) {
    Tensor a = Tensor::from_vector(std::vector<double>{1, 2, 3});
    Tensor b = Tensor::scalar(2.0, float64);
    expect_tensor_eq<bool>(ops::equal(a, b), {false, true, false});
    expect_tensor_eq<bool>(ops::not_equal(a, b), {true, false, true});
    expect_tensor_eq<bool>(ops::less(a, b), {true, false, false});
    expect_tensor_eq<bool>(ops::less_equal(a, b), {true, true, false});
    expect_tensor_eq<bool>(ops::greater(a, b), {false, false, true});
    expect_tensor_eq<bool>(ops::greater_equal(a, b), {false, true, true});
}

TEST(OpsElementwise, IntegerArithmeticKeepsIntegers) {
    Tensor a = Tensor::from_vector(std::vector<std::int64_t>{-3, 4});
    expect_tensor_eq<std::int64_t>(ops::abs(a), {3, 4});
    expect_tensor_eq<std::int64_t>(ops::square(a), {9, 16});
    expect_tensor_eq<std::int64_t>(ops::negative(a), {3, -4});
    expect_tensor_eq<std::int64_t>(ops::sign(a), {-1, 1});
    expect_tensor_eq<std::int64_t>(ops::maximum(a, Tensor::from_vector(std::vector<std::int64_t>{0})), {0, 4});
    expect_tensor_near<float>(ops::divide(a, Tensor::from_vector(std::vector<std::int64_t>{2})), {-1.5f, 2.0f});
    EXPECT_THROW(ops::exp(a), TypeError);  // exp takes floating tensors
}

TEST(OpsElementwise, ScalarLikeHasTheTensorsDtype) {
    Tensor s = ops::scalar_like(Tensor::zeros({2}, float64), 3.0);
    EXPECT_EQ(s.rank(), 0);
    EXPECT_EQ(s.dtype(), float64);
    EXPECT_EQ(s.item<double>(), 3.0);
}

TEST(OpsElementwise, LargeTensorsTakeTheParallelPath) {
    // Above the serial threshold the kernels split the work; each element must still be right.
    const std::int64_t n = 100000;
    std::vector<float> v(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = static_cast<float>(i % 1000) * 0.01f - 5.0f;
    Tensor x = Tensor::from_vector(v);
    std::vector<float> e = ops::exp(x).to_vector<float>();
    std::vector<float> s = (x * x + 1.0).to_vector<float>();
    for (std::int64_t i = 0; i < n; i += 997) {
        float xi = v[static_cast<std::size_t>(i)];
        EXPECT_NEAR(e[static_cast<std::size_t>(i)], std::exp(xi), 1e-6 * std::exp(xi));
        EXPECT_FLOAT_EQ(s[static_cast<std::size_t>(i)], xi * xi + 1.0f);
    }
}

}  // namespace
}  // namespace strata
