// keras.metrics.RootMeanSquaredError and R2Score, as Keras 3's keras/src/metrics/regression_metrics.py.
// Totals are kept in double on the host.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "strata/training/metrics.hpp"

namespace strata::metrics {

// Keras: RootMeanSquaredError(name="root_mean_squared_error", dtype=None).
struct RootMeanSquaredErrorOptions {
    std::string name = "root_mean_squared_error";
    DType dtype = float32;
};

// sqrt of the weighted mean of the per-sample mean squared error: the squared errors go through Mean, so each
// sample is first averaged over its last axes, and result() is sqrt(total / count).
class RootMeanSquaredError : public Mean {
public:
    explicit RootMeanSquaredError(RootMeanSquaredErrorOptions options = {});
    void update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = {}) override;
    double result() const override;
    std::string class_name() const override { return "RootMeanSquaredError"; }
};

// Keras: R2Score(class_aggregation="uniform_average", num_regressors=0, name="r2_score", dtype=None).
// class_aggregation is "uniform_average", "variance_weighted_average" or nullopt (Keras's None: one score per
// output).
struct R2ScoreOptions {
    std::optional<std::string> class_aggregation = "uniform_average";
    int num_regressors = 0;
    std::string name = "r2_score";
    DType dtype = float32;
};

// The coefficient of determination over everything seen since the last reset, per output (last axis) and
// then aggregated. Inputs are (batch, outputs); the number of outputs is fixed by the first update. With
// num_regressors > 0 it is the adjusted R2, 1 - (1 - R2)(n - 1) / (n - p - 1), n counting every element seen
// (Keras's num_samples += size(y_true)); left unadjusted when p >= n - 1.
class R2Score : public Metric {
public:
    explicit R2Score(R2ScoreOptions options = {});
    void update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = {}) override;
    // The aggregated score; with class_aggregation = nullopt and more than one output, throws ValueError
    // (use results()). 0 before any update.
    double result() const override;
    // One value when aggregated, else one per output; empty before any update.
    std::vector<double> results() const;
    void reset_state() override;
    std::string class_name() const override { return "R2Score"; }
    nlohmann::json get_config() const override;
    const R2ScoreOptions& options() const { return options_; }

private:
    R2ScoreOptions options_;
    std::int64_t num_outputs_ = -1;  // unknown until the first update
    std::vector<double> sum_, squared_sum_, total_mse_, count_;
    double num_samples_ = 0.0;
};

}  // namespace strata::metrics
