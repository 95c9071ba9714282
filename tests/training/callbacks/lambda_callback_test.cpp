#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <strata/strata.hpp>
#include <strata/training/callbacks/lambda_callback.hpp>

#include "callback_test_model.hpp"

namespace strata {
namespace {

using callbacks::LambdaCallback;

TEST(LambdaCallbackTest, KerasDefaultsAreNoHooks) {
    // Keras 3: LambdaCallback(on_epoch_begin=None, ..., on_train_batch_end=None): every hook is optional.
    LambdaCallback cb;
    cb.on_train_begin({});
    cb.on_epoch_begin(0, {});
    cb.on_train_batch_end(0, {{"loss", 1.0}});
    cb.on_epoch_end(0, {});
    cb.on_train_end({});
    cb.on_predict_batch_end(0, {});
}

TEST(LambdaCallbackTest, CallsTheGivenHooksInFit) {
    Sequential model = testing::callback_test_model();
    testing::CallbackTestData data = testing::callback_test_data(16);
    std::vector<std::string> events;
    auto cb = std::make_shared<LambdaCallback>(callbacks::LambdaCallbackOptions{
        .on_epoch_begin = [&](int e, const Logs&) { events.push_back("epoch_begin " + std::to_string(e)); },
        .on_epoch_end = [&](int e, const Logs& logs) {
            events.push_back("epoch_end " + std::to_string(e) + (logs.count("loss") ? " loss" : ""));
        },
        .on_train_begin = [&](const Logs&) { events.push_back("train_begin"); },
        .on_train_end = [&](const Logs&) { events.push_back("train_end"); },
        .on_train_batch_end = [&](int b, const Logs&) { events.push_back("batch_end " + std::to_string(b)); },
    });
    model.fit(data.x, data.y, {.batch_size = 8, .epochs = 1, .verbose = 0, .callbacks = {cb}});
    EXPECT_EQ(events, (std::vector<std::string>{"train_begin", "epoch_begin 0", "batch_end 0", "batch_end 1",
                                                "epoch_end 0 loss", "train_end"}));
    int predict_batches = 0;
    auto on_predict = std::make_shared<LambdaCallback>(
        callbacks::LambdaCallbackOptions{.on_predict_batch_end = [&](int, const Logs&) { ++predict_batches; }});
    model.predict(data.x, {.batch_size = 8, .verbose = 0, .callbacks = {on_predict}});
    EXPECT_EQ(predict_batches, 2);
}

}  // namespace
}  // namespace strata
