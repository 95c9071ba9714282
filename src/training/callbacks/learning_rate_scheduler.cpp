#include "strata/training/callbacks/learning_rate_scheduler.hpp"

#include <iostream>

#include "strata/core/error.hpp"
#include "strata/models/model.hpp"
#include "strata/training/callbacks/monitor.hpp"

namespace strata::callbacks {

LearningRateScheduler::LearningRateScheduler(Schedule schedule, LearningRateSchedulerOptions options)
    : schedule_(std::move(schedule)), options_(options) {
    if (!schedule_) throw ValueError("LearningRateScheduler: expected a schedule function, got an empty one");
}

void LearningRateScheduler::on_epoch_begin(int epoch, const Logs&) {
    auto optimizer = detail::model_of(*this, "LearningRateScheduler").optimizer();
    if (!optimizer) throw ValueError("LearningRateScheduler: the model has no optimizer; call compile() first");
    double learning_rate = schedule_(epoch, optimizer->learning_rate());
    optimizer->set_learning_rate(learning_rate);
    if (options_.verbose > 0)
        std::cout << "\nEpoch " << epoch + 1 << ": LearningRateScheduler setting learning rate to " << learning_rate
                  << ".\n";
}

}  // namespace strata::callbacks
