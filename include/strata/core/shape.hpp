// Shape: the extents of a tensor, outermost first. -1 marks an extent that is not known yet (Keras's None,
// the batch axis of a symbolic tensor) or, in reshape, the one extent to infer.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace strata {

class Shape {
public:
    Shape() = default;
    Shape(std::initializer_list<std::int64_t> dims) : dims_(dims) {}
    explicit Shape(std::vector<std::int64_t> dims) : dims_(std::move(dims)) {}

    int rank() const { return static_cast<int>(dims_.size()); }
    bool empty() const { return dims_.empty(); }
    // The number of elements; 1 for a scalar. Throws ValueError when an extent is unknown or the count
    // overflows 63 bits.
    std::int64_t numel() const;
    bool is_fully_defined() const;

    std::int64_t operator[](int axis) const { return dims_[static_cast<std::size_t>(axis)]; }
    std::int64_t& operator[](int axis) { return dims_[static_cast<std::size_t>(axis)]; }
    // Extent of an axis counted from the end when negative, as in NumPy; throws IndexError when out of range.
    std::int64_t at(int axis) const;
    // Maps a possibly negative axis onto [0, rank); throws IndexError naming `op` when out of range.
    int normalize_axis(int axis, const char* op = "axis") const;

    const std::vector<std::int64_t>& dims() const { return dims_; }
    auto begin() const { return dims_.begin(); }
    auto end() const { return dims_.end(); }
    void push_back(std::int64_t d) { dims_.push_back(d); }

    // Shape without the first axis, and the same shape with a new first axis.
    Shape without_batch() const;
    Shape with_batch(std::int64_t batch) const;

    friend bool operator==(const Shape&, const Shape&) = default;

    // "(128, 64)"; unknown extents print as None, as Keras prints them.
    std::string to_string() const;

private:
    std::vector<std::int64_t> dims_;
};

// The shape two operands broadcast to under NumPy's rules; throws ShapeError naming `op` and both shapes.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

}  // namespace strata
