// fit's keyword arguments beyond the basics: class_weight, steps_per_epoch, validation_steps,
// validation_batch_size, validation_freq, and the hooks that change where fit starts.
#include <gtest/gtest.h>

#include <cmath>

#include <strata/strata.hpp>

#include "strata/training/callbacks/terminate_on_nan.hpp"

namespace strata {
namespace {

using layers::Dense;

struct Counter : Callback {
    int train_batches = 0, test_batches = 0;
    std::vector<int> epochs, batches_per_epoch;
    void on_epoch_begin(int e, const Logs&) override {
        epochs.push_back(e);
        batches_per_epoch.push_back(0);
    }
    void on_train_batch_end(int, const Logs&) override {
        ++train_batches;
        ++batches_per_epoch.back();
    }
    void on_test_batch_end(int, const Logs&) override { ++test_batches; }
};

class FitOptionsTest : public ::testing::Test {
protected:
    void SetUp() override {
        clear_session();
        utils::set_random_seed(11);
    }
    // Three classes from 4 features.
    static Sequential classifier() {
        Sequential model;
        model.add(Dense(8, "relu", {.input_shape = {4}}));
        model.add(Dense(3, "softmax"));
        model.compile({.optimizer = optimizers::SGD(0.1), .loss = "sparse_categorical_crossentropy"});
        return model;
    }
    static Tensor labels(std::int64_t n) {
        std::vector<std::int64_t> v;
        for (std::int64_t i = 0; i < n; ++i) v.push_back(i % 3);
        return Tensor::from_vector(v);
    }
};

TEST_F(FitOptionsTest, ClassWeightIsTheSameAsTheSampleWeightsItStandsFor) {
    Tensor x = random::normal({30, 4});
    Tensor y = labels(30);
    Sequential weighted = classifier();
    std::vector<Tensor> initial = weighted.get_weights();
    weighted.fit(x, y, {.batch_size = 8, .epochs = 2, .verbose = 0, .shuffle = false, .class_weight = {{0, 2.0}, {2, 0.5}}});

    // Keras's class_weight_to_sample_weights: class 0 weighs 2, class 2 weighs 0.5, class 1 (not listed) 1.
    std::vector<float> w;
    for (std::int64_t i = 0; i < 30; ++i) w.push_back(i % 3 == 0 ? 2.0f : i % 3 == 2 ? 0.5f : 1.0f);
    Sequential by_hand = classifier();
    by_hand.set_weights(initial);
    by_hand.fit(x, y, {.batch_size = 8, .epochs = 2, .verbose = 0, .shuffle = false, .sample_weight = Tensor::from_vector(w)});

    std::vector<Tensor> a = weighted.get_weights(), b = by_hand.get_weights();
    for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].to_vector<float>(), b[i].to_vector<float>());
    // And it differs from unweighted training.
    Sequential plain = classifier();
    plain.set_weights(initial);
    plain.fit(x, y, {.batch_size = 8, .epochs = 2, .verbose = 0, .shuffle = false});
    EXPECT_NE(plain.get_weights()[0].to_vector<float>(), a[0].to_vector<float>());
}

TEST_F(FitOptionsTest, ClassWeightTakesTheArgmaxOfOneHotTargets) {
    Tensor x = random::normal({12, 4});
    Tensor y = labels(12);
    Tensor one_hot = utils::to_categorical(y, 3);
    Sequential a = classifier();
    std::vector<Tensor> initial = a.get_weights();
    a.compile({.optimizer = optimizers::SGD(0.1), .loss = "categorical_crossentropy"});
    a.fit(x, one_hot, {.batch_size = 4, .verbose = 0, .shuffle = false, .class_weight = {{1, 3.0}}});
    Sequential b = classifier();
    b.set_weights(initial);
    b.compile({.optimizer = optimizers::SGD(0.1), .loss = "categorical_crossentropy"});
    std::vector<float> w;
    for (std::int64_t i = 0; i < 12; ++i) w.push_back(i % 3 == 1 ? 3.0f : 1.0f);
    b.fit(x, one_hot, {.batch_size = 4, .verbose = 0, .shuffle = false, .sample_weight = Tensor::from_vector(w)});
    EXPECT_EQ(a.get_weights()[0].to_vector<float>(), b.get_weights()[0].to_vector<float>());
}

