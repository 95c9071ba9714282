#include "clipping.hpp"

#include "strata/ops/elementwise.hpp"
#include "strata/ops/reduce.hpp"

namespace strata::optimizers::detail {

Tensor clip_by_norm(const Tensor& gradient, double clip_norm) {
    Tensor l2norm = ops::sqrt(ops::sum(ops::square(gradient)));
    return gradient * clip_norm / ops::maximum(l2norm, ops::scalar_like(l2norm, clip_norm));
}

std::vector<Tensor> clip_by_global_norm(const std::vector<Tensor>& gradients, double clip_norm) {
    // The squared norms are summed in float64 so that gradients of different dtypes can share one norm.
    if (gradients.empty()) return {};
    Tensor squared = Tensor::full({}, 0.0, float64, gradients.front().device());
    for (const Tensor& g : gradients) squared = squared + ops::sum(ops::square(g)).astype(float64);
    Tensor use_norm = ops::sqrt(squared);
    Tensor scale_for_finite = clip_norm * ops::minimum(1.0 / use_norm, ops::scalar_like(use_norm, 1.0 / clip_norm));
    // Zero for a finite norm; NaN for inf or NaN, which then poisons every gradient (Keras does the same).
    Tensor scale = scale_for_finite + (use_norm - use_norm);
    std::vector<Tensor> clipped;
    clipped.reserve(gradients.size());
    for (const Tensor& g : gradients) clipped.push_back(g * scale.astype(g.dtype()));
    return clipped;
}

}  // namespace strata::optimizers::detail
