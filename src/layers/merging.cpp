// The elementwise merges (keras/src/layers/merging/base_merge.py and its subclasses): Add, Subtract,
// Multiply, Average, Maximum, Minimum.
#include "strata/layers/merging.hpp"

#include <algorithm>
#include <functional>
#include <set>

#include "merging_shapes.hpp"
#include "strata/ops/elementwise.hpp"
#include "strata/ops/shape.hpp"

namespace strata::layers {

namespace {

// Keras's _compute_elemwise_op_output_shape over the non-batch axes: right-aligned, an unknown extent
// stays unknown, an extent of 1 takes the other's.
Shape elementwise_shape(const Shape& a, const Shape& b, const std::function<ShapeError()>& error) {
    if (a.rank() < b.rank()) return elementwise_shape(b, a, error);
    std::vector<std::int64_t> out(a.begin(), a.begin() + (a.rank() - b.rank()));
    for (int k = 0; k < b.rank(); ++k) {
        std::int64_t i = a[a.rank() - b.rank() + k], j = b[k];
        if (i == -1 || j == -1) out.push_back(-1);
        else if (i == 1) out.push_back(j);
        else if (j == 1) out.push_back(i);
        else if (i != j) throw error();
        else out.push_back(i);
    }
    return Shape(out);
}

}  // namespace

MergeImpl::MergeImpl(MergeKind kind, MergeOptions options)
    : Layer([kind] {
                switch (kind) {
                    case MergeKind::add: return "add";
                    case MergeKind::subtract: return "subtract";
                    case MergeKind::multiply: return "multiply";
                    case MergeKind::average: return "average";
                    case MergeKind::maximum: return "maximum";
                    case MergeKind::minimum: return "minimum";
                }
                return "merge";
            }(),
            {options.input_shape, options.name, options.trainable, options.dtype}),
      kind_(kind) {}

std::string MergeImpl::class_name() const {
    switch (kind_) {
        case MergeKind::add: return "Add";
        case MergeKind::subtract: return "Subtract";
        case MergeKind::multiply: return "Multiply";
        case MergeKind::average: return "Average";
        case MergeKind::maximum: return "Maximum";
        case MergeKind::minimum: return "Minimum";
    }
    return "Merge";
}

Shape MergeImpl::compute_output_shape_multi(const std::vector<Shape>& shapes) const {
    std::string label = detail::merge_label(name(), class_name());
    if (kind_ == MergeKind::subtract) {
        // Keras: "A `Subtract` layer should be called on exactly 2 inputs."
        if (shapes.size() != 2)
            throw ValueError(label + ": expected exactly 2 inputs, got " + std::to_string(shapes.size()) +
                             " with shapes " + detail::shapes_text(shapes));
    } else {
        detail::require_at_least_two(label, shapes);
    }
    auto error = [&] {
        return ShapeError(label + ": inputs have incompatible shapes, got " + detail::shapes_text(shapes));
    };
    std::set<std::int64_t> batches;
    for (const Shape& s : shapes) {
        if (s.rank() == 0)
            throw ShapeError(label + ": inputs need a batch axis, got " + detail::shapes_text(shapes));
        if (s[0] != -1) batches.insert(s[0]);
    }
    // Keras: "Cannot merge tensors with different batch sizes."
    if (batches.size() > 1) throw ShapeError(label + ": cannot merge tensors with different batch sizes, got " +
                                             detail::shapes_text(shapes));
    auto tail = [](const Shape& s) { return Shape(std::vector<std::int64_t>(s.begin() + 1, s.end())); };
    Shape out = tail(shapes[0]);
    for (std::size_t i = 1; i < shapes.size(); ++i) out = elementwise_shape(out, tail(shapes[i]), error);
    std::vector<std::int64_t> dims{batches.empty() ? -1 : *batches.begin()};
    dims.insert(dims.end(), out.begin(), out.end());
    return Shape(dims);
}

void MergeImpl::build_multi(const std::vector<Shape>& input_shapes) {
    compute_output_shape_multi(input_shapes);  // used purely for shape validation, as Keras's build
}

Tensor MergeImpl::call_multi(const std::vector<Tensor>& inputs, bool) {
    std::vector<Shape> shapes;
    int rank = 0;
    for (const Tensor& x : inputs) {
        shapes.push_back(x.shape());
        rank = std::max(rank, x.rank());
    }
    compute_output_shape_multi(shapes);  // the concrete shapes must agree too
    // Keras: inputs of lower rank gain axes of extent 1 right after the batch axis.
    std::vector<Tensor> xs;
    for (Tensor x : inputs) {
        while (x.rank() < rank) x = ops::expand_dims(x, 1);
        xs.push_back(x);
    }
    Tensor out = xs[0];
    for (std::size_t i = 1; i < xs.size(); ++i) {
        switch (kind_) {
            case MergeKind::add:
            case MergeKind::average: out = ops::add(out, xs[i]); break;
            case MergeKind::subtract: out = ops::subtract(out, xs[i]); break;
            case MergeKind::multiply: out = ops::multiply(out, xs[i]); break;
            case MergeKind::maximum: out = ops::maximum(out, xs[i]); break;
            case MergeKind::minimum: out = ops::minimum(out, xs[i]); break;
        }
    }
    if (kind_ == MergeKind::average) out = out / static_cast<double>(xs.size());
    return out;
}

}  // namespace strata::layers
