// A functional model in strata: two hidden layers of 128 units, categorical crossentropy on softmax outputs,
// Adam, 20% of the training data held out for validation, and the history printed epoch by epoch.
#include <strata/strata.hpp>

#include <cstdio>

namespace layers = strata::layers;

int main() {
    strata::utils::set_random_seed(1);
    auto [train, test] = strata::datasets::fashion_mnist::load_data();
    strata::Tensor x_train = train.x.reshape({-1, 784}).astype(strata::float32) / 255.0;
    strata::Tensor x_test = test.x.reshape({-1, 784}).astype(strata::float32) / 255.0;

    strata::Tensor inputs = strata::Input({784}, {.name = "pixels"});
    strata::Tensor x = layers::Dense(128, "relu", {.name = "hidden_1"})(inputs);
    x = layers::Dense(128, "relu", {.name = "hidden_2"})(x);
    strata::Tensor outputs = layers::Dense(10, "softmax", {.name = "classes"})(x);
    strata::Model model(inputs, outputs, {.name = "fashion_classifier"});

    // Integer labels with the sparse loss: no one-hot encoding needed.
    model.compile({.optimizer = strata::optimizers::Adam(1e-3),
                   .loss = "sparse_categorical_crossentropy",
                   .metrics = {"accuracy"}});
    model.summary();
    strata::History history = model.fit(x_train, train.y, {.batch_size = 64, .epochs = 5, .validation_split = 0.2});

    for (std::size_t epoch = 0; epoch < history.epoch.size(); ++epoch)
        std::printf("epoch %zu: accuracy %.4f, val_accuracy %.4f\n", epoch + 1, history.history.at("accuracy")[epoch],
                    history.history.at("val_accuracy")[epoch]);
    std::map<std::string, double> scores = model.evaluate(x_test, test.y, {.verbose = 0});
    std::printf("test accuracy %.4f\n", scores.at("accuracy"));
    return 0;
}
