// keras.metrics.TopKCategoricalAccuracy and SparseTopKCategoricalAccuracy with their functions, as Keras 3's
// keras/src/metrics/accuracy_metrics.py.
#pragma once

#include <string>

#include "strata/training/metrics.hpp"

namespace strata::metrics {

// 1 where the target class is among the k largest predictions (Keras's in_top_k: the target's score is at
// least the k-th largest, so ties at the boundary count as hits), else 0; float32, one value per sample.
// y_true is one-hot (its argmax is the target); y_pred (..., classes).
Tensor top_k_categorical_accuracy(const Tensor& y_true, const Tensor& y_pred, int k = 5);
// As above with integer targets of shape (n,) or (n, 1). With from_sorted_ids, y_pred holds class ids sorted
// by score and a hit is y_true among its first k columns.
Tensor sparse_top_k_categorical_accuracy(const Tensor& y_true, const Tensor& y_pred, int k = 5,
                                         bool from_sorted_ids = false);

// Keras: TopKCategoricalAccuracy(k=5, name="top_k_categorical_accuracy", dtype=None).
struct TopKCategoricalAccuracyOptions {
    int k = 5;
    std::string name = "top_k_categorical_accuracy";
    DType dtype = float32;
};

class TopKCategoricalAccuracy : public MeanMetricWrapper {
public:
    explicit TopKCategoricalAccuracy(TopKCategoricalAccuracyOptions options = {});
    std::string class_name() const override { return "TopKCategoricalAccuracy"; }
    nlohmann::json get_config() const override;
    int k() const { return k_; }

private:
    int k_;
};

// Keras: SparseTopKCategoricalAccuracy(k=5, name="sparse_top_k_categorical_accuracy", dtype=None,
// from_sorted_ids=False).
struct SparseTopKCategoricalAccuracyOptions {
    int k = 5;
    std::string name = "sparse_top_k_categorical_accuracy";
    DType dtype = float32;
    bool from_sorted_ids = false;
};

class SparseTopKCategoricalAccuracy : public MeanMetricWrapper {
public:
    explicit SparseTopKCategoricalAccuracy(SparseTopKCategoricalAccuracyOptions options = {});
    std::string class_name() const override { return "SparseTopKCategoricalAccuracy"; }
    nlohmann::json get_config() const override;
    int k() const { return options_.k; }
    bool from_sorted_ids() const { return options_.from_sorted_ids; }

private:
    SparseTopKCategoricalAccuracyOptions options_;
};

}  // namespace strata::metrics
