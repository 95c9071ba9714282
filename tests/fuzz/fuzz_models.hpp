// The small models the fuzz targets and their seed corpus share.
#pragma once

#include <strata/strata.hpp>

namespace strata::fuzz {

// The model fuzz_weights_file loads into: a convolution, BatchNormalization, weightless layers and Dense,
// compiled with Adam so that a file's optimizer/vars have somewhere to go.
inline Sequential weights_target_model() {
    namespace layers = strata::layers;
    Sequential model;
    model.add(Input({6, 6, 2}));
    model.add(layers::Conv2D(3, {3, 3}, {.activation = "relu"}));
    model.add(layers::BatchNormalization());
    model.add(layers::MaxPooling2D({2, 2}));
    model.add(layers::Flatten());
    model.add(layers::Dense(2, "softmax"));
    model.compile({.optimizer = optimizers::Adam(0.01), .loss = "categorical_crossentropy", .metrics = {"accuracy"}});
    return model;
}

// A functional DAG with the graph's features: two inputs, a shared layer, a merge, a nested model.
inline Model functional_seed_model() {
    namespace layers = strata::layers;
    Tensor a = Input({4}, {.name = "a"}), b = Input({4}, {.name = "b"});
    layers::Dense shared(3, "relu");
    Tensor merged = layers::Concatenate()({shared(a), shared(b)});
    Tensor inner_in = Input({6});
    Model inner(inner_in, layers::Dense(2, "tanh")(layers::LayerNormalization()(inner_in)));
    Model model({a, b}, {layers::Dense(1, "sigmoid")(inner(merged))}, {.name = "dag"});
    model.compile({.optimizer = optimizers::SGD(0.1), .loss = "binary_crossentropy"});
    return model;
}

}  // namespace strata::fuzz
