// A node of the recorded graph: the op that produced a tensor, its inputs, and its backward, which maps the
// gradient of the output to one gradient per input. Backward functions are written in ops, so they run on
// every device. The engine reduces a broadcast gradient to its input's shape, so backward functions
// may return a gradient shaped like the output where the forward broadcast.
#pragma once

#include <functional>
#include <vector>

#include "strata/core/tensor.hpp"

namespace strata::autograd {

using BackwardFn = std::function<std::vector<Tensor>(const Tensor& grad_output)>;

struct Node {
    const char* op = "";
    std::vector<Tensor> inputs;
    // An input that needs no gradient may get an undefined Tensor.
    BackwardFn backward;

    Node() = default;
    Node(const Node&) = delete;
    Node& operator=(const Node&) = delete;
    // Releases the chain of nodes that only this one keeps alive iteratively, so that dropping a graph
    // thousands of ops deep does not take one stack frame per op.
    ~Node();
};

// True while ops should record: gradients are enabled and no NoGradScope is open on this thread.
bool grad_enabled();

// Turns recording off on this thread until the scope ends (inference, optimizer updates).
class NoGradScope {
public:
    NoGradScope();
    ~NoGradScope();
    NoGradScope(const NoGradScope&) = delete;
    NoGradScope& operator=(const NoGradScope&) = delete;

private:
    bool previous_;
};

// Whether any input wants a gradient, so that an op must record.
bool any_requires_grad(std::initializer_list<const Tensor*> inputs);

// Attaches a node to `output` when recording is on and an input wants a gradient; returns `output`.
Tensor record(Tensor output, const char* op, std::vector<Tensor> inputs, BackwardFn backward);

// Runs the backward engine from `root` (seeded with `seed`, ones when undefined) and returns the gradient
// of each of `sources` (an undefined Tensor where the root does not depend on it).
std::vector<Tensor> gradients(const Tensor& root, const std::vector<Tensor>& sources, const Tensor& seed = {});

}  // namespace strata::autograd
