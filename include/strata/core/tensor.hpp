// Tensor: a handle to an n-dimensional array. Copies share the data, as NumPy views and Keras tensors do.
// A tensor is either concrete (storage, shape, dtype, device) or symbolic (a shape and the layer call that
// will produce it, as Keras's KerasTensor); both carry an autograd slot.
//
// The methods below are the NumPy-style conveniences; each one is an op from strata/ops, defined there.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "strata/core/device.hpp"
#include "strata/core/dtype.hpp"
#include "strata/core/error.hpp"
#include "strata/core/shape.hpp"
#include "strata/core/storage.hpp"

namespace strata {

namespace autograd {
struct Node;
}
// Where a symbolic tensor comes from (the layer call that produces it); defined by the layers level.
struct KerasHistory;

// What a Tensor handle points at. Public so that levels above core can reach it; users never need to.
struct TensorImpl {
    std::shared_ptr<Storage> storage;  // null for a symbolic tensor
    std::int64_t offset = 0;           // in elements, into storage
    Shape shape;
    DType dtype = DType::float32;
    Device device = Device::cpu();

    // Autograd slot: a leaf that wants gradients, or the node that produced this tensor.
    bool requires_grad = false;
    std::shared_ptr<autograd::Node> grad_fn;

    // Set on symbolic tensors: the layer call that produces this one.
    std::shared_ptr<KerasHistory> keras_history;
};

class Tensor {
public:
    Tensor() = default;
    explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

    // New tensors on the current device. `empty` leaves the elements unset.
    static Tensor empty(const Shape& shape, DType dtype = float32, Device device = Device::current());
    static Tensor zeros(const Shape& shape, DType dtype = float32, Device device = Device::current());
    static Tensor ones(const Shape& shape, DType dtype = float32, Device device = Device::current());
    static Tensor full(const Shape& shape, double value, DType dtype = float32,
                       Device device = Device::current());
    static Tensor scalar(double value, DType dtype = float32);
    // A tensor of `shape` holding `values` in row-major order; the dtype is T's.
    template <Element T>
    static Tensor from_vector(const std::vector<T>& values, const Shape& shape);
    template <Element T>
    static Tensor from_vector(const std::vector<T>& values) {
        return from_vector(values, Shape{static_cast<std::int64_t>(values.size())});
    }
    // A symbolic tensor: shape and dtype only, as Keras's KerasTensor.
    static Tensor symbolic(const Shape& shape, DType dtype, std::shared_ptr<KerasHistory> history);

    bool defined() const { return impl_ != nullptr; }
    bool is_symbolic() const { return impl_ && !impl_->storage; }
    const Shape& shape() const { return checked().shape; }
    DType dtype() const { return checked().dtype; }
    Device device() const { return checked().device; }
    int rank() const { return shape().rank(); }
    std::int64_t numel() const { return shape().numel(); }
    std::int64_t size(int axis) const { return shape().at(axis); }

    // Host copies of the elements; throws TypeError when T is not the tensor's element type.
    template <Element T>
    std::vector<T> to_vector() const;
    // The one element of a tensor with one element.
    template <Element T>
    T item() const;

    // Raw element access for kernels (contiguous, row-major, CPU memory).
    void* raw_data() const;
    template <Element T>
    T* data() const {
        check_dtype(dtype_of_v<T>, "Tensor::data");
        return static_cast<T*>(raw_data());
    }

    // Shape and type.
    Tensor reshape(const Shape& shape) const;
    Tensor astype(DType dtype) const;
    Tensor slice(std::int64_t begin, std::int64_t end) const;  // rows [begin, end) of the first axis
    Tensor transpose() const;                                  // reverses the axes
    Tensor transpose(const std::vector<int>& perm) const;
    Tensor to(Device device) const;
    Tensor clone() const;  // a copy with its own storage

    // Reductions; no axes means all of them.
    Tensor sum(const std::vector<int>& axes = {}, bool keepdims = false) const;
    Tensor mean(const std::vector<int>& axes = {}, bool keepdims = false) const;
    Tensor max(const std::vector<int>& axes = {}, bool keepdims = false) const;
    Tensor min(const std::vector<int>& axes = {}, bool keepdims = false) const;
    Tensor argmax(int axis = -1) const;
    Tensor round() const;

    // Autograd.
    bool requires_grad() const { return checked().requires_grad; }
    Tensor& set_requires_grad(bool requires_grad);
    // The same data without the autograd history.
    Tensor detach() const;

    TensorImpl* impl() const { return impl_.get(); }
    const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
    bool same_as(const Tensor& other) const { return impl_ == other.impl_; }

    std::string to_string() const;

    // Throws TypeError naming `op` when this tensor's dtype is not `expected`.
    void check_dtype(DType expected, const char* op) const;

private:
    const TensorImpl& checked() const;
    std::shared_ptr<TensorImpl> impl_;
};

// Arithmetic with NumPy broadcasting; a scalar takes the tensor's element type (a float scalar turns an
// integer tensor into float32, as JAX's weak types do).
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a);
Tensor operator+(const Tensor& a, double b);
Tensor operator-(const Tensor& a, double b);
Tensor operator*(const Tensor& a, double b);
Tensor operator/(const Tensor& a, double b);
Tensor operator+(double a, const Tensor& b);
Tensor operator-(double a, const Tensor& b);
Tensor operator*(double a, const Tensor& b);
Tensor operator/(double a, const Tensor& b);
// Comparisons give bool tensors.
Tensor operator==(const Tensor& a, const Tensor& b);
Tensor operator!=(const Tensor& a, const Tensor& b);
Tensor operator<(const Tensor& a, const Tensor& b);
Tensor operator<=(const Tensor& a, const Tensor& b);
Tensor operator>(const Tensor& a, const Tensor& b);
Tensor operator>=(const Tensor& a, const Tensor& b);
Tensor operator==(const Tensor& a, double b);
Tensor operator!=(const Tensor& a, double b);
Tensor operator<(const Tensor& a, double b);
Tensor operator<=(const Tensor& a, double b);
Tensor operator>(const Tensor& a, double b);
Tensor operator>=(const Tensor& a, double b);

}  // namespace strata
