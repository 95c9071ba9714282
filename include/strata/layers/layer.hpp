// Layer: Keras's layer lifecycle. The constructor validates and stores the configuration; `build` creates the
// weights on the first call, when the input shape is known; `call` composes ops; `compute_output_shape`
// infers shapes without computing, for symbolic tensors, summary() and the planner.
//
// Layers live in shared_ptrs (a layer called on symbolic tensors is kept by the graph it joins). Users hold
// them through handles, e.g. `layers::Dense`, which share the layer they point to, as Python references do.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "strata/core/tensor.hpp"
#include "strata/layers/initializers.hpp"
#include "strata/layers/regularizers.hpp"

namespace strata {

// The keyword arguments every Keras layer takes.
struct LayerArgs {
    Shape input_shape;  // without the batch axis; empty when not given
    std::string name;   // empty: named after the class, `dense`, `dense_1`, ...
    bool trainable = true;
    DType dtype = float32;
};

// What a call takes besides the inputs: Keras's `training` argument.
struct CallOptions {
    bool training = false;
};

// Keras's InputSpec: what rank and which axis extents a layer accepts once built.
struct InputSpec {
    std::optional<int> ndim = std::nullopt;
    std::optional<int> min_ndim = std::nullopt;
    std::map<int, std::int64_t> axes = {};  // axis (negative counts from the end) -> extent
};

class Layer : public std::enable_shared_from_this<Layer> {
public:
    virtual ~Layer() = default;
    Layer(const Layer&) = delete;
    Layer& operator=(const Layer&) = delete;

    // Keras's class name ("Dense") and the snake_case prefix of automatic names ("dense").
    virtual std::string class_name() const = 0;
    const std::string& name() const { return name_; }
    DType dtype() const { return dtype_; }
    bool built() const { return built_; }
    // The input shape the layer was declared with (Keras's input_shape argument), without the batch axis.
    const Shape& declared_input_shape() const { return declared_input_shape_; }

    bool trainable() const { return trainable_; }
    // Virtual: a model used as a layer freezes or unfreezes all of its layers.
    virtual void set_trainable(bool trainable);

    // Calls the layer: on a symbolic tensor it records a node of the graph and returns a symbolic output;
    // on a concrete tensor it builds the layer if needed, checks the input and computes.
    Tensor operator()(const Tensor& x, CallOptions options = {});
    Tensor operator()(const std::vector<Tensor>& xs, CallOptions options = {});

    // Weights in Keras order: trainable first, then non-trainable, each in creation order.
    // Virtual (with set_weights, count_params and losses) so that a model used as a layer answers for the
    // layers inside it.
    virtual std::vector<Tensor> weights() const;
    virtual std::vector<Tensor> trainable_weights() const;
    virtual std::vector<Tensor> non_trainable_weights() const;
    virtual std::vector<std::string> weight_names() const;
    // Copies of the weights, and assignment from a list of the same length and shapes (ValueError/ShapeError
    // naming the layer, the weight and both shapes otherwise).
    std::vector<Tensor> get_weights() const;
    virtual void set_weights(const std::vector<Tensor>& values);
    virtual std::int64_t count_params() const;

    // Keras's layer.losses: the losses added by the layer's calls (activity regularization, add_loss), then
    // one penalty per trainable weight that has a regularizer, computed now from the weight's current value
    // (so differentiable with respect to it). Scalar tensors.
    virtual std::vector<Tensor> losses() const;
    // Keras's add_loss: records a scalar loss from inside call(). Losses recorded by a call outlive it until
    // the layer's next call outside the same LayerCallContext.
    void add_loss(const Tensor& loss);
    // Keras's activity_regularizer: applied to every concrete output, divided by its batch size (the first
    // axis), as Keras 3's Layer.__call__; empty for none.
    const regularizers::RegularizerSpec& activity_regularizer() const { return activity_regularizer_; }
    void set_activity_regularizer(regularizers::RegularizerSpec regularizer) {
        activity_regularizer_ = std::move(regularizer);
    }

    // The configuration Keras's get_config returns for this layer (name, trainable, dtype and the layer's own).
    virtual nlohmann::json get_config() const;

