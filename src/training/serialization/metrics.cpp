// metrics.serialize / deserialize, as Keras's serialize_keras_object and metrics.deserialize (a class's config
// is its constructor's keyword arguments: Metric.from_config is cls(**config)).
#include <functional>
#include <map>

#include "config_reader.hpp"
#include "core/text.hpp"
#include "strata/core/error.hpp"
#include "strata/training/metrics/confusion.hpp"
#include "strata/training/metrics/f_score.hpp"
#include "strata/training/metrics/iou.hpp"
#include "strata/training/metrics/regression_more.hpp"
#include "strata/training/metrics/top_k.hpp"
#include "strata/training/serialization.hpp"

namespace strata::metrics {

namespace {

using serialization::ConfigReader;

// Metric's own arguments, which every options struct carries: name, dtype.
template <class M, class Options>
std::shared_ptr<Metric> make(ConfigReader& r, Options o) {
    r.read("name", o.name);
    r.read_dtype("dtype", o.dtype);
    r.finish();
    return std::make_shared<M>(std::move(o));
}

template <class M, class Options>
std::shared_ptr<Metric> make_plain(ConfigReader& r) {
    return make<M>(r, Options{});
}

template <class M, class Options>
std::shared_ptr<Metric> make_with_thresholds(ConfigReader& r) {
    Options o;
    r.read_thresholds("thresholds", o.thresholds);
    return make<M>(r, std::move(o));
}

template <class M, class Options>
std::shared_ptr<Metric> make_precision_recall(ConfigReader& r) {
    Options o;
    r.read_thresholds("thresholds", o.thresholds);
    r.read("top_k", o.top_k);
    r.read("class_id", o.class_id);
    return make<M>(r, std::move(o));
}

using Factory = std::function<std::shared_ptr<Metric>(ConfigReader&)>;

// Keras's metric classes strata has, by class name.
const std::map<std::string, Factory>& factories() {
    static const std::map<std::string, Factory> table = {
        {"Mean", &make_plain<Mean, MeanOptions>},
        {"Accuracy", &make_plain<Accuracy, AccuracyOptions>},
        {"CategoricalAccuracy", &make_plain<CategoricalAccuracy, CategoricalAccuracyOptions>},
        {"SparseCategoricalAccuracy", &make_plain<SparseCategoricalAccuracy, SparseCategoricalAccuracyOptions>},
        {"MeanSquaredError", &make_plain<MeanSquaredError, MeanSquaredErrorOptions>},
        {"MeanAbsoluteError", &make_plain<MeanAbsoluteError, MeanAbsoluteErrorOptions>},
        {"RootMeanSquaredError", &make_plain<RootMeanSquaredError, RootMeanSquaredErrorOptions>},
        {"BinaryAccuracy",
         [](ConfigReader& r) {
             BinaryAccuracyOptions o;
             r.read("threshold", o.threshold);
             return make<BinaryAccuracy>(r, o);
         }},
        {"BinaryCrossentropy",
         [](ConfigReader& r) {
             BinaryCrossentropyOptions o;
             r.read("from_logits", o.from_logits);
             r.read("label_smoothing", o.label_smoothing);
             return make<BinaryCrossentropy>(r, o);
         }},
        {"CategoricalCrossentropy",
         [](ConfigReader& r) {
             CategoricalCrossentropyOptions o;
             r.read("from_logits", o.from_logits);
             r.read("label_smoothing", o.label_smoothing);
             r.read("axis", o.axis);
             return make<CategoricalCrossentropy>(r, o);
         }},
        {"SparseCategoricalCrossentropy",
         [](ConfigReader& r) {
             SparseCategoricalCrossentropyOptions o;
             r.read("from_logits", o.from_logits);
             r.read("axis", o.axis);
             return make<SparseCategoricalCrossentropy>(r, o);
         }},
        {"R2Score",
         [](ConfigReader& r) {
             R2ScoreOptions o;
             r.read("class_aggregation", o.class_aggregation);
             r.read("num_regressors", o.num_regressors);
             return make<R2Score>(r, o);
         }},
        {"TopKCategoricalAccuracy",
         [](ConfigReader& r) {
             TopKCategoricalAccuracyOptions o;
             r.read("k", o.k);
             return make<TopKCategoricalAccuracy>(r, o);
         }},
        {"SparseTopKCategoricalAccuracy",
         [](ConfigReader& r) {
             SparseTopKCategoricalAccuracyOptions o;
             r.read("k", o.k);
             r.read("from_sorted_ids", o.from_sorted_ids);
             return make<SparseTopKCategoricalAccuracy>(r, o);
         }},
        {"TruePositives", &make_with_thresholds<TruePositives, TruePositivesOptions>},
        {"TrueNegatives", &make_with_thresholds<TrueNegatives, TrueNegativesOptions>},
        {"FalsePositives", &make_with_thresholds<FalsePositives, FalsePositivesOptions>},
        {"FalseNegatives", &make_with_thresholds<FalseNegatives, FalseNegativesOptions>},
        {"Precision", &make_precision_recall<Precision, PrecisionOptions>},
        {"Recall", &make_precision_recall<Recall, RecallOptions>},
        {"AUC",
         [](ConfigReader& r) {
             AUCOptions o;
             r.read("num_thresholds", o.num_thresholds);
             r.read("curve", o.curve);
             r.read("summation_method", o.summation_method);
             r.read_thresholds("thresholds", o.thresholds);
             r.read("from_logits", o.from_logits);
             // strata pools every label, as Keras's multi_label=False; the per-label arguments must be unset.
             r.accept_only("multi_label", {false});
             r.accept_only("num_labels", {nullptr});
             r.accept_only("label_weights", {nullptr});
             return make<AUC>(r, o);
         }},
        {"FBetaScore",
         [](ConfigReader& r) {
             FBetaScoreOptions o;
             r.read("average", o.average);
             r.read("beta", o.beta);
             r.read("threshold", o.threshold);
             return make<FBetaScore>(r, o);
         }},
        {"F1Score",
         [](ConfigReader& r) {
             F1ScoreOptions o;
             r.read("average", o.average);
             r.read("threshold", o.threshold);
             return make<F1Score>(r, o);
         }},
        {"MeanIoU",
         [](ConfigReader& r) {
             // Keras: MeanIoU(num_classes, ...) requires num_classes.
             std::int64_t num_classes = 0;
             if (!r.take("num_classes")) throw ValueError(r.who() + ": config key \"num_classes\" is required");
             r.read("num_classes", num_classes);
             MeanIoUOptions o;
             r.read("ignore_class", o.ignore_class);
             r.read("sparse_y_true", o.sparse_y_true);
             r.read("sparse_y_pred", o.sparse_y_pred);
             r.read("axis", o.axis);
             r.read("name", o.name);
             r.read_dtype("dtype", o.dtype);
             r.finish();
             return std::make_shared<MeanIoU>(num_classes, std::move(o));
         }},
    };
    return table;
}

// A metric name compile() can resolve: "accuracy"/"acc" in any case (chosen from the shapes), or a name
// metrics::get knows.
MetricSpec from_name(const std::string& who, const std::string& name) {
    const std::string lower = text::to_lower(name);
    if (lower != "accuracy" && lower != "acc") {
        try {
            get(name);
        } catch (const ValueError& e) {
            throw ValueError(who + ": " + e.what());
        }
    }
    return MetricSpec(name);
}

}  // namespace

nlohmann::json serialize(const Metric& metric) {
    const std::string class_name = metric.class_name();
    if (!factories().count(class_name))
        throw ValueError("metrics.serialize: metric \"" + metric.name() + "\" (class " + class_name +
                         ") has no Keras class to write; give the metric by name or as a keras.metrics class");
    return {{"module", "keras.metrics"},
            {"class_name", class_name},
            {"config", metric.get_config()},
            {"registered_name", nullptr}};
}

MetricSpec deserialize(const nlohmann::json& config) {
    const std::string who = "metrics.deserialize";
    if (config.is_string()) return from_name(who, config.get<std::string>());
    serialization::SerializedObject object = serialization::read_serialized(who, config);
    if (object.class_name == "function") return from_name(who, object.config.get<std::string>());
    auto it = factories().find(object.class_name);
    if (it == factories().end())
        throw ValueError(who + ": unknown metric class \"" + object.class_name +
                         "\"; known: " + text::join(text::keys(factories())));
    ConfigReader reader(who + ": " + object.class_name, object.config);
    return MetricSpec(it->second(reader));
}

}  // namespace strata::metrics
