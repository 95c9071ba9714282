// The backward engine: orders the recorded graph topologically from the root, then walks it once in reverse,
// accumulating each tensor's gradient before passing it on, so a tensor used twice gets the sum.
#include <unordered_map>
#include <unordered_set>

#include "strata/autograd/node.hpp"
#include "strata/ops/elementwise.hpp"
#include "strata/ops/reduce.hpp"
#include "strata/ops/shape.hpp"

namespace strata::autograd {

namespace {
thread_local bool grad_mode = true;
}

bool grad_enabled() { return grad_mode; }

Node::~Node() {
    // Destroying a node releases its inputs, whose nodes release theirs, and so on: a recursion as deep as
    // the graph. Instead, take the node of each input that dies with this one into a list and release the
    // list one node at a time, each emptied of its inputs first, so no destructor recurses.
    std::vector<std::shared_ptr<Node>> pending;
    auto detach_inputs = [&pending](std::vector<Tensor>& tensors) {
        for (Tensor& t : tensors)
            if (t.impl_ptr().use_count() == 1 && t.impl()->grad_fn)  // this handle is the tensor's last
                pending.push_back(std::move(t.impl()->grad_fn));
        tensors.clear();
    };
    detach_inputs(inputs);
    while (!pending.empty()) {
        std::shared_ptr<Node> node = std::move(pending.back());
        pending.pop_back();
        if (node.use_count() == 1) detach_inputs(node->inputs);  // the node dies at the end of this iteration
    }
}

NoGradScope::NoGradScope() : previous_(grad_mode) { grad_mode = false; }
NoGradScope::~NoGradScope() { grad_mode = previous_; }

void set_grad_enabled(bool enabled) { grad_mode = enabled; }

bool any_requires_grad(std::initializer_list<const Tensor*> inputs) {
    if (!grad_mode) return false;
    for (const Tensor* t : inputs)
        if (t->defined() && t->requires_grad()) return true;
    return false;
}

Tensor record(Tensor output, const char* op, std::vector<Tensor> inputs, BackwardFn backward) {
    if (!grad_mode) return output;
    bool needed = false;
    for (const Tensor& t : inputs) needed = needed || (t.defined() && t.requires_grad());
    if (!needed) return output;
    auto node = std::make_shared<Node>();
    node->op = op;
    node->inputs = std::move(inputs);
    node->backward = std::move(backward);
    output.impl()->grad_fn = std::move(node);
    output.impl()->requires_grad = true;
    return output;
}

std::vector<Tensor> gradients(const Tensor& root, const std::vector<Tensor>& sources, const Tensor& seed) {
    if (!root.defined()) throw ValueError("autograd::gradients: the root tensor is undefined");
    NoGradScope no_grad;  // backward passes are not themselves recorded
    std::unordered_set<const TensorImpl*> wanted;
    for (const Tensor& s : sources) wanted.insert(s.impl());

    // Reverse topological order by an iterative depth-first search (graphs can be deep).
    std::vector<TensorImpl*> order;
    std::unordered_set<const TensorImpl*> visited;
    std::vector<std::pair<TensorImpl*, std::size_t>> stack;
    if (root.requires_grad()) stack.emplace_back(root.impl(), 0);
    visited.insert(root.impl());
    while (!stack.empty()) {
        auto& [t, next] = stack.back();
        if (t->grad_fn && next < t->grad_fn->inputs.size()) {
            const Tensor& input = t->grad_fn->inputs[next++];
            if (input.defined() && input.requires_grad() && visited.insert(input.impl()).second)
                stack.emplace_back(input.impl(), 0);
        } else {
            order.push_back(t);
            stack.pop_back();
        }
    }

    std::unordered_map<const TensorImpl*, Tensor> grads;
    grads[root.impl()] = seed.defined() ? seed : Tensor::ones(root.shape(), root.dtype(), root.device());
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
        TensorImpl* t = *it;
        auto g = grads.find(t);
        if (g == grads.end() || !t->grad_fn) continue;
        Tensor grad = g->second;
        if (!wanted.count(t)) grads.erase(g);  // free intermediate gradients as soon as they are used
        Node& node = *t->grad_fn;
        std::vector<Tensor> input_grads = node.backward(grad);
        for (std::size_t i = 0; i < node.inputs.size() && i < input_grads.size(); ++i) {
            const Tensor& input = node.inputs[i];
            if (!input.defined() || !input.requires_grad() || !input_grads[i].defined()) continue;
            Tensor gi = ops::sum_to(input_grads[i], input.shape());
            // A float32 input that met a float64 operand gets its gradient back in float32.
            if (gi.dtype() != input.dtype()) gi = ops::cast(gi, input.dtype());
            auto [slot, inserted] = grads.try_emplace(input.impl(), gi);
            if (!inserted) slot->second = slot->second + gi;
        }
    }

    std::vector<Tensor> result;
    result.reserve(sources.size());
    for (const Tensor& s : sources) {
        auto g = grads.find(s.impl());
        result.push_back(g == grads.end() ? Tensor() : g->second);
    }
    return result;
}

}  // namespace strata::autograd
