// FBetaScore and F1Score, as Keras 3's keras/src/metrics/f_score_metrics.py.
#include "strata/training/metrics/f_score.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "strata/autograd/node.hpp"
#include "training/metrics/host_array.hpp"

namespace strata::metrics {

namespace {

// Keras's backend.epsilon().
constexpr double epsilon = 1e-7;

}  // namespace

FBetaScore::FBetaScore(FBetaScoreOptions o) : Metric(o.name, o.dtype), options_(std::move(o)) {
    if (options_.average && *options_.average != "micro" && *options_.average != "macro" &&
        *options_.average != "weighted")
        throw ValueError(name() + ": invalid average argument value: expected one of None, \"micro\", \"macro\", "
                                  "\"weighted\", got \"" + *options_.average + "\"");
    if (!(options_.beta > 0.0)) {
        std::ostringstream os;
        os << name() << ": beta must be a float > 0, got " << options_.beta;
        throw ValueError(os.str());
    }
    if (options_.threshold && !(*options_.threshold > 0.0 && *options_.threshold <= 1.0)) {
        std::ostringstream os;
        os << name() << ": threshold must be in the range 0 < threshold <= 1, got " << *options_.threshold;
        throw ValueError(os.str());
    }
}

void FBetaScore::update_state(const Tensor& y_true_in, const Tensor& y_pred_in, const Tensor& sample_weight) {
    autograd::NoGradScope no_grad;
    const detail::HostArray t = detail::host_array(name(), "y_true", y_true_in);
    const detail::HostArray p = detail::host_array(name(), "y_pred", y_pred_in);
    if (t.rank() != 2 || p.rank() != 2 || t.dims != p.dims)
        throw ShapeError(name() + ": FBetaScore expects 2D inputs of the same shape (batch_size, num_classes), "
                                  "got y_true " + y_true_in.shape().to_string() + " and y_pred " +
                         y_pred_in.shape().to_string());
    const std::int64_t rows = p.dims[0], classes = p.dims[1];
    if (num_classes_ < 0) {
        num_classes_ = classes;
        // "micro" pools the classes into one count, as Keras's variables of shape () with axis=None.
        const std::size_t n = options_.average && *options_.average == "micro" ? 1 : static_cast<std::size_t>(classes);
        true_positives_.assign(n, 0.0);
        false_positives_.assign(n, 0.0);
        false_negatives_.assign(n, 0.0);
        intermediate_weights_.assign(n, 0.0);
    } else if (classes != num_classes_) {
        throw ShapeError(name() + ": built for " + std::to_string(num_classes_) + " classes, got y_pred " +
                         y_pred_in.shape().to_string());
    }
    std::vector<double> weight;
    if (sample_weight.defined()) {
        const detail::HostArray w = detail::host_array(name(), "sample_weight", sample_weight);
        // Keras multiplies by expand_dims(sample_weight, 1): one weight per sample.
        if (w.values.size() != static_cast<std::size_t>(rows) || w.rank() > 1)
            throw ShapeError(name() + ": sample_weight must have shape (" + std::to_string(rows) + ",), got " +
                             sample_weight.shape().to_string());
        weight = w.values;
    }
    const bool micro = options_.average && *options_.average == "micro";
    for (std::int64_t i = 0; i < rows; ++i) {
        const double* pr = p.values.data() + i * classes;
        const double* tr = t.values.data() + i * classes;
        const double row_max = *std::max_element(pr, pr + classes);
        const double w = weight.empty() ? 1.0 : weight[static_cast<std::size_t>(i)];
        for (std::int64_t c = 0; c < classes; ++c) {
            // Keras: with no threshold, the row's maximum is positive unless it is (about) zero.
            const bool positive = options_.threshold ? pr[c] > *options_.threshold
                                                     : (pr[c] >= row_max && std::abs(pr[c]) > 1e-9);
            const double yp = positive ? 1.0 : 0.0, yt = tr[c];
            const std::size_t k = micro ? 0 : static_cast<std::size_t>(c);
            true_positives_[k] += yp * yt * w;
            false_positives_[k] += yp * (1.0 - yt) * w;
            false_negatives_[k] += (1.0 - yp) * yt * w;
            intermediate_weights_[k] += yt * w;
        }
    }
}

std::vector<double> FBetaScore::results() const {
    if (num_classes_ < 0) return {};
    const double b2 = options_.beta * options_.beta;
    const std::size_t n = true_positives_.size();
    std::vector<double> f(n);
    for (std::size_t k = 0; k < n; ++k) {
        const double precision = true_positives_[k] / (true_positives_[k] + false_positives_[k] + epsilon);
        const double recall = true_positives_[k] / (true_positives_[k] + false_negatives_[k] + epsilon);
        f[k] = precision * recall / (b2 * precision + recall + epsilon) * (1.0 + b2);
    }
    if (!options_.average) return f;
    if (*options_.average == "weighted") {
        double total = 0.0;
        for (double w : intermediate_weights_) total += w;
        double s = 0.0;
        for (std::size_t k = 0; k < n; ++k) s += f[k] * intermediate_weights_[k] / (total + epsilon);
        return {s};
    }
    double s = 0.0;  // "micro" (one pooled value) and "macro"
    for (double v : f) s += v;
    return {s / static_cast<double>(n)};
}

double FBetaScore::result() const {
    const std::vector<double> r = results();
    if (r.empty()) return 0.0;
    if (r.size() > 1)
        throw ValueError(name() + ": result() is one score per class (" + std::to_string(r.size()) +
                         ") with average=None; use results() or set average");
    return r[0];
}

void FBetaScore::reset_state() {
    std::fill(true_positives_.begin(), true_positives_.end(), 0.0);
    std::fill(false_positives_.begin(), false_positives_.end(), 0.0);
    std::fill(false_negatives_.begin(), false_negatives_.end(), 0.0);
    std::fill(intermediate_weights_.begin(), intermediate_weights_.end(), 0.0);
}

nlohmann::json FBetaScore::get_config() const {
    nlohmann::json config = Metric::get_config();
    config["beta"] = options_.beta;
    config["average"] = options_.average ? nlohmann::json(*options_.average) : nlohmann::json(nullptr);
    config["threshold"] = options_.threshold ? nlohmann::json(*options_.threshold) : nlohmann::json(nullptr);
    return config;
}

F1Score::F1Score(F1ScoreOptions o)
    : FBetaScore(FBetaScoreOptions{.average = std::move(o.average),
                                   .beta = 1.0,
                                   .threshold = o.threshold,
                                   .name = std::move(o.name),
                                   .dtype = o.dtype}) {}

nlohmann::json F1Score::get_config() const {
    // Keras's F1Score.get_config drops beta.
    nlohmann::json config = FBetaScore::get_config();
    config.erase("beta");
    return config;
}

}  // namespace strata::metrics
