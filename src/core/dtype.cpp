#include "strata/core/dtype.hpp"

#include "strata/core/error.hpp"

namespace strata {

std::size_t dtype_size(DType dtype) {
    return dispatch_dtype(dtype, []<class T>() { return sizeof(T); });
}

std::string dtype_name(DType dtype) {
    switch (dtype) {
        case DType::float32: return "float32";
        case DType::float64: return "float64";
        case DType::int64: return "int64";
        case DType::int32: return "int32";
        case DType::uint8: return "uint8";
        case DType::bool_: return "bool";
    }
    return "unknown";
}

DType dtype_from_name(const std::string& name) {
    for (DType d : {float32, float64, int64, int32, uint8, bool_})
        if (dtype_name(d) == name) return d;
    throw ValueError("unknown dtype \"" + name + "\"; expected one of float32, float64, int64, int32, uint8, bool");
}

bool is_floating(DType dtype) { return dtype == DType::float32 || dtype == DType::float64; }

DType promote_types(DType a, DType b) {
    auto rank = [](DType d) {
        switch (d) {
            case DType::bool_: return 0;
            case DType::uint8: return 1;
            case DType::int32: return 2;
            case DType::int64: return 3;
            case DType::float32: return 4;
            case DType::float64: return 5;
        }
        return 0;
    };
    return rank(a) >= rank(b) ? a : b;
}

}  // namespace strata
