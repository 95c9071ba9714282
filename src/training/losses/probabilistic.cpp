// The probabilistic losses keras.losses.poisson and kl_divergence. As in Keras, neither function brings
// y_true and y_pred to the same rank itself (the Loss classes do, through LossFunctionWrapper).
#include "inputs.hpp"
#include "strata/ops/elementwise.hpp"
#include "strata/ops/reduce.hpp"
#include "strata/training/loss_functions.hpp"

namespace strata::losses {

Tensor poisson(const Tensor& y_true_in, const Tensor& y_pred_in) {
    auto [y_true, y_pred] = detail::broadcast_inputs("poisson", y_true_in, y_pred_in, /*same_rank=*/false);
    // eps keeps log finite for a predicted rate of 0.
    return ops::mean(y_pred - ops::multiply(y_true, ops::log(y_pred + kEpsilon)), {-1});
}

Tensor kl_divergence(const Tensor& y_true_in, const Tensor& y_pred_in) {
    auto [y_true, y_pred] = detail::broadcast_inputs("kl_divergence", y_true_in, y_pred_in, /*same_rank=*/false);
    // Both are clipped to [eps, 1], so the ratio and its logarithm stay finite.
    Tensor t = ops::clip(y_true, kEpsilon, 1.0);
    Tensor p = ops::clip(y_pred, kEpsilon, 1.0);
    return ops::sum(ops::multiply(t, ops::log(ops::divide(t, p))), {-1});
}

Poisson::Poisson(PoissonOptions o) : LossFunctionWrapper(poisson, std::move(o.name), std::move(o.reduction), o.dtype) {}

KLDivergence::KLDivergence(KLDivergenceOptions o)
    : LossFunctionWrapper(kl_divergence, std::move(o.name), std::move(o.reduction), o.dtype) {}

}  // namespace strata::losses
