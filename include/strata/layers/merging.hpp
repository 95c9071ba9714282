// The merging layers of keras/src/layers/merging/: Add, Subtract, Multiply, Average, Maximum, Minimum
// (elementwise over a list of inputs), Concatenate and Dot. They take a list of inputs:
// `layers::Add()({a, b})`.
//
// Elementwise merges follow Keras's Merge: the inputs share the batch axis, and the other axes broadcast
// right-aligned (an extent of 1 stretches); an input of lower rank gains axes of extent 1 right after the
// batch axis before the merge.
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include "strata/layers/layer.hpp"

namespace strata::layers {

// Keras's merge layers take only the layer keyword arguments.
struct MergeOptions {
    Shape input_shape;
    std::string name;
    bool trainable = true;
    DType dtype = float32;
};

// Which elementwise merge a MergeImpl computes.
enum class MergeKind { add, subtract, multiply, average, maximum, minimum };

// Keras's Merge base with its six elementwise merges: shape checks, rank alignment, then the merge.
class MergeImpl : public Layer {
public:
    MergeImpl(MergeKind kind, MergeOptions options);
    std::string class_name() const override;
    MergeKind kind() const { return kind_; }
    Shape compute_output_shape_multi(const std::vector<Shape>& input_shapes) const override;
    Tensor call_multi(const std::vector<Tensor>& inputs, bool training) override;

protected:
    void build_multi(const std::vector<Shape>& input_shapes) override;

private:
    MergeKind kind_;
};

// Keras: Add(**kwargs): the sum of the inputs.
class Add : public LayerHandle<MergeImpl> {
public:
    explicit Add(MergeOptions options = {}) : LayerHandle(std::make_shared<MergeImpl>(MergeKind::add, std::move(options))) {}
};

// Keras: Subtract(**kwargs): inputs[0] - inputs[1], exactly two inputs.
class Subtract : public LayerHandle<MergeImpl> {
public:
    explicit Subtract(MergeOptions options = {})
        : LayerHandle(std::make_shared<MergeImpl>(MergeKind::subtract, std::move(options))) {}
};

// Keras: Multiply(**kwargs): the product of the inputs.
class Multiply : public LayerHandle<MergeImpl> {
public:
    explicit Multiply(MergeOptions options = {})
        : LayerHandle(std::make_shared<MergeImpl>(MergeKind::multiply, std::move(options))) {}
};

// Keras: Average(**kwargs): the mean of the inputs.
class Average : public LayerHandle<MergeImpl> {
public:
    explicit Average(MergeOptions options = {})
        : LayerHandle(std::make_shared<MergeImpl>(MergeKind::average, std::move(options))) {}
};

// Keras: Maximum(**kwargs): the elementwise maximum of the inputs.
class Maximum : public LayerHandle<MergeImpl> {
public:
    explicit Maximum(MergeOptions options = {})
        : LayerHandle(std::make_shared<MergeImpl>(MergeKind::maximum, std::move(options))) {}
};

// Keras: Minimum(**kwargs): the elementwise minimum of the inputs.
class Minimum : public LayerHandle<MergeImpl> {
public:
    explicit Minimum(MergeOptions options = {})
        : LayerHandle(std::make_shared<MergeImpl>(MergeKind::minimum, std::move(options))) {}
};

// Keras: Concatenate(axis=-1, **kwargs): joins inputs that agree on every axis but `axis`.
struct ConcatenateOptions {
    int axis = -1;
    // Keras's layer keyword arguments.
    Shape input_shape;
    std::string name;
    bool trainable = true;
    DType dtype = float32;
};

class ConcatenateImpl : public Layer {
public:
    explicit ConcatenateImpl(ConcatenateOptions options);
    std::string class_name() const override { return "Concatenate"; }
    Shape compute_output_shape_multi(const std::vector<Shape>& input_shapes) const override;
    Tensor call_multi(const std::vector<Tensor>& inputs, bool training) override;
    nlohmann::json get_config() const override;
    int axis() const { return axis_; }

protected:
    void build_multi(const std::vector<Shape>& input_shapes) override;

private:
    void check_shapes(const std::vector<Shape>& input_shapes) const;
    int axis_;
};

class Concatenate : public LayerHandle<ConcatenateImpl> {
public:
    explicit Concatenate(ConcatenateOptions options = {})
        : LayerHandle(std::make_shared<ConcatenateImpl>(std::move(options))) {}
};

// Dot's `axes`: one axis for both inputs (`Dot(1)`) or one per input (`Dot({1, 2})`); negative axes count
// from the end of each input's shape.
class DotAxes {
public:
    DotAxes(int axis) : axes_{axis, axis}, single_(true) {}  // NOLINT(google-explicit-constructor): Keras's int form
    DotAxes(std::initializer_list<int> axes);                // NOLINT(google-explicit-constructor): the list form
    int operator[](std::size_t i) const { return axes_[i]; }
    bool single() const { return single_; }
    nlohmann::json to_json() const;

private:
    int axes_[2];
    bool single_;
};

// Keras: Dot(axes, normalize=False, **kwargs): the dot product of two inputs (batch, ...) along `axes`,
// per sample (Keras's batch_dot); with normalize, each input is first L2-normalized along its axis, so
// the result is the cosine proximity.
struct DotOptions {
    bool normalize = false;
    // Keras's layer keyword arguments.
    Shape input_shape;
    std::string name;
    bool trainable = true;
    DType dtype = float32;
};

class DotImpl : public Layer {
public:
    DotImpl(DotAxes axes, DotOptions options);
    std::string class_name() const override { return "Dot"; }
    Shape compute_output_shape_multi(const std::vector<Shape>& input_shapes) const override;
    Tensor call_multi(const std::vector<Tensor>& inputs, bool training) override;
    nlohmann::json get_config() const override;
    const DotAxes& axes() const { return axes_; }
    bool normalize() const { return options_.normalize; }

protected:
    void build_multi(const std::vector<Shape>& input_shapes) override;

private:
    // The two axes, non-negative, after checking them against the shapes.
    std::pair<int, int> resolve(const std::vector<Shape>& input_shapes) const;
    DotAxes axes_;
    DotOptions options_;
};

class Dot : public LayerHandle<DotImpl> {
public:
    explicit Dot(DotAxes axes, DotOptions options = {})
        : LayerHandle(std::make_shared<DotImpl>(axes, std::move(options))) {}
};

}  // namespace strata::layers
