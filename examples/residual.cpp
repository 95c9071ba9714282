// A small residual network (functional API): each block adds its input back to two convolutions with
// layers::Add, as in ResNet. On Fashion-MNIST.
//   ./build/examples/residual [epochs]
#include <cstdio>
#include <cstdlib>

#include <strata/strata.hpp>

namespace layers = strata::layers;

namespace {
strata::Tensor residual_block(const strata::Tensor& x, std::int64_t filters) {
    strata::Tensor h = layers::Conv2D(filters, {3, 3}, {.padding = "same", .activation = "relu"})(x);
    h = layers::Conv2D(filters, {3, 3}, {.padding = "same"})(h);
    return layers::Activation("relu")(layers::Add()({x, h}));
}
}  // namespace

int main(int argc, char** argv) {
    int epochs = argc > 1 ? std::atoi(argv[1]) : 2;
    strata::utils::set_random_seed(1);
    auto [train, test] = strata::datasets::fashion_mnist::load_data();
    strata::Tensor x_train = train.x.reshape({-1, 28, 28, 1}).astype(strata::float32) / 255.0f;
    strata::Tensor x_test = test.x.reshape({-1, 28, 28, 1}).astype(strata::float32) / 255.0f;

    strata::Tensor inputs = strata::Input({28, 28, 1});
    strata::Tensor x = layers::Conv2D(32, {3, 3}, {.padding = "same", .activation = "relu"})(inputs);
    x = layers::MaxPooling2D({2, 2})(x);
    x = residual_block(x, 32);
    x = layers::MaxPooling2D({2, 2})(x);
    x = residual_block(x, 32);
    x = layers::GlobalAveragePooling2D()(x);
    strata::Tensor outputs = layers::Dense(10, "softmax")(x);
    strata::Model model(inputs, outputs, {.name = "small_resnet"});
    model.summary();
    model.compile({.optimizer = "adam", .loss = "sparse_categorical_crossentropy", .metrics = {"accuracy"}});
    model.fit(x_train, train.y, {.batch_size = 128, .epochs = epochs, .validation_split = 0.1});
    std::printf("test accuracy %.4f\n", model.evaluate(x_test, test.y, {.verbose = 0}).at("accuracy"));
    return 0;
}
