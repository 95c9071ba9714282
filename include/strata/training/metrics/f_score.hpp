// keras.metrics.FBetaScore and F1Score, as Keras 3's keras/src/metrics/f_score_metrics.py.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "strata/training/metrics.hpp"

namespace strata::metrics {

// Keras: FBetaScore(average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None).
// average: nullopt (one score per class), "micro", "macro" or "weighted". threshold: nullopt marks each row's
// largest prediction(s) as positive (a row of zeros stays negative); else y_pred > threshold, in (0, 1].
struct FBetaScoreOptions {
    std::optional<std::string> average = std::nullopt;
    double beta = 1.0;
    std::optional<double> threshold = std::nullopt;
    std::string name = "fbeta_score";
    DType dtype = float32;
};

// F-beta over everything seen since the last reset, from per-class (or, for "micro", pooled) weighted true
// positive, false positive and false negative counts; epsilon 1e-7 in the ratios, as Keras. Inputs are
// (batch, classes); the number of classes is fixed by the first update.
class FBetaScore : public Metric {
public:
    explicit FBetaScore(FBetaScoreOptions options = {});
    void update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = {}) override;
    // The averaged score; with average = nullopt and more than one class, throws ValueError (use results()).
    // 0 before any update.
    double result() const override;
    // One value when averaged, else one per class; empty before any update.
    std::vector<double> results() const;
    void reset_state() override;
    std::string class_name() const override { return "FBetaScore"; }
    nlohmann::json get_config() const override;
    const FBetaScoreOptions& options() const { return options_; }

private:
    FBetaScoreOptions options_;
    std::int64_t num_classes_ = -1;  // unknown until the first update
    std::vector<double> true_positives_, false_positives_, false_negatives_, intermediate_weights_;
};

// Keras: F1Score(average=None, threshold=None, name="f1_score", dtype=None).
struct F1ScoreOptions {
    std::optional<std::string> average = std::nullopt;
    std::optional<double> threshold = std::nullopt;
    std::string name = "f1_score";
    DType dtype = float32;
};

// FBetaScore with beta = 1.
class F1Score : public FBetaScore {
public:
    explicit F1Score(F1ScoreOptions options = {});
    std::string class_name() const override { return "F1Score"; }
    nlohmann::json get_config() const override;
};

}  // namespace strata::metrics
