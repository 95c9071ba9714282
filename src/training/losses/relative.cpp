// The relative regression losses, keras.losses.mean_squared_logarithmic_error and
// mean_absolute_percentage_error: errors measured against the size of the target, with Keras's epsilon
// guarding the logarithm and the division.
#include "inputs.hpp"
#include "strata/ops/elementwise.hpp"
#include "strata/ops/reduce.hpp"
#include "strata/training/loss_functions.hpp"

namespace strata::losses {

Tensor mean_squared_logarithmic_error(const Tensor& y_true_in, const Tensor& y_pred_in) {
    auto [y_true, y_pred] =
        detail::broadcast_inputs("mean_squared_logarithmic_error", y_true_in, y_pred_in, /*same_rank=*/true);
    // Values <= 0 are raised to eps, so the logarithms stay finite.
    Tensor first_log = ops::log(ops::maximum(y_pred, ops::scalar_like(y_pred, kEpsilon)) + 1.0);
    Tensor second_log = ops::log(ops::maximum(y_true, ops::scalar_like(y_true, kEpsilon)) + 1.0);
    return ops::mean(ops::square(first_log - second_log), {-1});
}

Tensor mean_absolute_percentage_error(const Tensor& y_true_in, const Tensor& y_pred_in) {
    auto [y_true, y_pred] =
        detail::broadcast_inputs("mean_absolute_percentage_error", y_true_in, y_pred_in, /*same_rank=*/true);
    Tensor denominator = ops::maximum(ops::abs(y_true), ops::scalar_like(y_true, kEpsilon));
    Tensor diff = ops::abs(ops::divide(y_true - y_pred, denominator));
    return ops::mean(diff, {-1}) * 100.0;
}

MeanSquaredLogarithmicError::MeanSquaredLogarithmicError(MeanSquaredLogarithmicErrorOptions o)
    : LossFunctionWrapper(mean_squared_logarithmic_error, std::move(o.name), std::move(o.reduction), o.dtype) {}

MeanAbsolutePercentageError::MeanAbsolutePercentageError(MeanAbsolutePercentageErrorOptions o)
    : LossFunctionWrapper(mean_absolute_percentage_error, std::move(o.name), std::move(o.reduction), o.dtype) {}

}  // namespace strata::losses
