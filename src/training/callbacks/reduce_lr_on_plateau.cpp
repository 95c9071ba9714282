#include "strata/training/callbacks/reduce_lr_on_plateau.hpp"

#include <algorithm>
#include <iostream>
#include <limits>

#include "strata/core/error.hpp"
#include "strata/models/model.hpp"
#include "strata/training/callbacks/monitor.hpp"

namespace strata::callbacks {

ReduceLROnPlateau::ReduceLROnPlateau(ReduceLROnPlateauOptions options) : options_(std::move(options)) {
    if (options_.factor >= 1.0)
        throw ValueError("ReduceLROnPlateau does not support a factor >= 1.0. Received factor=" +
                         std::to_string(options_.factor));
    options_.mode = detail::checked_mode(options_.mode, "Learning rate reduction");
    reset();
}

void ReduceLROnPlateau::reset() {
    // Keras's own rule (not EarlyStopping's): "auto" maximises exactly the names that contain "acc".
    greater_ = options_.mode == "max" || (options_.mode == "auto" && options_.monitor.find("acc") != std::string::npos);
    best_ = greater_ ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    cooldown_counter_ = 0;
    wait_ = 0;
}

void ReduceLROnPlateau::on_train_begin(const Logs&) { reset(); }

void ReduceLROnPlateau::on_epoch_end(int epoch, const Logs& logs) {
    Model& model = detail::model_of(*this, "ReduceLROnPlateau");
    auto optimizer = model.optimizer();
    if (!optimizer) throw ValueError("ReduceLROnPlateau: the model has no optimizer; call compile() first");
    auto found = logs.find(options_.monitor);
    if (found == logs.end()) {
        if (!warned_)
            detail::warn("Learning rate reduction is conditioned on metric `" + options_.monitor +
                         "` which is not available. Available metrics are: " + detail::available_keys(logs) + ".");
        warned_ = true;
        return;
    }
    double current = found->second;
    if (in_cooldown()) {
        --cooldown_counter_;
        wait_ = 0;
    }
    bool improved = greater_ ? current > best_ + options_.min_delta : current < best_ - options_.min_delta;
    if (improved) {
        best_ = current;
        wait_ = 0;
    } else if (!in_cooldown()) {
        ++wait_;
        if (wait_ >= options_.patience && optimizer->learning_rate_schedule()) {
            // A scheduled learning rate cannot be set (Keras would raise TypeError from the setter): warn at
            // each plateau and leave the rate to the schedule.
            detail::warn("ReduceLROnPlateau: the optimizer's learning rate is a LearningRateSchedule, which cannot "
                         "be set; the learning rate is left to the schedule.");
            wait_ = 0;
        } else if (wait_ >= options_.patience) {
            double old_lr = optimizer->learning_rate();
            // Keras compares with min_lr in float32, so a rate already at a float32 min_lr is left alone.
            if (old_lr > static_cast<double>(static_cast<float>(options_.min_lr))) {
                double new_lr = std::max(old_lr * options_.factor, options_.min_lr);
                optimizer->set_learning_rate(new_lr);
                if (options_.verbose > 0)
                    std::cout << "\nEpoch " << epoch + 1 << ": ReduceLROnPlateau reducing learning rate to " << new_lr
                              << ".\n";
                cooldown_counter_ = options_.cooldown;
                wait_ = 0;
            }
        }
    }
}

}  // namespace strata::callbacks
