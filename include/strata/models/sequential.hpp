// Sequential: a plain stack of layers, each taking the previous one's output, as keras.Sequential. It is a
// Model; its graph is built as soon as the input shape is known (from the first layer's input_shape, or
// from the first batch it sees).
#pragma once

#include "strata/models/model.hpp"

namespace strata {

class Sequential : public Model {
public:
    explicit Sequential(ModelOptions options = {});
    Sequential(std::initializer_list<std::shared_ptr<Layer>> layers, ModelOptions options = {});

    void add(std::shared_ptr<Layer> layer);
    // Keras's model.add(keras.Input(shape)): fixes the input shape; only as the first addition.
    void add(const Tensor& input);
    // Removes the last layer and returns it.
    std::shared_ptr<Layer> pop();
};

}  // namespace strata
