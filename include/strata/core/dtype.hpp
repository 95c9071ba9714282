// Element types. float32 is the default; float64 serves gradient checks; integers and bool hold labels
// and masks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace strata {

enum class DType : std::uint8_t { float32, float64, int64, int32, uint8, bool_ };

inline constexpr DType float32 = DType::float32;
inline constexpr DType float64 = DType::float64;
inline constexpr DType int64 = DType::int64;
inline constexpr DType int32 = DType::int32;
inline constexpr DType uint8 = DType::uint8;
inline constexpr DType bool_ = DType::bool_;

std::size_t dtype_size(DType dtype);
// Keras's spelling: "float32", "int64", "bool".
std::string dtype_name(DType dtype);
DType dtype_from_name(const std::string& name);
bool is_floating(DType dtype);

// The C++ type of each element type, and back.
template <class T>
struct dtype_of;
template <> struct dtype_of<float> { static constexpr DType value = float32; };
template <> struct dtype_of<double> { static constexpr DType value = float64; };
template <> struct dtype_of<std::int64_t> { static constexpr DType value = int64; };
template <> struct dtype_of<std::int32_t> { static constexpr DType value = int32; };
template <> struct dtype_of<std::uint8_t> { static constexpr DType value = uint8; };
template <> struct dtype_of<bool> { static constexpr DType value = bool_; };

template <class T>
inline constexpr DType dtype_of_v = dtype_of<T>::value;

template <class T>
concept Element = requires { dtype_of<T>::value; };

// The type both operands of a binary op are converted to: bool < uint8 < int32 < int64 < float32 < float64.
DType promote_types(DType a, DType b);

// Calls fn.template operator()<T>() with T the C++ type of `dtype`.
template <class Fn>
decltype(auto) dispatch_dtype(DType dtype, Fn&& fn) {
    switch (dtype) {
        case DType::float32: return fn.template operator()<float>();
        case DType::float64: return fn.template operator()<double>();
        case DType::int64: return fn.template operator()<std::int64_t>();
        case DType::int32: return fn.template operator()<std::int32_t>();
        case DType::uint8: return fn.template operator()<std::uint8_t>();
        case DType::bool_: return fn.template operator()<bool>();
    }
    return fn.template operator()<float>();
}

}  // namespace strata
