#include <gtest/gtest.h>

#include <vector>

#include <strata/strata.hpp>
#include <strata/training/callbacks/reduce_lr_on_plateau.hpp>

#include "callback_test_model.hpp"

namespace strata {
namespace {

using callbacks::ReduceLROnPlateau;
using callbacks::ReduceLROnPlateauOptions;
using testing::callback_test_model;

// Feeds `values` of val_loss as epochs 0, 1, ... and returns the learning rate after each epoch.
std::vector<double> drive(ReduceLROnPlateau& cb, Model& model, const std::vector<double>& values,
                          const std::string& monitor = "val_loss") {
    cb.set_model(&model);
    cb.on_train_begin({});
    std::vector<double> rates;
    for (int epoch = 0; epoch < static_cast<int>(values.size()); ++epoch) {
        cb.on_epoch_end(epoch, {{"loss", 1.0}, {monitor, values[epoch]}});
        rates.push_back(model.optimizer()->learning_rate());
    }
    return rates;
}

TEST(ReduceLROnPlateauTest, KerasDefaults) {
    // Keras 3: ReduceLROnPlateau(monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
    // min_delta=1e-4, cooldown=0, min_lr=0.0).
    ReduceLROnPlateauOptions o;
    EXPECT_EQ(o.monitor, "val_loss");
    EXPECT_EQ(o.factor, 0.1);
    EXPECT_EQ(o.patience, 10);
    EXPECT_EQ(o.verbose, 0);
    EXPECT_EQ(o.mode, "auto");
    EXPECT_EQ(o.min_delta, 1e-4);
    EXPECT_EQ(o.cooldown, 0);
    EXPECT_EQ(o.min_lr, 0.0);
}

TEST(ReduceLROnPlateauTest, DefaultPatienceIsTenEpochs) {
    Sequential model = callback_test_model(1.0);
    ReduceLROnPlateau cb;
    // Epoch 0 sets the best; epochs 1..10 are ten without improvement: the tenth reduces 1.0 to 0.1.
    std::vector<double> rates = drive(cb, model, std::vector<double>(11, 1.0));
    EXPECT_EQ(rates[9], 1.0);
    EXPECT_DOUBLE_EQ(rates[10], 0.1);
}

TEST(ReduceLROnPlateauTest, ReducesByFactorAfterPatience) {
    Sequential model = callback_test_model(1.0);
    ReduceLROnPlateau cb({.factor = 0.5, .patience = 2});
    std::vector<double> rates = drive(cb, model, {1.0, 0.9, 0.95, 0.95, 0.95, 0.95});
    EXPECT_EQ(rates, (std::vector<double>{1.0, 1.0, 1.0, 0.5, 0.5, 0.25}));
}

TEST(ReduceLROnPlateauTest, MinDeltaIsTheNeededImprovement) {
    Sequential model = callback_test_model(1.0);
    // Keras 3: min_delta=1e-4: a drop of 5e-5 is no improvement.
    ReduceLROnPlateau cb({.patience = 1});
    std::vector<double> rates = drive(cb, model, {1.0, 1.0 - 5e-5});
    EXPECT_DOUBLE_EQ(rates[1], 0.1);
    Sequential other = callback_test_model(1.0);
    ReduceLROnPlateau big({.patience = 1});
    EXPECT_EQ(drive(big, other, {1.0, 1.0 - 2e-4})[1], 1.0);
    EXPECT_EQ(big.best(), 1.0 - 2e-4);
}

TEST(ReduceLROnPlateauTest, CooldownPausesTheWait) {
    Sequential model = callback_test_model(1.0);
    ReduceLROnPlateau cb({.factor = 0.5, .patience = 1, .cooldown = 2});
    // Epoch 1 reduces and starts a cooldown of 2: epoch 2 counts it down to 1 and waits not; epoch 3 counts it
    // down to 0, so it waits again and (patience 1) reduces; epoch 4 is in the new cooldown.
    std::vector<double> rates = drive(cb, model, {1.0, 1.0, 1.0, 1.0, 1.0});
    EXPECT_EQ(rates, (std::vector<double>{1.0, 0.5, 0.5, 0.25, 0.25}));
    // Keras 3: cooldown=0 reduces at every epoch without improvement once patience is reached.
    Sequential other = callback_test_model(1.0);
    ReduceLROnPlateau no_cooldown({.factor = 0.5, .patience = 1});
    EXPECT_EQ(drive(no_cooldown, other, {1.0, 1.0, 1.0, 1.0}), (std::vector<double>{1.0, 0.5, 0.25, 0.125}));
}

TEST(ReduceLROnPlateauTest, NeverGoesBelowMinLr) {
    Sequential model = callback_test_model(1.0);
    ReduceLROnPlateau cb({.factor = 0.1, .patience = 1, .min_lr = 0.05});
    std::vector<double> rates = drive(cb, model, {1.0, 1.0, 1.0, 1.0});
    EXPECT_EQ(rates, (std::vector<double>{1.0, 0.1, 0.05, 0.05}));
}

TEST(ReduceLROnPlateauTest, ModeAutoMaximisesNamesWithAcc) {
    // Keras 3's ReduceLROnPlateau maximises in mode "auto" exactly when the monitor's name contains "acc".
    EXPECT_TRUE(ReduceLROnPlateau({.monitor = "val_accuracy"}).maximizes());
    EXPECT_FALSE(ReduceLROnPlateau({.monitor = "val_loss"}).maximizes());
    EXPECT_FALSE(ReduceLROnPlateau({.monitor = "val_auc"}).maximizes());
    EXPECT_TRUE(ReduceLROnPlateau({.monitor = "val_loss", .mode = "max"}).maximizes());
    EXPECT_FALSE(ReduceLROnPlateau({.monitor = "accuracy", .mode = "min"}).maximizes());
    Sequential model = callback_test_model(1.0);
    ReduceLROnPlateau cb({.monitor = "val_accuracy", .patience = 1});
    EXPECT_EQ(drive(cb, model, {0.5, 0.6, 0.55}, "val_accuracy"), (std::vector<double>{1.0, 1.0, 0.1}));
}

TEST(ReduceLROnPlateauTest, FactorOfOneOrMoreIsAValueError) {
    EXPECT_THROW(ReduceLROnPlateau({.factor = 1.0}), ValueError);
}

TEST(ReduceLROnPlateauTest, MissingMonitorWarnsOnce) {
    Sequential model = callback_test_model(1.0);
    ReduceLROnPlateau cb({.patience = 0});
    cb.set_model(&model);
    cb.on_train_begin({});
    ::testing::internal::CaptureStderr();
    cb.on_epoch_end(0, {{"loss", 1.0}});
    cb.on_epoch_end(1, {{"loss", 1.0}});
    std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(err.find("`val_loss` which is not available. Available metrics are: loss"), std::string::npos) << err;
    EXPECT_EQ(err.find("val_loss"), err.rfind("val_loss"));
    EXPECT_EQ(model.optimizer()->learning_rate(), 1.0);
}

TEST(ReduceLROnPlateauTest, ScheduledLearningRateIsLeftToTheSchedule) {
    // A schedule cannot be set (Keras's setter raises TypeError): the callback warns and changes nothing.
    Sequential model = callback_test_model();
    model.compile({.optimizer = optimizers::SGD(optimizers::schedules::ExponentialDecay(
                       0.5, {.decay_steps = 10, .decay_rate = 0.5})),
                   .loss = "mse"});
    ReduceLROnPlateau cb({.patience = 1});
    std::vector<double> rates = drive(cb, model, {1.0, 1.0, 1.0, 1.0});
    for (double rate : rates) EXPECT_DOUBLE_EQ(rate, 0.5);
}

}  // namespace
}  // namespace strata
