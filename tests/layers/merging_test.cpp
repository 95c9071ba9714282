// The merging layers: forward values against plain loops, Keras's shape rules and errors, get_config, float64
// gradient checks, and use inside a functional Model.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include <strata/layers/merging.hpp>
#include <strata/models/input.hpp>
#include <strata/models/model.hpp>
#include <strata/ops/shape.hpp>
#include <strata/strata.hpp>

#include "core/tensor_matchers.hpp"
#include "support/gradcheck.hpp"

namespace strata {
namespace {

using testing::expect_error;
using testing::expect_gradients_match;
using testing::expect_tensor_near;
using testing::random_inputs;
using Inputs = std::vector<Tensor>;

std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

TEST(MergingLayers, ElementwiseMergesMatchLoops) {
    Inputs x = random_inputs({{2, 3}, {2, 3}, {2, 3}});
    std::vector<double> a = values(x[0]), b = values(x[1]), c = values(x[2]);
    std::vector<double> sum, product, average, maximum, minimum, difference;
    for (std::size_t i = 0; i < a.size(); ++i) {
        sum.push_back(a[i] + b[i] + c[i]);
        product.push_back(a[i] * b[i] * c[i]);
        average.push_back((a[i] + b[i] + c[i]) / 3.0);
        maximum.push_back(std::max({a[i], b[i], c[i]}));
        minimum.push_back(std::min({a[i], b[i], c[i]}));
        difference.push_back(a[i] - b[i]);
    }
    layers::MergeOptions o{.dtype = float64};
    expect_tensor_near<double>(layers::Add(o)(x), sum, 1e-12);
    expect_tensor_near<double>(layers::Multiply(o)(x), product, 1e-12);
    expect_tensor_near<double>(layers::Average(o)(x), average, 1e-12);
    expect_tensor_near<double>(layers::Maximum(o)(x), maximum, 1e-12);
    expect_tensor_near<double>(layers::Minimum(o)(x), minimum, 1e-12);
    expect_tensor_near<double>(layers::Subtract(o)({x[0], x[1]}), difference, 1e-12);
}

TEST(MergingLayers, NamesAndClassNames) {
    clear_session();
    layers::Add add;
    layers::Subtract subtract;
    layers::Concatenate concatenate;
    layers::Dot dot(1);
    EXPECT_EQ(add->name(), "add");
    EXPECT_EQ(add->class_name(), "Add");
    EXPECT_EQ(subtract->class_name(), "Subtract");
    EXPECT_EQ(layers::Multiply()->class_name(), "Multiply");
    EXPECT_EQ(layers::Average()->class_name(), "Average");
    EXPECT_EQ(layers::Maximum()->class_name(), "Maximum");
    EXPECT_EQ(layers::Minimum()->class_name(), "Minimum");
    EXPECT_EQ(concatenate->name(), "concatenate");
    EXPECT_EQ(dot->name(), "dot");
    EXPECT_EQ(layers::Add()->name(), "add_1");
    EXPECT_TRUE(add->weights().empty());
}

TEST(MergingLayers, BroadcastAndRankAlignmentAsKeras) {
    // Keras's Merge: an extent of 1 stretches, and a lower-rank input gains axes right after the batch axis.
    layers::Add add({.dtype = float64});
    Tensor a = Tensor::from_vector(std::vector<double>{1, 2, 3, 4, 5, 6}, {2, 3});
    Tensor b = Tensor::from_vector(std::vector<double>{10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120}, {2, 2, 3});
    Tensor out = add({a, b});
    ASSERT_EQ(out.shape(), Shape({2, 2, 3}));
    expect_tensor_near<double>(out, {11, 22, 33, 41, 52, 63, 74, 85, 96, 104, 115, 126});
    EXPECT_EQ(add->compute_output_shape_multi({{-1, 3}, {-1, 4, 3}}), Shape({-1, 4, 3}));
    EXPECT_EQ(add->compute_output_shape_multi({{-1, 1}, {-1, 5}}), Shape({-1, 5}));
    EXPECT_EQ(add->compute_output_shape_multi({{8, -1}, {-1, 5}}), Shape({8, -1}));
    Tensor c = Tensor::from_vector(std::vector<double>{1, 2}, {2, 1});
    expect_tensor_near<double>(layers::Multiply({.dtype = float64})({a, c}), {1, 2, 3, 8, 10, 12});
}

TEST(MergingLayers, ShapeErrorsNameTheLayerAndEveryShape) {
    layers::Add add({.name = "sum_it"});
    Tensor a = Tensor::zeros({2, 3}), b = Tensor::zeros({2, 4}), c = Tensor::zeros({2, 3});
    expect_error<ShapeError>([&] { add({a, b, c}); }, {"sum_it", "Add", "(2, 3)", "(2, 4)"});
    expect_error<ShapeError>([&] { layers::Maximum()({Tensor::zeros({2, 3}), Tensor::zeros({3, 3})}); },
                             {"maximum", "batch sizes", "(2, 3)", "(3, 3)"});
    // Fewer than two inputs.
    expect_error<ValueError>([&] { layers::Add()(a); }, {"add", "at least 2 inputs"});
    expect_error<ValueError>([&] { layers::Average()({a}); }, {"average", "at least 2 inputs"});
    // Subtract takes exactly two.
    expect_error<ValueError>([&] { layers::Subtract()({a, c, c}); }, {"subtract", "exactly 2 inputs"});
    // Symbolic inputs are checked when the layer joins the graph.
    Tensor s1 = Input({3}), s2 = Input({4});
    expect_error<ShapeError>([&] { layers::Add()({s1, s2}); }, {"Add", "(None, 3)", "(None, 4)"});
    // A built layer still refuses concrete shapes that do not agree.
    layers::Add built;
    built({a, c});
    expect_error<ShapeError>([&] { built({a, b}); }, {"Add", "(2, 3)", "(2, 4)"});
}

TEST(MergingLayers, ConcatenateMatchesLoopsAndKerasShapes) {
    layers::Concatenate concat({.dtype = float64});  // Keras 3: Concatenate(axis=-1)
    EXPECT_EQ(concat->axis(), -1);
    Inputs x = random_inputs({{2, 2}, {2, 3}});
    std::vector<double> a = values(x[0]), b = values(x[1]), expected;
    for (int r = 0; r < 2; ++r) {
        for (int j = 0; j < 2; ++j) expected.push_back(a[static_cast<std::size_t>(r * 2 + j)]);
        for (int j = 0; j < 3; ++j) expected.push_back(b[static_cast<std::size_t>(r * 3 + j)]);
    }
    expect_tensor_near<double>(concat(x), expected);
    EXPECT_EQ(concat->compute_output_shape_multi({{-1, 2}, {-1, 3}, {-1, 4}}), Shape({-1, 9}));
    EXPECT_EQ(concat->compute_output_shape_multi({{-1, 2}, {-1, -1}}), Shape({-1, -1}));
    layers::Concatenate rows({.axis = 1});
    EXPECT_EQ(rows->compute_output_shape_multi({{-1, 2, 5}, {-1, 3, 5}}), Shape({-1, 5, 5}));
    expect_error<ShapeError>([&] { rows->compute_output_shape_multi({{-1, 2, 5}, {-1, 3, 4}}); },
                             {"Concatenate", "(None, 2, 5)", "(None, 3, 4)"});
    expect_error<ShapeError>([&] { layers::Concatenate()({Tensor::zeros({2, 3}), Tensor::zeros({2, 3, 1})}); },
                             {"concatenate", "(2, 3)", "(2, 3, 1)"});
    expect_error<ValueError>([&] { layers::Concatenate()(Tensor::zeros({2, 3})); }, {"at least 2 inputs"});
    nlohmann::json config = rows->get_config();
    EXPECT_EQ(config["axis"], 1);
    EXPECT_EQ(config["trainable"], true);
    EXPECT_TRUE(config.contains("name"));
}

TEST(MergingLayers, DotMatchesLoops) {
    // (batch, 3) . (batch, 3) along axis 1 -> (batch, 1), as Keras's Dot(axes=1).
    layers::Dot dot(1, {.dtype = float64});
    Inputs x = random_inputs({{2, 3}, {2, 3}});
    std::vector<double> a = values(x[0]), b = values(x[1]), expected;
    for (int r = 0; r < 2; ++r) {
        double s = 0;
        for (int j = 0; j < 3; ++j) s += a[static_cast<std::size_t>(r * 3 + j)] * b[static_cast<std::size_t>(r * 3 + j)];
        expected.push_back(s);
    }
    Tensor out = dot(x);
    ASSERT_EQ(out.shape(), Shape({2, 1}));
    expect_tensor_near<double>(out, expected, 1e-12);

    // Keras's docstring example: x (1, 5, 2), y (1, 2, 5), axes (1, 2) -> (1, 2, 2) [[260, 360], [320, 445]].
    std::vector<double> xv(10), yv(10);
    for (int i = 0; i < 10; ++i) {
        xv[static_cast<std::size_t>(i)] = i;
        yv[static_cast<std::size_t>(i)] = 10 + i;
    }
    Tensor kx = Tensor::from_vector(xv, {1, 5, 2}), ky = Tensor::from_vector(yv, {1, 2, 5});
    Tensor k = layers::Dot({1, 2}, {.dtype = float64})({kx, ky});
    ASSERT_EQ(k.shape(), Shape({1, 2, 2}));
    expect_tensor_near<double>(k, {260, 360, 320, 445}, 1e-12);

    // Normalized: the cosine of each pair of rows.
    Tensor cosine = layers::Dot(-1, {.normalize = true, .dtype = float64})(x);
    std::vector<double> cos_expected;
    for (int r = 0; r < 2; ++r) {
        double s = 0, na = 0, nb = 0;
        for (int j = 0; j < 3; ++j) {
            double p = a[static_cast<std::size_t>(r * 3 + j)], q = b[static_cast<std::size_t>(r * 3 + j)];
            s += p * q;
            na += p * p;
            nb += q * q;
        }
        cos_expected.push_back(s / std::sqrt(na * nb));
    }
    expect_tensor_near<double>(cosine, cos_expected, 1e-12);
}

TEST(MergingLayers, DotShapesErrorsAndConfig) {
    layers::Dot dot({1, 2});
    EXPECT_EQ(dot->compute_output_shape_multi({{-1, 5, 2}, {-1, 7, 5}}), Shape({-1, 2, 7}));
    EXPECT_EQ(layers::Dot(-1)->compute_output_shape_multi({{-1, 4}, {-1, 4}}), Shape({-1, 1}));
    expect_error<ShapeError>([&] { dot->compute_output_shape_multi({{-1, 5, 2}, {-1, 7, 4}}); },
                             {"Dot", "5", "4", "(None, 5, 2)", "(None, 7, 4)"});
    expect_error<ValueError>([&] { layers::Dot(1)({Tensor::zeros({2, 3}), Tensor::zeros({2, 3}), Tensor::zeros({2, 3})}); },
                             {"dot", "2 inputs"});
    expect_error<ValueError>([&] { layers::Dot(0)({Tensor::zeros({2, 3}), Tensor::zeros({2, 3})}); }, {"batch axis"});
    expect_error<ValueError>([] { layers::Dot({1, 2, 3}); }, {"two elements"});
    nlohmann::json single = layers::Dot(1)->get_config();
    EXPECT_EQ(single["axes"], 1);
    EXPECT_EQ(single["normalize"], false);  // Keras 3: Dot(axes, normalize=False)
    nlohmann::json pair = dot->get_config();
    EXPECT_EQ(pair["axes"], nlohmann::json::array({1, 2}));
}

TEST(MergingLayersGrad, ElementwiseMerges) {
    layers::MergeOptions o{.dtype = float64};
    expect_gradients_match([o](const Inputs& x) { return layers::Add(o)(x); }, random_inputs({{2, 3}, {2, 1}, {2, 3}}));
    expect_gradients_match([o](const Inputs& x) { return layers::Subtract(o)(x); }, random_inputs({{2, 3}, {2, 2, 3}}));
    expect_gradients_match([o](const Inputs& x) { return layers::Multiply(o)(x); }, random_inputs({{2, 3}, {2, 3}}));
    expect_gradients_match([o](const Inputs& x) { return layers::Average(o)(x); }, random_inputs({{2, 3}, {2, 3}, {2, 3}}));
    // Maximum and Minimum: inputs drawn apart so that no pair ties within the step.
    Inputs far = {random::uniform({2, 3}, 0.0, 1.0, float64), random::uniform({2, 3}, 2.0, 3.0, float64)};
    far[0] = far[0] * Tensor::from_vector(std::vector<double>{1, -1, 1, -1, 1, 1}, {2, 3}) * 4.0;
    expect_gradients_match([o](const Inputs& x) { return layers::Maximum(o)(x); }, far);
    expect_gradients_match([o](const Inputs& x) { return layers::Minimum(o)(x); }, far);
}

TEST(MergingLayersGrad, ConcatenateAndDot) {
    expect_gradients_match([](const Inputs& x) { return layers::Concatenate({.axis = 1, .dtype = float64})(x); },
                           random_inputs({{2, 1, 2}, {2, 3, 2}}));
    expect_gradients_match([](const Inputs& x) { return layers::Dot(1, {.dtype = float64})(x); },
                           random_inputs({{3, 4}, {3, 4}}));
    expect_gradients_match([](const Inputs& x) { return layers::Dot({1, 2}, {.dtype = float64})(x); },
                           random_inputs({{2, 3, 2}, {2, 4, 3}}));
    expect_gradients_match([](const Inputs& x) { return layers::Dot(2, {.normalize = true, .dtype = float64})(x); },
                           random_inputs({{2, 2, 3}, {2, 2, 3}}, 0.5, 1.5));
}

TEST(MergingLayers, InAFunctionalModel) {
    Tensor left = Input({4}, {.name = "left"});
    Tensor right = Input({4}, {.name = "right"});
    Tensor third = Input({2}, {.name = "third"});
    Tensor sum = layers::Add()({left, right});
    ASSERT_EQ(sum.shape(), Shape({-1, 4}));
    Tensor joined = layers::Concatenate()({sum, third});
    ASSERT_EQ(joined.shape(), Shape({-1, 6}));
    Tensor dotted = layers::Dot(1)({left, right});
    ASSERT_EQ(dotted.shape(), Shape({-1, 1}));
    Model model({left, right, third}, {joined, dotted});

    Tensor a = random::uniform({3, 4}), b = random::uniform({3, 4}), c = random::uniform({3, 2});
    std::vector<Tensor> out = model({a, b, c});
    ASSERT_EQ(out.size(), 2u);
    ASSERT_EQ(out[0].shape(), Shape({3, 6}));
    ASSERT_EQ(out[1].shape(), Shape({3, 1}));
    std::vector<float> av = a.to_vector<float>(), bv = b.to_vector<float>(), cv = c.to_vector<float>();
    std::vector<float> joined_expected, dot_expected;
    for (int r = 0; r < 3; ++r) {
        float d = 0;
        for (int j = 0; j < 4; ++j) {
            std::size_t i = static_cast<std::size_t>(r * 4 + j);
            joined_expected.push_back(av[i] + bv[i]);
            d += av[i] * bv[i];
        }
        for (int j = 0; j < 2; ++j) joined_expected.push_back(cv[static_cast<std::size_t>(r * 2 + j)]);
        dot_expected.push_back(d);
    }
    expect_tensor_near<float>(out[0], joined_expected, 1e-6f);
    expect_tensor_near<float>(out[1], dot_expected, 1e-5f, 1e-6f);
}

}  // namespace
}  // namespace strata
