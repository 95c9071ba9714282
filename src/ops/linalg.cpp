// Matrix products. For out = a b with a [m, k], b [k, n] and g = dL/dout [m, n]:
//   dL/da = g b^T    matmulNT([m, n], [k, n]) -> [m, k]
//   dL/db = a^T g    matmulTN([m, k], [m, n]) -> [k, n]
#include "strata/ops/linalg.hpp"

#include "common.hpp"
#include "strata/ops/elementwise.hpp"
#include "strata/ops/reduce.hpp"
#include "strata/ops/shape.hpp"

namespace strata::ops {

using backend::Epilogue;

namespace {

// The kernel with no recording: [batch?, m, k] x [batch?, k, n], either side transposed.
Tensor product(const Tensor& a, const Tensor& b, bool ta, bool tb, const Tensor* bias = nullptr,
               Epilogue epilogue = Epilogue::none) {
    int r = a.rank();
    std::int64_t m = ta ? a.shape()[r - 1] : a.shape()[r - 2];
    std::int64_t n = tb ? b.shape()[b.rank() - 2] : b.shape()[b.rank() - 1];
    Shape shape = r == 3 ? Shape{a.shape()[0], m, n} : Shape{m, n};
    Tensor out = Tensor::empty(shape, a.dtype(), a.device());
    backend::of(a).matmul(a, b, bias, ta, tb, epilogue, out);
    return out;
}

[[noreturn]] void incompatible(const Tensor& a, const Tensor& b) {
    throw ShapeError("matmul: incompatible shapes " + a.shape().to_string() + " and " + b.shape().to_string() +
                     ": the last axis of the first must equal the second-to-last axis of the second");
}

void check_operands(const Tensor& a, const Tensor& b, const char* op) {
    detail::require_concrete(a, op);
    detail::require_concrete(b, op);
    detail::require_same_device(a, b, op);
    detail::require_floating(a, op);
    if (a.dtype() != b.dtype())
        throw TypeError(std::string(op) + ": operands of different dtypes, " + dtype_name(a.dtype()) + " and " +
                        dtype_name(b.dtype()));
}

// [m, k] x [k, n] or [batch, m, k] x [batch, k, n].
Tensor matmul_3d(const Tensor& a, const Tensor& b) {
    Tensor out = product(a, b, false, false);
    return autograd::record(out, "matmul", {a, b}, [a = detail::saved(a), b = detail::saved(b)](const Tensor& g) {
        return std::vector<Tensor>{product(g, b, false, true), product(a, g, true, false)};
    });
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
    check_operands(a, b, "matmul");
    if (a.rank() == 0 || b.rank() == 0) incompatible(a, b);
    std::int64_t k = a.shape()[a.rank() - 1];
    if (b.shape()[b.rank() == 1 ? 0 : b.rank() - 2] != k) incompatible(a, b);
    // Vectors, as NumPy: a [k] is a row [1, k], b [k] a column [k, 1]; the added axes are removed afterwards,
    // the row's (second to last) first.
    if (a.rank() == 1 || b.rank() == 1) {
        Tensor out = matmul(a.rank() == 1 ? expand_dims(a, 0) : a, b.rank() == 1 ? expand_dims(b, 1) : b);
        if (a.rank() == 1) out = squeeze(out, -2);
        if (b.rank() == 1) out = squeeze(out, -1);
        return out;
    }
    if (a.rank() == 2 && b.rank() == 2) return matmul_3d(a, b);
    std::int64_t m = a.shape()[a.rank() - 2], n = b.shape()[b.rank() - 1];
    if (b.rank() == 2) {  // [..., m, k] x [k, n]: one product over all leading rows, b shared
        std::vector<std::int64_t> dims(a.shape().begin(), a.shape().end() - 1);
        std::int64_t rows = Shape(dims).numel();
        dims.push_back(n);
        return reshape(matmul_3d(reshape(a, {rows, k}), b), Shape(dims));
    }
    // Batched: the leading axes broadcast as NumPy's; a broadcast operand's gradient is summed back.
    Shape lead_a(std::vector<std::int64_t>(a.shape().begin(), a.shape().end() - 2));
    Shape lead_b(std::vector<std::int64_t>(b.shape().begin(), b.shape().end() - 2));
    Shape lead;
    try {
        lead = broadcast_shapes(lead_a, lead_b, "matmul");
    } catch (const ShapeError&) {
        incompatible(a, b);
    }
    auto with_lead = [&lead](std::int64_t rows, std::int64_t cols) {
        std::vector<std::int64_t> dims = lead.dims();
        dims.push_back(rows);
        dims.push_back(cols);
        return Shape(dims);
    };
    Tensor ba = lead_a == lead ? a : broadcast_to(a, with_lead(m, k));
    Tensor bb = lead_b == lead ? b : broadcast_to(b, with_lead(k, n));
    std::int64_t batch = lead.numel();
    Tensor out = matmul_3d(reshape(ba, {batch, m, k}), reshape(bb, {batch, k, n}));
    return reshape(out, with_lead(m, n));
}

Tensor linear(const Tensor& x, const Tensor& kernel, const Tensor& bias, Epilogue activation) {
    check_operands(x, kernel, "linear");
    if (kernel.rank() != 2 || x.rank() < 1 || x.shape()[x.rank() - 1] != kernel.shape()[0])
        throw ShapeError("linear: input of shape " + x.shape().to_string() + " does not fit kernel of shape " +
                         kernel.shape().to_string());
    if (bias.defined()) {
        detail::require_concrete(bias, "linear");
        detail::require_same_device(kernel, bias, "linear");
        // The kernel reads the bias as the kernel's element type.
        if (bias.dtype() != kernel.dtype())
            throw TypeError("linear: bias of dtype " + dtype_name(bias.dtype()) + " does not match kernel of dtype " +
                            dtype_name(kernel.dtype()));
        if (bias.rank() != 1 || bias.shape()[0] != kernel.shape()[1])
            throw ShapeError("linear: bias of shape " + bias.shape().to_string() + " does not fit kernel of shape " +
                             kernel.shape().to_string());
    }
    std::int64_t k = kernel.shape()[0], n = kernel.shape()[1];
    std::int64_t row_count = Shape(std::vector<std::int64_t>(x.shape().begin(), x.shape().end() - 1)).numel();
    Tensor rows = x.rank() == 2 ? x : reshape(x, {row_count, k});
    Tensor out = product(rows, kernel, false, false, bias.defined() ? &bias : nullptr, activation);
    // Backward through the fused activation uses its output: relu' = [y > 0], sigmoid' = y (1 - y),
    // tanh' = 1 - y^2.
    out = autograd::record(out, "linear", {rows, kernel, bias},
                           [rows = detail::saved(rows), kernel = detail::saved(kernel), y = detail::saved(out),
                            has_bias = bias.defined(), activation](const Tensor& g_out) {
                               Tensor g = g_out;
                               switch (activation) {
                                   case Epilogue::none: break;
                                   case Epilogue::relu: g = g * greater(y, scalar_like(y, 0.0)); break;
                                   case Epilogue::sigmoid: g = g * y * (1.0 - y); break;
                                   case Epilogue::tanh: g = g * (1.0 - y * y); break;
                               }
                               return std::vector<Tensor>{product(g, kernel, false, true), product(rows, g, true, false),
                                                          has_bias ? sum(g, {0}) : Tensor()};
                           });
    if (x.rank() == 2) return out;
    std::vector<std::int64_t> dims(x.shape().begin(), x.shape().end() - 1);
    dims.push_back(n);
    return reshape(out, Shape(dims));
}

}  // namespace strata::ops
