// keras.metrics: stateful metrics that accumulate over the batches of an epoch, the functions behind them, and
// MetricSpec, what compile(metrics=[...]) takes.
//
// Totals and counts are kept in double on the host, so a long epoch does not lose precision; result() is
// total / count (0 before any update, as Keras's divide_no_nan). Semantics follow Keras 3's
// keras/src/metrics/{reduction_metrics,accuracy_metrics,regression_metrics,probabilistic_metrics}.py and
// keras/src/trainers/compile_utils.py.
#pragma once

#include <concepts>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "strata/core/tensor.hpp"

namespace strata::metrics {

using MetricFn = std::function<Tensor(const Tensor&, const Tensor&)>;

// ---- Per-sample functions (float32 matches, one value per sample) ----

// mean(y_true == y_pred, axis=-1), after bringing both to the same rank.
Tensor accuracy(const Tensor& y_true, const Tensor& y_pred);
// mean(y_true == (y_pred > threshold), axis=-1).
Tensor binary_accuracy(const Tensor& y_true, const Tensor& y_pred, double threshold = 0.5);
// argmax(y_true, -1) == argmax(y_pred, -1): one-hot targets.
Tensor categorical_accuracy(const Tensor& y_true, const Tensor& y_pred);
// y_true == argmax(y_pred, -1): integer targets of shape (n,) or (n, 1).
Tensor sparse_categorical_accuracy(const Tensor& y_true, const Tensor& y_pred);

// ---- Base ----

class Metric {
public:
    virtual ~Metric();

    // Adds a batch. sample_weight (optional) weights each sample; a weight of 0 masks it.
    virtual void update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = {}) = 0;
    virtual double result() const = 0;
    virtual void reset_state() = 0;

    const std::string& name() const { return name_; }
    // compile() names a metric after the string it was given ("acc", "mse").
    void set_name(std::string name) { name_ = std::move(name); }
    DType dtype() const { return dtype_; }
    // The Keras class name ("CategoricalAccuracy"), as serialisation writes it; "Metric" for a subclass
    // that does not say.
    virtual std::string class_name() const { return "Metric"; }
    // {"name", "dtype"} plus each subclass's own arguments, as Keras's get_config.
    virtual nlohmann::json get_config() const;

protected:
    // Keras: Metric(dtype=None (float32), name=None).
    Metric(std::string name, DType dtype);
    Metric(const Metric&) = default;
    Metric& operator=(const Metric&) = default;

private:
    std::string name_;
    DType dtype_;
};

// ---- Reduction metrics ----

// Keras: Mean(name="mean", dtype=None).
struct MeanOptions {
    std::string name = "mean";
    DType dtype = float32;
};

// The weighted mean of the values it is given, as keras.metrics.Mean: values of rank > 1 are first averaged
// to one value per sample; the count grows by the number of samples, or by the sum of the weights.
class Mean : public Metric {
public:
    explicit Mean(MeanOptions options = {});

    // Keras: Mean.update_state(values, sample_weight=None).
    void update_state(const Tensor& values, const Tensor& sample_weight = {});
    // One value with its weight: total += value * weight, count += weight.
    void update(double value, double weight = 1.0);
    // Adds a batch already summed: total += sum, count += count (the planned step's fused accuracy).
    void update_totals(double sum, double count);
    // Mean has no (y_true, y_pred) form: throws ValueError. MeanMetricWrapper gives it one.
    void update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) override;

    double result() const override;
    void reset_state() override;
    double total() const { return total_; }
    double count() const { return count_; }
    std::string class_name() const override { return "Mean"; }

private:
    double total_ = 0.0;
    double count_ = 0.0;
};

// Keras: MeanMetricWrapper(fn, name=None, dtype=None).
struct MeanMetricWrapperOptions {
    std::string name = "mean_metric_wrapper";
    DType dtype = float32;
};

