#include "planned_layers.hpp"

#include <map>
#include <set>
#include <typeinfo>

#include "../../models/graph.hpp"
#include "planned_merging.hpp"
#include "planned_windowed.hpp"
#include "backend/cpu/training_kernels.hpp"
#include "strata/backend/backend.hpp"
#include "strata/layers/activation.hpp"
#include "strata/layers/dense.hpp"
#include "strata/layers/regularization.hpp"
#include "strata/layers/reshaping.hpp"

namespace strata::detail {

namespace {

using backend::Epilogue;

const backend::Backend& cpu() { return backend::of(Device::cpu()); }

// The activations the plan runs: the epilogues of a fused matmul, and softmax over the last axis.
struct PlannedActivation {
    bool softmax = false;
    Epilogue epilogue = Epilogue::none;
};

bool plan_activation(const activations::ActivationSpec& spec, PlannedActivation& out) {
    if (!spec.from_name()) return false;
    if (spec.fusable()) {
        out.epilogue = spec.epilogue();
        return true;
    }
    out.softmax = spec.name() == "softmax";
    return out.softmax;
}

void activation_backward(const PlannedActivation& a, const Tensor& y, const Tensor& gy, Tensor& out) {
    const std::int64_t cols = y.shape()[y.rank() - 1];
    if (a.softmax)
        backend::cpu::softmax_backward(y.data<float>(), gy.data<float>(), out.data<float>(), y.numel() / cols, cols);
    else
        backend::cpu::activation_backward(a.epilogue, y.data<float>(), gy.data<float>(), out.data<float>(), y.numel());
}

// Dense on inputs of shape (batch, features): matmul, bias and activation as one kernel (softmax after it),
// and in backward dW = x^T dz, db = column sums of dz, dx = dz W^T.
class PlannedDense final : public PlannedKernelLayer<layers::DenseImpl> {
public:
    PlannedDense(std::shared_ptr<layers::DenseImpl> layer, PlannedActivation activation, bool training)
        : PlannedKernelLayer(std::move(layer), training), activation_(activation) {
        output_features_ = Shape{layer_->units()};
    }

    void allocate(std::int64_t batch, bool training, LayerScratch& scratch) const override {
        Shape shape{batch, layer_->units()};
        if (activation_.softmax) scratch.pre_activation = Tensor::empty(shape, float32, Device::cpu());
        if (training && (activation_.softmax || activation_.epilogue != Epilogue::none))
            scratch.activation_grad = Tensor::empty(shape, float32, Device::cpu());
    }

    void forward(const Tensor& x, Tensor& y, bool, LayerScratch& scratch) override {
        const Tensor* b = bias();
        if (activation_.softmax) {
            cpu().matmul(x, layer_->kernel(), b, false, false, Epilogue::none, scratch.pre_activation);
            cpu().softmax(scratch.pre_activation, false, y);
        } else {
            cpu().matmul(x, layer_->kernel(), b, false, false, activation_.epilogue, y);
        }
    }

    void backward(const Tensor& x, const Tensor& y, Tensor& gy, Tensor* gx, LayerScratch& scratch) override {
        Tensor* dz = &gy;
        if (scratch.activation_grad.defined()) {
            activation_backward(activation_, y, gy, scratch.activation_grad);
            dz = &scratch.activation_grad;
        }
        if (kernel_grad_.defined()) {
            cpu().matmul(x, *dz, nullptr, true, false, Epilogue::none, kernel_grad_);
            if (bias_grad_.defined())
                backend::cpu::column_sums(dz->data<float>(), dz->shape()[0], dz->shape()[1], bias_grad_.data<float>());
        }
        if (gx) cpu().matmul(*dz, layer_->kernel(), nullptr, false, true, Epilogue::none, *gx);
    }

private:
    PlannedActivation activation_;
};

// Activation(relu | sigmoid | tanh | softmax | linear).
class PlannedActivationLayer final : public PlannedLayer {
public:
    PlannedActivationLayer(PlannedActivation activation, const Shape& features) : activation_(activation) {
        output_features_ = features;
    }

    void forward(const Tensor& x, Tensor& y, bool, LayerScratch&) override {
        if (activation_.softmax) {
            cpu().softmax(x, false, y);
            return;
        }
        switch (activation_.epilogue) {
            case Epilogue::none: cpu().copy(x, y); break;
            case Epilogue::relu: cpu().unary(backend::UnaryOp::relu, x, y, 0.0); break;
            case Epilogue::sigmoid: cpu().unary(backend::UnaryOp::sigmoid, x, y, 0.0); break;
            case Epilogue::tanh: cpu().unary(backend::UnaryOp::tanh, x, y, 0.0); break;
        }
    }

