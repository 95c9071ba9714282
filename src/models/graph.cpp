#include "graph.hpp"

#include <functional>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "strata/models/input.hpp"
#include "strata/ops/shape.hpp"

namespace strata::detail {

namespace {

bool is_input_call(const KerasHistory& call) { return dynamic_cast<const InputLayer*>(call.layer.get()) != nullptr; }

std::string model_label(const std::string& name) { return "model \"" + name + "\""; }

}  // namespace

void Graph::build(std::vector<Tensor> in, std::vector<Tensor> out) {
    if (in.empty() || out.empty())
        throw ValueError(model_label(name) + ": a model needs at least one input and one output");
    std::unordered_set<const KerasHistory*> input_calls;
    for (const Tensor& t : in) {
        if (!t.defined() || !t.is_symbolic() || !t.impl()->keras_history || !is_input_call(*t.impl()->keras_history))
            throw ValueError(model_label(name) + ": inputs must be symbolic tensors made by strata::Input()");
        input_calls.insert(t.impl()->keras_history.get());
    }
    // Built into locals and assigned at the end, so a graph that fails to build leaves the old one intact.
    std::vector<GraphNode> new_nodes;
    std::vector<std::shared_ptr<Layer>> new_layers;
    std::unordered_set<const KerasHistory*> visited;
    std::unordered_set<const Layer*> seen_layers;
    for (const Tensor& t : in) {
        const auto& layer = t.impl()->keras_history->layer;
        if (seen_layers.insert(layer.get()).second) new_layers.push_back(layer);
    }
    // Depth-first from each output; a call joins the order after all the calls it depends on.
    std::function<void(const Tensor&)> visit = [&](const Tensor& t) {
        if (!t.defined() || !t.is_symbolic() || !t.impl()->keras_history)
            throw ValueError(model_label(name) + ": outputs must be symbolic tensors computed from the inputs by layers");
        const std::shared_ptr<KerasHistory>& call = t.impl()->keras_history;
        if (!visited.insert(call.get()).second) return;
        if (is_input_call(*call)) {
            if (!input_calls.count(call.get()))
                throw ValueError(model_label(name) + ": graph disconnected: an output depends on input \"" +
                                 call->layer->name() + "\" of shape " + t.shape().to_string() +
                                 ", which is not among the model's inputs");
            return;
        }
        for (const Tensor& x : call->inputs) visit(x);
        new_nodes.push_back({call, t.shape()});
        if (seen_layers.insert(call->layer.get()).second) new_layers.push_back(call->layer);
    };
    for (const Tensor& t : out) visit(t);
    nodes = std::move(new_nodes);
    layers = std::move(new_layers);
    inputs = std::move(in);
    outputs = std::move(out);
    built = true;
}

void Graph::build_sequential(const Shape& input_shape) {
    DType dtype = sequential_input_dtype.value_or(stack.front()->dtype());
    if (!sequential_input.defined() || sequential_input.shape().without_batch() != input_shape ||
        sequential_input.dtype() != dtype)
        sequential_input = Input(input_shape, {.batch_size = -1, .dtype = dtype, .name = ""});
    Tensor x = sequential_input;
    Tensor input = x;
    for (const auto& layer : stack) x = (*layer)(x);
    sequential_input_shape = input_shape;
    build({input}, {x});
}

void Graph::ensure_built(const std::vector<Tensor>& xs) {
    if (built) return;
    if (!sequential) throw ValueError(model_label(name) + " has no graph");
    if (stack.empty()) throw ValueError(model_label(name) + " has no layers; add() some before calling it");
    if (xs.size() != 1)
        throw ValueError(model_label(name) + " takes 1 input, got " + std::to_string(xs.size()));
    if (xs[0].rank() < 1) throw ShapeError(model_label(name) + ": expected a batch of inputs, got a scalar");
    build_sequential(xs[0].shape().without_batch());
}

void Graph::check_inputs(const std::vector<Tensor>& xs) const {
    if (xs.size() != inputs.size())
        throw ValueError(model_label(name) + " expects " + std::to_string(inputs.size()) + " input(s), got " +
                         std::to_string(xs.size()));
    for (std::size_t i = 0; i < xs.size(); ++i) {
        if (!xs[i].defined()) throw ValueError(model_label(name) + ": input " + std::to_string(i) + " is undefined");
        const Shape& expected = inputs[i].shape();
        const Shape& got = xs[i].shape();
        bool ok = expected.rank() == got.rank();
        for (int a = 0; ok && a < got.rank(); ++a) ok = expected[a] == -1 || expected[a] == got[a];
        if (!ok)
            throw ShapeError("Input " + std::to_string(i) + " of " + model_label(name) + " is incompatible: expected shape " +
                             expected.to_string() + ", got " + got.to_string());
    }
}

std::vector<Tensor> Graph::run(const std::vector<Tensor>& xs, bool training) const {
    check_inputs(xs);
    // One forward pass is one call context: a layer shared by two branches keeps both calls' losses.
    LayerCallContext context;
    std::unordered_map<const KerasHistory*, Tensor> values;
    for (std::size_t i = 0; i < xs.size(); ++i) {
        const Tensor& x = xs[i];
        DType want = inputs[i].dtype();
        values[inputs[i].impl()->keras_history.get()] =
            is_floating(x.dtype()) && is_floating(want) && x.dtype() != want ? ops::cast(x, want) : x;
    }
    std::vector<Tensor> args;
    for (const GraphNode& node : nodes) {
        args.clear();
        for (const Tensor& in : node.call->inputs) args.push_back(values.at(in.impl()->keras_history.get()));
        values[node.call.get()] = (*node.call->layer)(args, CallOptions{.training = training});
    }
    std::vector<Tensor> result;
    for (const Tensor& out : outputs) result.push_back(values.at(out.impl()->keras_history.get()));
    return result;
}

std::vector<std::shared_ptr<Layer>> Graph::visible_layers() const {
    if (!sequential) return layers;
    return stack;  // Keras 3's Sequential.layers leaves out its InputLayer
}

}  // namespace strata::detail
