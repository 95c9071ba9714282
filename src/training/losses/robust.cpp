// The robust regression losses, Huber and LogCosh (keras.losses.huber and log_cosh): quadratic for small errors,
// linear for large ones, so that outliers pull less than under the mean squared error.
#include <cmath>

#include "inputs.hpp"
#include "strata/ops/elementwise.hpp"
#include "strata/ops/nn.hpp"
#include "strata/ops/reduce.hpp"
#include "strata/training/loss_functions.hpp"

namespace strata::losses {

Tensor huber(const Tensor& y_true_in, const Tensor& y_pred_in, double delta) {
    auto [y_true, y_pred] = detail::broadcast_inputs("huber", y_true_in, y_pred_in, /*same_rank=*/true);
    Tensor error = ops::subtract(y_pred, y_true);
    Tensor abs_error = ops::abs(error);
    Tensor quadratic = ops::square(error) * 0.5;
    Tensor linear = abs_error * delta - 0.5 * delta * delta;
    return ops::mean(ops::where(ops::less_equal(abs_error, ops::scalar_like(abs_error, delta)), quadratic, linear),
                     {-1});
}

Tensor log_cosh(const Tensor& y_true_in, const Tensor& y_pred_in) {
    auto [y_true, y_pred] = detail::broadcast_inputs("log_cosh", y_true_in, y_pred_in, /*same_rank=*/true);
    // log(cosh(x)) = x + log(1 + exp(-2x)) - log 2; softplus keeps exp from overflowing for large |x|.
    Tensor x = ops::subtract(y_pred, y_true);
    return ops::mean(x + ops::softplus(x * -2.0) - std::log(2.0), {-1});
}

Huber::Huber(HuberOptions o)
    : LossFunctionWrapper([delta = o.delta](const Tensor& t, const Tensor& p) { return huber(t, p, delta); }, o.name,
                          o.reduction, o.dtype),
      options_(std::move(o)) {}

// Keras's Huber.get_config returns only Loss's keys; delta is written too, so that a copy rebuilt from the
// config computes the same loss.
nlohmann::json Huber::get_config() const {
    nlohmann::json config = Loss::get_config();
    config["delta"] = options_.delta;
    return config;
}

LogCosh::LogCosh(LogCoshOptions o)
    : LossFunctionWrapper(log_cosh, std::move(o.name), std::move(o.reduction), o.dtype) {}

}  // namespace strata::losses
