// GradientTape, as in Keras's TensorFlow backend: operations on trainable weights inside the tape's life are
// recorded; `gradient(target, sources)` differentiates the target with respect to each source.
#pragma once

#include <vector>

#include "strata/core/tensor.hpp"

namespace strata {

class GradientTape {
public:
    // persistent: allow more than one gradient() call, as tf.GradientTape(persistent=True).
    explicit GradientTape(bool persistent = false);
    ~GradientTape();
    GradientTape(const GradientTape&) = delete;
    GradientTape& operator=(const GradientTape&) = delete;

    // Records operations on `tensor` (a constant) from now on.
    void watch(Tensor& tensor);
    // d target / d source for each source; an undefined Tensor where target does not depend on it.
    std::vector<Tensor> gradient(const Tensor& target, const std::vector<Tensor>& sources);
    Tensor gradient(const Tensor& target, const Tensor& source);

private:
    bool persistent_;
    bool used_ = false;
    bool previous_enabled_;
};

}  // namespace strata
