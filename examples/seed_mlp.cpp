// The classic Keras walk-through in strata: a 784 -> 32 (relu) -> 10 (softmax) classifier of Fashion-MNIST,
// compiled with RMSprop(0.001), the mean squared error and accuracy, trained for 10 epochs in batches of 128,
// built twice: with Sequential and add(), then with the functional API.
#include <strata/strata.hpp>

#include <cstdio>

namespace layers = strata::layers;

namespace {

void train_and_test(strata::Model& model, const strata::Tensor& x_train, const strata::Tensor& y_train,
                    const strata::Tensor& x_test, const strata::Tensor& y_test) {
    model.compile({.optimizer = strata::optimizers::RMSprop(0.001), .loss = "mse", .metrics = {"accuracy"}});
    model.summary();
    strata::History history = model.fit(x_train, y_train, {.batch_size = 128, .epochs = 10});
    std::map<std::string, double> scores = model.evaluate(x_test, y_test);
    std::printf("%s: test accuracy %.4f, final training loss %.5f\n\n", model.name().c_str(), scores.at("accuracy"),
                history.history.at("loss").back());
}

}  // namespace

int main() {
    strata::utils::set_random_seed(42);
    auto [train, test] = strata::datasets::fashion_mnist::load_data();
    strata::Tensor x_train = train.x.reshape({-1, 784}).astype(strata::float32) / 255.0;
    strata::Tensor x_test = test.x.reshape({-1, 784}).astype(strata::float32) / 255.0;
    strata::Tensor y_train = strata::utils::to_categorical(train.y, 10);
    strata::Tensor y_test = strata::utils::to_categorical(test.y, 10);

    strata::Sequential sequential;
    sequential.add(layers::Dense(32, "relu", {.input_shape = {784}}));
    sequential.add(layers::Dense(10, "softmax"));
    train_and_test(sequential, x_train, y_train, x_test, y_test);

    strata::Tensor inputs = strata::Input({784});
    strata::Tensor hidden = layers::Dense(32, "relu")(inputs);
    strata::Tensor outputs = layers::Dense(10, "softmax")(hidden);
    strata::Model functional(inputs, outputs);
    train_and_test(functional, x_train, y_train, x_test, y_test);
    return 0;
}
