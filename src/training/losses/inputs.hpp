// The argument handling the losses of loss_functions.hpp share: Keras's convert_to_tensor / cast of y_true to
// y_pred's dtype, the optional squeeze_or_expand_to_same_rank, and the checks with errors naming the function.
#pragma once

#include <string>
#include <tuple>
#include <utility>

#include "checks.hpp"
#include "strata/ops/shape.hpp"
#include "strata/training/losses.hpp"

namespace strata::losses::detail {

// y_true cast to y_pred's floating dtype; with same_rank both are brought to the same rank first (as the
// Keras functions that call squeeze_or_expand_to_same_rank do). Throws ShapeError unless they broadcast.
inline std::pair<Tensor, Tensor> broadcast_inputs(const char* who, const Tensor& y_true_in, const Tensor& y_pred_in,
                                                  bool same_rank) {
    require_inputs(who, y_true_in, y_pred_in);
    Tensor y_pred = floating(y_pred_in);
    Tensor y_true = ops::cast(y_true_in, y_pred.dtype());
    if (same_rank) std::tie(y_true, y_pred) = squeeze_or_expand_to_same_rank(y_true, y_pred);
    require_broadcastable(who, y_true, y_pred);
    return {y_true, y_pred};
}

// y_true cast to y_pred's floating dtype, both of the same shape (the crossentropies).
inline std::pair<Tensor, Tensor> same_shape_inputs(const char* who, const Tensor& y_true_in, const Tensor& y_pred_in) {
    require_inputs(who, y_true_in, y_pred_in);
    Tensor y_pred = floating(y_pred_in);
    Tensor y_true = ops::cast(y_true_in, y_pred.dtype());
    require_same_shape(who, y_true, y_pred);
    return {y_true, y_pred};
}

inline void require_label_smoothing(const std::string& who, double label_smoothing) {
    if (!(label_smoothing >= 0.0 && label_smoothing <= 1.0))
        throw ValueError(who + ": label_smoothing must lie in [0, 1], got " + std::to_string(label_smoothing));
}

}  // namespace strata::losses::detail
