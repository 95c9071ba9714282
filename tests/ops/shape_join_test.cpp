// concatenate, slice_axis and pad: forward values against plain index loops, float64 gradient checks, errors.
#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include <strata/ops/elementwise.hpp>
#include <strata/ops/shape.hpp>
#include <strata/strata.hpp>

#include "core/tensor_matchers.hpp"
#include "support/gradcheck.hpp"

namespace strata {
namespace {

using testing::expect_error;
using testing::expect_gradients_match;
using testing::expect_tensor_eq;
using testing::random_inputs;
using Inputs = std::vector<Tensor>;

Tensor iota(const Shape& shape, double start = 0.0, DType dtype = float64) {
    std::vector<double> v(static_cast<std::size_t>(shape.numel()));
    std::iota(v.begin(), v.end(), start);
    return ops::cast(Tensor::from_vector(v, shape), dtype);
}

// Row-major flat index of `idx` in `shape`.
std::int64_t flat(const Shape& shape, const std::vector<std::int64_t>& idx) {
    std::int64_t f = 0;
    for (int i = 0; i < shape.rank(); ++i) f = f * shape[i] + idx[static_cast<std::size_t>(i)];
    return f;
}

// Visits every multi-index of `shape`.
template <class F>
void for_each_index(const Shape& shape, F f) {
    std::vector<std::int64_t> idx(static_cast<std::size_t>(shape.rank()), 0);
    for (std::int64_t n = 0; n < shape.numel(); ++n) {
        f(idx);
        for (int i = shape.rank() - 1; i >= 0; --i) {
            if (++idx[static_cast<std::size_t>(i)] < shape[i]) break;
            idx[static_cast<std::size_t>(i)] = 0;
        }
    }
}

TEST(OpsShapeJoin, ConcatenateMatchesLoopsOnEveryAxis) {
    Shape a_shape{2, 3, 4};
    for (int axis = 0; axis < 3; ++axis) {
        Shape b_shape = a_shape;
        b_shape[axis] = 2;
        Tensor a = iota(a_shape), b = iota(b_shape, 100.0);
        Tensor out = ops::concatenate({a, b}, axis - 3);  // negative axes count from the end
        Shape expected_shape = a_shape;
        expected_shape[axis] += 2;
        ASSERT_EQ(out.shape(), expected_shape);
        std::vector<double> av = a.to_vector<double>(), bv = b.to_vector<double>();
        std::vector<double> expected(static_cast<std::size_t>(expected_shape.numel()));
        for_each_index(expected_shape, [&](std::vector<std::int64_t> idx) {
            std::int64_t o = flat(expected_shape, idx);
            if (idx[static_cast<std::size_t>(axis)] < a_shape[axis]) {
                expected[static_cast<std::size_t>(o)] = av[static_cast<std::size_t>(flat(a_shape, idx))];
            } else {
                idx[static_cast<std::size_t>(axis)] -= a_shape[axis];
                expected[static_cast<std::size_t>(o)] = bv[static_cast<std::size_t>(flat(b_shape, idx))];
            }
        });
        expect_tensor_eq<double>(out, expected);
    }
}

TEST(OpsShapeJoin, ConcatenateThreeFloat32AndIntegerAndBool) {
    Tensor a = iota({2, 1}, 0, float32), b = iota({2, 2}, 10, float32), c = iota({2, 1}, 20, float32);
    expect_tensor_eq<float>(ops::concatenate({a, b, c}, 1), {0, 10, 11, 20, 1, 12, 13, 21});
    Tensor i = Tensor::from_vector(std::vector<std::int64_t>{1, 2});
    Tensor j = Tensor::from_vector(std::vector<std::int64_t>{3});
    expect_tensor_eq<std::int64_t>(ops::concatenate({i, j}, 0), {1, 2, 3});
    Tensor t = Tensor::from_vector(std::vector<bool>{true, false});
    Tensor f = Tensor::from_vector(std::vector<bool>{false});
    expect_tensor_eq<bool>(ops::concatenate({t, f}, 0), {true, false, false});
    // One tensor is returned as it is.
    Tensor one = ops::concatenate({a}, 0);
    EXPECT_EQ(one.raw_data(), a.raw_data());
}

TEST(OpsShapeJoin, ConcatenateErrors) {
    Tensor a = iota({2, 3}), b = iota({3, 3});
    expect_error<ShapeError>([&] { ops::concatenate({a, b}, 1); }, {"concatenate", "(2, 3)", "(3, 3)"});
    expect_error<ShapeError>([&] { ops::concatenate({a, iota({2, 3, 1})}, 0); }, {"concatenate", "(2, 3, 1)"});
    expect_error<ValueError>([&] { ops::concatenate({}, 0); }, {"concatenate"});
    expect_error<TypeError>([&] { ops::concatenate({a, iota({2, 3}, 0, float32)}, 0); }, {"concatenate", "float32"});
    expect_error<IndexError>([&] { ops::concatenate({a, a}, 2); }, {"concatenate"});
}

TEST(OpsShapeJoin, SliceAxisMatchesLoops) {
    Shape shape{3, 4, 5};
    Tensor x = iota(shape);
    std::vector<double> xv = x.to_vector<double>();
    for (int axis = 0; axis < 3; ++axis) {
        std::int64_t begin = 1, end = shape[axis] - 1;
        Tensor out = ops::slice_axis(x, axis, begin, end);
        Shape expected_shape = shape;
        expected_shape[axis] = end - begin;
        ASSERT_EQ(out.shape(), expected_shape);
        std::vector<double> expected;
        for_each_index(expected_shape, [&](std::vector<std::int64_t> idx) {
            idx[static_cast<std::size_t>(axis)] += begin;
            expected.push_back(xv[static_cast<std::size_t>(flat(shape, idx))]);
        });
        expect_tensor_eq<double>(out, expected);
    }
    // A copy, not a view.
    Tensor s = ops::slice_axis(x, 2, 0, 2);
    EXPECT_NE(s.raw_data(), x.raw_data());
    EXPECT_EQ(ops::slice_axis(x, -1, 2, 2).shape(), Shape({3, 4, 0}));
    expect_tensor_eq<float>(ops::slice_axis(iota({2, 3}, 0, float32), 1, 2, 3), {2, 5});
    // Ranges whose start, length and extent share a factor move in longer rows.
    expect_tensor_eq<double>(ops::slice_axis(iota({2, 6}), 1, 2, 6), {2, 3, 4, 5, 8, 9, 10, 11});
    expect_tensor_eq<double>(ops::slice_axis(iota({2, 6}), -1, 3, 6), {3, 4, 5, 9, 10, 11});
}

TEST(OpsShapeJoin, SliceAxisErrors) {
    Tensor x = iota({2, 3});
    expect_error<IndexError>([&] { ops::slice_axis(x, 1, 2, 4); }, {"slice_axis", "[2, 4)", "(2, 3)"});
    expect_error<IndexError>([&] { ops::slice_axis(x, 1, 2, 1); }, {"slice_axis"});
    expect_error<IndexError>([&] { ops::slice_axis(x, 2, 0, 1); }, {"slice_axis"});
    expect_error<ShapeError>([&] { ops::slice_axis(Tensor::scalar(1.0), 0, 0, 1); }, {"slice_axis"});
}

TEST(OpsShapeJoin, PadMatchesLoops) {
    Shape shape{2, 3};
    Tensor x = iota(shape, 1.0);
    std::vector<std::pair<std::int64_t, std::int64_t>> paddings{{1, 0}, {2, 1}};
    for (double value : {0.0, -2.5}) {
        Tensor out = ops::pad(x, paddings, value);
        Shape out_shape{3, 6};
        ASSERT_EQ(out.shape(), out_shape);
        std::vector<double> expected;
        for_each_index(out_shape, [&](const std::vector<std::int64_t>& idx) {
            std::int64_t r = idx[0] - 1, c = idx[1] - 2;
            bool inside = r >= 0 && r < 2 && c >= 0 && c < 3;
            expected.push_back(inside ? 1.0 + static_cast<double>(r * 3 + c) : value);
        });
        expect_tensor_eq<double>(out, expected);
    }
    expect_tensor_eq<float>(ops::pad(iota({2}, 1, float32), {{0, 2}}, 7.0), {1, 2, 7, 7});
    // No padding at all gives x back.
    Tensor same = ops::pad(x, {{0, 0}, {0, 0}});
    EXPECT_EQ(same.raw_data(), x.raw_data());
}

TEST(OpsShapeJoin, PadErrors) {
    Tensor x = iota({2, 3});
    expect_error<ValueError>([&] { ops::pad(x, {{1, 1}}); }, {"pad", "(2, 3)", "1 pairs"});
    expect_error<ValueError>([&] { ops::pad(x, {{0, 0}, {-1, 0}}); }, {"pad", "non-negative"});
}

TEST(OpsShapeJoinGrad, Concatenate) {
    expect_gradients_match([](const Inputs& x) { return ops::concatenate(x, 1); },
                           random_inputs({{2, 1, 3}, {2, 2, 3}, {2, 3, 3}}));
    expect_gradients_match([](const Inputs& x) { return ops::concatenate(x, -1); }, random_inputs({{3, 2}, {3, 1}}));
    expect_gradients_match([](const Inputs& x) { return ops::concatenate(x, -1); }, random_inputs({{2, 4}, {2, 2}}));
    expect_gradients_match([](const Inputs& x) { return ops::concatenate({x[0], x[0]}, 0); }, random_inputs({{2, 2}}));
}

TEST(OpsShapeJoinGrad, SliceAxis) {
    expect_gradients_match([](const Inputs& x) { return ops::slice_axis(x[0], 1, 1, 3); }, random_inputs({{2, 4, 3}}));
    expect_gradients_match([](const Inputs& x) { return ops::slice_axis(x[0], -1, 0, 1); }, random_inputs({{3, 2}}));
    expect_gradients_match([](const Inputs& x) { return ops::slice_axis(x[0], 1, 2, 6); }, random_inputs({{2, 6, 2}}));
    expect_gradients_match(
        [](const Inputs& x) { return ops::slice_axis(x[0], 0, 0, 1) * ops::slice_axis(x[0], 0, 1, 2); },
        random_inputs({{2, 3}}));
}

TEST(OpsShapeJoinGrad, Pad) {
    expect_gradients_match([](const Inputs& x) { return ops::pad(x[0], {{1, 2}, {0, 1}}, 0.5); },
                           random_inputs({{2, 3}}));
    expect_gradients_match([](const Inputs& x) { return ops::pad(x[0], {{0, 0}, {1, 1}, {2, 0}}); },
                           random_inputs({{2, 1, 2}}));
}

TEST(OpsShapeJoinGrad, GradientOfSliceIsZeroPadded) {
    Tensor x = Tensor::from_vector(std::vector<double>{1, 2, 3, 4}, {2, 2});
    x.set_requires_grad(true);
    Tensor y = ops::square(ops::slice_axis(x, 1, 1, 2)).sum();
    std::vector<Tensor> g = autograd::gradients(y, {x});
    expect_tensor_eq<double>(g[0], {0, 4, 0, 8});
}

}  // namespace
}  // namespace strata
