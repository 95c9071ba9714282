// A model used as a layer of another model, as Keras lets a Model be called on symbolic tensors or added to a
// Sequential: one node of the outer graph that runs the inner graph. The inner model's layers keep their
// weights, so every model that holds it (and the inner model itself) trains the same variables.
#pragma once

#include <memory>
#include <vector>

#include "graph.hpp"
#include "strata/layers/layer.hpp"

namespace strata::detail {

class ModelLayer : public Layer {
public:
    // The layer of `graph`: the same one each time it is asked for while some model holds it, so that two
    // calls of one model in a graph share one node's layer and count its weights once.
    static std::shared_ptr<ModelLayer> of(const std::shared_ptr<Graph>& graph);

    explicit ModelLayer(std::shared_ptr<Graph> graph);

    // Keras 3's class names: "Sequential" or "Functional".
    std::string class_name() const override { return graph_->sequential ? "Sequential" : "Functional"; }
    // The inner model's layers, as its model.layers lists them.
    std::vector<std::shared_ptr<Layer>> layers() const { return graph_->visible_layers(); }
    const std::shared_ptr<Graph>& graph() const { return graph_; }
    // Whether `graph` is this model's or one nested in it, at any depth: a model cannot contain itself.
    bool contains(const Graph* graph) const;

    std::vector<Tensor> weights() const override;
    std::vector<Tensor> trainable_weights() const override;
    std::vector<Tensor> non_trainable_weights() const override;
    std::vector<std::string> weight_names() const override;
    void set_weights(const std::vector<Tensor>& values) override;
    std::int64_t count_params() const override;
    std::vector<Tensor> losses() const override;
    void set_trainable(bool trainable) override;

    Shape compute_output_shape_multi(const std::vector<Shape>& input_shapes) const override;
    Tensor call_multi(const std::vector<Tensor>& inputs, bool training) override;

protected:
    void build_multi(const std::vector<Shape>& input_shapes) override;

private:
    std::shared_ptr<Graph> graph_;
};

}  // namespace strata::detail
