// The regression losses, as keras.losses.mean_squared_error and mean_absolute_error: y_true is cast to
// y_pred's dtype, both are brought to the same rank, and the last axis is averaged. Shapes that broadcast
// are accepted, as in Keras.
#include "checks.hpp"
#include "strata/ops/elementwise.hpp"
#include "strata/ops/reduce.hpp"
#include "strata/ops/shape.hpp"
#include "strata/training/losses.hpp"

namespace strata::losses {

namespace {

// The difference y_true - y_pred after Keras's conversions and checks.
Tensor error(const char* who, const Tensor& y_true_in, const Tensor& y_pred_in) {
    detail::require_inputs(who, y_true_in, y_pred_in);
    Tensor y_pred = detail::floating(y_pred_in);
    Tensor y_true = ops::cast(y_true_in, y_pred.dtype());
    auto [t, p] = squeeze_or_expand_to_same_rank(y_true, y_pred);
    detail::require_broadcastable(who, t, p);
    return ops::subtract(t, p);
}

}  // namespace

Tensor mean_squared_error(const Tensor& y_true, const Tensor& y_pred) {
    return ops::mean(ops::square(error("mean_squared_error", y_true, y_pred)), {-1});
}

Tensor mean_absolute_error(const Tensor& y_true, const Tensor& y_pred) {
    return ops::mean(ops::abs(error("mean_absolute_error", y_true, y_pred)), {-1});
}

}  // namespace strata::losses
