// FBetaScore, F1Score and MeanIoU: Keras's defaults and documented examples, values computed independently
// in plain doubles, accumulation over batches and reset_state.
#include <gtest/gtest.h>

#include <cmath>

#include <strata/strata.hpp>
#include <strata/training/metrics/f_score.hpp>
#include <strata/training/metrics/iou.hpp>

namespace {

using strata::Shape;
using strata::Tensor;
namespace metrics = strata::metrics;

Tensor f32(const std::vector<float>& v, const Shape& s) { return Tensor::from_vector(v, s); }
Tensor f32(const std::vector<float>& v) { return Tensor::from_vector(v); }
Tensor i64(const std::vector<std::int64_t>& v) { return Tensor::from_vector(v); }

constexpr double eps = 1e-7;  // Keras's backend.epsilon()

TEST(MetricsFScore, KerasDefaults) {
    // Keras 3: FBetaScore(average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None).
    metrics::FBetaScoreOptions fbeta;
    EXPECT_FALSE(fbeta.average.has_value());
    EXPECT_EQ(fbeta.beta, 1.0);
    EXPECT_FALSE(fbeta.threshold.has_value());
    EXPECT_EQ(fbeta.name, "fbeta_score");
    // Keras 3: F1Score(average=None, threshold=None, name="f1_score", dtype=None).
    metrics::F1Score f1;
    EXPECT_EQ(f1.name(), "f1_score");
    EXPECT_EQ(f1.options().beta, 1.0);
    EXPECT_FALSE(f1.options().average.has_value());
    EXPECT_FALSE(f1.options().threshold.has_value());
    EXPECT_EQ(f1.dtype(), strata::float32);
    EXPECT_FALSE(f1.get_config().contains("beta"));
}

TEST(MetricsFScore, KerasDocExamples) {
    const Tensor y_true = f32({1, 1, 1, 1, 0, 0, 1, 1, 0}, {3, 3});
    const Tensor y_pred = f32({0.2f, 0.6f, 0.7f, 0.2f, 0.6f, 0.6f, 0.6f, 0.8f, 0.0f}, {3, 3});
    // keras.metrics.F1Score(threshold=0.5) docstring: [0.5, 0.8, 0.6666667].
    metrics::F1Score f1({.threshold = 0.5});
    f1.update_state(y_true, y_pred);
    const std::vector<double> r = f1.results();
    ASSERT_EQ(r.size(), 3u);
    EXPECT_NEAR(r[0], 0.5, 1e-6);
    EXPECT_NEAR(r[1], 0.8, 1e-6);
    EXPECT_NEAR(r[2], 0.6666667, 1e-6);
    EXPECT_THROW(f1.result(), strata::ValueError);
    // keras.metrics.FBetaScore(beta=2.0, threshold=0.5) docstring: [0.3846154, 0.90909094, 0.8333334].
    metrics::FBetaScore f2({.beta = 2.0, .threshold = 0.5});
    f2.update_state(y_true, y_pred);
    EXPECT_NEAR(f2.results()[0], 0.3846154, 1e-6);
    EXPECT_NEAR(f2.results()[1], 0.90909094, 1e-6);
    EXPECT_NEAR(f2.results()[2], 0.8333334, 1e-6);
}

// Plain-double F-beta per class from 0/1 predictions and per-sample weights, Keras's epsilons included.
std::vector<double> fbeta_plain(const std::vector<std::vector<double>>& t, const std::vector<std::vector<double>>& p,
                                const std::vector<double>& w, double beta, bool micro, std::vector<double>* support) {
    const std::size_t classes = t[0].size(), n = micro ? 1 : classes;
    std::vector<double> tp(n), fp(n), fn(n), sup(n);
    for (std::size_t i = 0; i < t.size(); ++i)
        for (std::size_t c = 0; c < classes; ++c) {
            const std::size_t k = micro ? 0 : c;
            tp[k] += p[i][c] * t[i][c] * w[i];
            fp[k] += p[i][c] * (1 - t[i][c]) * w[i];
            fn[k] += (1 - p[i][c]) * t[i][c] * w[i];
            sup[k] += t[i][c] * w[i];
        }
    std::vector<double> f(n);
    for (std::size_t k = 0; k < n; ++k) {
        const double pr = tp[k] / (tp[k] + fp[k] + eps), rc = tp[k] / (tp[k] + fn[k] + eps);
        f[k] = (1 + beta * beta) * pr * rc / (beta * beta * pr + rc + eps);
    }
    if (support) *support = sup;
    return f;
}

TEST(MetricsFScore, AveragesArgmaxThresholdWeightsAndAccumulation) {
    // Two batches; no threshold, so each row's largest score is its positive; the all-zero row has none.
    const std::vector<std::vector<double>> t = {{1, 0, 0}, {0, 1, 0}, {0, 1, 1}, {1, 0, 0}, {0, 0, 1}};
    const std::vector<std::vector<float>> scores = {
        {0.7f, 0.2f, 0.1f}, {0.5f, 0.5f, 0.0f}, {0.1f, 0.3f, 0.6f}, {0, 0, 0}, {0.2f, 0.7f, 0.1f}};
    // argmax positives (ties both positive: row 1 marks classes 0 and 1; row 3 marks none)
    const std::vector<std::vector<double>> p = {{1, 0, 0}, {1, 1, 0}, {0, 0, 1}, {0, 0, 0}, {0, 1, 0}};
    const std::vector<double> w = {1, 2, 1, 0.5, 3};
    auto rows = [&](std::size_t a, std::size_t b, bool truth) {
        std::vector<float> v;
        for (std::size_t i = a; i < b; ++i)
            for (std::size_t c = 0; c < 3; ++c) v.push_back(truth ? static_cast<float>(t[i][c]) : scores[i][c]);
        return f32(v, {static_cast<std::int64_t>(b - a), 3});
    };
    metrics::FBetaScore none({.beta = 0.5});
    metrics::FBetaScore micro({.average = "micro", .beta = 0.5});
    metrics::FBetaScore macro({.average = "macro", .beta = 0.5});
    metrics::FBetaScore weighted({.average = "weighted", .beta = 0.5});
    for (metrics::FBetaScore* m : {&none, &micro, &macro, &weighted}) {
        m->update_state(rows(0, 2, true), rows(0, 2, false), f32({1, 2}));
        m->update_state(rows(2, 5, true), rows(2, 5, false), f32({1, 0.5f, 3}));
    }
    std::vector<double> support;
    const std::vector<double> per_class = fbeta_plain(t, p, w, 0.5, false, &support);
    for (std::size_t c = 0; c < 3; ++c) EXPECT_NEAR(none.results()[c], per_class[c], 1e-12);
    EXPECT_NEAR(micro.result(), fbeta_plain(t, p, w, 0.5, true, nullptr)[0], 1e-12);
    EXPECT_NEAR(macro.result(), (per_class[0] + per_class[1] + per_class[2]) / 3.0, 1e-12);
    const double total = support[0] + support[1] + support[2];
    double expected_weighted = 0;
    for (std::size_t c = 0; c < 3; ++c) expected_weighted += per_class[c] * support[c] / (total + eps);
    EXPECT_NEAR(weighted.result(), expected_weighted, 1e-12);
    macro.reset_state();
    EXPECT_NEAR(macro.result(), 0.0, 1e-12);
    EXPECT_THROW(metrics::FBetaScore({.average = "samples"}), strata::ValueError);
    EXPECT_THROW(metrics::FBetaScore({.beta = 0.0}), strata::ValueError);
    EXPECT_THROW(metrics::F1Score({.threshold = 0.0}), strata::ValueError);
    EXPECT_THROW(none.update_state(f32({1, 0}, {1, 2}), f32({1, 0}, {1, 2})), strata::ShapeError);
}

TEST(MetricsMeanIoU, KerasDefaults) {
    // Keras 3: MeanIoU(num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
    // sparse_y_pred=True, axis=-1); the default name is to_snake_case("MeanIoU") = "mean_io_u".
    metrics::MeanIoU m(2);
    EXPECT_EQ(m.name(), "mean_io_u");
    EXPECT_EQ(m.num_classes(), 2);
    metrics::MeanIoUOptions o;
    EXPECT_FALSE(o.ignore_class.has_value());
    EXPECT_TRUE(o.sparse_y_true);
    EXPECT_TRUE(o.sparse_y_pred);
    EXPECT_EQ(o.axis, -1);
    EXPECT_EQ(o.dtype, strata::float32);
    EXPECT_THROW(metrics::MeanIoU(0), strata::ValueError);
}

TEST(MetricsMeanIoU, KerasDocExample) {
    // keras.metrics.MeanIoU(num_classes=2) docstring: [0, 0, 1, 1] / [0, 1, 0, 1] -> 0.33333334; with
    // sample_weight [0.3, 0.3, 0.3, 0.1] -> 0.23809525.
    metrics::MeanIoU m(2);
    m.update_state(i64({0, 0, 1, 1}), i64({0, 1, 0, 1}));
    EXPECT_NEAR(m.result(), 1.0 / 3.0, 1e-6);
    m.reset_state();
    m.update_state(i64({0, 0, 1, 1}), i64({0, 1, 0, 1}), f32({0.3f, 0.3f, 0.3f, 0.1f}));
    EXPECT_NEAR(m.result(), 0.23809525, 1e-6);
}

TEST(MetricsMeanIoU, ConfusionMatrixAccumulationIgnoreClassAndDense) {
    // Three classes over two batches; class 2 never appears, so it is left out of the mean.
    metrics::MeanIoU m(3);
    m.update_state(i64({0, 1, 1, 0}), i64({0, 1, 0, 0}), f32({1, 2, 1, 1}));
    m.update_state(f32({1, 0}, {1, 2}), f32({1, 1}, {1, 2}), f32({0.5f, 1}, {1, 2}));
    // cm[true][pred]: (0,0) 2, (0,1) 1, (1,0) 1, (1,1) 2.5.
    EXPECT_EQ(m.total_cm(), (std::vector<double>{2, 1, 0, 1, 2.5, 0, 0, 0, 0}));
    const double iou0 = 2.0 / (3.0 + 3.0 - 2.0 + eps), iou1 = 2.5 / (3.5 + 3.5 - 2.5 + eps);
    EXPECT_NEAR(m.result(), (iou0 + iou1) / (2.0 + eps), 1e-12);
    // ignore_class: samples whose true class is 255 are not counted.
    metrics::MeanIoU ignoring(2, {.ignore_class = 255});
    ignoring.update_state(i64({0, 255, 1, 1}), i64({0, 1, 1, 0}));
    EXPECT_EQ(ignoring.total_cm(), (std::vector<double>{1, 0, 1, 1}));
    // Dense inputs: the class is the argmax along axis.
    metrics::MeanIoU dense(2, {.sparse_y_true = false, .sparse_y_pred = false});
    dense.update_state(f32({1, 0, 1, 0, 0, 1, 0, 1}, {4, 2}), f32({0.9f, 0.1f, 0.2f, 0.8f, 0.6f, 0.4f, 0.3f, 0.7f}, {4, 2}));
    EXPECT_EQ(dense.total_cm(), (std::vector<double>{1, 1, 1, 1}));
    metrics::MeanIoU axis0(2, {.sparse_y_pred = false, .axis = 0});
    axis0.update_state(i64({1, 0}), f32({0.1f, 0.9f, 0.8f, 0.2f}, {2, 2}));  // argmax over rows: 1, 0
    EXPECT_EQ(axis0.total_cm(), (std::vector<double>{1, 0, 0, 1}));
    EXPECT_THROW(m.update_state(i64({3}), i64({0})), strata::ValueError);
    EXPECT_THROW(m.update_state(i64({0, 1}), i64({0})), strata::ShapeError);
}

TEST(MetricsFScore, RegisteredUnderKerasNames) {
    EXPECT_EQ(metrics::get("F1Score")->class_name(), "F1Score");
    EXPECT_EQ(metrics::get("f1_score")->name(), "f1_score");
    EXPECT_EQ(metrics::get("FBetaScore")->class_name(), "FBetaScore");
    EXPECT_EQ(metrics::get("f_beta_score")->class_name(), "FBetaScore");
}

}  // namespace
