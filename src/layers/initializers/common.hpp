// Checks every initializer shares, so that each names itself in the errors it throws.
#pragma once

#include <string>

#include "strata/core/tensor.hpp"

namespace strata::initializers::detail {

// ValueError naming `who` unless every extent of `shape` is known and non-negative.
void check_shape(const Shape& shape, const std::string& who);
// TypeError naming `who` unless `dtype` is float32 or float64 (what the random stream produces).
void check_floating(DType dtype, const std::string& who);
// A number as Python prints it in short form ("0.05", "-1", "inf"), for error messages.
std::string format_number(double value);

}  // namespace strata::initializers::detail
