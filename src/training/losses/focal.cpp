// The focal crossentropies, keras.losses.categorical_focal_crossentropy and binary_focal_crossentropy
// (Lin et al., 2018, "Focal Loss for Dense Object Detection"): the crossentropy scaled by (1 - p_t)^gamma, so
// that well-classified examples weigh less.
#include "inputs.hpp"
#include "strata/ops/elementwise.hpp"
#include "strata/ops/nn.hpp"
#include "strata/ops/reduce.hpp"
#include "strata/training/loss_functions.hpp"

namespace strata::losses {

Tensor categorical_focal_crossentropy(const Tensor& y_true_in, const Tensor& y_pred_in, double alpha, double gamma,
                                      bool from_logits, double label_smoothing, int axis) {
    const char* who = "categorical_focal_crossentropy";
    detail::require_label_smoothing(who, label_smoothing);
    auto [y_true, y_pred] = detail::same_shape_inputs(who, y_true_in, y_pred_in);
    int a = y_pred.shape().normalize_axis(axis, who);
    if (label_smoothing > 0.0) {
        // Keras counts the classes on y_true's last axis, whatever `axis` is.
        double num_classes = static_cast<double>(y_true.shape().at(-1));
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / num_classes;
    }
    if (from_logits) y_pred = ops::softmax(y_pred, a);
    // Renormalised to sum 1 and clipped to [eps, 1 - eps], as categorical_crossentropy's probabilities.
    Tensor output = ops::divide(y_pred, ops::sum(y_pred, {a}, /*keepdims=*/true));
    output = ops::clip(output, kEpsilon, 1.0 - kEpsilon);
    Tensor cce = ops::negative(ops::multiply(y_true, ops::log(output)));
    Tensor weighting_factor = ops::power(1.0 - output, gamma) * alpha;
    return ops::sum(ops::multiply(weighting_factor, cce), {a});
}

Tensor binary_focal_crossentropy(const Tensor& y_true_in, const Tensor& y_pred_in, bool apply_class_balancing,
                                 double alpha, double gamma, bool from_logits, double label_smoothing, int axis) {
    const char* who = "binary_focal_crossentropy";
    detail::require_label_smoothing(who, label_smoothing);
    auto [y, y_pred] = detail::same_shape_inputs(who, y_true_in, y_pred_in);
    int a = y_pred.shape().normalize_axis(axis, who);
    if (label_smoothing > 0.0) y = y * (1.0 - label_smoothing) + 0.5 * label_smoothing;
    // With logits Keras takes the sigmoid and then the clipped crossentropy of probabilities (not the stable
    // logits form), so the loss saturates at -log(eps) as it does there.
    Tensor p = from_logits ? ops::sigmoid(y_pred) : y_pred;
    Tensor clipped = ops::clip(p, kEpsilon, 1.0 - kEpsilon);
    Tensor bce = ops::negative(ops::multiply(y, ops::log(clipped)) + ops::multiply(1.0 - y, ops::log(1.0 - clipped)));
    // p_t is the probability given to the true class, from the unclipped p as in Keras.
    Tensor p_t = ops::multiply(y, p) + ops::multiply(1.0 - y, 1.0 - p);
    Tensor focal_bce = ops::multiply(ops::power(1.0 - p_t, gamma), bce);
    if (apply_class_balancing) focal_bce = ops::multiply(y * alpha + (1.0 - y) * (1.0 - alpha), focal_bce);
    return ops::mean(focal_bce, {a});
}

CategoricalFocalCrossentropy::CategoricalFocalCrossentropy(CategoricalFocalCrossentropyOptions o)
    : LossFunctionWrapper(
          [o](const Tensor& t, const Tensor& p) {
              return categorical_focal_crossentropy(t, p, o.alpha, o.gamma, o.from_logits, o.label_smoothing, o.axis);
          },
          o.name, o.reduction, o.dtype),
      options_(std::move(o)) {
    detail::require_label_smoothing(name(), options_.label_smoothing);
}

nlohmann::json CategoricalFocalCrossentropy::get_config() const {
    nlohmann::json config = Loss::get_config();
    config["from_logits"] = options_.from_logits;
    config["label_smoothing"] = options_.label_smoothing;
    config["axis"] = options_.axis;
    config["alpha"] = options_.alpha;
    config["gamma"] = options_.gamma;
    return config;
}

BinaryFocalCrossentropy::BinaryFocalCrossentropy(BinaryFocalCrossentropyOptions o)
    : LossFunctionWrapper(
          [o](const Tensor& t, const Tensor& p) {
              return binary_focal_crossentropy(t, p, o.apply_class_balancing, o.alpha, o.gamma, o.from_logits,
                                               o.label_smoothing, o.axis);
          },
          o.name, o.reduction, o.dtype),
      options_(std::move(o)) {
    detail::require_label_smoothing(name(), options_.label_smoothing);
}

nlohmann::json BinaryFocalCrossentropy::get_config() const {
    nlohmann::json config = Loss::get_config();
    config["from_logits"] = options_.from_logits;
    config["label_smoothing"] = options_.label_smoothing;
    config["axis"] = options_.axis;
    config["apply_class_balancing"] = options_.apply_class_balancing;
    config["alpha"] = options_.alpha;
    config["gamma"] = options_.gamma;
    return config;
}

}  // namespace strata::losses
