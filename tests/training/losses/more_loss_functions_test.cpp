// Forward values of the losses of loss_functions.hpp against plain-double references and Keras's docstring
// examples, with their edge cases (clipping, label conversion, zero vectors) and argument errors.
#include <gtest/gtest.h>

#include <strata/strata.hpp>
#include <strata/training/loss_functions.hpp>

#include "more_reference.hpp"

namespace {

using strata::Shape;
using strata::Tensor;
namespace losses = strata::losses;
namespace ref = strata::testing::reference;

Tensor f64(const std::vector<double>& v, const Shape& s) { return Tensor::from_vector(v, s); }
std::vector<double> values(const Tensor& t) { return t.astype(strata::float64).to_vector<double>(); }

void expect_all_near(const Tensor& got, const std::vector<double>& want, double tol = 1e-9) {
    std::vector<double> g = values(got);
    ASSERT_EQ(g.size(), want.size());
    for (std::size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(g[i], want[i], tol) << "element " << i;
}

class MoreLossFunctions : public ::testing::Test {
protected:
    void SetUp() override { strata::random::seed(42); }
    static constexpr int kRows = 3;
    static constexpr int kCols = 4;
    std::vector<double> uniform(double lo, double hi) {
        return values(strata::random::uniform({kRows, kCols}, lo, hi, strata::float64));
    }
    Tensor tensor(const std::vector<double>& v) { return f64(v, {kRows, kCols}); }
};

TEST_F(MoreLossFunctions, HuberMatchesReference) {
    auto t = uniform(-2, 2);
    auto p = uniform(-2, 2);
    // Keras 3: huber(y_true, y_pred, delta=1.0).
    expect_all_near(losses::huber(tensor(t), tensor(p)), ref::huber(t, p, kRows, kCols, 1.0));
    expect_all_near(losses::huber(tensor(t), tensor(p), 0.3), ref::huber(t, p, kRows, kCols, 0.3));
    // keras.losses.huber docstring: 0.155 averaged over the batch.
    Tensor doc = losses::huber(f64({0, 1, 0, 0}, {2, 2}), f64({0.6, 0.4, 0.4, 0.6}, {2, 2}));
    EXPECT_EQ(doc.shape(), Shape({2}));
    EXPECT_NEAR(values(doc.mean())[0], 0.155, 1e-12);
}

TEST_F(MoreLossFunctions, LogCoshMatchesReferenceAndDoesNotOverflow) {
    auto t = uniform(-3, 3);
    auto p = uniform(-3, 3);
    expect_all_near(losses::log_cosh(tensor(t), tensor(p)), ref::log_cosh(t, p, kRows, kCols));
    // keras.losses.log_cosh docstring: 0.108 averaged over the batch.
    Tensor doc = losses::log_cosh(f64({0, 1, 0, 0}, {2, 2}), f64({1, 1, 0, 0}, {2, 2}));
    EXPECT_NEAR(values(doc.mean())[0], std::log(std::cosh(1.0)) / 4, 1e-12);
    // cosh(1000) overflows a double; log(cosh(1000)) = 1000 - log 2.
    Tensor big = losses::log_cosh(f64({0.0}, {1, 1}), f64({1000.0}, {1, 1}));
    EXPECT_NEAR(values(big)[0], 1000.0 - std::log(2.0), 1e-9);
}

TEST_F(MoreLossFunctions, PoissonMatchesReference) {
    auto t = uniform(0, 3);
    auto p = uniform(0.1, 3);
    expect_all_near(losses::poisson(tensor(t), tensor(p)), ref::poisson(t, p, kRows, kCols));
    // eps keeps a predicted rate of 0 finite: 0 - 1 * log(1e-7).
    EXPECT_NEAR(values(losses::poisson(f64({1.0}, {1, 1}), f64({0.0}, {1, 1})))[0], -std::log(1e-7), 1e-9);
}

TEST_F(MoreLossFunctions, KLDivergenceMatchesReferenceWithClipping) {
    auto t = uniform(0, 1);
    auto p = uniform(0.01, 1);
    t[0] = 0.0;   // clipped to eps
    p[1] = -0.5;  // clipped to eps
    p[2] = 1.5;   // clipped to 1
    expect_all_near(losses::kl_divergence(tensor(t), tensor(p)), ref::kl_divergence(t, p, kRows, kCols));
}

TEST_F(MoreLossFunctions, HingeConvertsBinaryLabels) {
    std::vector<double> labels01 = {0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0};
    std::vector<double> labels_pm(labels01.size());
    for (std::size_t i = 0; i < labels01.size(); ++i) labels_pm[i] = 2 * labels01[i] - 1;
    auto p = uniform(-2, 2);
    auto want = ref::hinge(labels_pm, p, kRows, kCols, false);
    expect_all_near(losses::hinge(tensor(labels01), tensor(p)), want);
    expect_all_near(losses::hinge(tensor(labels_pm), tensor(p)), want);
    expect_all_near(losses::squared_hinge(tensor(labels01), tensor(p)), ref::hinge(labels_pm, p, kRows, kCols, true));
    // Labels that are not all 0 or 1 are used as given.
    auto t = uniform(-1, 1);
    expect_all_near(losses::hinge(tensor(t), tensor(p)), ref::hinge(t, p, kRows, kCols, false));
}

TEST_F(MoreLossFunctions, CategoricalHingeMatchesReference) {
    std::vector<double> one_hot = {0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1};
    auto p = uniform(-2, 2);
    Tensor got = losses::categorical_hinge(tensor(one_hot), tensor(p));
    EXPECT_EQ(got.shape(), Shape({kRows}));
    expect_all_near(got, ref::categorical_hinge(one_hot, p, kRows, kCols));
}

TEST_F(MoreLossFunctions, MeanSquaredLogarithmicErrorMatchesReference) {
    auto t = uniform(-0.5, 3);  // values <= 0 are raised to eps
    auto p = uniform(-0.5, 3);
    expect_all_near(losses::mean_squared_logarithmic_error(tensor(t), tensor(p)), ref::msle(t, p, kRows, kCols));
}

TEST_F(MoreLossFunctions, MeanAbsolutePercentageErrorMatchesReference) {
    auto t = uniform(-3, 3);
    auto p = uniform(-3, 3);
    t[5] = 0.0;  // divided by eps
    expect_all_near(losses::mean_absolute_percentage_error(tensor(t), tensor(p)), ref::mape(t, p, kRows, kCols),
                    1e-3);
}

TEST_F(MoreLossFunctions, CosineSimilarityMatchesReferenceAndKerasExample) {
    auto t = uniform(-1, 1);
    auto p = uniform(-1, 1);
    expect_all_near(losses::cosine_similarity(tensor(t), tensor(p)), ref::cosine(t, p, kRows, kCols));
    // keras.losses.cosine_similarity docstring: [-0., -1, 1] (float32 rounding aside).
    Tensor doc = losses::cosine_similarity(f64({0, 1, 1, 1, 1, 1}, {3, 2}), f64({1, 0, 1, 1, -1, -1}, {3, 2}));
    expect_all_near(doc, {0.0, -1.0, 1.0}, 1e-12);
    // A zero vector gives 0, not NaN.
    expect_all_near(losses::cosine_similarity(f64({0, 0}, {1, 2}), f64({1, 2}, {1, 2})), {0.0});
    // axis=0 compares the columns.
    Tensor cols = losses::cosine_similarity(tensor(t).transpose(), tensor(p).transpose(), 0);
    expect_all_near(cols, ref::cosine(t, p, kRows, kCols));
}

TEST_F(MoreLossFunctions, CategoricalFocalCrossentropyMatchesReference) {
    std::vector<double> one_hot = {0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1};
    auto probs = uniform(0.01, 1);
    auto logits = uniform(-3, 3);
    for (double ls : {0.0, 0.1}) {
        SCOPED_TRACE(ls);
        // Keras 3: categorical_focal_crossentropy(alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0).
        expect_all_near(losses::categorical_focal_crossentropy(tensor(one_hot), tensor(probs), 0.25, 2.0, false, ls),
                        ref::categorical_focal(one_hot, probs, kRows, kCols, 0.25, 2.0, false, ls));
        expect_all_near(losses::categorical_focal_crossentropy(tensor(one_hot), tensor(logits), 0.5, 3.0, true, ls),
                        ref::categorical_focal(one_hot, logits, kRows, kCols, 0.5, 3.0, true, ls));
    }
    // keras.losses.categorical_focal_crossentropy docstring: [2.63401289e-04, 6.75912094e-01].
    Tensor doc = losses::categorical_focal_crossentropy(f64({0, 1, 0, 0, 0, 1}, {2, 3}),
                                                        f64({0.05, 0.9, 0.05, 0.1, 0.85, 0.05}, {2, 3}));
    expect_all_near(doc, {2.63401289e-04, 6.75912094e-01}, 1e-6);
}

TEST_F(MoreLossFunctions, BinaryFocalCrossentropyMatchesReference) {
    std::vector<double> labels = {0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0};
    auto probs = uniform(0, 1);
    auto logits = uniform(-4, 4);
    for (bool balance : {false, true}) {
        for (double ls : {0.0, 0.2}) {
            SCOPED_TRACE(testing::Message() << "balance " << balance << ", label_smoothing " << ls);
            expect_all_near(
                losses::binary_focal_crossentropy(tensor(labels), tensor(probs), balance, 0.25, 2.0, false, ls),
                ref::binary_focal(labels, probs, kRows, kCols, balance, 0.25, 2.0, false, ls));
            expect_all_near(
                losses::binary_focal_crossentropy(tensor(labels), tensor(logits), balance, 0.4, 3.0, true, ls),
                ref::binary_focal(labels, logits, kRows, kCols, balance, 0.4, 3.0, true, ls));
        }
    }
    // keras.losses.binary_focal_crossentropy docstring (gamma=2): [0.330, 0.206].
    Tensor doc = losses::binary_focal_crossentropy(f64({0, 1, 0, 0}, {2, 2}), f64({0.6, 0.4, 0.4, 0.6}, {2, 2}));
    expect_all_near(doc, {0.330, 0.206}, 1e-3);
}

TEST_F(MoreLossFunctions, IntegerTargetsAreCastToThePredictionsDtype) {
    Tensor t = Tensor::from_vector(std::vector<std::int64_t>{0, 1, 2, 3}, Shape{1, 4});
    Tensor p = f64({0.5, 1.5, 1.0, 2.0}, {1, 4});
    EXPECT_EQ(losses::huber(t, p).dtype(), strata::float64);
    expect_all_near(losses::poisson(t, p), ref::poisson({0, 1, 2, 3}, {0.5, 1.5, 1.0, 2.0}, 1, 4));
}

TEST_F(MoreLossFunctions, ErrorsNameTheFunctionAndShapes) {
    Tensor a = f64({1, 2, 3, 4, 5, 6}, {2, 3});
    Tensor b = f64({1, 2, 3, 4}, {2, 2});
    try {
        losses::huber(a, b);
        FAIL() << "expected ShapeError";
    } catch (const strata::ShapeError& e) {
        EXPECT_NE(std::string(e.what()).find("huber"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("(2, 3)"), std::string::npos) << e.what();
    }
    EXPECT_THROW(losses::hinge(a, b), strata::ShapeError);
    EXPECT_THROW(losses::categorical_focal_crossentropy(a, b), strata::ShapeError);
    EXPECT_THROW(losses::binary_focal_crossentropy(a, a, false, 0.25, 2.0, false, 1.5), strata::ValueError);
    EXPECT_THROW(losses::cosine_similarity(a, a, 2), strata::Error);
    EXPECT_THROW(losses::poisson(Tensor(), a), strata::ValueError);
}

}  // namespace
