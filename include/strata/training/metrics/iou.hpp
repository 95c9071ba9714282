// keras.metrics.MeanIoU, as Keras 3's keras/src/metrics/iou_metrics.py.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "strata/training/metrics.hpp"

namespace strata::metrics {

// Keras: MeanIoU(num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
// sparse_y_pred=True, axis=-1). num_classes is the constructor's first argument (Keras requires it).
struct MeanIoUOptions {
    std::string name = "mean_io_u";
    DType dtype = float32;
    std::optional<std::int64_t> ignore_class = std::nullopt;
    bool sparse_y_true = true;
    bool sparse_y_pred = true;
    int axis = -1;
};

// Mean over classes of intersection / union, from a num_classes x num_classes confusion matrix (rows: true
// class, columns: predicted class) accumulated in double: IoU_c = cm[c][c] / (row_c + col_c - cm[c][c]);
// classes whose union is 0 are left out of the mean. Inputs are class ids (or, when not sparse, scores whose
// argmax along `axis` is the class) and are flattened; sample_weight is flattened and broadcast to them.
// Samples whose true class is ignore_class count with weight 0.
class MeanIoU : public Metric {
public:
    explicit MeanIoU(std::int64_t num_classes, MeanIoUOptions options = {});
    void update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = {}) override;
    double result() const override;
    void reset_state() override;
    std::string class_name() const override { return "MeanIoU"; }
    nlohmann::json get_config() const override;
    std::int64_t num_classes() const { return num_classes_; }
    // The accumulated confusion matrix, row-major (true class, predicted class).
    const std::vector<double>& total_cm() const { return total_cm_; }

private:
    std::int64_t num_classes_;
    MeanIoUOptions options_;
    std::vector<double> total_cm_;
};

}  // namespace strata::metrics
