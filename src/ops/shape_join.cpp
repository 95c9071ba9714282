// Ops that join, cut and pad tensors along one axis: concatenate, slice_axis, pad.
//
// A tensor of shape (..., extent, ...) is seen as rows of `inner` elements (the product of the axes after
// `axis`), `outer * extent` of them (outer: the product of the axes before). A range along the axis is then a
// set of rows, so the copies run through the row gather/scatter kernels every device has.
#include <numeric>
#include <string>

#include "common.hpp"
#include "strata/ops/shape.hpp"

namespace strata::ops {

namespace {

struct Rows {
    std::int64_t outer = 1, extent = 1, inner = 1;
};

Rows rows_of(const Shape& shape, int axis) {
    Rows r;
    for (int i = 0; i < axis; ++i) r.outer *= shape[i];
    r.extent = shape[axis];
    for (int i = axis + 1; i < shape.rank(); ++i) r.inner *= shape[i];
    return r;
}

// Row numbers of the range [begin, begin + count) along the axis, for each outer index, in a tensor whose
// axis has `extent` entries.
Tensor range_rows(std::int64_t outer, std::int64_t extent, std::int64_t begin, std::int64_t count) {
    std::vector<std::int64_t> idx(static_cast<std::size_t>(outer * count));
    for (std::int64_t o = 0; o < outer; ++o)
        std::iota(idx.begin() + o * count, idx.begin() + (o + 1) * count, o * extent + begin);
    return Tensor::from_vector(idx);
}

// x viewed as its rows (no copy, no history).
Tensor as_rows(const Tensor& x, std::int64_t rows, std::int64_t inner) {
    return reshape(x.detach(), Shape({rows, inner}));
}

// Ranges move in blocks of g entries along the axis, g dividing the range's start, its length and the
// extent, so that each row the kernels copy is as long as it can be (the whole range where they allow).
std::int64_t block(std::int64_t begin, std::int64_t count, std::int64_t extent) {
    std::int64_t g = std::gcd(std::gcd(begin, count), extent);
    return g > 0 ? g : 1;
}

// The copy of x[..., begin:end, ...] along `axis` (already checked), without history.
Tensor gather_range(const Tensor& x, int axis, std::int64_t begin, std::int64_t end) {
    Rows r = rows_of(x.shape(), axis);
    std::int64_t count = end - begin, g = block(begin, count, r.extent);
    Tensor out = Tensor::empty(Shape({r.outer * (count / g), r.inner * g}), x.dtype(), x.device());
    backend::of(x).take_rows(as_rows(x, r.outer * (r.extent / g), r.inner * g),
                             range_rows(r.outer, r.extent / g, begin / g, count / g), out);
    Shape shape = x.shape();
    shape[axis] = count;
    return reshape(out, shape);
}

// Adds x into `into` (written in place) at [begin, begin + x.shape[axis]) along `axis`, without history.
void scatter_range(const Tensor& x, int axis, std::int64_t begin, Tensor& into) {
    Rows r = rows_of(into.shape(), axis);
    std::int64_t count = x.shape()[axis], g = block(begin, count, r.extent);
    Tensor target = as_rows(into, r.outer * (r.extent / g), r.inner * g);
    backend::of(x).scatter_add_rows(as_rows(x, r.outer * (count / g), r.inner * g),
                                    range_rows(r.outer, r.extent / g, begin / g, count / g), target);
}

std::string shapes_text(const std::vector<Tensor>& xs) {
    std::string text;
    for (std::size_t i = 0; i < xs.size(); ++i) text += (i ? ", " : "") + xs[i].shape().to_string();
    return text;
}

}  // namespace

Tensor concatenate(const std::vector<Tensor>& xs, int axis_in) {
    if (xs.empty()) throw ValueError("concatenate: expected at least one tensor, got none");
    for (const Tensor& x : xs) detail::require_concrete(x, "concatenate");
    const Tensor& first = xs.front();
    if (first.rank() == 0) throw ShapeError("concatenate: scalars cannot be concatenated, got shapes " + shapes_text(xs));
    int axis = first.shape().normalize_axis(axis_in, "concatenate");
    std::vector<std::int64_t> dims = first.shape().dims();
    dims[static_cast<std::size_t>(axis)] = 0;
    for (const Tensor& x : xs) {
        detail::require_same_device(first, x, "concatenate");
        if (x.dtype() != first.dtype())
            throw TypeError("concatenate: tensors of different dtypes, " + dtype_name(first.dtype()) + " and " +
                            dtype_name(x.dtype()));
        bool same = x.rank() == first.rank();
        for (int i = 0; same && i < x.rank(); ++i) same = i == axis || x.shape()[i] == first.shape()[i];
        if (!same)
            throw ShapeError("concatenate: expected shapes that agree except on axis " + std::to_string(axis_in) +
                             ", got " + shapes_text(xs));
        dims[static_cast<std::size_t>(axis)] += x.shape()[axis];
    }
    if (xs.size() == 1) return first;
    if (first.dtype() == bool_) {
        // The row scatter adds, and booleans take no sums: join them as bytes.
        std::vector<Tensor> bytes;
        for (const Tensor& x : xs) bytes.push_back(cast(x, uint8));
        return cast(concatenate(bytes, axis), bool_);
    }
    Tensor out = Tensor::zeros(Shape(dims), first.dtype(), first.device());
    std::vector<std::int64_t> starts;
    std::int64_t at = 0;
    for (const Tensor& x : xs) {
        scatter_range(x, axis, at, out);
        starts.push_back(at);
        at += x.shape()[axis];
    }
    return autograd::record(out, "concatenate", xs, [axis, starts, at](const Tensor& g) {
        std::vector<Tensor> grads;
        for (std::size_t i = 0; i < starts.size(); ++i) {
            std::int64_t end = i + 1 < starts.size() ? starts[i + 1] : at;
            grads.push_back(slice_axis(g, axis, starts[i], end));
        }
        return grads;
    });
}

Tensor slice_axis(const Tensor& x, int axis_in, std::int64_t begin, std::int64_t end) {
    detail::require_concrete(x, "slice_axis");
    if (x.rank() == 0) throw ShapeError("slice_axis: a scalar has no axis to slice");
    int axis = x.shape().normalize_axis(axis_in, "slice_axis");
    std::int64_t extent = x.shape()[axis];
    if (begin < 0 || end < begin || end > extent)
        throw IndexError("slice_axis: range [" + std::to_string(begin) + ", " + std::to_string(end) + ") out of range for axis " +
                         std::to_string(axis_in) + " of a tensor of shape " + x.shape().to_string());
    if (begin == 0 && end == extent) return x;
    Tensor out = gather_range(x, axis, begin, end);
    return autograd::record(out, "slice_axis", {x}, [axis, begin, end, extent, rank = x.rank()](const Tensor& g) {
        std::vector<std::pair<std::int64_t, std::int64_t>> paddings(static_cast<std::size_t>(rank), {0, 0});
        paddings[static_cast<std::size_t>(axis)] = {begin, extent - end};
        return std::vector<Tensor>{pad(g, paddings)};
    });
}

Tensor pad(const Tensor& x, const std::vector<std::pair<std::int64_t, std::int64_t>>& paddings, double value) {
    detail::require_concrete(x, "pad");
    if (static_cast<int>(paddings.size()) != x.rank())
        throw ValueError("pad: expected one (before, after) pair per axis of shape " + x.shape().to_string() + ", got " +
                         std::to_string(paddings.size()) + " pairs");
    for (const auto& [before, after] : paddings)
        if (before < 0 || after < 0)
            throw ValueError("pad: paddings must be non-negative, got (" + std::to_string(before) + ", " +
                             std::to_string(after) + ") for shape " + x.shape().to_string());
    if (x.dtype() == bool_) throw TypeError("pad: bool tensors are not supported, got shape " + x.shape().to_string());
    bool any = false;
    for (const auto& [before, after] : paddings) any = any || before > 0 || after > 0;
    if (!any) return x;
    // One axis at a time: each step writes the previous result into a filled tensor one axis longer.
    Tensor out = x.detach();
    for (int axis = 0; axis < x.rank(); ++axis) {
        const auto& [before, after] = paddings[static_cast<std::size_t>(axis)];
        if (before == 0 && after == 0) continue;
        Shape shape = out.shape();
        shape[axis] += before + after;
        Tensor filled = Tensor::full(shape, value, x.dtype(), x.device());
        if (value != 0.0) {
            // The scatter adds: clear the interior first so that it holds x exactly.
            Tensor minus = Tensor::full(out.shape(), -value, x.dtype(), x.device());
            scatter_range(minus, axis, before, filled);
        }
        scatter_range(out, axis, before, filled);
        out = filled;
    }
    return autograd::record(out, "pad", {x}, [paddings, from = x.shape()](const Tensor& g) {
        Tensor grad = g;
        for (int axis = 0; axis < from.rank(); ++axis)
            grad = slice_axis(grad, axis, paddings[static_cast<std::size_t>(axis)].first,
                              paddings[static_cast<std::size_t>(axis)].first + from[axis]);
        return std::vector<Tensor>{grad};
    });
}

}  // namespace strata::ops