TEST_F(FitOptionsTest, BadClassWeightsAreValueErrors) {
    Tensor x = random::normal({6, 4});
    Tensor y = labels(6);
    Sequential model = classifier();
    try {
        model.fit(x, y, {.verbose = 0, .class_weight = {{3, 1.0}}});  // the model tells classes 0..2 apart
        FAIL() << "expected ValueError";
    } catch (const ValueError& e) {
        std::string message = e.what();
        EXPECT_NE(message.find("class 3"), std::string::npos) << message;
        EXPECT_NE(message.find("3 classes"), std::string::npos) << message;
    }
    EXPECT_THROW(model.fit(x, y, {.verbose = 0, .class_weight = {{-1, 1.0}}}), ValueError);
    EXPECT_THROW(model.fit(x, y, {.verbose = 0, .class_weight = {{0, -2.0}}}), ValueError);
    // Keras: "You cannot use class_weight and sample_weight at the same time."
    EXPECT_THROW(model.fit(x, y, {.verbose = 0, .class_weight = {{0, 2.0}}, .sample_weight = ops::ones({6})}), ValueError);
}

TEST_F(FitOptionsTest, SampleWeightOfTheWrongLengthIsAValueError) {
    Sequential model = classifier();
    try {
        model.fit(random::normal({6, 4}), labels(6), {.verbose = 0, .sample_weight = ops::ones({5})});
        FAIL() << "expected ValueError";
    } catch (const ValueError& e) {
        std::string message = e.what();
        EXPECT_NE(message.find("sample_weight"), std::string::npos) << message;
        EXPECT_NE(message.find("(5,)"), std::string::npos) << message;
    }
}

TEST_F(FitOptionsTest, StepsPerEpochContinuesWhereTheLastEpochStopped) {
    // 10 samples in batches of 2: 5 batches a pass. Keras's epoch iterator with steps_per_epoch=3 takes 3, then
    // the 2 that are left (the data ran out: the epoch ends early), then 3 from a new pass.
    Sequential model = classifier();
    auto counter = std::make_shared<Counter>();
    testing::internal::CaptureStderr();
    model.fit(random::normal({10, 4}), labels(10),
              {.batch_size = 2, .epochs = 3, .verbose = 0, .callbacks = {counter}, .steps_per_epoch = 3});
    std::string warning = testing::internal::GetCapturedStderr();
    EXPECT_EQ(counter->batches_per_epoch, (std::vector<int>{3, 2, 3}));
    EXPECT_DOUBLE_EQ(counter->params().at("steps"), 3.0);
    EXPECT_NE(warning.find("ran out of data"), std::string::npos) << warning;
}

TEST_F(FitOptionsTest, ValidationStepsBatchSizeAndFrequency) {
    Sequential model = classifier();
    auto counter = std::make_shared<Counter>();
    ValidationData validation(random::normal({10, 4}), labels(10));
    History history = model.fit(random::normal({8, 4}), labels(8),
                                {.batch_size = 4, .epochs = 4, .verbose = 0, .callbacks = {counter},
                                 .validation_data = validation, .validation_batch_size = 4, .validation_freq = 2});
    // Validation after epochs 2 and 4 only (Keras: validation_freq=2), in batches of 4: 3 batches each.
    EXPECT_EQ(counter->test_batches, 6);
    EXPECT_EQ(history.history.at("loss").size(), 4u);
    EXPECT_EQ(history.history.at("val_loss").size(), 2u);

    auto limited = std::make_shared<Counter>();
    model.fit(random::normal({8, 4}), labels(8),
              {.batch_size = 4, .epochs = 1, .verbose = 0, .callbacks = {limited}, .validation_data = validation,
               .validation_steps = 2, .validation_batch_size = 3});
    EXPECT_EQ(limited->test_batches, 2);
    // validation_batch_size defaults to batch_size.
    auto defaulted = std::make_shared<Counter>();
    model.fit(random::normal({8, 4}), labels(8),
              {.batch_size = 4, .epochs = 1, .verbose = 0, .callbacks = {defaulted}, .validation_data = validation});
    EXPECT_EQ(defaulted->test_batches, 3);
}

TEST_F(FitOptionsTest, BadStepCountsAreValueErrors) {
    Sequential model = classifier();
    Tensor x = random::normal({8, 4}), y = labels(8);
    EXPECT_THROW(model.fit(x, y, {.verbose = 0, .steps_per_epoch = -1}), ValueError);
    EXPECT_THROW(model.fit(x, y, {.verbose = 0, .validation_freq = 0}), ValueError);
    EXPECT_THROW(model.fit(x, y, {.verbose = 0, .validation_batch_size = -4}), ValueError);
}

TEST_F(FitOptionsTest, EvaluateAndPredictStopAfterSteps) {
    Sequential model = classifier();
    Tensor x = random::normal({10, 4});
    auto counter = std::make_shared<Counter>();
    model.evaluate(x, labels(10), {.batch_size = 2, .verbose = 0, .steps = 3, .callbacks = {counter}});
    EXPECT_EQ(counter->test_batches, 3);
    EXPECT_EQ(model.predict(x, {.batch_size = 2, .verbose = 0, .steps = 2}).shape(), (Shape{4, 3}));
}

