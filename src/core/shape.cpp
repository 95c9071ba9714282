#include "strata/core/shape.hpp"

#include <limits>

#include "strata/core/error.hpp"

namespace strata {

std::int64_t Shape::numel() const {
    std::int64_t n = 1;
    for (std::int64_t d : dims_) {
        if (d < 0) throw ValueError("shape " + to_string() + " has an unknown extent; it has no element count");
        if (d != 0 && n > std::numeric_limits<std::int64_t>::max() / d)
            throw ValueError("shape " + to_string() + " has more elements than 2^63");
        n *= d;
    }
    return n;
}

bool Shape::is_fully_defined() const {
    for (std::int64_t d : dims_)
        if (d < 0) return false;
    return true;
}

int Shape::normalize_axis(int axis, const char* op) const {
    int r = rank();
    if (axis < -r || axis >= r)
        throw IndexError(std::string(op) + ": axis " + std::to_string(axis) + " is out of range for a tensor of shape " +
                         to_string());
    return axis < 0 ? axis + r : axis;
}

std::int64_t Shape::at(int axis) const { return dims_[static_cast<std::size_t>(normalize_axis(axis, "Shape::at"))]; }

Shape Shape::without_batch() const {
    if (dims_.empty()) return {};
    return Shape(std::vector<std::int64_t>(dims_.begin() + 1, dims_.end()));
}

Shape Shape::with_batch(std::int64_t batch) const {
    std::vector<std::int64_t> d{batch};
    d.insert(d.end(), dims_.begin(), dims_.end());
    return Shape(std::move(d));
}

std::string Shape::to_string() const {
    std::string s = "(";
    for (std::size_t i = 0; i < dims_.size(); ++i) {
        if (i) s += ", ";
        s += dims_[i] < 0 ? "None" : std::to_string(dims_[i]);
    }
    if (dims_.size() == 1) s += ",";
    return s + ")";
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
    int rank = std::max(a.rank(), b.rank());
    std::vector<std::int64_t> out(static_cast<std::size_t>(rank));
    for (int i = 0; i < rank; ++i) {
        int ia = a.rank() - rank + i, ib = b.rank() - rank + i;
        std::int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
        if (da == db || db == 1) out[static_cast<std::size_t>(i)] = da;
        else if (da == 1) out[static_cast<std::size_t>(i)] = db;
        else
            throw ShapeError(std::string(op) + ": shapes " + a.to_string() + " and " + b.to_string() +
                             " cannot be broadcast together");
    }
    return Shape(std::move(out));
}

}  // namespace strata
