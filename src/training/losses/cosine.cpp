// keras.losses.cosine_similarity: minus the cosine of the angle between y_true and y_pred along `axis`, so that
// minimising it aligns the two.
#include "inputs.hpp"
#include "strata/ops/elementwise.hpp"
#include "strata/ops/reduce.hpp"
#include "strata/training/loss_functions.hpp"

namespace strata::losses {

namespace {

// Keras's ops.normalize(x, axis, order=2): x * minimum(rsqrt(sum(x^2)), 1 / eps), i.e. x / maximum(|x|, eps).
// Written as x / sqrt(maximum(sum(x^2), eps^2)) so that a zero vector has a finite gradient too.
Tensor l2_normalize(const Tensor& x, int axis) {
    Tensor square_sum = ops::sum(ops::square(x), {axis}, /*keepdims=*/true);
    return ops::divide(x, ops::sqrt(ops::maximum(square_sum, ops::scalar_like(square_sum, kEpsilon * kEpsilon))));
}

}  // namespace

Tensor cosine_similarity(const Tensor& y_true_in, const Tensor& y_pred_in, int axis) {
    const char* who = "cosine_similarity";
    auto [y_true, y_pred] = detail::broadcast_inputs(who, y_true_in, y_pred_in, /*same_rank=*/true);
    int a = y_pred.shape().normalize_axis(axis, who);
    if (y_true.rank() != y_pred.rank())
        throw ShapeError(std::string(who) + ": expected y_true and y_pred of the same rank, got " +
                         detail::describe(y_true_in, y_pred_in));
    return ops::negative(ops::sum(ops::multiply(l2_normalize(y_true, a), l2_normalize(y_pred, a)), {a}));
}

CosineSimilarity::CosineSimilarity(CosineSimilarityOptions o)
    : LossFunctionWrapper([axis = o.axis](const Tensor& t, const Tensor& p) { return cosine_similarity(t, p, axis); },
                          o.name, o.reduction, o.dtype),
      options_(std::move(o)) {}

// Keras's CosineSimilarity.get_config returns only Loss's keys; axis is written too, so that a copy rebuilt from
// the config computes the same loss.
nlohmann::json CosineSimilarity::get_config() const {
    nlohmann::json config = Loss::get_config();
    config["axis"] = options_.axis;
    return config;
}

}  // namespace strata::losses
