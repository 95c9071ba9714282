// The graph behind a Model: its symbolic inputs and outputs, and the layer calls between them in topological
// order. Shared by the models level (building, running, summary) and the training level (fit, predict).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/layers/keras_history.hpp"
#include "strata/layers/layer.hpp"

namespace strata::detail {

struct GraphNode {
    std::shared_ptr<KerasHistory> call;
    Shape output_shape;  // batch axis first, -1 where unknown
};

struct TrainingState;
class InferencePlan;

struct Graph {
    std::string name;
    // What compile() sets up; created by the training level on first use.
    std::shared_ptr<TrainingState> training;
    // The planned forward of predict_on_batch and predict (training/planned/planned_inference.hpp), made by
    // the training level on first use, and the graph (its last call and node count) it was refused for, so
    // that it is not tried again until the graph changes. Read and written under the training level's lock.
    std::shared_ptr<InferencePlan> inference;
    const void* inference_refused_for = nullptr;
    std::size_t inference_refused_nodes = 0;
    bool sequential = false;

    // Sequential only: the stack of layers, and the input shape once known (without the batch axis).
    std::vector<std::shared_ptr<Layer>> stack;
    Shape sequential_input_shape;
    // The dtype of an Input added first (Sequential.add(Input(...))); otherwise the first layer's, as Keras 3's
    // Sequential.build gives its InputLayer the first layer's compute dtype.
    std::optional<DType> sequential_input_dtype;
    // The Input the graph starts from, kept across the rebuilds of add() so that the InputLayer keeps its name.
    Tensor sequential_input;

    // The built graph.
    bool built = false;
    std::vector<Tensor> inputs, outputs;
    std::vector<GraphNode> nodes;                // every call but the InputLayers', in topological order
    std::vector<std::shared_ptr<Layer>> layers;  // each layer once, in graph order, InputLayers included

    // Orders the calls from `inputs` to `outputs`; ValueError when an output does not depend on the inputs.
    void build(std::vector<Tensor> inputs, std::vector<Tensor> outputs);
    // Sequential: builds the graph for inputs of `input_shape` (without the batch axis).
    void build_sequential(const Shape& input_shape);
    // Builds a Sequential on its first concrete batch; throws for a functional model that is not built.
    void ensure_built(const std::vector<Tensor>& xs);

    // Runs the graph on concrete tensors, checking each against its Input's shape.
    std::vector<Tensor> run(const std::vector<Tensor>& xs, bool training) const;
    // Checks inputs against the model's Input shapes (rank and known extents), naming the model.
    void check_inputs(const std::vector<Tensor>& xs) const;

    std::vector<std::shared_ptr<Layer>> visible_layers() const;

    // What Model and a model used as a layer answer for the model's weights (graph_weights.cpp): the layers
    // that own them (the stack of a Sequential not built yet), and each layer's weights in the order of those
    // layers, as Keras 3's Layer.weights walks its sublayers.
    const std::vector<std::shared_ptr<Layer>>& owning_layers() const { return layers.empty() ? stack : layers; }
    std::vector<Tensor> weights() const;
    std::vector<Tensor> trainable_weights() const;
    std::vector<Tensor> non_trainable_weights() const;
    std::vector<std::string> weight_names() const;
    void set_weights(const std::vector<Tensor>& values) const;
    std::vector<Tensor> losses() const;
    // Keras's model.trainable: setting it sets every layer inside, recursively.
    bool trainable = true;
    void set_trainable(bool value);
    // A model with several outputs or no graph yet gets a ValueError naming it when used as a layer.
    std::weak_ptr<Layer> as_layer;
};

}  // namespace strata::detail