// The weighted mean of a per-sample function of (y_true, y_pred). No gradient is recorded.
class MeanMetricWrapper : public Mean {
public:
    explicit MeanMetricWrapper(MetricFn fn, MeanMetricWrapperOptions options = {});
    void update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = {}) override;
    std::string class_name() const override { return "MeanMetricWrapper"; }
    const MetricFn& fn() const { return fn_; }

private:
    MetricFn fn_;
};

// ---- Accuracy ----

// Keras: Accuracy(name="accuracy", dtype=None).
struct AccuracyOptions {
    std::string name = "accuracy";
    DType dtype = float32;
};

class Accuracy : public MeanMetricWrapper {
public:
    explicit Accuracy(AccuracyOptions options = {});
    std::string class_name() const override { return "Accuracy"; }
};

// Keras: BinaryAccuracy(name="binary_accuracy", dtype=None, threshold=0.5); threshold must lie in (0, 1).
struct BinaryAccuracyOptions {
    std::string name = "binary_accuracy";
    DType dtype = float32;
    double threshold = 0.5;
};

class BinaryAccuracy : public MeanMetricWrapper {
public:
    explicit BinaryAccuracy(BinaryAccuracyOptions options = {});
    std::string class_name() const override { return "BinaryAccuracy"; }
    nlohmann::json get_config() const override;
    double threshold() const { return threshold_; }

private:
    double threshold_;
};

// Keras: CategoricalAccuracy(name="categorical_accuracy", dtype=None).
struct CategoricalAccuracyOptions {
    std::string name = "categorical_accuracy";
    DType dtype = float32;
};

class CategoricalAccuracy : public MeanMetricWrapper {
public:
    explicit CategoricalAccuracy(CategoricalAccuracyOptions options = {});
    std::string class_name() const override { return "CategoricalAccuracy"; }
};

// Keras: SparseCategoricalAccuracy(name="sparse_categorical_accuracy", dtype=None).
struct SparseCategoricalAccuracyOptions {
    std::string name = "sparse_categorical_accuracy";
    DType dtype = float32;
};

class SparseCategoricalAccuracy : public MeanMetricWrapper {
public:
    explicit SparseCategoricalAccuracy(SparseCategoricalAccuracyOptions options = {});
    std::string class_name() const override { return "SparseCategoricalAccuracy"; }
};

// ---- Regression ----

// Keras: MeanSquaredError(name="mean_squared_error", dtype=None).
struct MeanSquaredErrorOptions {
    std::string name = "mean_squared_error";
    DType dtype = float32;
};

class MeanSquaredError : public MeanMetricWrapper {
public:
    explicit MeanSquaredError(MeanSquaredErrorOptions options = {});
    std::string class_name() const override { return "MeanSquaredError"; }
};

// Keras: MeanAbsoluteError(name="mean_absolute_error", dtype=None).
struct MeanAbsoluteErrorOptions {
    std::string name = "mean_absolute_error";
    DType dtype = float32;
};

class MeanAbsoluteError : public MeanMetricWrapper {
public:
    explicit MeanAbsoluteError(MeanAbsoluteErrorOptions options = {});
    std::string class_name() const override { return "MeanAbsoluteError"; }
};

// ---- Probabilistic ----

// Keras: BinaryCrossentropy(name="binary_crossentropy", dtype=None, from_logits=False, label_smoothing=0).
struct BinaryCrossentropyOptions {
    std::string name = "binary_crossentropy";
    DType dtype = float32;
    bool from_logits = false;
    double label_smoothing = 0.0;
};

class BinaryCrossentropy : public MeanMetricWrapper {
public:
    explicit BinaryCrossentropy(BinaryCrossentropyOptions options = {});
    std::string class_name() const override { return "BinaryCrossentropy"; }
    nlohmann::json get_config() const override;

private:
    BinaryCrossentropyOptions options_;
};

// Keras: CategoricalCrossentropy(name="categorical_crossentropy", dtype=None, from_logits=False,
// label_smoothing=0, axis=-1).
struct CategoricalCrossentropyOptions {
    std::string name = "categorical_crossentropy";
    DType dtype = float32;
    bool from_logits = false;
    double label_smoothing = 0.0;
    int axis = -1;
};

