// The margin losses keras.losses.hinge, squared_hinge and categorical_hinge, for targets in {-1, 1} (or {0, 1},
// converted) and one-hot targets.
#include <vector>

#include "inputs.hpp"
#include "strata/ops/elementwise.hpp"
#include "strata/ops/nn.hpp"
#include "strata/ops/reduce.hpp"
#include "strata/training/loss_functions.hpp"

namespace strata::losses {

namespace {

// Keras's convert_binary_labels_to_hinge: when every label is 0 or 1 they become -1 and 1 (2 y - 1); other
// labels are kept. Labels carry no gradient, so the test reads them on the host.
Tensor hinge_labels(const Tensor& y_true) {
    std::vector<double> labels = y_true.detach().to(Device::cpu()).astype(float64).to_vector<double>();
    for (double v : labels)
        if (v != 0.0 && v != 1.0) return y_true;
    return y_true * 2.0 - 1.0;
}

// maximum(1 - y_true * y_pred, 0) with the labels converted.
Tensor margins(const char* who, const Tensor& y_true_in, const Tensor& y_pred_in) {
    auto [y_true, y_pred] = detail::broadcast_inputs(who, y_true_in, y_pred_in, /*same_rank=*/false);
    return ops::relu(1.0 - ops::multiply(hinge_labels(y_true), y_pred));
}

}  // namespace

Tensor hinge(const Tensor& y_true, const Tensor& y_pred) {
    return ops::mean(margins("hinge", y_true, y_pred), {-1});
}

Tensor squared_hinge(const Tensor& y_true, const Tensor& y_pred) {
    return ops::mean(ops::square(margins("squared_hinge", y_true, y_pred)), {-1});
}

Tensor categorical_hinge(const Tensor& y_true_in, const Tensor& y_pred_in) {
    auto [y_true, y_pred] =
        detail::broadcast_inputs("categorical_hinge", y_true_in, y_pred_in, /*same_rank=*/false);
    // pos: the score of the true class; neg: the best score among the others.
    Tensor pos = ops::sum(ops::multiply(y_true, y_pred), {-1});
    Tensor neg = ops::max(ops::multiply(1.0 - y_true, y_pred), {-1});
    return ops::relu(neg - pos + 1.0);
}

Hinge::Hinge(HingeOptions o) : LossFunctionWrapper(hinge, std::move(o.name), std::move(o.reduction), o.dtype) {}

SquaredHinge::SquaredHinge(SquaredHingeOptions o)
    : LossFunctionWrapper(squared_hinge, std::move(o.name), std::move(o.reduction), o.dtype) {}

CategoricalHinge::CategoricalHinge(CategoricalHingeOptions o)
    : LossFunctionWrapper(categorical_hinge, std::move(o.name), std::move(o.reduction), o.dtype) {}

}  // namespace strata::losses
