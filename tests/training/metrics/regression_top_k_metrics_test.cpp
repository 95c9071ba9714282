// RootMeanSquaredError, R2Score and the top-k accuracies: Keras's defaults and documented examples, values
// computed independently in plain doubles, accumulation over batches and reset_state.
#include <gtest/gtest.h>

#include <cmath>

#include <strata/strata.hpp>
#include <strata/training/metrics/regression_more.hpp>
#include <strata/training/metrics/top_k.hpp>

namespace {

using strata::Shape;
using strata::Tensor;
namespace metrics = strata::metrics;

Tensor f32(const std::vector<float>& v, const Shape& s) { return Tensor::from_vector(v, s); }
Tensor i64(const std::vector<std::int64_t>& v, const Shape& s) { return Tensor::from_vector(v, s); }

TEST(MetricsRegressionMore, KerasDefaults) {
    // Keras 3: RootMeanSquaredError(name="root_mean_squared_error", dtype=None).
    EXPECT_EQ(metrics::RootMeanSquaredError().name(), "root_mean_squared_error");
    EXPECT_EQ(metrics::RootMeanSquaredError().dtype(), strata::float32);
    // Keras 3: R2Score(class_aggregation="uniform_average", num_regressors=0, name="r2_score", dtype=None).
    metrics::R2ScoreOptions r2;
    EXPECT_EQ(r2.class_aggregation, std::optional<std::string>("uniform_average"));
    EXPECT_EQ(r2.num_regressors, 0);
    EXPECT_EQ(r2.name, "r2_score");
    EXPECT_EQ(r2.dtype, strata::float32);
}

TEST(MetricsRegressionMore, RootMeanSquaredErrorKerasDocExample) {
    // keras.metrics.RootMeanSquaredError docstring: 0.5, and 0.70710677 with sample_weight [1, 0].
    metrics::RootMeanSquaredError m;
    EXPECT_EQ(m.result(), 0.0);
    m.update_state(f32({0, 1, 0, 0}, {2, 2}), f32({1, 1, 0, 0}, {2, 2}));
    EXPECT_NEAR(m.result(), 0.5, 1e-12);
    m.reset_state();
    EXPECT_EQ(m.result(), 0.0);
    m.update_state(f32({0, 1, 0, 0}, {2, 2}), f32({1, 1, 0, 0}, {2, 2}), f32({1, 0}, {2}));
    EXPECT_NEAR(m.result(), std::sqrt(0.5), 1e-12);
}

TEST(MetricsRegressionMore, RootMeanSquaredErrorAccumulatesAndSqueezes) {
    metrics::RootMeanSquaredError m;
    // y_true (3, 1) against y_pred (3,): squeezed to the same rank, not broadcast to (3, 3).
    m.update_state(f32({1, 2, 3}, {3, 1}), f32({2, 2, 5}, {3}));
    m.update_state(f32({0}, {1}), f32({3}, {1}), f32({2}, {1}));
    // Squared errors 1, 0, 4 (weight 1) and 9 (weight 2).
    EXPECT_NEAR(m.result(), std::sqrt((1.0 + 0.0 + 4.0 + 9.0 * 2.0) / 5.0), 1e-12);
}

TEST(MetricsRegressionMore, R2ScoreKerasDocExample) {
    // keras.metrics.R2Score docstring: y_true [[1], [4], [3]], y_pred [[2], [4], [4]] -> 0.57142854.
    metrics::R2Score m;
    EXPECT_EQ(m.result(), 0.0);
    m.update_state(f32({1, 4, 3}, {3, 1}), f32({2, 4, 4}, {3, 1}));
    EXPECT_NEAR(m.result(), 0.57142854, 1e-7);
    // Independently: mean 8/3, SS_tot = 1/9*(25 + 16 + 1) = 42/9, SS_res = 2, R2 = 1 - 18/42.
    EXPECT_NEAR(m.result(), 1.0 - 18.0 / 42.0, 1e-12);
}

double r2_plain(const std::vector<double>& t, const std::vector<double>& p, const std::vector<double>& w) {
    double sw = 0, st = 0;
    for (std::size_t i = 0; i < t.size(); ++i) sw += w[i], st += w[i] * t[i];
    const double mean = st / sw;
    double tot = 0, res = 0;
    for (std::size_t i = 0; i < t.size(); ++i) {
        tot += w[i] * (t[i] - mean) * (t[i] - mean);
        res += w[i] * (t[i] - p[i]) * (t[i] - p[i]);
    }
    return 1.0 - res / tot;
}

TEST(MetricsRegressionMore, R2ScoreOutputsAggregationAccumulationAndWeights) {
    // Two outputs over two batches, sample weights in the second.
    const std::vector<double> t0 = {1, 2, 4, 3}, p0 = {1.5, 2, 3, 2};  // column 0
    const std::vector<double> t1 = {0, 5, 1, 2}, p1 = {1, 4, 1, 3};    // column 1
    const std::vector<double> w = {1, 1, 2, 0.5};
    auto batch = [](const std::vector<double>& a, const std::vector<double>& b, std::size_t i0) {
        return f32({float(a[i0]), float(b[i0]), float(a[i0 + 1]), float(b[i0 + 1])}, {2, 2});
    };
    const double r0 = r2_plain(t0, p0, w), r1 = r2_plain(t1, p1, w);

    metrics::R2Score none({.class_aggregation = std::nullopt});
    metrics::R2Score uniform;
    metrics::R2Score weighted({.class_aggregation = "variance_weighted_average"});
    for (metrics::R2Score* m : {&none, &uniform, &weighted}) {
        m->update_state(batch(t0, t1, 0), batch(p0, p1, 0));
        m->update_state(batch(t0, t1, 2), batch(p0, p1, 2), f32({2, 0.5}, {2}));
    }
    ASSERT_EQ(none.results().size(), 2u);
    EXPECT_NEAR(none.results()[0], r0, 1e-12);
    EXPECT_NEAR(none.results()[1], r1, 1e-12);
    EXPECT_THROW(none.result(), strata::ValueError);
    EXPECT_NEAR(uniform.result(), (r0 + r1) / 2, 1e-12);
    auto ss_tot = [&](const std::vector<double>& t) {
        double sw = 0, st = 0, tot = 0;
        for (std::size_t i = 0; i < t.size(); ++i) sw += w[i], st += w[i] * t[i];
        for (std::size_t i = 0; i < t.size(); ++i) tot += w[i] * (t[i] - st / sw) * (t[i] - st / sw);
        return tot;
    };
    EXPECT_NEAR(weighted.result(), (ss_tot(t0) * r0 + ss_tot(t1) * r1) / (ss_tot(t0) + ss_tot(t1)), 1e-12);
    uniform.reset_state();
    uniform.update_state(f32({1, 0, 4, 5, 3, 1}, {3, 2}), f32({2, 0, 4, 5, 4, 1}, {3, 2}));
    EXPECT_NEAR(uniform.result(), (1.0 - 18.0 / 42.0 + 1.0) / 2, 1e-12);
    // The number of outputs is fixed by the first update.
    EXPECT_THROW(uniform.update_state(f32({1, 2, 3}, {1, 3}), f32({1, 2, 3}, {1, 3})), strata::ShapeError);
    EXPECT_THROW(metrics::R2Score().update_state(f32({1, 2}, {2}), f32({1, 2}, {2})), strata::ShapeError);
    EXPECT_THROW(metrics::R2Score({.class_aggregation = "mean"}), strata::ValueError);
}

TEST(MetricsRegressionMore, R2ScoreAdjusted) {
    // Adjusted R2 with p regressors over n = 5 elements: 1 - (1 - R2)(n - 1)/(n - p - 1).
    const std::vector<double> t = {1, 2, 3, 4, 6}, p = {1.2, 1.9, 3.4, 3.5, 6.1}, w(5, 1.0);
    metrics::R2Score m({.num_regressors = 2});
    m.update_state(f32({1, 2, 3, 4, 6}, {5, 1}), f32({1.2f, 1.9f, 3.4f, 3.5f, 6.1f}, {5, 1}));
    std::vector<double> pf;
    for (double v : p) pf.push_back(static_cast<float>(v));
    const double r2 = r2_plain(t, pf, w);
    EXPECT_NEAR(m.result(), 1.0 - (1.0 - r2) * 4.0 / 2.0, 1e-12);
    // Too many regressors for the samples: the plain score is kept.
    metrics::R2Score too_many({.num_regressors = 4});
    too_many.update_state(f32({1, 2, 3, 4, 6}, {5, 1}), f32({1.2f, 1.9f, 3.4f, 3.5f, 6.1f}, {5, 1}));
    EXPECT_NEAR(too_many.result(), r2, 1e-12);
}

TEST(MetricsTopK, KerasDefaults) {
    // Keras 3: TopKCategoricalAccuracy(k=5, name="top_k_categorical_accuracy", dtype=None).
    metrics::TopKCategoricalAccuracy top;
    EXPECT_EQ(top.k(), 5);
    EXPECT_EQ(top.name(), "top_k_categorical_accuracy");
    // Keras 3: SparseTopKCategoricalAccuracy(k=5, name="sparse_top_k_categorical_accuracy", dtype=None,
    // from_sorted_ids=False).
    metrics::SparseTopKCategoricalAccuracy sparse;
    EXPECT_EQ(sparse.k(), 5);
    EXPECT_EQ(sparse.name(), "sparse_top_k_categorical_accuracy");
    EXPECT_FALSE(sparse.from_sorted_ids());
    EXPECT_EQ(sparse.dtype(), strata::float32);
}

TEST(MetricsTopK, KerasDocExamples) {
    // keras.metrics.TopKCategoricalAccuracy(k=1) docstring: 0.5, and 0.3 with sample_weight [0.7, 0.3].
    metrics::TopKCategoricalAccuracy top({.k = 1});
    const Tensor y_true = f32({0, 0, 1, 0, 1, 0}, {2, 3});
    const Tensor y_pred = f32({0.1f, 0.9f, 0.8f, 0.05f, 0.95f, 0}, {2, 3});
    top.update_state(y_true, y_pred);
    EXPECT_NEAR(top.result(), 0.5, 1e-12);
    top.reset_state();
    top.update_state(y_true, y_pred, f32({0.7f, 0.3f}, {2}));
    EXPECT_NEAR(top.result(), 0.3, 1e-7);
    // keras.metrics.SparseTopKCategoricalAccuracy(k=1) docstring: y_true [2, 1] -> 0.5, 0.3 weighted.
    metrics::SparseTopKCategoricalAccuracy sparse({.k = 1});
    sparse.update_state(i64({2, 1}, {2}), y_pred);
    EXPECT_NEAR(sparse.result(), 0.5, 1e-12);
    sparse.reset_state();
    sparse.update_state(i64({2, 1}, {2}), y_pred, f32({0.7f, 0.3f}, {2}));
    EXPECT_NEAR(sparse.result(), 0.3, 1e-7);
    // from_sorted_ids: y_pred holds ids by decreasing score.
    metrics::SparseTopKCategoricalAccuracy sorted({.k = 1, .from_sorted_ids = true});
    sorted.update_state(i64({2, 1}, {2}), i64({1, 2, 0, 1, 0, 2}, {2, 3}));
    EXPECT_NEAR(sorted.result(), 0.5, 1e-12);
}

TEST(MetricsTopK, FunctionsTiesRanksAndAccumulation) {
    // Row 0: target 2 scores 0.3, two scores are higher: a hit for k = 3, a miss for k = 2.
    // Row 1: target 0 ties the 2nd largest score: a hit for k = 2 (Keras's in_top_k counts ties).
    const Tensor pred = f32({0.5f, 0.4f, 0.3f, 0.1f, 0.2f, 0.9f, 0.2f, 0.0f}, {2, 4});
    EXPECT_EQ(metrics::sparse_top_k_categorical_accuracy(i64({2, 0}, {2}), pred, 2).to_vector<float>(),
              (std::vector<float>{0, 1}));
    EXPECT_EQ(metrics::sparse_top_k_categorical_accuracy(i64({2, 0}, {2, 1}), pred, 3).to_vector<float>(),
              (std::vector<float>{1, 1}));
    const Tensor tie = f32({0.1f, 0.9f, 0.1f, 0.0f}, {1, 4});
    EXPECT_EQ(metrics::sparse_top_k_categorical_accuracy(i64({2}, {1}), tie, 2).to_vector<float>(),
              (std::vector<float>{1}));
    // y_true (n, 1) keeps its shape in the matches.
    EXPECT_EQ(metrics::sparse_top_k_categorical_accuracy(i64({2, 0}, {2, 1}), pred, 3).shape(), (Shape{2, 1}));
    // k larger than the classes: every target is a hit.
    EXPECT_EQ(metrics::top_k_categorical_accuracy(f32({0, 0, 0, 1}, {1, 4}), tie).to_vector<float>(),
              (std::vector<float>{1}));
    EXPECT_THROW(metrics::sparse_top_k_categorical_accuracy(i64({4}, {1}), tie, 2), strata::ValueError);
    EXPECT_THROW(metrics::TopKCategoricalAccuracy({.k = 0}), strata::ValueError);

    metrics::SparseTopKCategoricalAccuracy m({.k = 2});
    m.update_state(i64({2, 0}, {2}), pred);     // 0 + 1
    m.update_state(i64({2}, {1}), tie);         // 1
    m.update_state(i64({1}, {1}), tie, f32({3}, {1}));  // 1 x 3
    EXPECT_NEAR(m.result(), 5.0 / 6.0, 1e-12);
}

TEST(MetricsTopK, RegisteredUnderKerasNames) {
    EXPECT_EQ(metrics::get("TopKCategoricalAccuracy")->class_name(), "TopKCategoricalAccuracy");
    EXPECT_EQ(metrics::get("top_k_categorical_accuracy")->name(), "top_k_categorical_accuracy");
    EXPECT_EQ(metrics::get("sparse_top_k_categorical_accuracy")->class_name(), "SparseTopKCategoricalAccuracy");
    EXPECT_EQ(metrics::get("RootMeanSquaredError")->class_name(), "RootMeanSquaredError");
    EXPECT_EQ(metrics::get("root_mean_squared_error")->name(), "root_mean_squared_error");
    EXPECT_EQ(metrics::get("r2_score")->class_name(), "R2Score");
}

}  // namespace
