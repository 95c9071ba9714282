// The layers the planned training step runs (planned_step.hpp): each is one layer of the model with its
// forward and backward written against buffers that the plan allocates once per batch size, so a step makes
// no tensor and records no graph. A layer reads its weights from the model's layer on every step (they are
// the same tensors the optimizer updates), and says when the layer has changed under it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "strata/backend/backend.hpp"
#include "strata/core/tensor.hpp"
#include "strata/layers/layer.hpp"

namespace strata::detail {

// What one layer keeps per batch size besides its output and the gradient of its input: a pre-activation,
// the gradient through the activation, a dropout mask (or max pooling's indices), its draws and whether the
// last forward applied it, a global pooling's sums. Everything a forward writes lives here, so that two
// callers with buffers of their own can run one plan at once (planned_inference.hpp).
struct LayerScratch {
    Tensor pre_activation, activation_grad, mask;
    std::vector<double> draws;
    bool mask_applied = false;
    std::vector<double> sums;
};

class PlannedLayer {
public:
    virtual ~PlannedLayer() = default;

    // The output's shape without the batch axis.
    const Shape& output_features() const { return output_features_; }
    // True when the output is the input under another shape (Flatten): the plan gives both one buffer.
    virtual bool is_view() const { return false; }
    // Allocates what this layer keeps for batches of `batch` rows; for the forward only when not `training`.
    virtual void allocate(std::int64_t /*batch*/, bool /*training*/, LayerScratch& /*scratch*/) const {}

    virtual void forward(const Tensor& x, Tensor& y, bool training, LayerScratch& scratch) = 0;
    // From the gradient of the output, the weight gradients (when trainable) and, when `gx` is not null, the
    // gradient of the input. `gy` may be overwritten.
    virtual void backward(const Tensor& x, const Tensor& y, Tensor& gy, Tensor* gx, LayerScratch& scratch) = 0;

    // A layer of several inputs (Add, Concatenate) says how many, and the plan runs forward_merge and
    // backward_merge instead of forward and backward: `xs` and `gxs` hold one pointer per input, a null gx
    // where that input's gradient is not needed.
    virtual std::size_t arity() const { return 1; }
    virtual void forward_merge(const Tensor* const* /*xs*/, Tensor& /*y*/) {}
    virtual void backward_merge(const Tensor* const* /*xs*/, const Tensor& /*gy*/, Tensor* const* /*gxs*/) {}

    // The trainable weights and the buffers their gradients go to, in the layer's weight order.
    virtual void collect(std::vector<Tensor>& /*variables*/, std::vector<Tensor>& /*grads*/) const {}
    bool has_trainable_weights() const {
        std::vector<Tensor> v, g;
        collect(v, g);
        return !v.empty();
    }
    // False once the layer's weights were replaced or its trainable flag changed since it was planned.
    virtual bool unchanged() const { return true; }

    // A relu's backward can run inside the next layer's: max pooling sends each gradient to one position, and
    // multiplying by relu' there is the whole of the relu's backward (planned_step.cpp pairs them).
    // True when the layer ends in a relu ...
    virtual bool ends_in_relu() const { return false; }
    // ... whose backward it then leaves to the next layer;
    virtual void leave_relu_backward_to_next() {}
    // true when this layer can apply relu' of its input in its own backward, which it then does.
    virtual bool take_relu_backward_of_input() { return false; }

