// keras.activations: the activation functions by name, and the spec type that layers take (a name, a C++
// callable, or nothing for linear).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "strata/backend/backend.hpp"
#include "strata/core/tensor.hpp"

namespace strata::activations {

using ActivationFn = std::function<Tensor(const Tensor&)>;

// Keras 3's functions with Keras 3's defaults.
Tensor linear(const Tensor& x);
Tensor relu(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor softmax(const Tensor& x);  // over the last axis
Tensor elu(const Tensor& x);      // alpha = 1.0
Tensor selu(const Tensor& x);
Tensor gelu(const Tensor& x);        // approximate = False, as keras.activations.gelu
Tensor softplus(const Tensor& x);
Tensor softsign(const Tensor& x);
Tensor silu(const Tensor& x);        // also "swish"
Tensor leaky_relu(const Tensor& x);  // negative_slope = 0.2, as keras.activations.leaky_relu
Tensor exponential(const Tensor& x);
Tensor hard_sigmoid(const Tensor& x);  // relu6(x + 3) / 6, as Keras 3

// The function of a name; ValueError naming it and listing the known names.
ActivationFn get(const std::string& name);
std::vector<std::string> names();

// What a layer's `activation` argument takes: nothing (linear), a name, or a callable.
class ActivationSpec {
public:
    ActivationSpec() : ActivationSpec("linear") {}
    ActivationSpec(const char* name) : ActivationSpec(std::string(name)) {}
    ActivationSpec(std::string name);
    ActivationSpec(ActivationFn fn, std::string name = "custom");

    Tensor operator()(const Tensor& x) const { return fn_(x); }
    const std::string& name() const { return name_; }
    bool is_linear() const { return name_ == "linear"; }
    // True for an activation given by name (one of Keras's functions), false for a callable.
    bool from_name() const { return from_name_; }
    // The activation a matmul can fuse (relu, sigmoid, tanh, linear); nullopt-like `fusable` false otherwise.
    bool fusable() const { return fusable_; }
    backend::Epilogue epilogue() const { return epilogue_; }

private:
    std::string name_;
    ActivationFn fn_;
    bool fusable_ = false;
    bool from_name_ = false;
    backend::Epilogue epilogue_ = backend::Epilogue::none;
};

}  // namespace strata::activations
