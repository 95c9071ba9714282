// Tensor's computing methods and operators, each one an op.
#include <cmath>

#include "common.hpp"
#include "strata/ops/elementwise.hpp"
#include "strata/ops/reduce.hpp"
#include "strata/ops/shape.hpp"

namespace strata {

Tensor Tensor::zeros(const Shape& shape, DType dtype, Device device) { return full(shape, 0.0, dtype, device); }
Tensor Tensor::ones(const Shape& shape, DType dtype, Device device) { return full(shape, 1.0, dtype, device); }

Tensor Tensor::full(const Shape& shape, double value, DType dtype, Device device) {
    Tensor t = empty(shape, dtype, device);
    backend::of(device).fill(t, value);
    return t;
}

Tensor Tensor::scalar(double value, DType dtype) { return full({}, value, dtype); }

Tensor Tensor::reshape(const Shape& shape) const { return ops::reshape(*this, shape); }
Tensor Tensor::astype(DType dtype) const { return ops::cast(*this, dtype); }
Tensor Tensor::slice(std::int64_t begin, std::int64_t end) const { return ops::slice(*this, begin, end); }
Tensor Tensor::transpose() const { return ops::transpose(*this); }
Tensor Tensor::transpose(const std::vector<int>& perm) const { return ops::transpose(*this, perm); }
Tensor Tensor::sum(const std::vector<int>& axes, bool keepdims) const { return ops::sum(*this, axes, keepdims); }
Tensor Tensor::mean(const std::vector<int>& axes, bool keepdims) const { return ops::mean(*this, axes, keepdims); }
Tensor Tensor::max(const std::vector<int>& axes, bool keepdims) const { return ops::max(*this, axes, keepdims); }
Tensor Tensor::min(const std::vector<int>& axes, bool keepdims) const { return ops::min(*this, axes, keepdims); }
Tensor Tensor::argmax(int axis) const { return ops::argmax(*this, axis); }
Tensor Tensor::round() const { return ops::round(*this); }

Tensor Tensor::clone() const {
    ops::detail::require_concrete(*this, "clone");
    Tensor out = empty(shape(), dtype(), device());
    backend::of(*this).copy(*this, out);
    return out;
}

Tensor Tensor::to(Device target) const {
    ops::detail::require_concrete(*this, "to");
    if (target == device()) return *this;
    Tensor out = empty(shape(), dtype(), target);
    if (device().is_cpu()) backend::of(target).transfer(raw_data(), out, false);
    else if (target.is_cpu()) {
        Tensor self = *this;
        backend::of(device()).transfer(out.raw_data(), self, true);
    } else {
        return to(Device::cpu()).to(target);
    }
    return out;
}

namespace {

// A scalar operand takes the tensor's element type; a fractional scalar makes an integer tensor float32.
// `op` names the operator's op in the error for an undefined or symbolic tensor.
Tensor scalar_for(const Tensor& t, double value, const char* op) {
    ops::detail::require_concrete(t, op);
    DType dtype = t.dtype();
    if (!is_floating(dtype) && value != std::floor(value)) dtype = float32;
    if (dtype == bool_) dtype = int64;
    return Tensor::full({}, value, dtype, t.device());
}

}  // namespace

Tensor operator+(const Tensor& a, const Tensor& b) { return ops::add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return ops::subtract(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return ops::multiply(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return ops::divide(a, b); }
Tensor operator-(const Tensor& a) { return ops::negative(a); }
Tensor operator+(const Tensor& a, double b) { return ops::add(a, scalar_for(a, b, "add")); }
Tensor operator-(const Tensor& a, double b) { return ops::subtract(a, scalar_for(a, b, "subtract")); }
Tensor operator*(const Tensor& a, double b) { return ops::multiply(a, scalar_for(a, b, "multiply")); }
Tensor operator/(const Tensor& a, double b) { return ops::divide(a, scalar_for(a, b, "divide")); }
Tensor operator+(double a, const Tensor& b) { return ops::add(scalar_for(b, a, "add"), b); }
Tensor operator-(double a, const Tensor& b) { return ops::subtract(scalar_for(b, a, "subtract"), b); }
Tensor operator*(double a, const Tensor& b) { return ops::multiply(scalar_for(b, a, "multiply"), b); }
Tensor operator/(double a, const Tensor& b) { return ops::divide(scalar_for(b, a, "divide"), b); }
Tensor operator==(const Tensor& a, const Tensor& b) { return ops::equal(a, b); }
Tensor operator!=(const Tensor& a, const Tensor& b) { return ops::not_equal(a, b); }
Tensor operator<(const Tensor& a, const Tensor& b) { return ops::less(a, b); }
Tensor operator<=(const Tensor& a, const Tensor& b) { return ops::less_equal(a, b); }
Tensor operator>(const Tensor& a, const Tensor& b) { return ops::greater(a, b); }
Tensor operator>=(const Tensor& a, const Tensor& b) { return ops::greater_equal(a, b); }
Tensor operator==(const Tensor& a, double b) { return ops::equal(a, scalar_for(a, b, "equal")); }
Tensor operator!=(const Tensor& a, double b) { return ops::not_equal(a, scalar_for(a, b, "not_equal")); }
Tensor operator<(const Tensor& a, double b) { return ops::less(a, scalar_for(a, b, "less")); }
Tensor operator<=(const Tensor& a, double b) { return ops::less_equal(a, scalar_for(a, b, "less_equal")); }
Tensor operator>(const Tensor& a, double b) { return ops::greater(a, scalar_for(a, b, "greater")); }
Tensor operator>=(const Tensor& a, double b) { return ops::greater_equal(a, scalar_for(a, b, "greater_equal")); }

}  // namespace strata
