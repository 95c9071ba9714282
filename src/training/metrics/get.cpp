// Metric names and MetricSpec: what compile(metrics=[...]) takes, resolved as Keras 3's metrics.get and
// compile_utils.get_metric do (keras/src/metrics/__init__.py, keras/src/trainers/compile_utils.py).
#include <algorithm>
#include <cctype>
#include <map>

#include "core/text.hpp"
#include "strata/training/losses.hpp"
#include "strata/training/metrics.hpp"
#include "strata/training/metrics/confusion.hpp"
#include "strata/training/metrics/f_score.hpp"
#include "strata/training/metrics/regression_more.hpp"
#include "strata/training/metrics/top_k.hpp"

namespace strata::metrics {

namespace {

using Factory = std::shared_ptr<Metric> (*)();

template <class M>
std::shared_ptr<Metric> make() {
    return std::make_shared<M>();
}

// Keras's ALL_OBJECTS_DICT for the metrics strata has: class names, their snake_case, and the aliases.
const std::map<std::string, Factory>& registry() {
    static const std::map<std::string, Factory> r = {
        {"Mean", &make<Mean>},
        {"mean", &make<Mean>},
        {"Accuracy", &make<Accuracy>},
        {"accuracy", &make<Accuracy>},
        {"BinaryAccuracy", &make<BinaryAccuracy>},
        {"binary_accuracy", &make<BinaryAccuracy>},
        {"CategoricalAccuracy", &make<CategoricalAccuracy>},
        {"categorical_accuracy", &make<CategoricalAccuracy>},
        {"SparseCategoricalAccuracy", &make<SparseCategoricalAccuracy>},
        {"sparse_categorical_accuracy", &make<SparseCategoricalAccuracy>},
        {"MeanSquaredError", &make<MeanSquaredError>},
        {"mean_squared_error", &make<MeanSquaredError>},
        {"mse", &make<MeanSquaredError>},
        {"MSE", &make<MeanSquaredError>},
        {"MeanAbsoluteError", &make<MeanAbsoluteError>},
        {"mean_absolute_error", &make<MeanAbsoluteError>},
        {"mae", &make<MeanAbsoluteError>},
        {"MAE", &make<MeanAbsoluteError>},
        {"BinaryCrossentropy", &make<BinaryCrossentropy>},
        {"binary_crossentropy", &make<BinaryCrossentropy>},
        {"bce", &make<BinaryCrossentropy>},
        {"BCE", &make<BinaryCrossentropy>},
        {"CategoricalCrossentropy", &make<CategoricalCrossentropy>},
        {"categorical_crossentropy", &make<CategoricalCrossentropy>},
        {"SparseCategoricalCrossentropy", &make<SparseCategoricalCrossentropy>},
        {"sparse_categorical_crossentropy", &make<SparseCategoricalCrossentropy>},
        {"RootMeanSquaredError", &make<RootMeanSquaredError>},
        {"root_mean_squared_error", &make<RootMeanSquaredError>},
        {"R2Score", &make<R2Score>},
        {"r2_score", &make<R2Score>},
        {"TopKCategoricalAccuracy", &make<TopKCategoricalAccuracy>},
        {"top_k_categorical_accuracy", &make<TopKCategoricalAccuracy>},
        {"SparseTopKCategoricalAccuracy", &make<SparseTopKCategoricalAccuracy>},
        {"sparse_top_k_categorical_accuracy", &make<SparseTopKCategoricalAccuracy>},
        {"TruePositives", &make<TruePositives>},
        {"true_positives", &make<TruePositives>},
        {"TrueNegatives", &make<TrueNegatives>},
        {"true_negatives", &make<TrueNegatives>},
        {"FalsePositives", &make<FalsePositives>},
        {"false_positives", &make<FalsePositives>},
        {"FalseNegatives", &make<FalseNegatives>},
        {"false_negatives", &make<FalseNegatives>},
        {"Precision", &make<Precision>},
        {"precision", &make<Precision>},
        {"Recall", &make<Recall>},
        {"recall", &make<Recall>},
        {"AUC", &make<AUC>},
        {"auc", &make<AUC>},
        {"FBetaScore", &make<FBetaScore>},
        {"f_beta_score", &make<FBetaScore>},
        {"F1Score", &make<F1Score>},
        {"f1_score", &make<F1Score>},
    };
    return r;
}

std::string function_name(Tensor (*fn)(const Tensor&, const Tensor&)) {
    if (fn == &accuracy) return "accuracy";
    if (fn == &categorical_accuracy) return "categorical_accuracy";
    if (fn == &sparse_categorical_accuracy) return "sparse_categorical_accuracy";
    if (fn == &losses::mean_squared_error) return "mean_squared_error";
    if (fn == &losses::mean_absolute_error) return "mean_absolute_error";
    return "custom";
}

}  // namespace

std::vector<std::string> names() { return text::keys(registry()); }

std::shared_ptr<Metric> get(const std::string& name) {
    auto it = registry().find(name);
    if (it == registry().end()) {
        throw ValueError("Could not interpret metric identifier: \"" + name + "\"; known metrics: acc, " +
                         text::join(names()));
    }
    return it->second();
}

MetricSpec::MetricSpec(std::string name) : identifier_(std::move(name)) {
    if (identifier_.empty()) throw ValueError("MetricSpec: a metric name must not be empty");
}

MetricSpec::MetricSpec(std::shared_ptr<Metric> metric) : metric_(std::move(metric)) {
    if (!metric_) throw ValueError("MetricSpec: got a null metric");
}

MetricSpec::MetricSpec(Tensor (*fn)(const Tensor&, const Tensor&)) : fn_(fn), fn_name_(function_name(fn)) {
    if (!fn) throw ValueError("MetricSpec: got a null function");
}

MetricSpec::MetricSpec(MetricFn fn, std::string name) : fn_(std::move(fn)), fn_name_(std::move(name)) {
    if (!fn_) throw ValueError("MetricSpec: got an empty function");
}

std::string MetricSpec::name() const {
    if (!identifier_.empty()) return identifier_;
    if (metric_) return metric_->name();
    return fn_name_;
}

std::shared_ptr<Metric> get(const MetricSpec& spec, const Shape& y_true_shape, const Shape& y_pred_shape) {
    if (spec.metric()) return spec.metric();
    if (spec.fn()) return std::make_shared<MeanMetricWrapper>(spec.fn(), MeanMetricWrapperOptions{.name = spec.name()});
    const std::string& id = spec.identifier();
    const std::string l = text::to_lower(id);
    if (l == "accuracy" || l == "acc") {
        if (y_true_shape.rank() == 0 || y_pred_shape.rank() == 0)
            throw ShapeError("metric \"" + id + "\": cannot choose an accuracy for y_true " +
                             y_true_shape.to_string() + " and y_pred " + y_pred_shape.to_string());
        // Keras's is_binary_or_sparse_categorical.
        const std::int64_t t_last = y_true_shape.at(-1);
        const std::int64_t p_last = y_pred_shape.at(-1);
        const bool is_binary = p_last == 1;
        const bool is_sparse = y_true_shape.rank() < y_pred_shape.rank() || (t_last == 1 && p_last > 1);
        if (is_binary) return std::make_shared<BinaryAccuracy>(BinaryAccuracyOptions{.name = id});
        if (is_sparse) return std::make_shared<SparseCategoricalAccuracy>(SparseCategoricalAccuracyOptions{.name = id});
        return std::make_shared<CategoricalAccuracy>(CategoricalAccuracyOptions{.name = id});
    }
    std::shared_ptr<Metric> metric = get(id);
    metric->set_name(id);
    return metric;
}

}  // namespace strata::metrics
