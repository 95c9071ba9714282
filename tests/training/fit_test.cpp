#include <gtest/gtest.h>

#include <cmath>

#include <strata/strata.hpp>

namespace strata {
namespace {

using layers::Dense;

// A separable two-class problem: the class is whether the first feature is positive.
struct Toy {
    Tensor x, y, labels;
};

Toy toy(std::int64_t n) {
    Tensor x = random::normal({n, 4});
    Tensor labels = (x.slice(0, n).transpose().slice(0, 1).reshape({-1}) > 0.0).astype(int64);
    return {x, utils::to_categorical(labels, 2), labels};
}

class FitTest : public ::testing::Test {
protected:
    void SetUp() override {
        clear_session();
        utils::set_random_seed(5);
    }
    Sequential mlp() {
        Sequential model;
        model.add(Dense(16, "relu", {.input_shape = {4}}));
        model.add(Dense(2, "softmax"));
        return model;
    }
};

// Records the order of the hooks fit calls.
struct Recorder : Callback {
    std::vector<std::string> events;
    void on_train_begin(const Logs&) override { events.push_back("train_begin"); }
    void on_train_end(const Logs&) override { events.push_back("train_end"); }
    void on_epoch_begin(int e, const Logs&) override { events.push_back("epoch_begin " + std::to_string(e)); }
    void on_epoch_end(int e, const Logs& logs) override {
        events.push_back("epoch_end " + std::to_string(e));
        last_epoch_logs = logs;
    }
    void on_train_batch_end(int, const Logs&) override { ++batches; }
    int batches = 0;
    Logs last_epoch_logs;
};

TEST_F(FitTest, LearnsAndRecordsHistory) {
    Toy data = toy(512);
    Sequential model = mlp();
    model.compile({.optimizer = optimizers::Adam(0.01), .loss = "categorical_crossentropy", .metrics = {"accuracy"}});
    History history = model.fit(data.x, data.y, {.batch_size = 32, .epochs = 5, .verbose = 0});
    ASSERT_EQ(history.history.at("loss").size(), 5u);
    ASSERT_EQ(history.history.at("accuracy").size(), 5u);
    EXPECT_EQ(history.epoch, (std::vector<int>{0, 1, 2, 3, 4}));
    EXPECT_LT(history.history.at("loss").back(), history.history.at("loss").front());
    EXPECT_GT(model.evaluate(data.x, data.y, {.verbose = 0}).at("accuracy"), 0.9);
}

TEST_F(FitTest, BatchSizeDefaultsTo32AndCallbacksSeeEveryHook) {
    // Keras: fit(batch_size=None) uses 32; 100 samples make 4 steps, the last one partial.
    Toy data = toy(100);
    Sequential model = mlp();
    model.compile({.optimizer = "sgd", .loss = "mse"});
    auto recorder = std::make_shared<Recorder>();
    model.fit(data.x, data.y, {.epochs = 2, .verbose = 0, .callbacks = {recorder}});
    EXPECT_EQ(recorder->batches, 8);
    EXPECT_EQ(recorder->params().at("steps"), 4);
    EXPECT_EQ(recorder->events, (std::vector<std::string>{"train_begin", "epoch_begin 0", "epoch_end 0", "epoch_begin 1",
                                                          "epoch_end 1", "train_end"}));
    EXPECT_EQ(recorder->model(), static_cast<Model*>(&model));
}

TEST_F(FitTest, ValidationSplitTakesTheLastSamplesBeforeShuffling) {
    // Keras: validation_split holds out the last fraction of x and y, before shuffling.
    Toy data = toy(200);
    Sequential model = mlp();
    model.compile({.optimizer = "adam", .loss = "categorical_crossentropy", .metrics = {"accuracy"}});
    auto recorder = std::make_shared<Recorder>();
    History history = model.fit(data.x, data.y, {.batch_size = 10, .epochs = 1, .verbose = 0, .callbacks = {recorder},
                                                 .validation_split = 0.25});
    EXPECT_EQ(recorder->params().at("steps"), 15);  // 150 training samples in batches of 10
    ASSERT_TRUE(history.history.count("val_loss"));
    ASSERT_TRUE(history.history.count("val_accuracy"));
    // The validation figures are those of evaluate() on the last 50 samples after the epoch.
    std::map<std::string, double> held_out = model.evaluate(data.x.slice(150, 200), data.y.slice(150, 200), {.verbose = 0});
    EXPECT_NEAR(history.history.at("val_loss")[0], held_out.at("loss"), 1e-6);
    EXPECT_NEAR(history.history.at("val_accuracy")[0], held_out.at("accuracy"), 1e-9);
}

TEST_F(FitTest, ValidationDataGivesValLogs) {
    Toy data = toy(64), val = toy(32);
    Sequential model = mlp();
    model.compile({.optimizer = "rmsprop", .loss = "mse", .metrics = {"accuracy"}});
    History history = model.fit(data.x, data.y, {.epochs = 2, .verbose = 0, .validation_data = {val.x, val.y}});
    EXPECT_EQ(history.history.at("val_loss").size(), 2u);
    EXPECT_EQ(history.history.at("val_accuracy").size(), 2u);
}

TEST_F(FitTest, EvaluateMatchesAComputationFromPredict) {
    Toy data = toy(50);
    Sequential model = mlp();
    model.compile({.optimizer = "sgd", .loss = "mse", .metrics = {"accuracy"}});
    std::map<std::string, double> scores = model.evaluate(data.x, data.y, {.batch_size = 7, .verbose = 0});
    Tensor p = model.predict(data.x, {.batch_size = 9, .verbose = 0});
    auto pv = p.to_vector<float>();
    auto yv = data.y.to_vector<float>();
    double se = 0, correct = 0;
    for (std::size_t i = 0; i < 50; ++i) {
        for (std::size_t j = 0; j < 2; ++j) se += std::pow(pv[i * 2 + j] - yv[i * 2 + j], 2.0);
        correct += (pv[i * 2 + 1] > pv[i * 2]) == (yv[i * 2 + 1] > yv[i * 2]);
    }
    EXPECT_NEAR(scores.at("loss"), se / 100.0, 1e-6);
    EXPECT_NEAR(scores.at("accuracy"), correct / 50.0, 1e-9);
}

TEST_F(FitTest, PredictInBatchesEqualsOneCall) {
    Toy data = toy(70);
    Sequential model = mlp();
    Tensor whole = model(data.x);
    Tensor batched = model.predict(data.x, {.batch_size = 16, .verbose = 0});
    EXPECT_EQ(batched.shape(), (Shape{70, 2}));
    auto a = whole.to_vector<float>(), b = batched.to_vector<float>();
    for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-6);
}

TEST_F(FitTest, TrainOnBatchAppliesOneSgdStep) {
    // Keras SGD without momentum: w <- w - lr * g.
    Sequential model;
    model.add(Dense(1, {}, {.input_shape = {2}}));
    model.set_weights({Tensor::from_vector(std::vector<float>{0.5f, -1.0f}, {2, 1}), Tensor::from_vector(std::vector<float>{0.25f})});
    model.compile({.optimizer = optimizers::SGD(0.1), .loss = "mse"});
    Tensor x = Tensor::from_vector(std::vector<float>{1, 2, 3, 4}, {2, 2});
    Tensor y = Tensor::from_vector(std::vector<float>{1, 0}, {2, 1});
    Logs logs = model.train_on_batch(x, y);
    // predictions: 1*0.5 + 2*-1 + 0.25 = -1.25; 3*0.5 + 4*-1 + 0.25 = -2.25; errors -2.25, -2.25
    EXPECT_NEAR(logs.at("loss"), (2.25 * 2.25 + 2.25 * 2.25) / 2, 1e-5);
    // dL/dpred = 2 * err / 2 = err; dW = x^T err, db = sum err
    std::vector<Tensor> w = model.get_weights();
    auto kernel = w[0].to_vector<float>();
    EXPECT_NEAR(kernel[0], 0.5 - 0.1 * (1 * -2.25 + 3 * -2.25), 1e-5);
    EXPECT_NEAR(kernel[1], -1.0 - 0.1 * (2 * -2.25 + 4 * -2.25), 1e-5);
    EXPECT_NEAR(w[1].to_vector<float>()[0], 0.25 - 0.1 * (-4.5), 1e-5);
    Logs test = model.test_on_batch(x, y);
    EXPECT_TRUE(test.count("loss"));
}

TEST_F(FitTest, AccuracyResolvesFromTargetShapes) {
    // Keras 3 resolves "accuracy": one-hot targets -> categorical, integer targets -> sparse categorical.
    Toy data = toy(60);
    Sequential model = mlp();
    model.compile({.optimizer = "adam", .loss = "sparse_categorical_crossentropy", .metrics = {"accuracy"}});
    std::map<std::string, double> sparse = model.evaluate(data.x, data.labels, {.verbose = 0});
    model.compile({.optimizer = "adam", .loss = "categorical_crossentropy", .metrics = {"accuracy"}});
    std::map<std::string, double> categorical = model.evaluate(data.x, data.y, {.verbose = 0});
    EXPECT_NEAR(sparse.at("accuracy"), categorical.at("accuracy"), 1e-12);
    EXPECT_NEAR(sparse.at("loss"), categorical.at("loss"), 1e-5);
}

TEST_F(FitTest, CrossentropyShorthandResolvesFromTheShapes) {
    // Keras 3: loss="crossentropy" becomes sparse or categorical from the targets' shape.
    Toy data = toy(40);
    Sequential model = mlp();
    model.compile({.optimizer = "adam", .loss = "crossentropy"});
    double sparse = model.evaluate(data.x, data.labels, {.verbose = 0}).at("loss");
    model.compile({.optimizer = "adam", .loss = "crossentropy"});
    double categorical = model.evaluate(data.x, data.y, {.verbose = 0}).at("loss");
    EXPECT_NEAR(sparse, categorical, 1e-5);
}

TEST_F(FitTest, SameSeedSameWeightsOnOneAndTwoThreads) {
    auto train = [&](int threads) {
        clear_session();
        utils::set_random_seed(9);
        backend::set_num_threads(threads);
        Toy data = toy(256);
        Sequential model = mlp();
        model.compile({.optimizer = "rmsprop", .loss = "mse"});
        model.fit(data.x, data.y, {.batch_size = 64, .epochs = 2, .verbose = 0});
        std::vector<float> all;
        for (const Tensor& w : model.get_weights())
            for (float v : w.to_vector<float>()) all.push_back(v);
        return all;
    };
    int before = backend::num_threads();
    std::vector<float> one = train(1), two = train(2);
    backend::set_num_threads(before);
    EXPECT_EQ(one, two);
}

TEST_F(FitTest, BadInputIsRefusedClearly) {
    Toy data = toy(20);
    Sequential model = mlp();
    EXPECT_THROW(model.fit(data.x, data.y), ValueError);  // not compiled
    model.compile({.optimizer = "sgd", .loss = "mse"});
    EXPECT_THROW(model.fit(data.x, data.y, {.batch_size = 0, .verbose = 0}), ValueError);
    EXPECT_THROW(model.fit(data.x, data.y, {.epochs = 0, .verbose = 0}), ValueError);
    EXPECT_THROW(model.fit(data.x, data.y, {.batch_size = -4, .verbose = 0}), ValueError);
    try {
        model.fit(data.x, data.y.slice(0, 19), {.verbose = 0});
        FAIL() << "expected ValueError";
    } catch (const ValueError& e) {
        std::string m = e.what();
        EXPECT_NE(m.find("(20, 4)"), std::string::npos) << m;
        EXPECT_NE(m.find("(19, 2)"), std::string::npos) << m;
    }
    EXPECT_THROW(model.fit(random::normal({20, 5}), data.y, {.verbose = 0}), ShapeError);
    EXPECT_THROW(model.predict(random::normal({20, 5}), {.verbose = 0}), ShapeError);
    EXPECT_THROW(model.evaluate(data.x, random::normal({20, 3}), {.verbose = 0}), Error);  // targets of the wrong width
    EXPECT_THROW(model.fit(data.x, data.y, {.verbose = 0, .validation_split = 1.5}), ValueError);
}

TEST_F(FitTest, UnknownNamesAtCompileAreValueErrors) {
    Sequential model = mlp();
    EXPECT_THROW(model.compile({.optimizer = "adamw_typo", .loss = "mse"}), ValueError);
    EXPECT_THROW(model.compile({.optimizer = "sgd", .loss = "mean_squared_eror"}), ValueError);
    EXPECT_THROW(model.compile({.optimizer = "sgd", .loss = "mse", .metrics = {"acuracy"}}), ValueError);
    EXPECT_FALSE(model.compiled());
}

}  // namespace
}  // namespace strata
