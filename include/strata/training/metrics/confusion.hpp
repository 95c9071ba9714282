// keras.metrics confusion-matrix metrics: TruePositives, TrueNegatives, FalsePositives, FalseNegatives,
// Precision, Recall and AUC, as Keras 3's keras/src/metrics/confusion_metrics.py and
// keras/src/metrics/metrics_utils.py (update_confusion_matrix_variables).
//
// A prediction is positive at a threshold t when y_pred > t; a label is positive when y_true != 0. Counts are
// weighted by sample_weight (brought to y_pred's rank by trailing axes, then broadcast) and kept per
// threshold in double on the host. thresholds empty stands for Keras's None: 0.5 (or, for Precision and
// Recall with top_k, -1e10, so every top-k prediction is positive).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "strata/training/metrics.hpp"

namespace strata::metrics {

// Keras: TruePositives(thresholds=None, name=None, dtype=None).
struct TruePositivesOptions {
    std::vector<double> thresholds = {};
    std::string name = "true_positives";
    DType dtype = float32;
};

// Keras: TrueNegatives(thresholds=None, name=None, dtype=None).
struct TrueNegativesOptions {
    std::vector<double> thresholds = {};
    std::string name = "true_negatives";
    DType dtype = float32;
};

// Keras: FalsePositives(thresholds=None, name=None, dtype=None).
struct FalsePositivesOptions {
    std::vector<double> thresholds = {};
    std::string name = "false_positives";
    DType dtype = float32;
};

// Keras: FalseNegatives(thresholds=None, name=None, dtype=None).
struct FalseNegativesOptions {
    std::vector<double> thresholds = {};
    std::string name = "false_negatives";
    DType dtype = float32;
};

// One cell of the confusion matrix counted at each threshold (Keras's _ConfusionMatrixConditionCount).
class ConfusionMatrixConditionCount : public Metric {
public:
    enum class Condition { true_positives, true_negatives, false_positives, false_negatives };

    void update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = {}) override;
    // The count at the single threshold; throws ValueError when there are several (use results()).
    double result() const override;
    // One count per threshold.
    const std::vector<double>& results() const { return counts_; }
    void reset_state() override;
    const std::vector<double>& thresholds() const { return thresholds_; }
    nlohmann::json get_config() const override;

protected:
    ConfusionMatrixConditionCount(Condition condition, std::vector<double> thresholds, std::string name,
                                  DType dtype);

private:
    Condition condition_;
    std::vector<double> init_thresholds_;
    std::vector<double> thresholds_;
    std::vector<double> counts_;
};

class TruePositives : public ConfusionMatrixConditionCount {
public:
    explicit TruePositives(TruePositivesOptions options = {});
    std::string class_name() const override { return "TruePositives"; }
};

class TrueNegatives : public ConfusionMatrixConditionCount {
public:
    explicit TrueNegatives(TrueNegativesOptions options = {});
    std::string class_name() const override { return "TrueNegatives"; }
};

class FalsePositives : public ConfusionMatrixConditionCount {
public:
    explicit FalsePositives(FalsePositivesOptions options = {});
    std::string class_name() const override { return "FalsePositives"; }
};

class FalseNegatives : public ConfusionMatrixConditionCount {
public:
    explicit FalseNegatives(FalseNegativesOptions options = {});
    std::string class_name() const override { return "FalseNegatives"; }
};

// Keras: Precision(thresholds=None, top_k=None, class_id=None, name=None, dtype=None). top_k keeps the k
// largest predictions of each row (the rest become -1e10) before thresholding; class_id looks at one column
// of the last axis only.
struct PrecisionOptions {
    std::vector<double> thresholds = {};
    std::optional<int> top_k = std::nullopt;
    std::optional<int> class_id = std::nullopt;
    std::string name = "precision";
    DType dtype = float32;
};

// Keras: Recall(thresholds=None, top_k=None, class_id=None, name=None, dtype=None).
struct RecallOptions {
    std::vector<double> thresholds = {};
    std::optional<int> top_k = std::nullopt;
    std::optional<int> class_id = std::nullopt;
    std::string name = "recall";
    DType dtype = float32;
};

// Precision and Recall: true and false positives (or negatives) per threshold, and their ratio
// (divide_no_nan: 0 when nothing was counted).
class PrecisionRecallBase : public Metric {
public:
    void update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = {}) override;
    // The value at the single threshold; throws ValueError when there are several (use results()).
    double result() const override;
    std::vector<double> results() const;
    void reset_state() override;
    const std::vector<double>& thresholds() const { return thresholds_; }
    std::optional<int> top_k() const { return top_k_; }
    std::optional<int> class_id() const { return class_id_; }
    const std::vector<double>& true_positives() const { return true_positives_; }
    // false positives for Precision, false negatives for Recall
    const std::vector<double>& false_counts() const { return false_counts_; }
    nlohmann::json get_config() const override;

protected:
    PrecisionRecallBase(bool recall, std::vector<double> thresholds, std::optional<int> top_k,
                        std::optional<int> class_id, std::string name, DType dtype);

private:
    bool recall_;
    std::vector<double> init_thresholds_;
    std::vector<double> thresholds_;
    std::optional<int> top_k_;
    std::optional<int> class_id_;
    std::vector<double> true_positives_;
    std::vector<double> false_counts_;
};

class Precision : public PrecisionRecallBase {
public:
    explicit Precision(PrecisionOptions options = {});
    std::string class_name() const override { return "Precision"; }
};

class Recall : public PrecisionRecallBase {
public:
    explicit Recall(RecallOptions options = {});
    std::string class_name() const override { return "Recall"; }
};

// Keras: AUC(num_thresholds=200, curve="ROC", summation_method="interpolation", name=None, dtype=None,
// thresholds=None, ..., from_logits=False). curve is "ROC" or "PR"; summation_method is "interpolation",
// "minoring" or "majoring". Keras's multi_label, num_labels and label_weights are not offered: every label is
// pooled, as Keras's default multi_label=False.
struct AUCOptions {
    int num_thresholds = 200;
    std::string curve = "ROC";
    std::string summation_method = "interpolation";
    std::string name = "auc";
    DType dtype = float32;
    std::vector<double> thresholds = {};
    bool from_logits = false;
};

// The area under the ROC or precision-recall curve by a Riemann sum over thresholds: given thresholds
// (sorted), or num_thresholds - 2 evenly spaced in (0, 1); -1e-7 and 1 + 1e-7 are always added at the ends.
// PR with "interpolation" uses Davis & Goadrich's interpolation, as Keras's interpolate_pr_auc.
class AUC : public Metric {
public:
    explicit AUC(AUCOptions options = {});
    void update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = {}) override;
    double result() const override;
    void reset_state() override;
    std::string class_name() const override { return "AUC"; }
    nlohmann::json get_config() const override;
    // The thresholds with the two end points, num_thresholds of them.
    const std::vector<double>& thresholds() const { return thresholds_; }
    int num_thresholds() const { return static_cast<int>(thresholds_.size()); }
    const std::vector<double>& true_positives() const { return tp_; }
    const std::vector<double>& false_positives() const { return fp_; }
    const std::vector<double>& true_negatives() const { return tn_; }
    const std::vector<double>& false_negatives() const { return fn_; }

private:
    double interpolate_pr_auc() const;

    AUCOptions options_;
    std::vector<double> thresholds_;
    std::vector<double> tp_, fp_, tn_, fn_;
};

}  // namespace strata::metrics