    void backward(const Tensor&, const Tensor& y, Tensor& gy, Tensor* gx, LayerScratch&) override {
        if (gx) activation_backward(activation_, y, gy, *gx);
    }

private:
    PlannedActivation activation_;
};

// Flatten: the same buffer under the shape (batch, features).
class PlannedFlatten final : public PlannedLayer {
public:
    explicit PlannedFlatten(const Shape& input_features) { output_features_ = Shape{input_features.numel()}; }
    bool is_view() const override { return true; }
    void forward(const Tensor&, Tensor&, bool, LayerScratch&) override {}
    void backward(const Tensor&, const Tensor&, Tensor&, Tensor*, LayerScratch&) override {}
};

// Dropout without noise_shape: in training, the mask of the eager layer (the same draws, from the same
// source, so a seed gives the same masks on either path); otherwise the identity.
class PlannedDropout final : public PlannedLayer {
public:
    PlannedDropout(std::shared_ptr<layers::DropoutImpl> layer, const Shape& features) : layer_(std::move(layer)) {
        output_features_ = features;
    }

    void allocate(std::int64_t batch, bool training, LayerScratch& scratch) const override {
        if (!training) return;
        Shape shape = output_features_.with_batch(batch);
        scratch.mask = Tensor::empty(shape, float32, Device::cpu());
        scratch.draws.resize(static_cast<std::size_t>(shape.numel()));
    }

    void forward(const Tensor& x, Tensor& y, bool training, LayerScratch& scratch) override {
        const double rate = layer_->rate();
        scratch.mask_applied = training && rate != 0.0;
        if (!scratch.mask_applied) {
            cpu().copy(x, y);
            return;
        }
        layer_->noise().uniform_into(scratch.draws);
        // As DropoutImpl::apply_mask: a cell is kept when its draw is at least `rate`, scaled by 1 / (1 - rate).
        const float scale = static_cast<float>(rate < 1.0 ? 1.0 / (1.0 - rate) : 0.0);
        float* mask = scratch.mask.data<float>();
        const float* in = x.data<float>();
        float* out = y.data<float>();
        const std::int64_t n = x.numel();
        for (std::int64_t i = 0; i < n; ++i) {
            mask[i] = scratch.draws[static_cast<std::size_t>(i)] >= rate ? scale : 0.0f;
            out[i] = in[i] * mask[i];
        }
    }

