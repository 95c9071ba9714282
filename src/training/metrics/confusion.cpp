// TruePositives, TrueNegatives, FalsePositives, FalseNegatives, Precision and Recall, as Keras 3's
// keras/src/metrics/confusion_metrics.py.
#include "strata/training/metrics/confusion.hpp"

#include <algorithm>

#include "strata/autograd/node.hpp"
#include "training/metrics/confusion_matrix.hpp"

namespace strata::metrics {

namespace {

// Keras's parse_init_thresholds: None becomes the default threshold; given ones must lie in [0, 1].
std::vector<double> parse_thresholds(const std::string& who, const std::vector<double>& given, double fallback) {
    detail::check_thresholds(who, given);
    return given.empty() ? std::vector<double>{fallback} : given;
}

nlohmann::json thresholds_config(const std::vector<double>& init) {
    if (init.empty()) return nullptr;
    if (init.size() == 1) return init[0];
    return init;
}

nlohmann::json optional_config(std::optional<int> v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }

double single(const std::string& who, const std::vector<double>& values) {
    if (values.size() != 1)
        throw ValueError(who + ": result() has one value per threshold (" + std::to_string(values.size()) +
                         "); use results()");
    return values[0];
}

}  // namespace

ConfusionMatrixConditionCount::ConfusionMatrixConditionCount(Condition condition, std::vector<double> thresholds,
                                                             std::string name, DType dtype)
    : Metric(std::move(name), dtype),
      condition_(condition),
      init_thresholds_(std::move(thresholds)),
      thresholds_(parse_thresholds(this->name(), init_thresholds_, 0.5)),
      counts_(thresholds_.size(), 0.0) {}

void ConfusionMatrixConditionCount::update_state(const Tensor& y_true, const Tensor& y_pred,
                                                 const Tensor& sample_weight) {
    autograd::NoGradScope no_grad;
    detail::ConfusionCounts batch;
    batch.assign(thresholds_.size());
    detail::update_confusion_counts(name(), batch, y_true, y_pred, sample_weight, thresholds_);
    const std::vector<double>* add = &batch.tp;
    switch (condition_) {
        case Condition::true_positives: add = &batch.tp; break;
        case Condition::true_negatives: add = &batch.tn; break;
        case Condition::false_positives: add = &batch.fp; break;
        case Condition::false_negatives: add = &batch.fn; break;
    }
    for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += (*add)[i];
}

double ConfusionMatrixConditionCount::result() const { return single(name(), counts_); }

void ConfusionMatrixConditionCount::reset_state() { std::fill(counts_.begin(), counts_.end(), 0.0); }

nlohmann::json ConfusionMatrixConditionCount::get_config() const {
    nlohmann::json config = Metric::get_config();
    config["thresholds"] = thresholds_config(init_thresholds_);
    return config;
}

TruePositives::TruePositives(TruePositivesOptions o)
    : ConfusionMatrixConditionCount(Condition::true_positives, std::move(o.thresholds), std::move(o.name), o.dtype) {}
TrueNegatives::TrueNegatives(TrueNegativesOptions o)
    : ConfusionMatrixConditionCount(Condition::true_negatives, std::move(o.thresholds), std::move(o.name), o.dtype) {}
FalsePositives::FalsePositives(FalsePositivesOptions o)
    : ConfusionMatrixConditionCount(Condition::false_positives, std::move(o.thresholds), std::move(o.name), o.dtype) {}
FalseNegatives::FalseNegatives(FalseNegativesOptions o)
    : ConfusionMatrixConditionCount(Condition::false_negatives, std::move(o.thresholds), std::move(o.name), o.dtype) {}

PrecisionRecallBase::PrecisionRecallBase(bool recall, std::vector<double> thresholds, std::optional<int> top_k,
                                         std::optional<int> class_id, std::string name, DType dtype)
    : Metric(std::move(name), dtype),
      recall_(recall),
      init_thresholds_(std::move(thresholds)),
      // Keras: default_threshold = 0.5 if top_k is None else NEG_INF.
      thresholds_(parse_thresholds(this->name(), init_thresholds_, top_k ? detail::neg_inf : 0.5)),
      top_k_(top_k),
      class_id_(class_id),
      true_positives_(thresholds_.size(), 0.0),
      false_counts_(thresholds_.size(), 0.0) {
    if (top_k_ && *top_k_ < 1) throw ValueError(this->name() + ": top_k must be >= 1, got " + std::to_string(*top_k_));
    if (class_id_ && *class_id_ < 0)
        throw ValueError(this->name() + ": class_id must be >= 0, got " + std::to_string(*class_id_));
}

void PrecisionRecallBase::update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) {
    autograd::NoGradScope no_grad;
    detail::ConfusionCounts batch;
    batch.assign(thresholds_.size());
    detail::update_confusion_counts(name(), batch, y_true, y_pred, sample_weight, thresholds_, top_k_, class_id_);
    const std::vector<double>& false_counts = recall_ ? batch.fn : batch.fp;
    for (std::size_t i = 0; i < thresholds_.size(); ++i) {
        true_positives_[i] += batch.tp[i];
        false_counts_[i] += false_counts[i];
    }
}

std::vector<double> PrecisionRecallBase::results() const {
    std::vector<double> out(thresholds_.size());
    for (std::size_t i = 0; i < out.size(); ++i) {
        const double denominator = true_positives_[i] + false_counts_[i];
        out[i] = denominator == 0.0 ? 0.0 : true_positives_[i] / denominator;  // divide_no_nan
    }
    return out;
}

double PrecisionRecallBase::result() const { return single(name(), results()); }

void PrecisionRecallBase::reset_state() {
    std::fill(true_positives_.begin(), true_positives_.end(), 0.0);
    std::fill(false_counts_.begin(), false_counts_.end(), 0.0);
}

nlohmann::json PrecisionRecallBase::get_config() const {
    nlohmann::json config = Metric::get_config();
    config["thresholds"] = thresholds_config(init_thresholds_);
    config["top_k"] = optional_config(top_k_);
    config["class_id"] = optional_config(class_id_);
    return config;
}

Precision::Precision(PrecisionOptions o)
    : PrecisionRecallBase(false, std::move(o.thresholds), o.top_k, o.class_id, std::move(o.name), o.dtype) {}

Recall::Recall(RecallOptions o)
    : PrecisionRecallBase(true, std::move(o.thresholds), o.top_k, o.class_id, std::move(o.name), o.dtype) {}

}  // namespace strata::metrics
