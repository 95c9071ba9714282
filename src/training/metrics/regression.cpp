// The regression and probabilistic metrics: the loss functions of the same names averaged over samples, as
// Keras 3's keras/src/metrics/{regression_metrics,probabilistic_metrics}.py.
#include "strata/training/losses.hpp"
#include "strata/training/metrics.hpp"

namespace strata::metrics {

MeanSquaredError::MeanSquaredError(MeanSquaredErrorOptions o)
    : MeanMetricWrapper(losses::mean_squared_error,
                        MeanMetricWrapperOptions{.name = std::move(o.name), .dtype = o.dtype}) {}

MeanAbsoluteError::MeanAbsoluteError(MeanAbsoluteErrorOptions o)
    : MeanMetricWrapper(losses::mean_absolute_error,
                        MeanMetricWrapperOptions{.name = std::move(o.name), .dtype = o.dtype}) {}

BinaryCrossentropy::BinaryCrossentropy(BinaryCrossentropyOptions o)
    : MeanMetricWrapper(
          [o](const Tensor& t, const Tensor& p) {
              return losses::binary_crossentropy(t, p, o.from_logits, o.label_smoothing);
          },
          MeanMetricWrapperOptions{.name = o.name, .dtype = o.dtype}),
      options_(std::move(o)) {}

nlohmann::json BinaryCrossentropy::get_config() const {
    nlohmann::json config = Metric::get_config();
    config["from_logits"] = options_.from_logits;
    config["label_smoothing"] = options_.label_smoothing;
    return config;
}

CategoricalCrossentropy::CategoricalCrossentropy(CategoricalCrossentropyOptions o)
    : MeanMetricWrapper(
          [o](const Tensor& t, const Tensor& p) {
              return losses::categorical_crossentropy(t, p, o.from_logits, o.label_smoothing, o.axis);
          },
          MeanMetricWrapperOptions{.name = o.name, .dtype = o.dtype}),
      options_(std::move(o)) {}

nlohmann::json CategoricalCrossentropy::get_config() const {
    nlohmann::json config = Metric::get_config();
    config["from_logits"] = options_.from_logits;
    config["label_smoothing"] = options_.label_smoothing;
    config["axis"] = options_.axis;
    return config;
}

SparseCategoricalCrossentropy::SparseCategoricalCrossentropy(SparseCategoricalCrossentropyOptions o)
    : MeanMetricWrapper(
          [o](const Tensor& t, const Tensor& p) {
              return losses::sparse_categorical_crossentropy(t, p, o.from_logits, o.axis);
          },
          MeanMetricWrapperOptions{.name = o.name, .dtype = o.dtype}),
      options_(std::move(o)) {}

nlohmann::json SparseCategoricalCrossentropy::get_config() const {
    nlohmann::json config = Metric::get_config();
    config["from_logits"] = options_.from_logits;
    config["axis"] = options_.axis;
    return config;
}

}  // namespace strata::metrics
