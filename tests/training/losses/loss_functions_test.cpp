// Forward values of the per-sample loss functions against the plain-double references, Keras's documented
// examples, and the errors they raise.
#include <gtest/gtest.h>

#include <strata/strata.hpp>

#include "training/losses/reference.hpp"

namespace {

using strata::Shape;
using strata::Tensor;
namespace losses = strata::losses;
namespace reference = strata::testing::reference;

Tensor f64(const std::vector<double>& v, const Shape& s) { return Tensor::from_vector(v, s); }
Tensor f32(const std::vector<float>& v, const Shape& s) { return Tensor::from_vector(v, s); }

std::vector<double> values(const Tensor& t) { return t.astype(strata::float64).to_vector<double>(); }

void expect_near(const std::vector<double>& got, const std::vector<double>& want, double tol) {
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tol * std::max(1.0, std::abs(want[i]))) << i;
}

// Uniform draws in [lo, hi) as doubles, seeded for repeatability.
std::vector<double> draws(std::size_t n, double lo, double hi, std::uint64_t seed) {
    strata::random::seed(seed);
    return strata::random::uniform(Shape{static_cast<std::int64_t>(n)}, lo, hi, strata::float64).to_vector<double>();
}

std::vector<double> one_hot_rows(const std::vector<std::int64_t>& labels, int cols) {
    std::vector<double> t(labels.size() * cols, 0.0);
    for (std::size_t r = 0; r < labels.size(); ++r) t[r * cols + labels[r]] = 1.0;
    return t;
}

constexpr int kRows = 6;
constexpr int kCols = 5;

TEST(LossFunctions, MeanSquaredAndAbsoluteErrorMatchReference) {
    auto t = draws(kRows * kCols, -2, 2, 1), p = draws(kRows * kCols, -2, 2, 2);
    Tensor yt = f64(t, {kRows, kCols}), yp = f64(p, {kRows, kCols});
    expect_near(values(losses::mean_squared_error(yt, yp)), reference::mse(t, p, kRows, kCols), 1e-12);
    expect_near(values(losses::mean_absolute_error(yt, yp)), reference::mae(t, p, kRows, kCols), 1e-12);
    EXPECT_EQ(losses::mean_squared_error(yt, yp).shape(), Shape({kRows}));
}

TEST(LossFunctions, RegressionTargetsOfShapeNAreExpandedToNBy1) {
    // Keras's squeeze_or_expand_to_same_rank: y_true (n,) against y_pred (n, 1).
    Tensor yt = f64({1, 2, 3}, {3}), yp = f64({1.5, 2, 2}, {3, 1});
    expect_near(values(losses::mean_squared_error(yt, yp)), {0.25, 0.0, 1.0}, 1e-12);
    expect_near(values(losses::mean_absolute_error(yp, yt)), {0.5, 0.0, 1.0}, 1e-12);
}

TEST(LossFunctions, RegressionCastsIntegerTargetsToPredictionType) {
    Tensor yt = Tensor::from_vector(std::vector<std::int64_t>{0, 1, 1, 0}, {2, 2});
    Tensor yp = f32({0.5f, 0.5f, 1.0f, 0.0f}, {2, 2});
    Tensor l = losses::mean_squared_error(yt, yp);
    EXPECT_EQ(l.dtype(), strata::float32);
    expect_near(values(l), {0.25, 0.0}, 1e-7);
}

TEST(LossFunctions, CategoricalCrossentropyMatchesReferenceInEveryMode) {
    auto logits = draws(kRows * kCols, -3, 3, 3);
    auto probs = draws(kRows * kCols, 0.05, 1.0, 4);  // unnormalised: Keras divides by the row sum
    std::vector<std::int64_t> labels = {0, 4, 2, 1, 3, 2};
    auto t = one_hot_rows(labels, kCols);
    Tensor yt = f64(t, {kRows, kCols});
    for (double ls : {0.0, 0.1}) {
        expect_near(values(losses::categorical_crossentropy(yt, f64(logits, {kRows, kCols}), true, ls)),
                    reference::cce(t, logits, kRows, kCols, true, ls), 1e-12);
        expect_near(values(losses::categorical_crossentropy(yt, f64(probs, {kRows, kCols}), false, ls)),
                    reference::cce(t, probs, kRows, kCols, false, ls), 1e-12);
    }
}

TEST(LossFunctions, CategoricalCrossentropyClipsProbabilitiesToEpsilon) {
    // Keras 3: backend.epsilon() = 1e-7 bounds the normalised probabilities; a zero gives -log(1e-7).
    Tensor yt = f64({1, 0, 0}, {1, 3}), yp = f64({0.0, 0.5, 0.5}, {1, 3});
    expect_near(values(losses::categorical_crossentropy(yt, yp)), {-std::log(1e-7)}, 1e-12);
    EXPECT_DOUBLE_EQ(losses::kEpsilon, 1e-7);
}

