// The parts of Tensor that need no kernel: construction from host data, element access, metadata.
// The methods that compute are ops, defined in src/ops/tensor_methods.cpp.
#include "strata/core/tensor.hpp"

#include <cstring>
#include <sstream>

namespace strata {

const TensorImpl& Tensor::checked() const {
    if (!impl_) throw ValueError("the tensor is undefined (default-constructed or a missing gradient)");
    return *impl_;
}

void Tensor::check_dtype(DType expected, const char* op) const {
    if (dtype() != expected)
        throw TypeError(std::string(op) + ": expected a tensor of dtype " + dtype_name(expected) + ", got " +
                        dtype_name(dtype()) + " with shape " + shape().to_string());
}

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
    auto impl = std::make_shared<TensorImpl>();
    std::int64_t n = shape.numel();
    impl->storage = std::make_shared<Storage>(static_cast<std::size_t>(n) * dtype_size(dtype), device);
    impl->shape = shape;
    impl->dtype = dtype;
    impl->device = device;
    return Tensor(std::move(impl));
}

Tensor Tensor::symbolic(const Shape& shape, DType dtype, std::shared_ptr<KerasHistory> history) {
    auto impl = std::make_shared<TensorImpl>();
    impl->shape = shape;
    impl->dtype = dtype;
    impl->keras_history = std::move(history);
    return Tensor(std::move(impl));
}

void* Tensor::raw_data() const {
    const TensorImpl& t = checked();
    if (!t.storage)
        throw ValueError("symbolic tensor of shape " + t.shape.to_string() +
                         " has no data; call the model on a concrete tensor");
    return static_cast<char*>(t.storage->data()) + t.offset * static_cast<std::int64_t>(dtype_size(t.dtype));
}

template <Element T>
Tensor Tensor::from_vector(const std::vector<T>& values, const Shape& shape) {
    if (!shape.is_fully_defined() || shape.numel() != static_cast<std::int64_t>(values.size()))
        throw ShapeError("Tensor::from_vector: " + std::to_string(values.size()) +
                         " values cannot fill shape " + shape.to_string());
    Tensor t = empty(shape, dtype_of_v<T>, Device::cpu());
    T* out = static_cast<T*>(t.raw_data());
    for (std::size_t i = 0; i < values.size(); ++i) out[i] = values[i];  // vector<bool> has no data()
    return Device::current().is_cpu() ? t : t.to(Device::current());
}

template <Element T>
std::vector<T> Tensor::to_vector() const {
    check_dtype(dtype_of_v<T>, "Tensor::to_vector");
    Tensor host = device().is_cpu() ? *this : to(Device::cpu());
    const T* p = static_cast<const T*>(host.raw_data());
    return std::vector<T>(p, p + host.numel());
}

template <Element T>
T Tensor::item() const {
    if (numel() != 1)
        throw ShapeError("Tensor::item: expected a tensor with one element, got shape " + shape().to_string());
    return to_vector<T>()[0];
}

#define STRATA_INSTANTIATE(T)                                                      \
    template Tensor Tensor::from_vector<T>(const std::vector<T>&, const Shape&); \
    template std::vector<T> Tensor::to_vector<T>() const;                        \
    template T Tensor::item<T>() const;
STRATA_INSTANTIATE(float)
STRATA_INSTANTIATE(double)
STRATA_INSTANTIATE(std::int64_t)
STRATA_INSTANTIATE(std::int32_t)
STRATA_INSTANTIATE(std::uint8_t)
STRATA_INSTANTIATE(bool)
#undef STRATA_INSTANTIATE

Tensor& Tensor::set_requires_grad(bool requires_grad) {
    checked();
    if (requires_grad && !is_floating(impl_->dtype))
        throw TypeError("only floating tensors can require gradients, got dtype " + dtype_name(impl_->dtype));
    impl_->requires_grad = requires_grad;
    return *this;
}

Tensor Tensor::detach() const {
    auto impl = std::make_shared<TensorImpl>(checked());
    impl->requires_grad = false;
    impl->grad_fn.reset();
    return Tensor(std::move(impl));
}

std::string Tensor::to_string() const {
    if (!impl_) return "Tensor(undefined)";
    std::ostringstream s;
    s << "Tensor(shape=" << shape().to_string() << ", dtype=" << dtype_name(dtype());
    if (is_symbolic()) {
        s << ", symbolic)";
        return s.str();
    }
    s << ", values=[";
    Tensor host = astype(float64);
    auto values = host.to_vector<double>();
    for (std::size_t i = 0; i < values.size() && i < 8; ++i) s << (i ? ", " : "") << values[i];
    if (values.size() > 8) s << ", ...";
    s << "])";
    return s.str();
}

}  // namespace strata