    // Shape inference for inputs with the batch axis first (unknown extents are -1).
    virtual Shape compute_output_shape(const Shape& input_shape) const { return input_shape; }
    virtual Shape compute_output_shape_multi(const std::vector<Shape>& input_shapes) const;

    // Builds the weights for inputs of these shapes, once; later calls do nothing.
    void ensure_built(const std::vector<Shape>& input_shapes);
    // The shapes the layer was built with (batch axis first, -1 where unknown), for Keras's build_config;
    // empty while it is not built.
    const std::vector<Shape>& build_input_shapes() const { return build_input_shapes_; }

    // Computes on concrete tensors (already built and checked): the layer's forward.
    virtual Tensor call_multi(const std::vector<Tensor>& inputs, bool training);

protected:
    // `class_prefix` names the layer (`dense`, `dense_1`, ...) when args.name is empty.
    Layer(const std::string& class_prefix, const LayerArgs& args);

    // What a layer overrides. Single-input layers override build/call; layers with several inputs
    // override the *_multi forms.
    virtual void build(const Shape& input_shape) {}
    virtual void build_multi(const std::vector<Shape>& input_shapes);
    virtual Tensor call(const Tensor& x, bool training);

    // Creates a weight (a leaf tensor that wants gradients when trainable), in Keras's order of creation.
    // `regularizer` (Keras's add_weight(..., regularizer=)) adds its penalty of the weight to losses().
    Tensor add_weight(const std::string& name, const Shape& shape, const initializers::InitializerSpec& initializer,
                      bool trainable = true, const regularizers::RegularizerSpec& regularizer = {});

    InputSpec input_spec_;

private:
    Tensor symbolic_call(const std::vector<Tensor>& inputs);
    void check_input(const Tensor& x, std::size_t index) const;

    struct Weight {
        std::string name;
        Tensor value;
        bool trainable;
        regularizers::RegularizerSpec regularizer;
    };
    std::string name_;
    DType dtype_;
    bool trainable_;
    bool built_ = false;
    Shape declared_input_shape_;
    std::vector<Shape> build_input_shapes_;
    std::vector<Weight> weights_;
    regularizers::RegularizerSpec activity_regularizer_;
    std::vector<Tensor> call_losses_;   // from the calls of call_context_
    std::uint64_t call_context_ = 0;  // the LayerCallContext of the last concrete call
};

// Keras's call context: the outermost layer or model call opens one, and calls nested in it join it. A
// layer's call losses (activity regularization, add_loss) are cleared when it is first called in a new
// context, so a layer shared by two branches of one forward pass keeps the losses of both calls.
// Layer::operator() opens one for itself when none is open; a model opens one around its whole forward.
class LayerCallContext {
public:
    LayerCallContext();
    ~LayerCallContext();
    LayerCallContext(const LayerCallContext&) = delete;
    LayerCallContext& operator=(const LayerCallContext&) = delete;
    // The id of the open context (0 when none is open on this thread).
    static std::uint64_t current();

private:
    bool outermost_;
};

// A name unique in this session: `prefix` the first time, then `prefix_1`, `prefix_2`... as Keras's get_uid.
std::string unique_layer_name(const std::string& prefix);
// Keras's clear_session: forget the names given so far.
void clear_session();

// The handle users hold: `layers::Dense d(32, "relu"); d(x);` or `model.add(layers::Dense(10))`.
// Copies share the layer, so a handle called twice shares its weights between both calls.
template <class Impl>
class LayerHandle {
public:
    Tensor operator()(const Tensor& x, CallOptions options = {}) const { return (*impl_)(x, options); }
    Tensor operator()(const std::vector<Tensor>& xs, CallOptions options = {}) const { return (*impl_)(xs, options); }
    Impl* operator->() const { return impl_.get(); }
    Impl& operator*() const { return *impl_; }
    const std::shared_ptr<Impl>& ptr() const { return impl_; }
    operator std::shared_ptr<Layer>() const { return impl_; }

protected:
    explicit LayerHandle(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
    std::shared_ptr<Impl> impl_;
};

}  // namespace strata
