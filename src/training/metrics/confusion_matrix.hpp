// Keras's update_confusion_matrix_variables on the host: per-threshold true/false positive/negative counts
// in double (keras/src/metrics/metrics_utils.py).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "strata/core/tensor.hpp"

namespace strata::metrics::detail {

// Keras's NEG_INF: what top_k filtering puts in place of the predictions it drops.
inline constexpr double neg_inf = -1e10;

struct ConfusionCounts {
    std::vector<double> tp, fp, tn, fn;

    void assign(std::size_t n) {
        tp.assign(n, 0.0);
        fp.assign(n, 0.0);
        tn.assign(n, 0.0);
        fn.assign(n, 0.0);
    }
};

// Adds a batch to `counts` (already sized to thresholds): y_true and y_pred are brought to the same rank as
// Keras's squeeze_or_expand_to_same_rank and must then have the same shape; sample_weight (optional) gets
// trailing axes up to y_pred's rank and is broadcast to it. top_k keeps the k largest predictions of each row
// of the last axis; class_id keeps one column. from_logits applies a sigmoid first.
void update_confusion_counts(const std::string& who, ConfusionCounts& counts, const Tensor& y_true,
                             const Tensor& y_pred, const Tensor& sample_weight, const std::vector<double>& thresholds,
                             std::optional<int> top_k = std::nullopt, std::optional<int> class_id = std::nullopt,
                             bool from_logits = false);

// Keras's assert_thresholds_range: every threshold in [0, 1], else ValueError naming `who`.
void check_thresholds(const std::string& who, const std::vector<double>& thresholds);

}  // namespace strata::metrics::detail
