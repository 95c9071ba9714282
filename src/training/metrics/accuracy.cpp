// The accuracy functions and metrics, as Keras 3's keras/src/metrics/accuracy_metrics.py: each function gives
// float32 matches per sample; the classes average them with MeanMetricWrapper.
#include "../losses/checks.hpp"
#include "strata/ops/elementwise.hpp"
#include "strata/ops/reduce.hpp"
#include "strata/ops/shape.hpp"
#include "strata/training/losses.hpp"
#include "strata/training/metrics.hpp"

namespace strata::metrics {

namespace {

// Matches of two label tensors as float32 (Keras's floatx); the shapes must broadcast.
Tensor matches(const char* who, const Tensor& a, const Tensor& b, const Tensor& y_true, const Tensor& y_pred) {
    try {
        broadcast_shapes(a.shape(), b.shape(), who);
    } catch (const ShapeError&) {
        throw ShapeError(std::string(who) + ": y_true and y_pred shapes are incompatible, got " +
                         losses::detail::describe(y_true, y_pred));
    }
    return ops::cast(ops::equal(a, b), float32);
}

}  // namespace

Tensor accuracy(const Tensor& y_true, const Tensor& y_pred) {
    losses::detail::require_inputs("accuracy", y_true, y_pred);
    auto [t, p] = losses::squeeze_or_expand_to_same_rank(ops::cast(y_true, y_pred.dtype()), y_pred);
    return ops::mean(matches("accuracy", t, p, y_true, y_pred), {-1});
}

Tensor binary_accuracy(const Tensor& y_true, const Tensor& y_pred, double threshold) {
    losses::detail::require_inputs("binary_accuracy", y_true, y_pred);
    auto [t, p] = losses::squeeze_or_expand_to_same_rank(y_true, y_pred);
    // The threshold takes y_pred's dtype and the thresholded predictions y_true's, as in Keras.
    Tensor predicted = ops::cast(ops::greater(p, ops::scalar_like(p, threshold)), t.dtype());
    return ops::mean(matches("binary_accuracy", t, predicted, y_true, y_pred), {-1});
}

Tensor categorical_accuracy(const Tensor& y_true, const Tensor& y_pred) {
    losses::detail::require_inputs("categorical_accuracy", y_true, y_pred);
    Tensor t = ops::argmax(y_true, -1);
    const Shape t_shape = t.shape();
    bool reshape_matches = false;
    if (t.rank() == y_pred.rank() && t.rank() > 0 && t.shape().at(-1) == 1) {
        t = ops::squeeze(t, -1);
        reshape_matches = true;
    }
    Tensor p = ops::argmax(y_pred, -1);
    if (p.dtype() != t.dtype()) p = ops::cast(p, t.dtype());
    Tensor m = matches("categorical_accuracy", t, p, y_true, y_pred);
    return reshape_matches ? ops::reshape(m, t_shape) : m;
}

Tensor sparse_categorical_accuracy(const Tensor& y_true, const Tensor& y_pred) {
    losses::detail::require_inputs("sparse_categorical_accuracy", y_true, y_pred, /*allow_scalar_y_true=*/true);
    Tensor t = y_true;
    const Shape t_shape = t.shape();
    bool reshape_matches = false;
    // Labels of shape (n, 1) are squeezed to (n,).
    if (t.rank() == y_pred.rank() && t.shape().at(-1) == 1) {
        t = ops::squeeze(t, -1);
        reshape_matches = true;
    }
    Tensor p = ops::argmax(y_pred, -1);
    if (p.dtype() != t.dtype()) p = ops::cast(p, t.dtype());
    Tensor m = matches("sparse_categorical_accuracy", t, p, y_true, y_pred);
    if (reshape_matches) m = ops::reshape(m, t_shape);
    if (m.rank() > 1 && m.shape().at(-1) == 1) m = ops::squeeze(m, -1);
    return m;
}

Accuracy::Accuracy(AccuracyOptions o)
    : MeanMetricWrapper(accuracy, MeanMetricWrapperOptions{.name = std::move(o.name), .dtype = o.dtype}) {}

BinaryAccuracy::BinaryAccuracy(BinaryAccuracyOptions o)
    : MeanMetricWrapper([threshold = o.threshold](const Tensor& t,
                                                  const Tensor& p) { return binary_accuracy(t, p, threshold); },
                        MeanMetricWrapperOptions{.name = o.name, .dtype = o.dtype}),
      threshold_(o.threshold) {
    if (!(threshold_ > 0.0 && threshold_ < 1.0))
        throw ValueError(name() + ": invalid value for argument `threshold`: expected a value in the interval "
                                  "(0, 1), got " + std::to_string(threshold_));
}

nlohmann::json BinaryAccuracy::get_config() const {
    nlohmann::json config = Metric::get_config();
    config["threshold"] = threshold_;
    return config;
}

CategoricalAccuracy::CategoricalAccuracy(CategoricalAccuracyOptions o)
    : MeanMetricWrapper(categorical_accuracy, MeanMetricWrapperOptions{.name = std::move(o.name), .dtype = o.dtype}) {}

SparseCategoricalAccuracy::SparseCategoricalAccuracy(SparseCategoricalAccuracyOptions o)
    : MeanMetricWrapper(sparse_categorical_accuracy,
                        MeanMetricWrapperOptions{.name = std::move(o.name), .dtype = o.dtype}) {}

}  // namespace strata::metrics