TEST(LossFunctions, CategoricalCrossentropyKerasDocExample) {
    // keras.losses.categorical_crossentropy docstring: [0.0513, 2.303].
    Tensor yt = f32({0, 1, 0, 0, 0, 1}, {2, 3}), yp = f32({0.05f, 0.95f, 0, 0.1f, 0.8f, 0.1f}, {2, 3});
    Tensor l = losses::categorical_crossentropy(yt, yp);
    EXPECT_EQ(l.dtype(), strata::float32);
    expect_near(values(l), {0.051293, 2.302585}, 1e-5);
}

TEST(LossFunctions, CategoricalCrossentropyOverAnotherAxis) {
    auto logits = draws(kRows * kCols, -3, 3, 5);
    std::vector<std::int64_t> labels = {0, 4, 2, 1, 3, 2};
    auto t = one_hot_rows(labels, kCols);
    // The same problem with the classes on axis 0.
    Tensor yt = f64(t, {kRows, kCols}).transpose(), yp = f64(logits, {kRows, kCols}).transpose();
    expect_near(values(losses::categorical_crossentropy(yt.clone(), yp.clone(), true, 0.0, 0)),
                reference::cce(t, logits, kRows, kCols, true), 1e-12);
}

TEST(LossFunctions, LabelSmoothingCountsClassesOnTheLastAxis) {
    // Keras 3: y_true * (1 - ls) + ls / num_classes.
    Tensor yt = f64({0, 1}, {1, 2}), yp = f64({0.25, 0.75}, {1, 2});
    double want = -(0.1 * std::log(0.25) + 0.9 * std::log(0.75));  // ls = 0.2: 0 -> 0.1, 1 -> 0.9
    expect_near(values(losses::categorical_crossentropy(yt, yp, false, 0.2)), {want}, 1e-12);
}

TEST(LossFunctions, SparseCategoricalCrossentropyMatchesReference) {
    auto logits = draws(kRows * kCols, -3, 3, 6);
    auto probs = draws(kRows * kCols, 0.05, 1.0, 7);
    std::vector<std::int64_t> labels = {0, 4, 2, 1, 3, 2};
    Tensor int_labels = Tensor::from_vector(labels, {kRows});
    Tensor float_labels = int_labels.astype(strata::float32).reshape({kRows, 1});  // (n, 1) of whole floats
    for (const Tensor& yt : {int_labels, float_labels}) {
        expect_near(values(losses::sparse_categorical_crossentropy(yt, f64(logits, {kRows, kCols}), true)),
                    reference::scce(labels, logits, kRows, kCols, true), 1e-12);
        expect_near(values(losses::sparse_categorical_crossentropy(yt, f64(probs, {kRows, kCols}))),
                    reference::scce(labels, probs, kRows, kCols, false), 1e-12);
    }
}

TEST(LossFunctions, SparseCategoricalCrossentropyKerasDocExample) {
    // keras.losses.sparse_categorical_crossentropy docstring: [0.0513, 2.303].
    Tensor yt = Tensor::from_vector(std::vector<std::int64_t>{1, 2});
    Tensor yp = f32({0.05f, 0.95f, 0, 0.1f, 0.8f, 0.1f}, {2, 3});
    expect_near(values(losses::sparse_categorical_crossentropy(yt, yp)), {0.051293, 2.302585}, 1e-5);
}

TEST(LossFunctions, SparseCategoricalCrossentropyOnSequences) {
    // Targets (batch, time) against predictions (batch, time, classes).
    auto logits = draws(2 * 3 * 4, -2, 2, 8);
    std::vector<std::int64_t> labels = {0, 3, 1, 2, 2, 0};
    Tensor l = losses::sparse_categorical_crossentropy(Tensor::from_vector(labels, {2, 3}), f64(logits, {2, 3, 4}), true);
    EXPECT_EQ(l.shape(), Shape({2, 3}));
    expect_near(values(l), reference::scce(labels, logits, 6, 4, true), 1e-12);
}

