// The Initializer base, Keras's compute_fans, the shared checks and InitializerSpec.
#include "strata/layers/initializers.hpp"

#include <sstream>

#include "common.hpp"

namespace strata::initializers {

namespace detail {

void check_shape(const Shape& shape, const std::string& who) {
    for (std::int64_t d : shape)
        if (d < 0)
            throw ValueError(who + ": expected a shape with known, non-negative extents, got " + shape.to_string());
}

void check_floating(DType dtype, const std::string& who) {
    if (dtype != float32 && dtype != float64)
        throw TypeError(who + ": expected dtype float32 or float64, got " + dtype_name(dtype));
}

std::string format_number(double value) {
    std::ostringstream out;
    out << value;
    return out.str();
}

}  // namespace detail

Initializer::~Initializer() = default;

nlohmann::json Initializer::get_config() const { return nlohmann::json::object(); }

std::pair<std::int64_t, std::int64_t> compute_fans(const Shape& shape) {
    if (shape.rank() < 1) return {1, 1};  // Keras: "just to avoid errors for constants"
    if (shape.rank() == 1) return {shape[0], shape[0]};
    if (shape.rank() == 2) return {shape[0], shape[1]};
    // A convolution kernel (..., input_depth, depth): each unit sees the whole receptive field.
    std::int64_t receptive_field = 1;
    for (int axis = 0; axis < shape.rank() - 2; ++axis) receptive_field *= shape[axis];
    return {shape.at(-2) * receptive_field, shape.at(-1) * receptive_field};
}

InitializerSpec::InitializerSpec(const char* name) {
    if (name == nullptr) throw ValueError("initializer: expected a name or an initializer, got a null name");
    initializer_ = initializers::get(name);
}

InitializerSpec::InitializerSpec(std::string name) : initializer_(initializers::get(name)) {}

InitializerSpec::InitializerSpec(std::shared_ptr<Initializer> initializer) : initializer_(std::move(initializer)) {
    if (!initializer_) throw ValueError("initializer: expected a name or an initializer, got a null pointer");
}

}  // namespace strata::initializers