    void backward(const Tensor&, const Tensor&, Tensor& gy, Tensor* gx, LayerScratch& scratch) override {
        if (!gx) return;
        if (!scratch.mask_applied) {
            cpu().copy(gy, *gx);
            return;
        }
        const float* g = gy.data<float>();
        const float* mask = scratch.mask.data<float>();
        float* out = gx->data<float>();
        const std::int64_t n = gy.numel();
        for (std::int64_t i = 0; i < n; ++i) out[i] = g[i] * mask[i];
    }

private:
    std::shared_ptr<layers::DropoutImpl> layer_;
};

}  // namespace

LayerGraph layer_graph(const Graph& graph, bool shared_layers, std::string& why) {
    if (graph.inputs.size() != 1 || graph.outputs.size() != 1 || graph.nodes.empty()) {
        why = "the plan takes models with one input and one output";
        return {};
    }
    LayerGraph out;
    // Where each call's output is among the values.
    std::map<const KerasHistory*, std::size_t> value_of{{graph.inputs[0].impl()->keras_history.get(), 0}};
    std::set<const Layer*> seen;
    for (const GraphNode& node : graph.nodes) {
        const Layer* layer = node.call->layer.get();
        if (!seen.insert(layer).second && !shared_layers) {
            why = "layer \"" + layer->name() + "\" is called more than once";
            return {};
        }
        std::vector<std::size_t> inputs;
        for (const Tensor& input : node.call->inputs) {
            auto found = value_of.find(input.impl()->keras_history.get());
            if (found == value_of.end()) {
                why = "layer \"" + layer->name() + "\" takes a value from outside the model's graph";
                return {};
            }
            inputs.push_back(found->second);
        }
        if (inputs.empty()) {
            why = "layer \"" + layer->name() + "\" takes no inputs";
            return {};
        }
        out.layers.push_back(node.call->layer);
        out.inputs.push_back(std::move(inputs));
        value_of[node.call.get()] = out.layers.size();
    }
    if (graph.outputs[0].impl()->keras_history.get() != graph.nodes.back().call.get()) {
        why = "the model's output is not its last layer call's";
        return {};
    }
    return out;
}

Tensor view_as(const Tensor& t, const Shape& shape) {
    auto impl = std::make_shared<TensorImpl>();
    impl->storage = t.impl()->storage;
    impl->offset = t.impl()->offset;
    impl->shape = shape;
    impl->dtype = t.dtype();
    impl->device = t.device();
    return Tensor(std::move(impl));
}

std::unique_ptr<PlannedLayer> plan_layer(const std::shared_ptr<Layer>& layer, const Shape& input_features,
                                         bool training, std::string& why) {
    const std::string who = "layer \"" + layer->name() + "\" (" + layer->class_name() + ")";
    if (!layer->activity_regularizer().empty()) {
        why = who + " has an activity regularizer";
        return nullptr;
    }
    // A weight's regularizer only adds to the training loss; the forward is the same.
    if (training && !layer->losses().empty()) {
        why = who + " adds losses (a weight regularizer or add_loss)";
        return nullptr;
    }
    for (const Tensor& w : layer->weights()) {
        if (w.dtype() != float32 || w.device() != Device::cpu()) {
            why = who + " has weights that are not float32 on the CPU";
            return nullptr;
        }
    }
    // Exact classes only: a subclass may call() differently.
    const Layer& object = *layer;
    const std::type_info& type = typeid(object);
    if (type == typeid(layers::DenseImpl)) {
        auto dense = std::static_pointer_cast<layers::DenseImpl>(layer);
        PlannedActivation activation;
        if (input_features.rank() != 1 || !plan_activation(dense->activation(), activation)) {
            why = who + ": the plan takes Dense on (batch, features) with a linear, relu, sigmoid, tanh or softmax "
                        "activation";
            return nullptr;
        }
        return std::make_unique<PlannedDense>(std::move(dense), activation, training);
    }
    if (type == typeid(layers::ActivationImpl)) {
        auto act = std::static_pointer_cast<layers::ActivationImpl>(layer);
        PlannedActivation activation;
        if (!plan_activation(act->activation(), activation) ||
            (activation.softmax && input_features.rank() < 1)) {
            why = who + ": the plan takes the linear, relu, sigmoid, tanh and softmax activations";
            return nullptr;
        }
        return std::make_unique<PlannedActivationLayer>(activation, input_features);
    }
    if (type == typeid(layers::FlattenImpl)) {
        // channels_first moves the channels last first: not a view.
        if (layer->get_config().value("data_format", "channels_last") != "channels_last" && input_features.rank() > 1) {
            why = who + ": the plan takes Flatten on channels_last data";
            return nullptr;
        }
        return std::make_unique<PlannedFlatten>(input_features);
    }
    if (type == typeid(layers::DropoutImpl)) {
        auto dropout = std::static_pointer_cast<layers::DropoutImpl>(layer);
        if (!dropout->noise_shape().empty()) {
            why = who + ": the plan takes Dropout without a noise_shape";
            return nullptr;
        }
        return std::make_unique<PlannedDropout>(std::move(dropout), input_features);
    }
    if (type == typeid(layers::ConvImpl))
        return plan_conv(std::static_pointer_cast<layers::ConvImpl>(layer), input_features, training, why);
    if (type == typeid(layers::PoolingImpl))
        return plan_pooling(std::static_pointer_cast<layers::PoolingImpl>(layer), input_features, why);
    if (type == typeid(layers::GlobalPoolingImpl))
        return plan_global_pooling(std::static_pointer_cast<layers::GlobalPoolingImpl>(layer), input_features, why);
    why = who + " is not a layer the plan runs (Dense, Conv1D/2D/3D, MaxPooling2D, AveragePooling2D, "
                "GlobalAveragePooling1D/2D, Activation, Flatten, Dropout)";
    return nullptr;
}

std::vector<std::unique_ptr<PlannedLayer>> plan_layers(const LayerGraph& graph, const Shape& input_features,
                                                       bool training, std::string& why) {
    std::vector<std::unique_ptr<PlannedLayer>> planned;
    std::vector<Shape> values{input_features};
    for (std::size_t i = 0; i < graph.layers.size(); ++i) {
        std::vector<Shape> inputs;
        for (std::size_t v : graph.inputs[i]) inputs.push_back(values[v]);
        std::unique_ptr<PlannedLayer> one = inputs.size() == 1
                                                ? plan_layer(graph.layers[i], inputs[0], training, why)
                                                : plan_merge(graph.layers[i], inputs, why);
        if (!one) return {};
        values.push_back(one->output_features());
        planned.push_back(std::move(one));
    }
    return planned;
}

}  // namespace strata::detail
