// Dot (keras/src/layers/merging/dot.py): the per-sample dot product of two inputs along one axis of each,
// Keras's batch_dot.
#include <numeric>
#include <string>
#include <utility>

#include "merging_shapes.hpp"
#include "strata/layers/merging.hpp"
#include "strata/ops/elementwise.hpp"
#include "strata/ops/linalg.hpp"
#include "strata/ops/reduce.hpp"
#include "strata/ops/shape.hpp"

namespace strata::layers {

namespace {

// Keras's ops.normalize(x, axis, order=2) with epsilon = backend.epsilon() = 1e-7:
// x * minimum(rsqrt(sum(x^2, axis)), 1 / epsilon).
Tensor l2_normalize(const Tensor& x, int axis) {
    Tensor inv_norm = ops::reciprocal(ops::sqrt(ops::sum(ops::square(x), {axis}, true)));
    return x * ops::minimum(inv_norm, ops::scalar_like(inv_norm, 1.0 / 1e-7));
}

// x with `axis` moved to the end (to_end) or right after the batch axis, viewed as (batch, rows, cols).
Tensor as_batched_matrix(const Tensor& x, int axis, bool to_end) {
    std::vector<int> perm{0};
    if (!to_end) perm.push_back(axis);
    for (int i = 1; i < x.rank(); ++i)
        if (i != axis) perm.push_back(i);
    if (to_end) perm.push_back(axis);
    Tensor moved = ops::transpose(x, perm);
    std::int64_t k = x.shape()[axis];
    return to_end ? ops::reshape(moved, {x.shape()[0], -1, k}) : ops::reshape(moved, {x.shape()[0], k, -1});
}

}  // namespace

DotAxes::DotAxes(std::initializer_list<int> axes) : axes_{0, 0}, single_(false) {
    // Keras: "Invalid format for argument `axes`: it should contain two elements."
    if (axes.size() != 2)
        throw ValueError("Dot: axes should contain two elements, got " + std::to_string(axes.size()));
    axes_[0] = *axes.begin();
    axes_[1] = *(axes.begin() + 1);
}

nlohmann::json DotAxes::to_json() const {
    if (single_) return axes_[0];
    return nlohmann::json::array({axes_[0], axes_[1]});
}

DotImpl::DotImpl(DotAxes axes, DotOptions options)
    : Layer("dot", {options.input_shape, options.name, options.trainable, options.dtype}),
      axes_(axes),
      options_(std::move(options)) {}

std::pair<int, int> DotImpl::resolve(const std::vector<Shape>& shapes) const {
    std::string label = detail::merge_label(name(), class_name());
    // Keras: "A `Dot` layer should be called on a list of 2 inputs."
    if (shapes.size() != 2)
        throw ValueError(label + ": expected a list of 2 inputs, got " + std::to_string(shapes.size()) + " with shapes " +
                         detail::shapes_text(shapes));
    int resolved[2];
    for (int i = 0; i < 2; ++i) {
        int rank = shapes[static_cast<std::size_t>(i)].rank();
        int a = axes_[static_cast<std::size_t>(i)];
        if (rank < 2 || a >= rank || a < -rank)
            throw ShapeError(label + ": axis " + std::to_string(a) + " is out of range for input " + std::to_string(i) +
                             ", got shapes " + detail::shapes_text(shapes));
        // Keras takes negative axes modulo each input's rank.
        resolved[i] = a < 0 ? a + rank : a;
        if (resolved[i] == 0)
            throw ValueError(label + ": cannot take the dot product over the batch axis 0, got axes " +
                             axes_.to_json().dump());
    }
    std::int64_t d1 = shapes[0][resolved[0]], d2 = shapes[1][resolved[1]];
    // Keras: "Incompatible input shapes: axis values 3 (at axis 1) != 4 (at axis 1)."
    if (d1 != -1 && d2 != -1 && d1 != d2)
        throw ShapeError(label + ": incompatible input shapes, axis values " + std::to_string(d1) + " (at axis " +
                         std::to_string(resolved[0]) + ") != " + std::to_string(d2) + " (at axis " +
                         std::to_string(resolved[1]) + "), got " + detail::shapes_text(shapes));
    std::int64_t b1 = shapes[0][0], b2 = shapes[1][0];
    if (b1 != -1 && b2 != -1 && b1 != b2)
        throw ShapeError(label + ": inputs have different batch sizes, got " + detail::shapes_text(shapes));
    return {resolved[0], resolved[1]};
}

void DotImpl::build_multi(const std::vector<Shape>& input_shapes) { resolve(input_shapes); }

Shape DotImpl::compute_output_shape_multi(const std::vector<Shape>& shapes) const {
    auto [a1, a2] = resolve(shapes);
    // Keras: shape1 without its axis, then shape2 without its axis and its batch; at least rank 2.
    std::vector<std::int64_t> out;
    for (int i = 0; i < shapes[0].rank(); ++i)
        if (i != a1) out.push_back(shapes[0][i]);
    for (int i = 1; i < shapes[1].rank(); ++i)
        if (i != a2) out.push_back(shapes[1][i]);
    if (out.size() == 1) out.push_back(1);
    return Shape(out);
}

Tensor DotImpl::call_multi(const std::vector<Tensor>& inputs, bool) {
    std::vector<Shape> shapes;
    for (const Tensor& x : inputs) shapes.push_back(x.shape());
    auto [a1, a2] = resolve(shapes);
    Shape out_shape = compute_output_shape_multi(shapes);
    Tensor x1 = inputs[0], x2 = inputs[1];
    if (options_.normalize) {
        x1 = l2_normalize(x1, a1);
        x2 = l2_normalize(x2, a2);
    }
    // (batch, rows1, k) x (batch, k, rows2) -> (batch, rows1, rows2), then the kept axes in order.
    Tensor product = ops::matmul(as_batched_matrix(x1, a1, true), as_batched_matrix(x2, a2, false));
    return ops::reshape(product, out_shape);
}

nlohmann::json DotImpl::get_config() const {
    nlohmann::json config = Layer::get_config();
    config["axes"] = axes_.to_json();
    config["normalize"] = options_.normalize;
    return config;
}

}  // namespace strata::layers
