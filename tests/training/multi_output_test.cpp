// Models with several inputs and outputs in compile, fit, evaluate and predict, with Keras 3's loss
// weighting and log names.
#include <gtest/gtest.h>

#include <cmath>

#include <strata/strata.hpp>

namespace strata {
namespace {

using layers::Dense;

class MultiOutputTest : public ::testing::Test {
protected:
    void SetUp() override {
        clear_session();
        utils::set_random_seed(21);
    }
    // Two inputs, two outputs: "label" (sigmoid, 1 unit) and "value" (linear, 2 units).
    static Model two_heads() {
        Tensor a = Input({3}, {.name = "a"});
        Tensor b = Input({2}, {.name = "b"});
        Tensor label = Dense(1, "sigmoid", {.name = "label"})(Dense(4, "tanh")(a));
        Tensor value = Dense(2, {}, {.name = "value"})(Dense(4, "tanh")(b));
        return Model({a, b}, {label, value});
    }
    struct Data {
        std::vector<Tensor> x, y;
    };
    static Data data(std::int64_t n) {
        Tensor a = random::normal({n, 3}), b = random::normal({n, 2});
        return {{a, b}, {random::uniform({n, 1}).round(), random::normal({n, 2})}};
    }
};

TEST_F(MultiOutputTest, LogsNameEachOutputsLossAndMetrics) {
    Model model = two_heads();
    EXPECT_EQ(model.output_names(), (std::vector<std::string>{"label", "value"}));
    model.compile({.optimizer = optimizers::Adam(0.01), .loss = {"binary_crossentropy", "mse"}, .metrics = {"accuracy"}});
    Data d = data(32);
    History history = model.fit(d.x, d.y, {.batch_size = 8, .epochs = 2, .verbose = 0});
    // Keras 3: "loss", then "<output>_loss" per output, then "<output>_<metric>".
    for (const char* key : {"loss", "label_loss", "value_loss", "label_accuracy", "value_accuracy"})
        EXPECT_TRUE(history.history.count(key)) << key;
    EXPECT_EQ(history.history.at("loss").size(), 2u);
}

TEST_F(MultiOutputTest, TheTotalLossIsTheWeightedSumOfTheOutputLosses) {
    Model model = two_heads();
    model.compile({.optimizer = optimizers::SGD(0.01), .loss = {"binary_crossentropy", "mse"}, .loss_weights = {0.25, 2.0}});
    Data d = data(20);
    std::map<std::string, double> logs = model.evaluate(d.x, d.y, {.batch_size = 20, .verbose = 0});
    EXPECT_NEAR(logs.at("loss"), 0.25 * logs.at("label_loss") + 2.0 * logs.at("value_loss"), 1e-5);

    // Independently: the losses of predict's outputs.
    std::vector<Tensor> out = model.predict(d.x, {.verbose = 0});
    double bce = losses::binary_crossentropy(d.y[0], out[0]).mean().astype(float64).item<double>();
    double mse = losses::mean_squared_error(d.y[1], out[1]).mean().astype(float64).item<double>();
    EXPECT_NEAR(logs.at("label_loss"), bce, 1e-5);
    EXPECT_NEAR(logs.at("value_loss"), mse, 1e-5);
}

TEST_F(MultiOutputTest, OneLossServesEveryOutput) {
    Model model = two_heads();
    model.compile({.optimizer = optimizers::SGD(0.01), .loss = "mse"});
    Data d = data(16);
    std::map<std::string, double> logs = model.evaluate(d.x, d.y, {.verbose = 0});
    EXPECT_NEAR(logs.at("loss"), logs.at("label_loss") + logs.at("value_loss"), 1e-5);
}

TEST_F(MultiOutputTest, PredictGivesOneArrayPerOutput) {
    Model model = two_heads();
    Data d = data(10);
    std::vector<Tensor> batched = model.predict(d.x, {.batch_size = 3, .verbose = 0});
    std::vector<Tensor> whole = model.predict_on_batch(d.x);
    ASSERT_EQ(batched.size(), 2u);
    EXPECT_EQ(batched[0].shape(), (Shape{10, 1}));
    EXPECT_EQ(batched[1].shape(), (Shape{10, 2}));
    for (int i = 0; i < 2; ++i) {
        std::vector<float> p = batched[i].to_vector<float>(), q = whole[i].to_vector<float>();
        for (std::size_t j = 0; j < p.size(); ++j) EXPECT_NEAR(p[j], q[j], 1e-6);
    }
}

TEST_F(MultiOutputTest, MismatchedTargetsAndListsAreValueErrors) {
    Model model = two_heads();
    Data d = data(8);
    model.compile({.optimizer = "sgd", .loss = "mse"});
    // Fitting a two-output model with one target.
    try {
        model.fit(d.x, {d.y[0]}, {.verbose = 0});
        FAIL() << "expected ValueError";
    } catch (const ValueError& e) {
        std::string message = e.what();
        EXPECT_NE(message.find("2 outputs"), std::string::npos) << message;
        EXPECT_NE(message.find("1 target"), std::string::npos) << message;
    }
    EXPECT_THROW(model.compile({.optimizer = "sgd", .loss = {"mse", "mse", "mse"}}), ValueError);
    EXPECT_THROW(model.compile({.optimizer = "sgd", .loss = "mse", .loss_weights = {1.0}}), ValueError);
    // Inputs of different lengths.
    EXPECT_THROW(model.fit({d.x[0], d.x[1].slice(0, 5)}, d.y, {.verbose = 0}), ValueError);
}

TEST_F(MultiOutputTest, TrainingLowersEveryOutputsLoss) {
    Model model = two_heads();
    model.compile({.optimizer = optimizers::Adam(0.02), .loss = {"binary_crossentropy", "mse"}});
    Data d = data(64);
    History history = model.fit(d.x, d.y, {.batch_size = 16, .epochs = 30, .verbose = 0,
                                           .validation_data = ValidationData(d.x, d.y)});
    EXPECT_LT(history.history.at("value_loss").back(), history.history.at("value_loss").front());
    EXPECT_LT(history.history.at("label_loss").back(), history.history.at("label_loss").front());
    EXPECT_TRUE(history.history.count("val_value_loss"));
}

}  // namespace
}  // namespace strata
