// Top-k accuracies, as Keras 3's keras/src/metrics/accuracy_metrics.py (top_k_categorical_accuracy,
// sparse_top_k_categorical_accuracy and ops.in_top_k). Computed on the host: one value per sample.
#include <algorithm>
#include <cmath>

#include "strata/training/metrics/top_k.hpp"
#include "training/metrics/host_array.hpp"

namespace strata::metrics {

namespace {

void check_k(const std::string& who, int k) {
    if (k < 1) throw ValueError(who + ": k must be >= 1, got " + std::to_string(k));
}

// in_top_k for one row: the target's score is >= the k-th largest score, i.e. fewer than k scores are
// strictly greater (ties at the boundary count as hits, as Keras's backends do).
bool in_top_k(const double* row, std::int64_t classes, std::int64_t target, int k) {
    const double score = row[target];
    std::int64_t greater = 0;
    for (std::int64_t c = 0; c < classes; ++c)
        if (row[c] > score) ++greater;
    return greater < k;
}

std::int64_t class_index(const std::string& who, double v, std::int64_t classes) {
    if (!(v >= 0.0) || v >= static_cast<double>(classes) || v != std::floor(v))
        throw ValueError(who + ": target " + std::to_string(v) + " is not a class index in [0, " +
                         std::to_string(classes) + ")");
    return static_cast<std::int64_t>(v);
}

}  // namespace

Tensor top_k_categorical_accuracy(const Tensor& y_true, const Tensor& y_pred, int k) {
    const std::string who = "top_k_categorical_accuracy";
    check_k(who, k);
    const detail::HostArray t = detail::host_array(who, "y_true", y_true);
    const detail::HostArray p = detail::host_array(who, "y_pred", y_pred);
    if (p.rank() < 1 || t.dims != p.dims)
        throw ShapeError(who + ": y_true (one-hot) and y_pred must have the same shape (..., classes), got " +
                         y_true.shape().to_string() + " and " + y_pred.shape().to_string());
    const std::int64_t classes = p.last(), rows = p.rows();
    std::vector<float> out(static_cast<std::size_t>(rows));
    for (std::int64_t i = 0; i < rows; ++i) {
        const double* tr = t.values.data() + i * classes;
        std::int64_t target = 0;  // argmax, first of equal maxima
        for (std::int64_t c = 1; c < classes; ++c)
            if (tr[c] > tr[target]) target = c;
        out[static_cast<std::size_t>(i)] = in_top_k(p.values.data() + i * classes, classes, target, k) ? 1.f : 0.f;
    }
    std::vector<std::int64_t> dims(p.dims.begin(), p.dims.end() - 1);
    return Tensor::from_vector(out, Shape(dims));
}

Tensor sparse_top_k_categorical_accuracy(const Tensor& y_true, const Tensor& y_pred, int k, bool from_sorted_ids) {
    const std::string who = "sparse_top_k_categorical_accuracy";
    check_k(who, k);
    const detail::HostArray t = detail::host_array(who, "y_true", y_true);
    const detail::HostArray p = detail::host_array(who, "y_pred", y_pred);
    if (p.rank() < 1)
        throw ShapeError(who + ": y_pred must have a classes axis, got " + y_pred.shape().to_string());
    const std::int64_t classes = p.last(), rows = p.rows();
    if (static_cast<std::int64_t>(t.values.size()) != rows)
        throw ShapeError(who + ": y_true " + y_true.shape().to_string() + " must hold one class index per row of y_pred " +
                         y_pred.shape().to_string());
    std::vector<float> out(static_cast<std::size_t>(rows));
    for (std::int64_t i = 0; i < rows; ++i) {
        const double* row = p.values.data() + i * classes;
        const double target = t.values[static_cast<std::size_t>(i)];
        bool hit = false;
        if (from_sorted_ids) {
            for (std::int64_t c = 0; c < std::min<std::int64_t>(k, classes); ++c) hit = hit || row[c] == target;
        } else {
            hit = in_top_k(row, classes, class_index(who, target, classes), k);
        }
        out[static_cast<std::size_t>(i)] = hit ? 1.f : 0.f;
    }
    // Keras reshapes the matches to y_true's shape when y_true has rank > 1.
    std::vector<std::int64_t> dims = t.rank() > 1 ? t.dims : std::vector<std::int64_t>{rows};
    return Tensor::from_vector(out, Shape(dims));
}

TopKCategoricalAccuracy::TopKCategoricalAccuracy(TopKCategoricalAccuracyOptions o)
    : MeanMetricWrapper([k = o.k](const Tensor& t, const Tensor& p) { return top_k_categorical_accuracy(t, p, k); },
                        MeanMetricWrapperOptions{.name = o.name, .dtype = o.dtype}),
      k_(o.k) {
    check_k(name(), k_);
}

nlohmann::json TopKCategoricalAccuracy::get_config() const {
    nlohmann::json config = Metric::get_config();
    config["k"] = k_;
    return config;
}

SparseTopKCategoricalAccuracy::SparseTopKCategoricalAccuracy(SparseTopKCategoricalAccuracyOptions o)
    : MeanMetricWrapper(
          [k = o.k, sorted = o.from_sorted_ids](const Tensor& t, const Tensor& p) {
              return sparse_top_k_categorical_accuracy(t, p, k, sorted);
          },
          MeanMetricWrapperOptions{.name = o.name, .dtype = o.dtype}),
      options_(std::move(o)) {
    check_k(name(), options_.k);
}

nlohmann::json SparseTopKCategoricalAccuracy::get_config() const {
    nlohmann::json config = Metric::get_config();
    config["k"] = options_.k;
    config["from_sorted_ids"] = options_.from_sorted_ids;
    return config;
}

}  // namespace strata::metrics
