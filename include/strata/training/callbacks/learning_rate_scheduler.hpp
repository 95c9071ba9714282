// LearningRateScheduler: at the start of every epoch, sets the optimizer's learning rate to
// schedule(epoch, current learning rate), as keras.callbacks.LearningRateScheduler.
#pragma once

#include <functional>

#include "strata/training/callbacks.hpp"

namespace strata::callbacks {

// Keras: LearningRateScheduler(schedule, verbose=0).
struct LearningRateSchedulerOptions {
    int verbose = 0;  // 1: print the rate set at each epoch
};

class LearningRateScheduler : public Callback {
public:
    // Takes the epoch (counted from 0) and the current rate, returns the new rate.
    using Schedule = std::function<double(int epoch, double learning_rate)>;

    // ValueError when `schedule` is empty.
    explicit LearningRateScheduler(Schedule schedule, LearningRateSchedulerOptions options = {});

    const LearningRateSchedulerOptions& options() const { return options_; }

    void on_epoch_begin(int epoch, const Logs& logs) override;

private:
    Schedule schedule_;
    LearningRateSchedulerOptions options_;
};

}  // namespace strata::callbacks
