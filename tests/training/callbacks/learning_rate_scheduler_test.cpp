#include <gtest/gtest.h>

#include <vector>

#include <strata/strata.hpp>
#include <strata/training/callbacks/lambda_callback.hpp>
#include <strata/training/callbacks/learning_rate_scheduler.hpp>

#include "callback_test_model.hpp"

namespace strata {
namespace {

using callbacks::LambdaCallback;
using callbacks::LearningRateScheduler;
using testing::callback_test_model;

TEST(LearningRateSchedulerTest, KerasDefaults) {
    // Keras 3: LearningRateScheduler(schedule, verbose=0).
    EXPECT_EQ(callbacks::LearningRateSchedulerOptions{}.verbose, 0);
}

TEST(LearningRateSchedulerTest, SetsTheRateAtEachEpochBegin) {
    Sequential model = callback_test_model(0.1);
    std::vector<std::pair<int, double>> calls;
    LearningRateScheduler cb([&](int epoch, double lr) {
        calls.emplace_back(epoch, lr);
        return lr * 0.5;
    });
    cb.set_model(&model);
    cb.on_epoch_begin(0, {});
    cb.on_epoch_begin(1, {});
    EXPECT_DOUBLE_EQ(model.optimizer()->learning_rate(), 0.025);
    ASSERT_EQ(calls.size(), 2u);
    EXPECT_EQ(calls[0].first, 0);
    EXPECT_DOUBLE_EQ(calls[0].second, 0.1);
    EXPECT_EQ(calls[1].first, 1);
    EXPECT_DOUBLE_EQ(calls[1].second, 0.05);
}

TEST(LearningRateSchedulerTest, EmptyScheduleIsAValueError) {
    EXPECT_THROW(LearningRateScheduler(LearningRateScheduler::Schedule{}), ValueError);
}

TEST(LearningRateSchedulerTest, FitFollowsTheSchedule) {
    Sequential model = callback_test_model(0.1);
    testing::CallbackTestData data = testing::callback_test_data(16);
    auto scheduler = std::make_shared<LearningRateScheduler>([](int epoch, double) { return 0.1 / (epoch + 1); });
    std::vector<double> seen;
    auto recorder = std::make_shared<LambdaCallback>(callbacks::LambdaCallbackOptions{
        .on_epoch_end = [&](int, const Logs&) { seen.push_back(model.optimizer()->learning_rate()); }});
    model.fit(data.x, data.y, {.batch_size = 8, .epochs = 3, .verbose = 0, .callbacks = {scheduler, recorder}});
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_DOUBLE_EQ(seen[0], 0.1);
    EXPECT_DOUBLE_EQ(seen[1], 0.05);
    EXPECT_DOUBLE_EQ(seen[2], 0.1 / 3);
    EXPECT_DOUBLE_EQ(model.optimizer()->learning_rate(), 0.1 / 3);
}

}  // namespace
}  // namespace strata
