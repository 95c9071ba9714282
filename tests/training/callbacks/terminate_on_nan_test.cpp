#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include <strata/strata.hpp>
#include <strata/training/callbacks/lambda_callback.hpp>
#include <strata/training/callbacks/terminate_on_nan.hpp>

#include "callback_test_model.hpp"

namespace strata {
namespace {

using callbacks::TerminateOnNaN;

TEST(TerminateOnNaNTest, KerasDefaults) {
    // Keras 3: TerminateOnNaN(raise_error=False).
    EXPECT_FALSE(callbacks::TerminateOnNaNOptions{}.raise_error);
}

TEST(TerminateOnNaNTest, StopsOnNaNOrInfiniteLossOnly) {
    Sequential model = testing::callback_test_model();
    TerminateOnNaN cb;
    cb.set_model(&model);
    cb.on_train_batch_end(0, {{"loss", 1.0}});
    cb.on_train_batch_end(1, {{"accuracy", std::nan("")}});
    EXPECT_FALSE(model.stop_training());
    ::testing::internal::CaptureStdout();
    cb.on_train_batch_end(2, {{"loss", std::numeric_limits<double>::infinity()}});
    EXPECT_EQ(::testing::internal::GetCapturedStdout(), "Batch 2: Invalid loss, terminating training\n");
    EXPECT_TRUE(model.stop_training());
}

TEST(TerminateOnNaNTest, RaiseErrorThrows) {
    Sequential model = testing::callback_test_model();
    TerminateOnNaN cb({.raise_error = true});
    cb.set_model(&model);
    EXPECT_THROW(cb.on_train_batch_end(3, {{"loss", std::nan("")}}), Error);
}

TEST(TerminateOnNaNTest, StopsFitOnANaNLoss) {
    Sequential model = testing::callback_test_model();
    testing::CallbackTestData data = testing::callback_test_data(16);
    Tensor y = data.y * std::nan("");
    int batches = 0;
    auto counter = std::make_shared<callbacks::LambdaCallback>(
        callbacks::LambdaCallbackOptions{.on_train_batch_end = [&](int, const Logs&) { ++batches; }});
    ::testing::internal::CaptureStdout();
    History history = model.fit(data.x, y, {.batch_size = 4, .epochs = 5, .verbose = 0,
                                            .callbacks = {std::make_shared<TerminateOnNaN>(), counter}});
    ::testing::internal::GetCapturedStdout();
    EXPECT_EQ(batches, 1);
    EXPECT_EQ(history.epoch, (std::vector<int>{0}));
    EXPECT_TRUE(std::isnan(history.history.at("loss")[0]));
}

}  // namespace
}  // namespace strata
