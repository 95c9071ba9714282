// What the merging layers share: how they name themselves and their inputs in errors.
#pragma once

#include <string>
#include <vector>

#include "strata/core/error.hpp"
#include "strata/core/shape.hpp"

namespace strata::layers::detail {

inline std::string merge_label(const std::string& name, const std::string& class_name) {
    return "layer \"" + name + "\" (" + class_name + ")";
}

// "[(None, 3), (None, 4)]", as Keras prints a list of shapes.
inline std::string shapes_text(const std::vector<Shape>& shapes) {
    std::string text = "[";
    for (std::size_t i = 0; i < shapes.size(); ++i) text += (i ? ", " : "") + shapes[i].to_string();
    return text + "]";
}

// A merge joins a list of at least two inputs.
inline void require_at_least_two(const std::string& label, const std::vector<Shape>& shapes) {
    if (shapes.size() < 2)
        throw ValueError(label + ": a merge layer should be called on a list of at least 2 inputs, got " +
                         std::to_string(shapes.size()) + " with shapes " + shapes_text(shapes));
}

}  // namespace strata::layers::detail
