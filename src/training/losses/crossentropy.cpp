// The crossentropies, as keras.losses.{categorical,sparse_categorical,binary}_crossentropy over the backend's
// ops of the same names (keras/src/backend/{numpy,tensorflow}/nn.py). They are composed from differentiable
// ops (log_softmax, clip, log), so their gradients come from the ops' own backward functions.
#include "crossentropy.hpp"

#include <vector>

#include "checks.hpp"
#include "strata/ops/elementwise.hpp"
#include "strata/ops/nn.hpp"
#include "strata/ops/reduce.hpp"
#include "strata/ops/shape.hpp"
#include "strata/training/losses.hpp"

namespace strata::losses {

namespace {

// log of the predicted distribution over `axis`. Probabilities are renormalised to sum 1 and clipped to
// [eps, 1 - eps] (Keras's backend.epsilon() = 1e-7), so log never sees 0; logits go through log_softmax.
Tensor log_probabilities(const Tensor& y_pred, bool from_logits, int axis) {
    if (from_logits) return ops::log_softmax(y_pred, axis);
    Tensor p = ops::divide(y_pred, ops::sum(y_pred, {axis}, true));
    return ops::log(ops::clip(p, kEpsilon, 1.0 - kEpsilon));
}

void check_label_smoothing(const char* who, double label_smoothing) {
    if (!(label_smoothing >= 0.0 && label_smoothing <= 1.0))
        throw ValueError(std::string(who) + ": label_smoothing must lie in [0, 1], got " +
                         std::to_string(label_smoothing));
}

// Moves the last axis of x to `axis` (the one-hot classes axis onto y_pred's classes axis).
Tensor move_last_axis_to(const Tensor& x, int axis) {
    int last = x.rank() - 1;
    if (axis == last) return x;
    std::vector<int> perm;
    for (int i = 0; i < last; ++i) {
        if (i == axis) perm.push_back(last);
        perm.push_back(i);
    }
    return ops::transpose(x, perm);
}

}  // namespace

Tensor categorical_crossentropy(const Tensor& y_true_in, const Tensor& y_pred_in, bool from_logits,
                                double label_smoothing, int axis) {
    const char* who = "categorical_crossentropy";
    detail::require_inputs(who, y_true_in, y_pred_in);
    check_label_smoothing(who, label_smoothing);
    Tensor y_pred = detail::floating(y_pred_in);
    Tensor y_true = ops::cast(y_true_in, y_pred.dtype());
    detail::require_same_shape(who, y_true, y_pred);
    int a = y_pred.shape().normalize_axis(axis, who);
    if (label_smoothing > 0.0) {
        // Keras counts the classes on y_true's last axis, whatever `axis` is.
        double num_classes = static_cast<double>(y_true.shape().at(-1));
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / num_classes;
    }
    return ops::negative(ops::sum(ops::multiply(y_true, log_probabilities(y_pred, from_logits, a)), {a}));
}

Tensor sparse_categorical_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool from_logits, int axis) {
    return detail::sparse_categorical_crossentropy(y_true, y_pred, from_logits, std::nullopt, axis);
}

namespace detail {

namespace {

// y_true with a trailing axis of 1 squeezed when it has y_pred's rank, checked to have y_pred's shape
// without the classes axis.
Tensor sparse_target(const char* who, const Tensor& y_true_in, const Tensor& y_pred, int a) {
    Tensor y_true = y_true_in;
    if (y_true.rank() == y_pred.rank() && y_true.shape().at(-1) == 1) y_true = ops::squeeze(y_true, -1);
    std::vector<std::int64_t> expected;
    for (int i = 0; i < y_pred.rank(); ++i)
        if (i != a) expected.push_back(y_pred.shape()[i]);
    if (y_true.shape() != Shape(expected))
        throw ShapeError(std::string(who) + ": expected y_true of shape " + Shape(expected).to_string() +
                         " (y_pred's shape without the classes axis), got " + describe(y_true_in, y_pred));
    return y_true;
}

}  // namespace

Tensor sparse_categorical_crossentropy(const Tensor& y_true_in, const Tensor& y_pred_in, bool from_logits,
                                       std::optional<std::int64_t> ignore_class, int axis) {
    const char* who = "sparse_categorical_crossentropy";
    // One sample of C classes has a label of shape (), so y_true may be a scalar here.
    require_inputs(who, y_true_in, y_pred_in, /*allow_scalar_y_true=*/true);
    Tensor y_pred = floating(y_pred_in);
    int a = y_pred.shape().normalize_axis(axis, who);
    Tensor y_true = sparse_target(who, y_true_in, y_pred, a);
    std::int64_t classes = y_pred.shape()[a];
    Tensor labels = sparse_labels(who, y_true, y_pred, classes, ignore_class.has_value(), ignore_class.value_or(0));
    Tensor one_hot = move_last_axis_to(ops::one_hot(labels, classes, y_pred.dtype()), a).to(y_pred.device());
    Tensor losses = ops::negative(ops::sum(ops::multiply(one_hot, log_probabilities(y_pred, from_logits, a)), {a}));
    if (ignore_class) {
        Tensor valid = sparse_valid_mask(y_true, y_pred, *ignore_class);
        losses = ops::where(valid, losses, ops::scalar_like(losses, 0.0));
    }
    return losses;
}

Tensor sparse_valid_mask(const Tensor& y_true_in, const Tensor& y_pred, std::int64_t ignore_class) {
    Tensor y_true = y_true_in;
    if (y_true.rank() == y_pred.rank() && y_true.shape().at(-1) == 1) y_true = ops::squeeze(y_true, -1);
    Tensor ignored = Tensor::scalar(static_cast<double>(ignore_class), y_true.dtype()).to(y_true.device());
    return ops::not_equal(y_true, ignored);
}

}  // namespace detail

Tensor binary_crossentropy(const Tensor& y_true_in, const Tensor& y_pred_in, bool from_logits,
                           double label_smoothing, int axis) {
    const char* who = "binary_crossentropy";
    detail::require_inputs(who, y_true_in, y_pred_in);
    check_label_smoothing(who, label_smoothing);
    Tensor y_pred = detail::floating(y_pred_in);
    Tensor y = ops::cast(y_true_in, y_pred.dtype());
    detail::require_same_shape(who, y, y_pred);
    int a = y_pred.shape().normalize_axis(axis, who);
    if (label_smoothing > 0.0) y = y * (1.0 - label_smoothing) + 0.5 * label_smoothing;
    Tensor bce;
    if (from_logits) {
        // TensorFlow's sigmoid_cross_entropy_with_logits: max(x, 0) - x y + log1p(exp(-|x|)), which neither
        // overflows for large |x| nor loses the small probabilities that a clip would.
        const Tensor& x = y_pred;
        bce = ops::relu(x) - ops::multiply(x, y) + ops::log1p(ops::exp(ops::negative(ops::abs(x))));
    } else {
        Tensor p = ops::clip(y_pred, kEpsilon, 1.0 - kEpsilon);
        bce = ops::negative(ops::multiply(y, ops::log(p)) + ops::multiply(1.0 - y, ops::log(1.0 - p)));
    }
    return ops::mean(bce, {a});
}

}  // namespace strata::losses
