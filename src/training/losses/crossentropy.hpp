// The sparse crossentropy with Keras's ignore_class, shared by the function and the Loss class.
#pragma once

#include <optional>

#include "strata/core/tensor.hpp"

namespace strata::losses::detail {

// Labels equal to ignore_class give a loss of 0 (and are not checked against the classes).
Tensor sparse_categorical_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool from_logits,
                                       std::optional<std::int64_t> ignore_class, int axis);

// The valid elements of the result above: y_true != ignore_class, shaped like the per-sample losses.
Tensor sparse_valid_mask(const Tensor& y_true, const Tensor& y_pred, std::int64_t ignore_class);

}  // namespace strata::losses::detail