TEST_F(FitOptionsTest, ACallbackCanMoveTheInitialEpoch) {
    struct Resume : Callback {
        void on_train_begin(const Logs&) override { model()->set_initial_epoch(3); }
    };
    Sequential model = classifier();
    auto counter = std::make_shared<Counter>();
    History history = model.fit(random::normal({8, 4}), labels(8),
                                {.epochs = 5, .verbose = 0, .callbacks = {std::make_shared<Resume>(), counter}});
    EXPECT_EQ(counter->epochs, (std::vector<int>{3, 4}));
    EXPECT_EQ(history.epoch, (std::vector<int>{3, 4}));
    // The next fit starts from its own initial_epoch again.
    auto again = std::make_shared<Counter>();
    model.fit(random::normal({8, 4}), labels(8), {.epochs = 2, .verbose = 0, .callbacks = {again}});
    EXPECT_EQ(again->epochs, (std::vector<int>{0, 1}));
}

TEST_F(FitOptionsTest, TerminateOnNaNKeepsTheWeightsFromBeforeTheNaN) {
    // The third batch has a NaN target: its loss is NaN, and its update must not reach the weights.
    Sequential model;
    model.add(Dense(2, {}, {.input_shape = {4}}));
    model.compile({.optimizer = optimizers::SGD(0.1), .loss = "mse"});
    std::vector<float> targets(12 * 2, 0.5f);
    targets[2 * 4 * 2 + 1] = std::nanf("");  // sample 8, in the third batch of 4
    struct Snapshot : Callback {
        std::vector<std::vector<float>> after_second_batch;
        void on_train_batch_end(int batch, const Logs&) override {
            if (batch != 1) return;
            after_second_batch.clear();
            for (const Tensor& w : model()->get_weights()) after_second_batch.push_back(w.to_vector<float>());
        }
    };
    auto snapshot = std::make_shared<Snapshot>();
    testing::internal::CaptureStdout();
    History history = model.fit(random::normal({12, 4}), Tensor::from_vector(targets, {12, 2}),
                                {.batch_size = 4, .epochs = 3, .verbose = 0,
                                 .callbacks = {snapshot, std::make_shared<callbacks::TerminateOnNaN>()},
                                 .shuffle = false});
    std::string printed = testing::internal::GetCapturedStdout();
    EXPECT_NE(printed.find("Invalid loss, terminating training"), std::string::npos) << printed;
    EXPECT_TRUE(model.stop_training());
    EXPECT_EQ(history.epoch.size(), 1u);
    std::vector<Tensor> weights = model.get_weights();
    ASSERT_EQ(weights.size(), snapshot->after_second_batch.size());
    for (std::size_t i = 0; i < weights.size(); ++i) {
        EXPECT_EQ(weights[i].to_vector<float>(), snapshot->after_second_batch[i]);
        for (float w : weights[i].to_vector<float>()) EXPECT_TRUE(std::isfinite(w));
    }
}

TEST_F(FitOptionsTest, ProgbarLoggerPrintsEpochLinesOnlyForSeveralEpochs) {
    Sequential model = classifier();
    Tensor x = random::normal({8, 4}), y = labels(8);
    testing::internal::CaptureStdout();
    model.fit(x, y, {.batch_size = 4, .epochs = 1, .verbose = 2});
    std::string one = testing::internal::GetCapturedStdout();
    testing::internal::CaptureStdout();
    model.fit(x, y, {.batch_size = 4, .epochs = 2, .verbose = 2});
    std::string two = testing::internal::GetCapturedStdout();
    // Keras 3's ProgbarLogger prints "Epoch i/n" only when epochs > 1.
    EXPECT_EQ(one.find("Epoch"), std::string::npos) << one;
    EXPECT_NE(one.find("2/2"), std::string::npos) << one;
    EXPECT_NE(two.find("Epoch 1/2"), std::string::npos) << two;
    EXPECT_NE(two.find("Epoch 2/2"), std::string::npos) << two;
    // verbose=0 adds no ProgbarLogger; one given explicitly follows verbose too.
    testing::internal::CaptureStdout();
    model.fit(x, y, {.batch_size = 4, .epochs = 2, .verbose = 0, .callbacks = {std::make_shared<callbacks::ProgbarLogger>()}});
    EXPECT_EQ(testing::internal::GetCapturedStdout(), "");
}

}  // namespace
}  // namespace strata