    // Max pooling over windows that tile its input sends each gradient to one position of the layer below's
    // output; a convolution can run that backward inside its own, at those positions alone (one in four, for
    // 2 x 2 windows), and the pooling's backward is then not run (planned_step.cpp pairs them).
    // The windows of a max pooling that keeps each window's argmax in its scratch.mask, else null ...
    virtual const backend::Backend::PoolWindow* max_pool_with_indices() const { return nullptr; }
    // ... true when this layer, below such a pooling, can run its backward (and the gradient of its own input
    // when `input_gradient`), which it then does in backward_through_max_pool rather than in backward: from
    // the pooling's output and gradient, and its mask.
    virtual bool take_max_pool_backward(const backend::Backend::PoolWindow& /*window*/, bool /*input_gradient*/) {
        return false;
    }
    virtual void backward_through_max_pool(const Tensor& /*x*/, const Tensor& /*y*/, const Tensor& /*pooled*/,
                                           const Tensor& /*grad_pooled*/, const LayerScratch& /*pool_scratch*/,
                                           Tensor* /*gx*/, LayerScratch& /*scratch*/) {}
    // Once it has taken the backward, true when this layer can also run the pooling's forward inside its own,
    // which it then does in forward_through_max_pool rather than in forward: it writes the pooling's output
    // and mask, and never its own output `y` (of which the backward then reads only the shape).
    // `pooled_features` is the pooling's output shape without the batch axis.
    virtual bool take_max_pool_forward(const Shape& /*pooled_features*/) { return false; }
    virtual void forward_through_max_pool(const Tensor& /*x*/, const Tensor& /*y*/, Tensor& /*pooled*/,
                                          LayerScratch& /*pool_scratch*/) {}

protected:
    Shape output_features_;
};

// What a layer with a kernel and an optional bias (Dense, Conv) shares in the plan: the buffers its weight
// gradients go to, its weights in Keras's order, and noticing when they were replaced or it was frozen.
template <class LayerT>
class PlannedKernelLayer : public PlannedLayer {
public:
    void collect(std::vector<Tensor>& variables, std::vector<Tensor>& grads) const override {
        if (!kernel_grad_.defined()) return;
        variables.push_back(layer_->kernel());
        grads.push_back(kernel_grad_);
        if (bias_grad_.defined()) {
            variables.push_back(layer_->bias());
            grads.push_back(bias_grad_);
        }
    }

    bool unchanged() const override {
        const Tensor& bias = layer_->bias();
        return layer_->trainable() == trainable_ && layer_->kernel().impl() == kernel_ &&
               (bias.defined() ? bias.impl() : nullptr) == bias_;
    }

protected:
    PlannedKernelLayer(std::shared_ptr<LayerT> layer, bool training)
        : layer_(std::move(layer)), trainable_(layer_->trainable()), kernel_(layer_->kernel().impl()),
          bias_(layer_->bias().defined() ? layer_->bias().impl() : nullptr) {
        if (trainable_ && training) {
            kernel_grad_ = Tensor::empty(layer_->kernel().shape(), float32, Device::cpu());
            if (bias_) bias_grad_ = Tensor::empty(layer_->bias().shape(), float32, Device::cpu());
        }
    }
    // The bias, or null where the layer has none.
    const Tensor* bias() const { return layer_->bias().defined() ? &layer_->bias() : nullptr; }

    std::shared_ptr<LayerT> layer_;
    bool trainable_;
    const TensorImpl* kernel_;
    const TensorImpl* bias_;
    Tensor kernel_grad_, bias_grad_;  // undefined where the layer is frozen or only runs forward
};

struct Graph;

// The layer calls of a model with one input and one output, in topological order, each with the values it
// takes: value 0 is the model's input, value i + 1 the output of call i, and the last call's output is the
// model's. Empty, with the reason in `why`, when a call has no inputs, or when a layer is called more than
// once and `shared_layers` is false: a forward may run a layer's weights twice, but a training step would
// plan their gradients and updates twice.
struct LayerGraph {
    std::vector<std::shared_ptr<Layer>> layers;
    std::vector<std::vector<std::size_t>> inputs;
};
LayerGraph layer_graph(const Graph& graph, bool shared_layers, std::string& why);

// The tensor `t` under another shape of as many elements, sharing its storage.
Tensor view_as(const Tensor& t, const Shape& shape);

// The planned form of `layer` for inputs whose shape without the batch axis is `input_features`, or null
// with the reason in `why` when the plan does not cover it (its class, activation or options). Without
// `training` only the forward runs (no weight gradient buffers are made).
std::unique_ptr<PlannedLayer> plan_layer(const std::shared_ptr<Layer>& layer, const Shape& input_features,
                                         bool training, std::string& why);

// The planned form of each call of `graph`, its inputs' shapes read from the values before it (value 0 of
// `input_features`); empty with the reason in `why` when one of them is not covered.
std::vector<std::unique_ptr<PlannedLayer>> plan_layers(const LayerGraph& graph, const Shape& input_features,
                                                       bool training, std::string& why);

}  // namespace strata::detail
