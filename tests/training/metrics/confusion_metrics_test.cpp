// Confusion-matrix metrics (TruePositives ... AUC): Keras's defaults and documented examples, counts and
// areas computed independently in plain doubles, accumulation over batches and reset_state.
#include <gtest/gtest.h>

#include <cmath>

#include <strata/strata.hpp>
#include <strata/training/metrics/confusion.hpp>

namespace {

using strata::Shape;
using strata::Tensor;
namespace metrics = strata::metrics;

Tensor f32(const std::vector<float>& v, const Shape& s) { return Tensor::from_vector(v, s); }
Tensor f32(const std::vector<float>& v) { return Tensor::from_vector(v); }

TEST(MetricsConfusion, KerasDefaults) {
    // Keras 3: TruePositives/TrueNegatives/FalsePositives/FalseNegatives(thresholds=None, name=None,
    // dtype=None): thresholds None means 0.5; the names are the snake_case class names.
    EXPECT_EQ(metrics::TruePositives().name(), "true_positives");
    EXPECT_EQ(metrics::TrueNegatives().name(), "true_negatives");
    EXPECT_EQ(metrics::FalsePositives().name(), "false_positives");
    EXPECT_EQ(metrics::FalseNegatives().name(), "false_negatives");
    EXPECT_EQ(metrics::TruePositives().thresholds(), (std::vector<double>{0.5}));
    EXPECT_TRUE(metrics::TruePositivesOptions{}.thresholds.empty());
    // Keras 3: Precision(thresholds=None, top_k=None, class_id=None, name=None, dtype=None), same for Recall;
    // default_threshold = 0.5 if top_k is None else NEG_INF (-1e10).
    metrics::Precision precision;
    EXPECT_EQ(precision.name(), "precision");
    EXPECT_EQ(precision.thresholds(), (std::vector<double>{0.5}));
    EXPECT_FALSE(precision.top_k().has_value());
    EXPECT_FALSE(precision.class_id().has_value());
    EXPECT_EQ(metrics::Precision({.top_k = 2}).thresholds(), (std::vector<double>{-1e10}));
    metrics::Recall recall;
    EXPECT_EQ(recall.name(), "recall");
    EXPECT_EQ(recall.thresholds(), (std::vector<double>{0.5}));
    EXPECT_EQ(metrics::Recall({.top_k = 1}).thresholds(), (std::vector<double>{-1e10}));
    // Keras 3: AUC(num_thresholds=200, curve="ROC", summation_method="interpolation", name=None, ...,
    // from_logits=False); thresholds i/(n-1) for i in 1..n-2 plus -epsilon and 1 + epsilon (1e-7).
    metrics::AUCOptions auc_options;
    EXPECT_EQ(auc_options.num_thresholds, 200);
    EXPECT_EQ(auc_options.curve, "ROC");
    EXPECT_EQ(auc_options.summation_method, "interpolation");
    EXPECT_FALSE(auc_options.from_logits);
    metrics::AUC auc;
    EXPECT_EQ(auc.name(), "auc");
    ASSERT_EQ(auc.num_thresholds(), 200);
    EXPECT_DOUBLE_EQ(auc.thresholds().front(), -1e-7);
    EXPECT_DOUBLE_EQ(auc.thresholds()[1], 1.0 / 199.0);
    EXPECT_DOUBLE_EQ(auc.thresholds()[198], 198.0 / 199.0);
    EXPECT_DOUBLE_EQ(auc.thresholds().back(), 1.0 + 1e-7);
}

TEST(MetricsConfusion, CountsKerasDocExamples) {
    // The docstrings of keras.metrics.TruePositives ... FalseNegatives: 2.0, and 1.0 with sample_weight
    // [0, 0, 1, 0].
    const Tensor sw = f32({0, 0, 1, 0});
    metrics::TruePositives tp;
    tp.update_state(f32({0, 1, 1, 1}), f32({1, 0, 1, 1}));
    EXPECT_EQ(tp.result(), 2.0);
    tp.reset_state();
    tp.update_state(f32({0, 1, 1, 1}), f32({1, 0, 1, 1}), sw);
    EXPECT_EQ(tp.result(), 1.0);
    metrics::TrueNegatives tn;
    tn.update_state(f32({0, 1, 0, 0}), f32({1, 1, 0, 0}));
    EXPECT_EQ(tn.result(), 2.0);
    tn.reset_state();
    tn.update_state(f32({0, 1, 0, 0}), f32({1, 1, 0, 0}), sw);
    EXPECT_EQ(tn.result(), 1.0);
    metrics::FalsePositives fp;
    fp.update_state(f32({0, 1, 0, 0}), f32({0, 0, 1, 1}));
    EXPECT_EQ(fp.result(), 2.0);
    fp.reset_state();
    fp.update_state(f32({0, 1, 0, 0}), f32({0, 0, 1, 1}), sw);
    EXPECT_EQ(fp.result(), 1.0);
    metrics::FalseNegatives fn;
    fn.update_state(f32({0, 1, 1, 1}), f32({0, 1, 0, 0}));
    EXPECT_EQ(fn.result(), 2.0);
    fn.reset_state();
    fn.update_state(f32({0, 1, 1, 1}), f32({0, 1, 0, 0}), sw);
    EXPECT_EQ(fn.result(), 1.0);
}

TEST(MetricsConfusion, CountsThresholdsAccumulationAndWeights) {
    // Two thresholds, two batches, per-sample weights on (n, 2) predictions.
    const std::vector<float> t = {1, 0, 1, 1, 0, 0, 1, 0};
    const std::vector<float> p = {0.6f, 0.8f, 0.2f, 0.75f, 0.5f, 0.1f, 0.9f, 0.35f};
    const std::vector<double> w = {2, 2, 0.5, 0.5, 1, 1, 3, 3};  // per sample, repeated per column
    const std::vector<double> thresholds = {0.3, 0.7};
    metrics::TruePositives tp({.thresholds = thresholds});
    metrics::TrueNegatives tn({.thresholds = thresholds});
    metrics::FalsePositives fp({.thresholds = thresholds});
    metrics::FalseNegatives fn({.thresholds = thresholds});
    for (metrics::ConfusionMatrixConditionCount* m :
         std::vector<metrics::ConfusionMatrixConditionCount*>{&tp, &tn, &fp, &fn}) {
        m->update_state(f32({t[0], t[1], t[2], t[3]}, {2, 2}), f32({p[0], p[1], p[2], p[3]}, {2, 2}),
                        f32({2, 0.5}, {2}));
        m->update_state(f32({t[4], t[5], t[6], t[7]}, {2, 2}), f32({p[4], p[5], p[6], p[7]}, {2, 2}),
                        f32({1, 3}, {2, 1}));
    }
    for (std::size_t k = 0; k < thresholds.size(); ++k) {
        double etp = 0, etn = 0, efp = 0, efn = 0;
        for (std::size_t i = 0; i < t.size(); ++i) {
            const bool positive = static_cast<double>(p[i]) > thresholds[k];
            if (t[i] != 0)
                (positive ? etp : efn) += w[i];
            else
                (positive ? efp : etn) += w[i];
        }
        EXPECT_DOUBLE_EQ(tp.results()[k], etp);
        EXPECT_DOUBLE_EQ(tn.results()[k], etn);
        EXPECT_DOUBLE_EQ(fp.results()[k], efp);
        EXPECT_DOUBLE_EQ(fn.results()[k], efn);
    }
    EXPECT_THROW(tp.result(), strata::ValueError);
    tp.reset_state();
    EXPECT_EQ(tp.results(), (std::vector<double>{0, 0}));
    EXPECT_THROW(metrics::TruePositives({.thresholds = {1.5}}), strata::ValueError);
    EXPECT_THROW(tn.update_state(f32({1, 0, 1}), f32({1, 0})), strata::ShapeError);
}

TEST(MetricsConfusion, PrecisionRecallKerasDocExamples) {
    // keras.metrics.Precision docstring: 0.6666667; 1.0 with sample_weight [0, 0, 1, 0]; top_k=2 on
    // [0, 0, 1, 1] / [1, 1, 1, 1] -> 0.0; top_k=4 -> 0.5.
    metrics::Precision p;
    EXPECT_EQ(p.result(), 0.0);
    p.update_state(f32({0, 1, 1, 1}), f32({1, 0, 1, 1}));
    EXPECT_NEAR(p.result(), 2.0 / 3.0, 1e-12);
    p.reset_state();
    p.update_state(f32({0, 1, 1, 1}), f32({1, 0, 1, 1}), f32({0, 0, 1, 0}));
    EXPECT_EQ(p.result(), 1.0);
    metrics::Precision top2({.top_k = 2});
    top2.update_state(f32({0, 0, 1, 1}), f32({1, 1, 1, 1}));
    EXPECT_EQ(top2.result(), 0.0);
    metrics::Precision top4({.top_k = 4});
    top4.update_state(f32({0, 0, 1, 1}), f32({1, 1, 1, 1}));
    EXPECT_EQ(top4.result(), 0.5);
    // keras.metrics.Recall docstring: 0.6666667; 1.0 with sample_weight [0, 0, 1, 0].
    metrics::Recall r;
    r.update_state(f32({0, 1, 1, 1}), f32({1, 0, 1, 1}));
    EXPECT_NEAR(r.result(), 2.0 / 3.0, 1e-12);
    r.reset_state();
    r.update_state(f32({0, 1, 1, 1}), f32({1, 0, 1, 1}), f32({0, 0, 1, 0}));
    EXPECT_EQ(r.result(), 1.0);
}

TEST(MetricsConfusion, PrecisionRecallClassIdTopKAndAccumulation) {
    // Rows of 3 classes. class_id = 1 looks at the middle column only.
    const Tensor y_true = f32({0, 1, 0, 0, 1, 1, 1, 0, 0}, {3, 3});
    const Tensor y_pred = f32({0.2f, 0.7f, 0.1f, 0.1f, 0.4f, 0.5f, 0.3f, 0.6f, 0.1f}, {3, 3});
    // column 1: labels 1, 1, 0; preds 0.7, 0.4, 0.6 -> tp 1, fp 1, fn 1 at 0.5.
    metrics::Precision pc({.class_id = 1});
    metrics::Recall rc({.class_id = 1});
    pc.update_state(y_true, y_pred);
    rc.update_state(y_true, y_pred);
    EXPECT_DOUBLE_EQ(pc.result(), 0.5);
    EXPECT_DOUBLE_EQ(rc.result(), 0.5);
    // top_k = 1 with class_id = 1: row 1's largest is column 2, so its 0.4 is dropped; rows 0 and 2 keep
    // column 1 as their largest: tp 1 (row 0), fp 1 (row 2), fn 1 (row 1), at threshold NEG_INF.
    metrics::Recall rk({.top_k = 1, .class_id = 1});
    rk.update_state(y_true, y_pred);
    EXPECT_DOUBLE_EQ(rk.result(), 0.5);
    // top_k = 1 over all classes: predicted positives are each row's argmax: (0,1) tp, (1,2) tp, (2,1) fp.
    metrics::Precision pk({.top_k = 1});
    pk.update_state(y_true, y_pred);
    EXPECT_DOUBLE_EQ(pk.result(), 2.0 / 3.0);
    // Accumulation with weights: a second batch adds tp 0 fp 3 (weight 3 on a false positive).
    pk.update_state(f32({0, 0, 1}, {1, 3}), f32({0.9f, 0.05f, 0.05f}, {1, 3}), f32({3}, {1}));
    EXPECT_DOUBLE_EQ(pk.result(), 2.0 / 6.0);
    EXPECT_DOUBLE_EQ(pk.true_positives()[0], 2.0);
    EXPECT_DOUBLE_EQ(pk.false_counts()[0], 4.0);
    // Several thresholds give one value each.
    metrics::Recall multi({.thresholds = {0.15, 0.45, 0.65}});
    multi.update_state(y_true, y_pred);
    // labels at 0.7, 0.4, 0.5, 0.3: recall 4/4, 2/4, 1/4.
    EXPECT_EQ(multi.results(), (std::vector<double>{1.0, 0.5, 0.25}));
    EXPECT_THROW(multi.result(), strata::ValueError);
    EXPECT_THROW(metrics::Precision({.class_id = 3}).update_state(y_true, y_pred), strata::ValueError);
    EXPECT_THROW(metrics::Precision({.top_k = 0}), strata::ValueError);
    // Keras: class_id needs y_pred of shape (num_samples, num_classes).
    EXPECT_THROW(metrics::Recall({.class_id = 0}).update_state(f32({1, 0}), f32({0.6f, 0.2f})), strata::ValueError);
}

TEST(MetricsConfusion, AUCKerasDocExample) {
    // keras.metrics.AUC(num_thresholds=3) docstring: [0, 0, 1, 1] / [0, 0.5, 0.3, 0.9] -> 0.75; with
    // sample_weight [1, 0, 0, 1] -> 1.0.
    metrics::AUC m({.num_thresholds = 3});
    m.update_state(f32({0, 0, 1, 1}), f32({0, 0.5f, 0.3f, 0.9f}));
    EXPECT_NEAR(m.result(), 0.75, 1e-12);
    m.reset_state();
    EXPECT_EQ(m.result(), 0.0);
    m.update_state(f32({0, 0, 1, 1}), f32({0, 0.5f, 0.3f, 0.9f}), f32({1, 0, 0, 1}));
    EXPECT_NEAR(m.result(), 1.0, 1e-12);
}

TEST(MetricsConfusion, AUCCurvesAndSummationMethods) {
    // Thresholds -eps, 0.5, 1 + eps on [0, 0, 1, 1] / [0, 0.5, 0.3, 0.9] give, by hand,
    // tp (2, 1, 0), fp (2, 0, 0), fn (0, 1, 2), tn (0, 2, 2).
    auto run = [](std::string curve, std::string method) {
        metrics::AUC m({.num_thresholds = 3, .curve = curve, .summation_method = method});
        m.update_state(f32({0, 0, 1, 1}), f32({0, 0.5f, 0.3f, 0.9f}));
        return m.result();
    };
    // ROC: fpr (1, 0, 0), tpr (1, 0.5, 0).
    EXPECT_NEAR(run("ROC", "minoring"), 0.5, 1e-12);
    EXPECT_NEAR(run("ROC", "majoring"), 1.0, 1e-12);
    // PR: recall (1, 0.5, 0), precision (0.5, 1, 0).
    EXPECT_NEAR(run("PR", "minoring"), 0.5 * 0.5 + 0.5 * 0.0, 1e-12);
    EXPECT_NEAR(run("PR", "majoring"), 0.5 * 1.0 + 0.5 * 1.0, 1e-12);
    // Interpolated PR (Davis & Goadrich) written out: segment 0 has slope 1/3, intercept 2/3, p ratio 4;
    // segment 1 slope 1, intercept 0, p ratio 1.
    const double segment0 = (1.0 / 3.0) * (1.0 + (2.0 / 3.0) * std::log(4.0)) / 2.0;
    const double segment1 = 1.0 * (1.0 + 0.0) / 2.0;
    EXPECT_NEAR(run("PR", "interpolation"), segment0 + segment1, 1e-12);
    EXPECT_NEAR(run("roc", "Interpolation"), 0.75, 1e-12);
    EXPECT_THROW(metrics::AUC({.curve = "DET"}), strata::ValueError);
    EXPECT_THROW(metrics::AUC({.summation_method = "trapezoid"}), strata::ValueError);
    EXPECT_THROW(metrics::AUC({.num_thresholds = 1}), strata::ValueError);
}

TEST(MetricsConfusion, AUCMatchesPairwiseAUCAndAccumulates) {
    // With 200 thresholds and predictions in distinct buckets, the interpolated ROC area is the exact
    // probability that a positive outranks a negative, computed here pair by pair.
    const std::vector<float> labels = {1, 0, 1, 1, 0, 0, 1, 0, 1, 0};
    const std::vector<float> preds = {0.91f, 0.12f, 0.47f, 0.66f, 0.58f, 0.03f, 0.33f, 0.71f, 0.82f, 0.26f};
    const std::vector<double> weights = {1, 2, 1, 0.5, 1, 3, 1, 1, 2, 1};
    double num = 0, den = 0;
    for (std::size_t i = 0; i < labels.size(); ++i)
        for (std::size_t j = 0; j < labels.size(); ++j)
            if (labels[i] == 1 && labels[j] == 0) {
                const double w = weights[i] * weights[j];
                den += w;
                if (preds[i] > preds[j]) num += w;
            }
    metrics::AUC m;
    m.update_state(f32({labels.begin(), labels.begin() + 4}, {4, 1}), f32({preds.begin(), preds.begin() + 4}, {4, 1}),
                   f32({1, 2, 1, 0.5}));
    m.update_state(f32({labels.begin() + 4, labels.end()}), f32({preds.begin() + 4, preds.end()}),
                   f32({1, 3, 1, 1, 2, 1}));
    EXPECT_NEAR(m.result(), num / den, 1e-12);
    // from_logits: the same area from logit(p).
    metrics::AUC logits({.from_logits = true});
    std::vector<float> z;
    for (float p : preds) z.push_back(static_cast<float>(std::log(p / (1.0 - p))));
    logits.update_state(f32(labels), f32(z), f32({1, 2, 1, 0.5, 1, 3, 1, 1, 2, 1}));
    EXPECT_NEAR(logits.result(), num / den, 1e-12);
    // Given thresholds are sorted and framed by the end points.
    metrics::AUC given({.thresholds = {0.7, 0.2}});
    EXPECT_EQ(given.num_thresholds(), 4);
    EXPECT_DOUBLE_EQ(given.thresholds()[1], 0.2);
    EXPECT_DOUBLE_EQ(given.thresholds()[2], 0.7);
}

TEST(MetricsConfusion, RegisteredUnderKerasNames) {
    EXPECT_EQ(metrics::get("TruePositives")->class_name(), "TruePositives");
    EXPECT_EQ(metrics::get("true_negatives")->name(), "true_negatives");
    EXPECT_EQ(metrics::get("false_positives")->class_name(), "FalsePositives");
    EXPECT_EQ(metrics::get("FalseNegatives")->class_name(), "FalseNegatives");
    EXPECT_EQ(metrics::get("precision")->class_name(), "Precision");
    EXPECT_EQ(metrics::get("Recall")->name(), "recall");
    EXPECT_EQ(metrics::get("auc")->class_name(), "AUC");
    EXPECT_EQ(metrics::get("AUC")->name(), "auc");
}

}  // namespace
