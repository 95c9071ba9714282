// Keras's "simple MNIST convnet" on Fashion-MNIST: two convolutions with max pooling, dropout, a softmax.
//   ./build/examples/convnet [epochs] [seed]
#include <cstdio>
#include <cstdlib>

#include <strata/strata.hpp>

namespace layers = strata::layers;

int main(int argc, char** argv) {
    int epochs = argc > 1 ? std::atoi(argv[1]) : 1;
    strata::utils::set_random_seed(argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1);
    auto [train, test] = strata::datasets::fashion_mnist::load_data();
    strata::Tensor x_train = train.x.reshape({-1, 28, 28, 1}).astype(strata::float32) / 255.0f;
    strata::Tensor x_test = test.x.reshape({-1, 28, 28, 1}).astype(strata::float32) / 255.0f;

    strata::Sequential model;
    model.add(strata::Input({28, 28, 1}));
    model.add(layers::Conv2D(32, {3, 3}, {.activation = "relu"}));
    model.add(layers::MaxPooling2D({2, 2}));
    model.add(layers::Conv2D(64, {3, 3}, {.activation = "relu"}));
    model.add(layers::MaxPooling2D({2, 2}));
    model.add(layers::Flatten());
    model.add(layers::Dropout(0.5));
    model.add(layers::Dense(10, "softmax"));
    model.summary();
    model.compile({.optimizer = "adam", .loss = "sparse_categorical_crossentropy", .metrics = {"accuracy"}});
    model.fit(x_train, train.y, {.batch_size = 128, .epochs = epochs, .validation_split = 0.1});
    std::printf("test accuracy %.4f\n", model.evaluate(x_test, test.y, {.verbose = 0}).at("accuracy"));
    return 0;
}
