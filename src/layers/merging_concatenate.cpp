// Concatenate (keras/src/layers/merging/concatenate.py): joins inputs along one axis.
#include <string>

#include "merging_shapes.hpp"
#include "strata/layers/merging.hpp"
#include "strata/ops/shape.hpp"

namespace strata::layers {

ConcatenateImpl::ConcatenateImpl(ConcatenateOptions options)
    : Layer("concatenate", {options.input_shape, options.name, options.trainable, options.dtype}), axis_(options.axis) {}

void ConcatenateImpl::check_shapes(const std::vector<Shape>& shapes) const {
    std::string label = detail::merge_label(name(), class_name());
    detail::require_at_least_two(label, shapes);
    // Keras: "A `Concatenate` layer requires inputs with matching shapes except for the concatenation axis."
    auto error = [&] {
        return ShapeError(label + ": expected inputs with matching shapes except for the concatenation axis " +
                          std::to_string(axis_) + ", got " + detail::shapes_text(shapes));
    };
    int rank = shapes[0].rank();
    if (rank == 0 || axis_ >= rank || axis_ < -rank) throw error();
    int axis = axis_ < 0 ? axis_ + rank : axis_;
    for (const Shape& s : shapes) {
        if (s.rank() != rank) throw error();
        for (int i = 0; i < rank; ++i) {
            if (i == axis) continue;
            // An unknown extent (None) matches any.
            for (const Shape& t : shapes)
                if (s[i] != -1 && t[i] != -1 && s[i] != t[i]) throw error();
        }
    }
}

void ConcatenateImpl::build_multi(const std::vector<Shape>& input_shapes) { check_shapes(input_shapes); }

Shape ConcatenateImpl::compute_output_shape_multi(const std::vector<Shape>& shapes) const {
    check_shapes(shapes);
    int axis = axis_ < 0 ? axis_ + shapes[0].rank() : axis_;
    // As Keras: the other axes are the first input's; the joined axis is unknown if any input's is.
    Shape out = shapes[0];
    for (std::size_t i = 1; i < shapes.size(); ++i) {
        if (out[axis] == -1 || shapes[i][axis] == -1) {
            out[axis] = -1;
            break;
        }
        out[axis] += shapes[i][axis];
    }
    return out;
}

Tensor ConcatenateImpl::call_multi(const std::vector<Tensor>& inputs, bool) {
    std::vector<Shape> shapes;
    for (const Tensor& x : inputs) shapes.push_back(x.shape());
    check_shapes(shapes);  // the concrete shapes must agree too, with the layer named in the error
    return ops::concatenate(inputs, axis_);
}

nlohmann::json ConcatenateImpl::get_config() const {
    nlohmann::json config = Layer::get_config();
    config["axis"] = axis_;
    return config;
}

}  // namespace strata::layers
