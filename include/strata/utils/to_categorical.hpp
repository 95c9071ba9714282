// Keras: keras.utils.to_categorical(x, num_classes=None).
#pragma once

#include <cstdint>

#include "strata/core/tensor.hpp"

namespace strata::utils {

// One-hot encodes integer class labels of any shape: the result is float32 with a new last axis of
// num_classes, 1 at each label and 0 elsewhere. As in Keras, a last axis of size 1 (labels [n, 1]) is dropped
// first, and num_classes left out (-1) or 0 is inferred as max(labels) + 1.
//
// Labels may be of any integer type, bool, or floating with integral values. Throws ValueError naming the
// label and num_classes when a label is negative, not an integer or not below num_classes, and when
// num_classes is to be inferred from no labels.
Tensor to_categorical(const Tensor& labels, std::int64_t num_classes = -1);

}  // namespace strata::utils
