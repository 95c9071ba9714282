// Zeros, Ones, Constant and Identity, as keras/src/initializers/constant_initializers.py. These take any
// dtype, as Keras's do.
#include <algorithm>
#include <vector>

#include "common.hpp"
#include "strata/layers/initializers.hpp"
#include "strata/ops/shape.hpp"

namespace strata::initializers {

Tensor Zeros::operator()(const Shape& shape, DType dtype) const {
    detail::check_shape(shape, "Zeros");
    return Tensor::zeros(shape, dtype);
}

Tensor Ones::operator()(const Shape& shape, DType dtype) const {
    detail::check_shape(shape, "Ones");
    return Tensor::ones(shape, dtype);
}

Tensor Constant::operator()(const Shape& shape, DType dtype) const {
    detail::check_shape(shape, "Constant");
    return Tensor::full(shape, value_, dtype);
}

nlohmann::json Constant::get_config() const { return {{"value", value_}}; }

Tensor Identity::operator()(const Shape& shape, DType dtype) const {
    if (shape.rank() != 2)
        throw ValueError("Identity: the identity matrix initializer can only be used for 2D matrices, got shape " +
                         shape.to_string() + " of rank " + std::to_string(shape.rank()));
    detail::check_shape(shape, "Identity");
    std::int64_t rows = shape[0], cols = shape[1];
    std::vector<double> values(static_cast<std::size_t>(rows * cols), 0.0);
    for (std::int64_t i = 0; i < std::min(rows, cols); ++i) values[static_cast<std::size_t>(i * cols + i)] = gain_;
    Tensor eye = Tensor::from_vector(values, shape);
    return dtype == float64 ? eye : ops::cast(eye, dtype);
}

nlohmann::json Identity::get_config() const {
    // Keras writes {} (its Identity has no get_config); keep a non-default gain so it survives a round trip.
    if (gain_ == 1.0) return nlohmann::json::object();
    return {{"gain", gain_}};
}

}  // namespace strata::initializers