TEST(LossFunctions, BinaryCrossentropyMatchesReferenceInEveryMode) {
    auto logits = draws(kRows * kCols, -4, 4, 9);
    auto probs = draws(kRows * kCols, 0.02, 0.98, 10);
    auto t = draws(kRows * kCols, 0, 1, 11);
    for (double& v : t) v = v < 0.5 ? 0.0 : 1.0;
    Tensor yt = f64(t, {kRows, kCols});
    for (double ls : {0.0, 0.2}) {
        expect_near(values(losses::binary_crossentropy(yt, f64(logits, {kRows, kCols}), true, ls)),
                    reference::bce(t, logits, kRows, kCols, true, ls), 1e-12);
        expect_near(values(losses::binary_crossentropy(yt, f64(probs, {kRows, kCols}), false, ls)),
                    reference::bce(t, probs, kRows, kCols, false, ls), 1e-12);
    }
}

TEST(LossFunctions, BinaryCrossentropyKerasDocExample) {
    // keras.losses.binary_crossentropy docstring: [0.916, 0.714].
    Tensor yt = f32({0, 1, 0, 0}, {2, 2}), yp = f32({0.6f, 0.4f, 0.4f, 0.6f}, {2, 2});
    expect_near(values(losses::binary_crossentropy(yt, yp)), {0.916291, 0.713558}, 1e-5);
}

TEST(LossFunctions, BinaryCrossentropyFromLogitsIsStableForLargeLogits) {
    // max(x, 0) - x z + log1p(exp(-|x|)) neither overflows nor clips: a logit of 100 on the wrong side
    // costs 100, not -log(1e-7).
    Tensor yt = f64({0, 1}, {1, 2}), yp = f64({100, -100}, {1, 2});
    expect_near(values(losses::binary_crossentropy(yt, yp, true)), {100.0}, 1e-12);
    // And the probabilities are clipped to [1e-7, 1 - 1e-7] (Keras 3's backend.epsilon()).
    expect_near(values(losses::binary_crossentropy(f64({1}, {1, 1}), f64({0.0}, {1, 1}))), {-std::log(1e-7)}, 1e-9);
}

TEST(LossFunctions, ShapeMismatchNamesTheLossAndBothShapes) {
    Tensor a = Tensor::zeros({8, 10}), b = Tensor::zeros({8, 3});
    auto expect_shape_error = [](auto&& fn, const std::string& loss, const std::string& true_shape = "(8, 10)") {
        try {
            fn();
            ADD_FAILURE() << "expected a ShapeError from " << loss;
        } catch (const strata::ShapeError& e) {
            std::string m = e.what();
            EXPECT_NE(m.find(loss), std::string::npos) << m;
            EXPECT_NE(m.find(true_shape), std::string::npos) << m;
            EXPECT_NE(m.find("(8, 3)"), std::string::npos) << m;
        }
    };
    expect_shape_error([&] { losses::mean_squared_error(a, b); }, "mean_squared_error");
    expect_shape_error([&] { losses::mean_absolute_error(a, b); }, "mean_absolute_error");
    expect_shape_error([&] { losses::categorical_crossentropy(a, b); }, "categorical_crossentropy");
    expect_shape_error([&] { losses::binary_crossentropy(a, b); }, "binary_crossentropy");
    expect_shape_error([&] { losses::sparse_categorical_crossentropy(Tensor::zeros({7}), b); },
                       "sparse_categorical_crossentropy", "(7,)");
}

TEST(LossFunctions, SparseLabelOutsideTheClassesIsAValueError) {
    Tensor yp = Tensor::ones({3, 4});
    try {
        losses::sparse_categorical_crossentropy(Tensor::from_vector(std::vector<std::int64_t>{0, 4, 1}), yp);
        ADD_FAILURE() << "expected a ValueError";
    } catch (const strata::ValueError& e) {
        std::string m = e.what();
        EXPECT_NE(m.find("sparse_categorical_crossentropy"), std::string::npos) << m;
        EXPECT_NE(m.find("label 4"), std::string::npos) << m;
        EXPECT_NE(m.find("(3, 4)"), std::string::npos) << m;
    }
    EXPECT_THROW(losses::sparse_categorical_crossentropy(Tensor::from_vector(std::vector<std::int64_t>{0, -1, 1}), yp),
                 strata::ValueError);
    EXPECT_THROW(losses::sparse_categorical_crossentropy(f32({0.0f, 1.5f, 1.0f}, {3}), yp), strata::ValueError);
}

TEST(LossFunctions, UndefinedOrScalarInputsAreRefused) {
    EXPECT_THROW(losses::mean_squared_error(Tensor(), Tensor::zeros({2, 2})), strata::ValueError);
    EXPECT_THROW(losses::mean_squared_error(Tensor::scalar(1.0), Tensor::scalar(1.0)), strata::ShapeError);
    EXPECT_THROW(losses::categorical_crossentropy(Tensor::zeros({2, 2}), Tensor::ones({2, 2}), false, 1.5),
                 strata::ValueError);
}

}  // namespace
