#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include <strata/strata.hpp>
#include <strata/training/callbacks/early_stopping.hpp>

#include "callback_test_model.hpp"

namespace strata {
namespace {

using callbacks::EarlyStopping;
using callbacks::EarlyStoppingOptions;
using testing::callback_test_model;

// Feeds `values` of `monitor` as epochs 0, 1, ... and returns the epoch at which training was stopped (-1 if
// never), stopping early as fit would.
int drive(EarlyStopping& cb, Model& model, const std::vector<double>& values, const std::string& monitor = "val_loss") {
    cb.set_model(&model);
    model.set_stop_training(false);
    cb.on_train_begin({});
    for (int epoch = 0; epoch < static_cast<int>(values.size()); ++epoch) {
        cb.on_epoch_end(epoch, {{"loss", 1.0}, {monitor, values[epoch]}});
        if (model.stop_training()) return epoch;
    }
    cb.on_train_end({});
    return -1;
}

TEST(EarlyStoppingTest, KerasDefaults) {
    // Keras 3: EarlyStopping(monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto", baseline=None,
    // restore_best_weights=False, start_from_epoch=0).
    EarlyStoppingOptions o;
    EXPECT_EQ(o.monitor, "val_loss");
    EXPECT_EQ(o.min_delta, 0.0);
    EXPECT_EQ(o.patience, 0);
    EXPECT_EQ(o.verbose, 0);
    EXPECT_EQ(o.mode, "auto");
    EXPECT_FALSE(o.baseline.has_value());
    EXPECT_FALSE(o.restore_best_weights);
    EXPECT_EQ(o.start_from_epoch, 0);
}

TEST(EarlyStoppingTest, PatienceZeroStopsAtTheFirstEpochWithoutImprovement) {
    // Keras 3: patience=0 stops at the first epoch that does not improve (but never at epoch 0).
    Sequential model = callback_test_model();
    EarlyStopping cb;
    EXPECT_EQ(drive(cb, model, {1.0, 0.9, 0.8, 0.85, 0.7}), 3);
    EXPECT_EQ(cb.stopped_epoch(), 3);
    EXPECT_EQ(cb.best(), 0.8);
    EXPECT_EQ(cb.best_epoch(), 2);
}

TEST(EarlyStoppingTest, PatienceCountsEpochsWithoutImprovement) {
    Sequential model = callback_test_model();
    EarlyStopping cb({.patience = 2});
    // Epoch 3 is the first without improvement (wait 1), epoch 4 the second (wait 2 >= patience).
    EXPECT_EQ(drive(cb, model, {1.0, 0.9, 0.8, 0.85, 0.82, 0.1}), 4);
    EXPECT_EQ(cb.wait(), 2);
    // An improvement inside the patience window resets the wait.
    EarlyStopping reset({.patience = 2});
    EXPECT_EQ(drive(reset, model, {1.0, 1.1, 0.5, 0.6, 0.4, 0.45, 0.46}), 6);
}

TEST(EarlyStoppingTest, MinDeltaIsAnAbsoluteThreshold) {
    Sequential model = callback_test_model();
    // Keras 3: min_delta is taken as abs(min_delta); a drop of 0.05 < 0.1 does not count.
    EarlyStopping cb({.min_delta = -0.1, .patience = 0});
    EXPECT_EQ(drive(cb, model, {1.0, 0.95, 0.5}), 1);
    EXPECT_EQ(cb.best(), 1.0);
    EarlyStopping enough({.min_delta = 0.1});
    EXPECT_EQ(drive(enough, model, {1.0, 0.85, 0.7, 0.65}), 3);
}

TEST(EarlyStoppingTest, ModeAutoInfersTheDirectionFromTheName) {
    Sequential model = callback_test_model();
    // Keras 3: mode="auto" minimises losses and errors, maximises accuracy-like metrics and AUC.
    EXPECT_FALSE(EarlyStopping({.monitor = "val_loss"}).maximizes());
    EXPECT_FALSE(EarlyStopping({.monitor = "loss"}).maximizes());
    EXPECT_FALSE(EarlyStopping({.monitor = "val_mean_squared_error"}).maximizes());
    EXPECT_TRUE(EarlyStopping({.monitor = "val_accuracy"}).maximizes());
    EXPECT_TRUE(EarlyStopping({.monitor = "categorical_accuracy"}).maximizes());
    EXPECT_TRUE(EarlyStopping({.monitor = "acc"}).maximizes());
    EXPECT_TRUE(EarlyStopping({.monitor = "val_auc"}).maximizes());
    EXPECT_TRUE(EarlyStopping({.monitor = "precision"}).maximizes());
    EXPECT_TRUE(EarlyStopping({.monitor = "loss", .mode = "max"}).maximizes());
    EXPECT_FALSE(EarlyStopping({.monitor = "val_accuracy", .mode = "min"}).maximizes());

    EarlyStopping accuracy({.monitor = "val_accuracy"});
    EXPECT_EQ(drive(accuracy, model, {0.5, 0.6, 0.55}, "val_accuracy"), 2);
    EXPECT_EQ(accuracy.best(), 0.6);
    EarlyStopping max_loss({.mode = "max"});
    EXPECT_EQ(drive(max_loss, model, {1.0, 2.0, 1.5}), 2);
}

TEST(EarlyStoppingTest, UnknownModeFallsBackToAuto) {
    // Keras 3 warns and falls back to mode="auto".
    EarlyStopping cb({.monitor = "val_accuracy", .mode = "sideways"});
    EXPECT_EQ(cb.options().mode, "auto");
    EXPECT_TRUE(cb.maximizes());
}

TEST(EarlyStoppingTest, BaselineMustBeBeatenToResetTheWait) {
    Sequential model = callback_test_model();
    // Improvements that stay above the baseline 0.5 do not reset the wait (counted from epoch 0), so the first
    // epoch without improvement, epoch 2 (wait 3), stops training; without a baseline its wait is only 1.
    EarlyStopping cb({.patience = 2, .baseline = 0.5});
    EXPECT_EQ(drive(cb, model, {1.0, 0.9, 0.95}), 2);
    EXPECT_EQ(cb.best(), 0.9);
    EXPECT_EQ(cb.wait(), 3);
    EarlyStopping no_baseline({.patience = 2});
    EXPECT_EQ(drive(no_baseline, model, {1.0, 0.9, 0.95}), -1);
    // Beating the baseline resets it.
    EarlyStopping beaten({.patience = 2, .baseline = 0.5});
    EXPECT_EQ(drive(beaten, model, {0.4, 0.3, 0.35, 0.36, 0.37}), 3);
}

TEST(EarlyStoppingTest, StartFromEpochSkipsTheWarmUp) {
    Sequential model = callback_test_model();
    // Epochs before start_from_epoch are not monitored at all: the worse values 2 and 3 are never compared.
    EarlyStopping cb({.start_from_epoch = 2});
    EXPECT_EQ(drive(cb, model, {1.0, 2.0, 3.0, 2.5, 2.6}), 4);
    EXPECT_EQ(cb.best(), 2.5);
    EXPECT_EQ(cb.best_epoch(), 3);
}

TEST(EarlyStoppingTest, RestoreBestWeightsPutsBackTheBestEpochsWeights) {
    Sequential model = callback_test_model();
    EarlyStopping cb({.patience = 5, .restore_best_weights = true});
    cb.set_model(&model);
    cb.on_train_begin({});
    std::vector<Tensor> best;
    const std::vector<double> losses = {1.0, 0.5, 0.7, 0.8};
    for (int epoch = 0; epoch < 4; ++epoch) {
        // A different set of weights each epoch, as training would leave.
        std::vector<Tensor> w = model.get_weights();
        for (Tensor& t : w) t = t + 1.0;
        model.set_weights(w);
        if (epoch == 1) best = model.get_weights();
        cb.on_epoch_end(epoch, {{"val_loss", losses[epoch]}});
    }
    cb.on_train_end({});
    EXPECT_EQ(cb.best_epoch(), 1);
    std::vector<Tensor> restored = model.get_weights();
    ASSERT_EQ(restored.size(), best.size());
    for (std::size_t i = 0; i < best.size(); ++i)
        EXPECT_EQ(restored[i].to_vector<float>(), best[i].to_vector<float>());
}

TEST(EarlyStoppingTest, WithoutRestoreBestWeightsTheLastWeightsStay) {
    // Keras 3: restore_best_weights=False keeps the weights of the last step.
    Sequential model = callback_test_model();
    EarlyStopping cb({.patience = 5});
    cb.set_model(&model);
    cb.on_train_begin({});
    cb.on_epoch_end(0, {{"val_loss", 0.1}});
    std::vector<Tensor> w = model.get_weights();
    for (Tensor& t : w) t = t + 1.0;
    model.set_weights(w);
    cb.on_epoch_end(1, {{"val_loss", 0.9}});
    cb.on_train_end({});
    std::vector<Tensor> last = model.get_weights();
    for (std::size_t i = 0; i < w.size(); ++i) EXPECT_EQ(last[i].to_vector<float>(), w[i].to_vector<float>());
}

TEST(EarlyStoppingTest, MissingMonitorWarnsOnceAndDoesNothing) {
    Sequential model = callback_test_model();
    EarlyStopping cb;
    cb.set_model(&model);
    cb.on_train_begin({});
    ::testing::internal::CaptureStderr();
    cb.on_epoch_end(0, {{"loss", 1.0}});
    cb.on_epoch_end(1, {{"loss", 2.0}});
    std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(err.find("val_loss"), std::string::npos);
    EXPECT_NE(err.find("Available metrics are: loss"), std::string::npos);
    EXPECT_EQ(err.find("val_loss"), err.rfind("val_loss")) << "warned more than once: " << err;
    EXPECT_FALSE(model.stop_training());
}

TEST(EarlyStoppingTest, WithoutAModelIsAValueError) {
    EarlyStopping cb({.restore_best_weights = true});
    EXPECT_THROW(cb.on_epoch_end(0, {{"val_loss", 1.0}}), ValueError);
}

TEST(EarlyStoppingTest, StopsFitEarly) {
    Sequential model = callback_test_model();
    testing::CallbackTestData data = testing::callback_test_data(32);
    // No later epoch can improve on the first by 1e9, so patience 0 stops fit at epoch 1.
    auto cb = std::make_shared<EarlyStopping>(EarlyStoppingOptions{.monitor = "loss", .min_delta = 1e9});
    History history = model.fit(data.x, data.y, {.batch_size = 8, .epochs = 10, .verbose = 0, .callbacks = {cb}});
    EXPECT_EQ(history.epoch, (std::vector<int>{0, 1}));
    EXPECT_EQ(history.history.at("loss").size(), 2u);
    EXPECT_EQ(cb->stopped_epoch(), 1);
}

}  // namespace
}  // namespace strata
