// Ops that move elements. reshape and slice on the first axis are views (no copy): they share storage.
#include "strata/ops/shape.hpp"

#include <numeric>

#include "common.hpp"
#include "strata/ops/elementwise.hpp"
#include "strata/ops/reduce.hpp"

namespace strata::ops {

namespace {

Tensor view(const Tensor& x, const Shape& shape, std::int64_t offset) {
    auto impl = std::make_shared<TensorImpl>(*x.impl());
    impl->shape = shape;
    impl->offset = x.impl()->offset + offset;
    impl->requires_grad = false;
    impl->grad_fn.reset();
    return Tensor(std::move(impl));
}

Shape infer_reshape(const Shape& from, const Shape& to) {
    std::int64_t known = 1;
    int unknown = -1;
    for (int i = 0; i < to.rank(); ++i) {
        if (to[i] == -1) {
            if (unknown >= 0) throw ShapeError("reshape: more than one -1 in the new shape " + to.to_string());
            unknown = i;
        } else if (to[i] < 0) {
            throw ShapeError("reshape: negative extent in the new shape " + to.to_string());
        } else {
            known *= to[i];
        }
    }
    std::int64_t n = from.numel();
    Shape out = to;
    if (unknown >= 0) {
        if (known == 0 || n % known != 0)
            throw ShapeError("reshape: cannot reshape " + from.to_string() + " (" + std::to_string(n) +
                             " elements) into " + to.to_string());
        out[unknown] = n / known;
    } else if (known != n) {
        throw ShapeError("reshape: cannot reshape " + from.to_string() + " (" + std::to_string(n) + " elements) into " +
                         to.to_string() + " (" + std::to_string(known) + " elements)");
    }
    return out;
}

}  // namespace

Tensor reshape(const Tensor& x, const Shape& shape) {
    detail::require_concrete(x, "reshape");
    Shape target = infer_reshape(x.shape(), shape);
    if (target == x.shape()) return x;
    Tensor out = view(x, target, 0);
    return autograd::record(out, "reshape", {x}, [from = x.shape()](const Tensor& g) {
        return std::vector<Tensor>{reshape(g, from)};
    });
}

Tensor transpose(const Tensor& x, const std::vector<int>& perm_in) {
    detail::require_concrete(x, "transpose");
    std::vector<int> perm = perm_in;
    if (perm.empty()) {
        perm.resize(static_cast<std::size_t>(x.rank()));
        std::iota(perm.rbegin(), perm.rend(), 0);
    }
    if (static_cast<int>(perm.size()) != x.rank())
        throw ShapeError("transpose: permutation of " + std::to_string(perm.size()) + " axes for a tensor of shape " +
                         x.shape().to_string());
    std::vector<bool> seen(perm.size(), false);
    std::vector<std::int64_t> dims;
    for (int& p : perm) {
        p = x.shape().normalize_axis(p, "transpose");
        if (seen[static_cast<std::size_t>(p)]) throw ValueError("transpose: axis " + std::to_string(p) + " repeated in the permutation");
        seen[static_cast<std::size_t>(p)] = true;
        dims.push_back(x.shape()[p]);
    }
    Tensor out = Tensor::empty(Shape(dims), x.dtype(), x.device());
    backend::of(x).transpose(x, perm, out);
    std::vector<int> inverse(perm.size());
    for (std::size_t i = 0; i < perm.size(); ++i) inverse[static_cast<std::size_t>(perm[i])] = static_cast<int>(i);
    return autograd::record(out, "transpose", {x}, [inverse](const Tensor& g) {
        return std::vector<Tensor>{transpose(g, inverse)};
    });
}

Tensor slice(const Tensor& x, std::int64_t begin, std::int64_t end) {
    detail::require_concrete(x, "slice");
    if (x.rank() == 0) throw ShapeError("slice: a scalar has no first axis to slice");
    std::int64_t rows = x.shape()[0];
    if (begin < 0 || end < begin || end > rows)
        throw IndexError("slice: rows [" + std::to_string(begin) + ", " + std::to_string(end) +
                         ") out of range for a tensor of shape " + x.shape().to_string());
    Shape shape = x.shape();
    shape[0] = end - begin;
    std::int64_t row_size = rows ? x.numel() / rows : 0;
    Tensor out = view(x, shape, begin * row_size);
    return autograd::record(out, "slice", {x}, [from = x.shape(), begin](const Tensor& g) {
        Tensor grad = Tensor::zeros(from, g.dtype(), g.device());
        std::vector<std::int64_t> idx(static_cast<std::size_t>(g.shape()[0]));
        std::iota(idx.begin(), idx.end(), begin);
        backend::of(g).scatter_add_rows(g, Tensor::from_vector(idx), grad);
        return std::vector<Tensor>{grad};
    });
}

Tensor broadcast_to(const Tensor& x, const Shape& shape) {
    detail::require_concrete(x, "broadcast_to");
    if (broadcast_shapes(x.shape(), shape, "broadcast_to") != shape)
        throw ShapeError("broadcast_to: cannot broadcast shape " + x.shape().to_string() + " to " + shape.to_string());
    if (x.shape() == shape) return x;
    return add(x, Tensor::zeros(shape, x.dtype(), x.device()));  // add's gradient is summed back by the engine
}

Tensor expand_dims(const Tensor& x, int axis) {
    detail::require_concrete(x, "expand_dims");
    int a = axis < 0 ? axis + x.rank() + 1 : axis;
    if (a < 0 || a > x.rank())
        throw IndexError("expand_dims: axis " + std::to_string(axis) + " out of range for shape " + x.shape().to_string());
    std::vector<std::int64_t> dims = x.shape().dims();
    dims.insert(dims.begin() + a, 1);
    return reshape(x, Shape(dims));
}

Tensor squeeze(const Tensor& x, int axis) {
    detail::require_concrete(x, "squeeze");
    int a = x.shape().normalize_axis(axis, "squeeze");
    if (x.shape()[a] != 1)
        throw ShapeError("squeeze: axis " + std::to_string(axis) + " of shape " + x.shape().to_string() + " is not 1");
    std::vector<std::int64_t> dims = x.shape().dims();
    dims.erase(dims.begin() + a);
    return reshape(x, Shape(dims));
}

Tensor take(const Tensor& x, const Tensor& indices_in) {
    detail::require_concrete(x, "take");
    detail::require_concrete(indices_in, "take");
    if (x.rank() == 0) throw ShapeError("take: a scalar has no rows");
    if (is_floating(indices_in.dtype()) || indices_in.dtype() == bool_)
        throw TypeError("take: indices must be integers, got " + dtype_name(indices_in.dtype()));
    Tensor indices = indices_in.dtype() == int64 ? indices_in : cast(indices_in, int64);
    std::int64_t rows = x.shape()[0];
    const std::int64_t* idx = indices.data<std::int64_t>();
    for (std::int64_t i = 0; i < indices.numel(); ++i)
        if (idx[i] < 0 || idx[i] >= rows)
            throw IndexError("take: index " + std::to_string(idx[i]) + " out of range for a tensor of shape " +
                             x.shape().to_string());
    // As NumPy's take along axis 0: indices.shape + x.shape[1:].
    std::vector<std::int64_t> dims = indices.shape().dims();
    dims.insert(dims.end(), x.shape().begin() + 1, x.shape().end());
    Tensor out = Tensor::empty(Shape(dims), x.dtype(), x.device());
    backend::of(x).take_rows(x, indices, out);
    return autograd::record(out, "take", {x}, [from = x.shape(), indices](const Tensor& g) {
        Tensor grad = Tensor::zeros(from, g.dtype(), g.device());
        backend::of(g).scatter_add_rows(g, indices, grad);
        return std::vector<Tensor>{grad};
    });
}

Tensor cast(const Tensor& x, DType dtype) {
    detail::require_concrete(x, "cast");
    if (x.dtype() == dtype) return x;
    Tensor out = Tensor::empty(x.shape(), dtype, x.device());
    backend::of(x).cast(x, out);
    if (!is_floating(dtype) || !is_floating(x.dtype())) return out;
    return autograd::record(out, "cast", {x}, [from = x.dtype()](const Tensor& g) {
        return std::vector<Tensor>{cast(g, from)};
    });
}

Tensor one_hot(const Tensor& labels_in, std::int64_t classes, DType dtype) {
    detail::require_concrete(labels_in, "one_hot");
    if (classes <= 0) throw ValueError("one_hot: num_classes must be positive, got " + std::to_string(classes));
    if (is_floating(labels_in.dtype()) && labels_in.numel() > 0) {
        // Keras accepts float labels that hold whole numbers (to_categorical on a float array).
        Tensor whole = equal(labels_in, round(labels_in));
        if (sum(cast(whole, int64)).item<std::int64_t>() != labels_in.numel())
            throw ValueError("one_hot: labels must be whole numbers, got fractional values");
    }
    Tensor labels = cast(labels_in, int64);
    Tensor flat = reshape(labels, {-1});
    const std::int64_t* l = flat.data<std::int64_t>();
    for (std::int64_t i = 0; i < flat.numel(); ++i)
        if (l[i] < 0 || l[i] >= classes)
            throw ValueError("one_hot: label " + std::to_string(l[i]) + " is outside [0, " + std::to_string(classes) +
                             ") for num_classes " + std::to_string(classes));
    Tensor out = Tensor::empty({flat.numel(), classes}, dtype, labels.device());
    backend::of(flat).one_hot(flat, out);
    std::vector<std::int64_t> dims = labels.shape().dims();
    dims.push_back(classes);
    return reshape(out, Shape(dims));
}

}  // namespace strata::ops
