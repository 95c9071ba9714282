// AUC, as Keras 3's keras/src/metrics/confusion_metrics.py: confusion counts at num_thresholds thresholds
// and a Riemann sum over them.
#include <algorithm>
#include <cmath>

#include "strata/autograd/node.hpp"
#include "strata/training/metrics/confusion.hpp"
#include "training/metrics/confusion_matrix.hpp"

namespace strata::metrics {

namespace {

// Keras's backend.epsilon(), which widens the end thresholds past 0 and 1.
constexpr double epsilon = 1e-7;

double divide_no_nan(double a, double b) { return b == 0.0 ? 0.0 : a / b; }

}  // namespace

AUC::AUC(AUCOptions o) : Metric(o.name, o.dtype), options_(std::move(o)) {
    // Keras's AUCCurve.from_str and AUCSummationMethod.from_str.
    if (options_.curve == "roc") options_.curve = "ROC";
    if (options_.curve == "pr") options_.curve = "PR";
    if (options_.curve != "ROC" && options_.curve != "PR")
        throw ValueError(name() + ": invalid AUC curve value \"" + options_.curve + "\"; expected \"ROC\" or \"PR\"");
    std::string& method = options_.summation_method;
    if (method == "Interpolation") method = "interpolation";
    if (method == "Minoring") method = "minoring";
    if (method == "Majoring") method = "majoring";
    if (method != "interpolation" && method != "minoring" && method != "majoring")
        throw ValueError(name() + ": invalid AUC summation method value \"" + method +
                         "\"; expected \"interpolation\", \"minoring\" or \"majoring\"");
    std::vector<double> inner;
    if (!options_.thresholds.empty()) {
        detail::check_thresholds(name(), options_.thresholds);
        inner = options_.thresholds;
        std::sort(inner.begin(), inner.end());
        options_.num_thresholds = static_cast<int>(inner.size()) + 2;
    } else {
        if (options_.num_thresholds <= 1)
            throw ValueError(name() + ": num_thresholds must be an integer > 1, got " +
                             std::to_string(options_.num_thresholds));
        const int n = options_.num_thresholds;
        for (int i = 0; i < n - 2; ++i) inner.push_back((i + 1) * 1.0 / (n - 1));
    }
    thresholds_.push_back(0.0 - epsilon);
    thresholds_.insert(thresholds_.end(), inner.begin(), inner.end());
    thresholds_.push_back(1.0 + epsilon);
    reset_state();
}

void AUC::update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) {
    autograd::NoGradScope no_grad;
    detail::ConfusionCounts batch;
    batch.assign(thresholds_.size());
    detail::update_confusion_counts(name(), batch, y_true, y_pred, sample_weight, thresholds_, std::nullopt,
                                    std::nullopt, options_.from_logits);
    for (std::size_t i = 0; i < thresholds_.size(); ++i) {
        tp_[i] += batch.tp[i];
        fp_[i] += batch.fp[i];
        tn_[i] += batch.tn[i];
        fn_[i] += batch.fn[i];
    }
}

// Davis & Goadrich (2006): precision is interpolated linearly in the number of true positives between
// neighbouring thresholds, which integrates to the log term below.
double AUC::interpolate_pr_auc() const {
    const std::size_t n = thresholds_.size();
    double sum = 0.0;
    for (std::size_t i = 0; i + 1 < n; ++i) {
        const double dtp = tp_[i] - tp_[i + 1];
        const double p0 = tp_[i] + fp_[i], p1 = tp_[i + 1] + fp_[i + 1];
        const double dp = p0 - p1;
        const double prec_slope = divide_no_nan(dtp, std::max(dp, 0.0));
        const double intercept = tp_[i + 1] - prec_slope * p1;
        const double safe_p_ratio = p0 > 0.0 && p1 > 0.0 ? divide_no_nan(p0, std::max(p1, 0.0)) : 1.0;
        sum += divide_no_nan(prec_slope * (dtp + intercept * std::log(safe_p_ratio)),
                             std::max(tp_[i + 1] + fn_[i + 1], 0.0));
    }
    return sum;
}

double AUC::result() const {
    if (options_.curve == "PR" && options_.summation_method == "interpolation") return interpolate_pr_auc();
    const std::size_t n = thresholds_.size();
    std::vector<double> x(n), y(n);
    for (std::size_t i = 0; i < n; ++i) {
        const double recall = divide_no_nan(tp_[i], tp_[i] + fn_[i]);
        if (options_.curve == "ROC") {
            x[i] = divide_no_nan(fp_[i], fp_[i] + tn_[i]);  // false positive rate
            y[i] = recall;
        } else {
            x[i] = recall;
            y[i] = divide_no_nan(tp_[i], tp_[i] + fp_[i]);  // precision
        }
    }
    double area = 0.0;
    for (std::size_t i = 0; i + 1 < n; ++i) {
        double height;
        if (options_.summation_method == "interpolation")
            height = (y[i] + y[i + 1]) / 2.0;
        else if (options_.summation_method == "minoring")
            height = std::min(y[i], y[i + 1]);
        else
            height = std::max(y[i], y[i + 1]);
        area += (x[i] - x[i + 1]) * height;
    }
    return area;
}

void AUC::reset_state() {
    const std::size_t n = thresholds_.size();
    tp_.assign(n, 0.0);
    fp_.assign(n, 0.0);
    tn_.assign(n, 0.0);
    fn_.assign(n, 0.0);
}

nlohmann::json AUC::get_config() const {
    nlohmann::json config = Metric::get_config();
    config["num_thresholds"] = options_.num_thresholds;
    config["curve"] = options_.curve;
    config["summation_method"] = options_.summation_method;
    config["multi_label"] = false;
    config["num_labels"] = nullptr;
    config["label_weights"] = nullptr;
    // Keras writes the inner thresholds (without the two end points) only when they were given; otherwise
    // num_thresholds rebuilds them.
    if (!options_.thresholds.empty())
        config["thresholds"] = std::vector<double>(thresholds_.begin() + 1, thresholds_.end() - 1);
    config["from_logits"] = options_.from_logits;
    return config;
}

}  // namespace strata::metrics