class CategoricalCrossentropy : public MeanMetricWrapper {
public:
    explicit CategoricalCrossentropy(CategoricalCrossentropyOptions options = {});
    std::string class_name() const override { return "CategoricalCrossentropy"; }
    nlohmann::json get_config() const override;

private:
    CategoricalCrossentropyOptions options_;
};

// Keras: SparseCategoricalCrossentropy(name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
// axis=-1).
struct SparseCategoricalCrossentropyOptions {
    std::string name = "sparse_categorical_crossentropy";
    DType dtype = float32;
    bool from_logits = false;
    int axis = -1;
};

class SparseCategoricalCrossentropy : public MeanMetricWrapper {
public:
    explicit SparseCategoricalCrossentropy(SparseCategoricalCrossentropyOptions options = {});
    std::string class_name() const override { return "SparseCategoricalCrossentropy"; }
    nlohmann::json get_config() const override;

private:
    SparseCategoricalCrossentropyOptions options_;
};

// ---- Names ----

// The metric a name stands for, as keras.metrics.get: a class name ("CategoricalAccuracy"), its snake_case
// ("categorical_accuracy") or an alias ("mse", "MSE", "mae", "MAE", "bce", "BCE"), with its defaults. Throws
// ValueError listing the known names for any other. ("accuracy" here is Accuracy; compile's shape-dependent
// choice is get(spec, y_true_shape, y_pred_shape) below.)
std::shared_ptr<Metric> get(const std::string& name);
// The names get() knows, sorted.
std::vector<std::string> names();

// What compile(metrics=[...]) takes for one metric: a name, a Metric object (copied), a shared Metric, or a
// C++ function of (y_true, y_pred) giving per-sample values (averaged by a MeanMetricWrapper).
class MetricSpec {
public:
    MetricSpec(const char* name) : MetricSpec(std::string(name)) {}
    MetricSpec(std::string name);
    template <std::derived_from<Metric> M>
    MetricSpec(M metric) : metric_(std::make_shared<M>(std::move(metric))) {}
    MetricSpec(std::shared_ptr<Metric> metric);
    MetricSpec(Tensor (*fn)(const Tensor&, const Tensor&));
    MetricSpec(MetricFn fn, std::string name = "custom");
    // Lambdas and other callables (a lambda would otherwise match both constructors above).
    template <class F>
        requires(std::is_invocable_r_v<Tensor, F&, const Tensor&, const Tensor&> &&
                 !std::derived_from<std::remove_cvref_t<F>, Metric> &&
                 !std::is_convertible_v<F, std::string> && !std::same_as<std::decay_t<F>, MetricFn>)
    MetricSpec(F fn, std::string name = "custom") : MetricSpec(MetricFn(std::move(fn)), std::move(name)) {}

    // The string given, or the name of the metric or function.
    std::string name() const;
    const std::string& identifier() const { return identifier_; }
    const std::shared_ptr<Metric>& metric() const { return metric_; }
    const MetricFn& fn() const { return fn_; }

private:
    std::string identifier_;
    std::shared_ptr<Metric> metric_;
    MetricFn fn_;
    std::string fn_name_;
};

// Turns a compile() metric into an object, as Keras 3's compile_utils.get_metric: "accuracy" and "acc" (any
// case) become BinaryAccuracy when y_pred's last axis is 1, SparseCategoricalAccuracy when y_true has a lower
// rank than y_pred or a last axis of 1, CategoricalAccuracy otherwise, named with the string given; other
// names go through get(name) and are renamed to the string; functions are wrapped in a MeanMetricWrapper;
// a Metric object is returned as it is. Throws ValueError for an unknown name.
std::shared_ptr<Metric> get(const MetricSpec& spec, const Shape& y_true_shape, const Shape& y_pred_shape);

}  // namespace strata::metrics
