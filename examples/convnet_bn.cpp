// A convnet with batch normalization on Fashion-MNIST, "2 Conv + pooling + BN" of the dataset's benchmark
// (0.934 there). Two blocks of convolution, batch normalization and relu, then max pooling and dropout; Adam
// with its learning rate annealed to zero along a cosine over the whole run.
//   ./build/examples/convnet_bn [epochs]
#include <cstdio>
#include <cstdlib>

#include <strata/strata.hpp>

namespace layers = strata::layers;

namespace {
void conv_block(strata::Sequential& model, std::int64_t filters) {
    model.add(layers::Conv2D(filters, {3, 3}, {.padding = "same", .use_bias = false}));
    model.add(layers::BatchNormalization());
    model.add(layers::Activation("relu"));
    model.add(layers::Conv2D(filters, {3, 3}, {.padding = "same", .use_bias = false}));
    model.add(layers::BatchNormalization());
    model.add(layers::Activation("relu"));
    model.add(layers::MaxPooling2D({2, 2}));
    model.add(layers::Dropout(0.25));
}
}  // namespace

int main(int argc, char** argv) {
    int epochs = argc > 1 ? std::atoi(argv[1]) : 12;
    if (epochs < 1) {
        std::fprintf(stderr, "usage: convnet_bn [epochs >= 1]\n");
        return 2;
    }
    strata::utils::set_random_seed(1);
    auto [train, test] = strata::datasets::fashion_mnist::load_data();
    strata::Tensor x_train = train.x.reshape({-1, 28, 28, 1}).astype(strata::float32) / 255.0f;
    strata::Tensor x_test = test.x.reshape({-1, 28, 28, 1}).astype(strata::float32) / 255.0f;

    strata::Sequential model;
    model.add(strata::Input({28, 28, 1}));
    conv_block(model, 32);
    conv_block(model, 64);
    model.add(layers::Flatten());
    model.add(layers::Dense(128, "relu"));
    model.add(layers::Dropout(0.5));
    model.add(layers::Dense(10, "softmax"));
    model.summary();
    // 54,000 training images (validation_split 0.1) in batches of 128: 422 steps an epoch.
    std::int64_t steps = 422 * static_cast<std::int64_t>(epochs);
    strata::optimizers::schedules::CosineDecay learning_rate(1e-3, {.decay_steps = steps});
    model.compile({.optimizer = strata::optimizers::Adam(learning_rate),
                   .loss = "sparse_categorical_crossentropy",
                   .metrics = {"accuracy"}});
    model.fit(x_train, train.y, {.batch_size = 128, .epochs = epochs, .validation_split = 0.1});
    std::printf("test accuracy %.4f\n", model.evaluate(x_test, test.y, {.verbose = 0}).at("accuracy"));
    return 0;
}
