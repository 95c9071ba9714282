// RootMeanSquaredError and R2Score, as Keras 3's keras/src/metrics/regression_metrics.py.
#include <algorithm>
#include <cmath>

#include "strata/ops/elementwise.hpp"
#include "strata/training/losses.hpp"
#include "strata/training/metrics/regression_more.hpp"
#include "training/metrics/host_array.hpp"

namespace strata::metrics {

RootMeanSquaredError::RootMeanSquaredError(RootMeanSquaredErrorOptions o)
    : Mean(MeanOptions{.name = std::move(o.name), .dtype = o.dtype}) {}

void RootMeanSquaredError::update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) {
    autograd::NoGradScope no_grad;
    if (!y_true.defined() || !y_pred.defined())
        throw ValueError(name() + ": update_state got an undefined " + (y_true.defined() ? "y_pred" : "y_true"));
    const Tensor t = ops::cast(y_true.detach().to(Device::cpu()), float64);
    const Tensor p = ops::cast(y_pred.detach().to(Device::cpu()), float64);
    auto [pp, tt] = losses::squeeze_or_expand_to_same_rank(p, t);
    const Tensor error = pp - tt;
    Mean::update_state(error * error, sample_weight);
}

double RootMeanSquaredError::result() const { return std::sqrt(Mean::result()); }

R2Score::R2Score(R2ScoreOptions o) : Metric(o.name, o.dtype), options_(std::move(o)) {
    if (options_.class_aggregation && *options_.class_aggregation != "uniform_average" &&
        *options_.class_aggregation != "variance_weighted_average")
        throw ValueError(name() + ": invalid value for argument class_aggregation: expected one of None, "
                                  "\"uniform_average\", \"variance_weighted_average\", got \"" +
                         *options_.class_aggregation + "\"");
    if (options_.num_regressors < 0)
        throw ValueError(name() + ": num_regressors must be >= 0, got " + std::to_string(options_.num_regressors));
}

void R2Score::update_state(const Tensor& y_true_in, const Tensor& y_pred_in, const Tensor& sample_weight) {
    autograd::NoGradScope no_grad;
    if (!y_true_in.defined() || !y_pred_in.defined())
        throw ValueError(name() + ": update_state got an undefined " +
                         (y_true_in.defined() ? "y_pred" : "y_true"));
    auto [t_in, p_in] = losses::squeeze_or_expand_to_same_rank(y_true_in.detach(), y_pred_in.detach());
    const detail::HostArray t = detail::host_array(name(), "y_true", t_in);
    const detail::HostArray p = detail::host_array(name(), "y_pred", p_in);
    if (t.rank() != 2 || p.rank() != 2)
        throw ShapeError(name() + ": R2Score expects 2D inputs with shape (batch_size, output_dim), got y_true " +
                         y_true_in.shape().to_string() + " and y_pred " + y_pred_in.shape().to_string());
    if (t.dims != p.dims)
        throw ShapeError(name() + ": y_true " + y_true_in.shape().to_string() + " and y_pred " +
                         y_pred_in.shape().to_string() + " must have the same shape");
    const std::int64_t outputs = p.dims[1];
    if (num_outputs_ < 0) {
        num_outputs_ = outputs;
        const auto n = static_cast<std::size_t>(outputs);
        sum_.assign(n, 0.0);
        squared_sum_.assign(n, 0.0);
        total_mse_.assign(n, 0.0);
        count_.assign(n, 0.0);
    } else if (outputs != num_outputs_) {
        throw ShapeError(name() + ": built for " + std::to_string(num_outputs_) + " outputs, got y_pred " +
                         y_pred_in.shape().to_string());
    }
    std::vector<double> weight(t.values.size(), 1.0);
    if (sample_weight.defined()) {
        detail::HostArray w = detail::host_array(name(), "sample_weight", sample_weight);
        // A weight per sample gets a features axis, as Keras's expand_dims(sample_weight, 1).
        if (w.rank() == 1) w.dims.push_back(1);
        weight = detail::broadcast_host(name(), w, t.dims);
    }
    const std::int64_t rows = t.dims[0];
    for (std::int64_t i = 0; i < rows; ++i) {
        for (std::int64_t j = 0; j < outputs; ++j) {
            const auto e = static_cast<std::size_t>(i * outputs + j);
            const auto c = static_cast<std::size_t>(j);
            const double yt = t.values[e], yp = p.values[e], w = weight[e];
            sum_[c] += yt * w;
            squared_sum_[c] += yt * yt * w;
            total_mse_[c] += (yt - yp) * (yt - yp) * w;
            count_[c] += w;
        }
    }
    num_samples_ += static_cast<double>(t.values.size());
}

std::vector<double> R2Score::results() const {
    if (num_outputs_ < 0) return {};
    const auto n = static_cast<std::size_t>(num_outputs_);
    std::vector<double> raw(n), total(n);
    for (std::size_t c = 0; c < n; ++c) {
        const double mean = sum_[c] / count_[c];
        total[c] = squared_sum_[c] - sum_[c] * mean;
        raw[c] = 1.0 - total_mse_[c] / total[c];
        if (std::isinf(raw[c])) raw[c] = 0.0;  // Keras: where(isinf(raw_scores), 0, raw_scores)
    }
    std::vector<double> scores;
    if (!options_.class_aggregation) {
        scores = raw;
    } else if (*options_.class_aggregation == "uniform_average") {
        double s = 0.0;
        for (double r : raw) s += r;
        scores = {s / static_cast<double>(n)};
    } else {
        double weighted = 0.0, weights = 0.0;
        for (std::size_t c = 0; c < n; ++c) {
            weighted += total[c] * raw[c];
            weights += total[c];
        }
        scores = {weighted / weights};
    }
    const double p = options_.num_regressors;
    const double samples = num_samples_;
    // Keras warns and keeps the plain score when there are too few samples for the adjustment.
    if (p != 0.0 && p < samples - 1.0) {
        for (double& s : scores) s = 1.0 - (1.0 - s) * (samples - 1.0) / (samples - p - 1.0);
    }
    return scores;
}

double R2Score::result() const {
    const std::vector<double> r = results();
    if (r.empty()) return 0.0;
    if (r.size() > 1)
        throw ValueError(name() + ": result() is one score per output (" + std::to_string(r.size()) +
                         ") with class_aggregation=None; use results()");
    return r[0];
}

void R2Score::reset_state() {
    // Keras keeps the built variables and zeroes them: the number of outputs stays fixed.
    std::fill(sum_.begin(), sum_.end(), 0.0);
    std::fill(squared_sum_.begin(), squared_sum_.end(), 0.0);
    std::fill(total_mse_.begin(), total_mse_.end(), 0.0);
    std::fill(count_.begin(), count_.end(), 0.0);
    num_samples_ = 0.0;
}

nlohmann::json R2Score::get_config() const {
    nlohmann::json config = Metric::get_config();
    config["class_aggregation"] =
        options_.class_aggregation ? nlohmann::json(*options_.class_aggregation) : nlohmann::json(nullptr);
    config["num_regressors"] = options_.num_regressors;
    return config;
}

}  // namespace strata::metrics
