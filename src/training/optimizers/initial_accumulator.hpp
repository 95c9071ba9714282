// Accumulators that start from a constant (Adagrad, Ftrl), on top of the base optimizer's zero-filled slots.
#pragma once

#include "strata/core/tensor.hpp"
#include "strata/ops/elementwise.hpp"

namespace strata::optimizers {

// The accumulator with the elements of a fresh (zero) slot set to `initial_value`, as Keras's Constant
// initializer at build time. An accumulator only grows from initial_value (it adds squares), so when
// initial_value > 0 its zero elements are exactly the fresh ones (when it is 0 the zero slot is already
// right). The test runs on the device, without reading values back. The caller assigns the result.
inline Tensor started_accumulator(const Tensor& accumulator, double initial_value) {
    return ops::where(accumulator == 0.0, ops::scalar_like(accumulator, initial_value), accumulator);
}

}  // namespace strata::optimizers
