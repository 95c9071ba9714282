#include "strata/autograd/gradient_tape.hpp"

#include "strata/autograd/node.hpp"

namespace strata {

namespace autograd {
void set_grad_enabled(bool enabled);
}

GradientTape::GradientTape(bool persistent) : persistent_(persistent), previous_enabled_(autograd::grad_enabled()) {
    autograd::set_grad_enabled(true);
}

GradientTape::~GradientTape() { autograd::set_grad_enabled(previous_enabled_); }

void GradientTape::watch(Tensor& tensor) { tensor.set_requires_grad(true); }

std::vector<Tensor> GradientTape::gradient(const Tensor& target, const std::vector<Tensor>& sources) {
    if (used_ && !persistent_)
        throw ValueError("GradientTape.gradient: a non-persistent tape can only be used once; "
                         "create it with GradientTape(true) to ask for gradients again");
    used_ = true;
    if (!target.defined()) throw ValueError("GradientTape.gradient: the target tensor is undefined");
    return autograd::gradients(target, sources);
}

Tensor GradientTape::gradient(const Tensor& target, const Tensor& source) { return gradient(target, std::vector<Tensor>{source})[0]; }

}  // namespace strata
