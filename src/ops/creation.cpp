#include "strata/ops/creation.hpp"

namespace strata::ops {

Tensor zeros(const Shape& shape, DType dtype) { return Tensor::zeros(shape, dtype); }
Tensor ones(const Shape& shape, DType dtype) { return Tensor::ones(shape, dtype); }
Tensor full(const Shape& shape, double fill_value, DType dtype) { return Tensor::full(shape, fill_value, dtype); }
Tensor zeros_like(const Tensor& x) { return Tensor::zeros(x.shape(), x.dtype(), x.device()); }
Tensor ones_like(const Tensor& x) { return Tensor::ones(x.shape(), x.dtype(), x.device()); }
Tensor full_like(const Tensor& x, double fill_value) { return Tensor::full(x.shape(), fill_value, x.dtype(), x.device()); }

}  // namespace strata::ops
