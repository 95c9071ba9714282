#include "strata/training/callbacks/early_stopping.hpp"

#include <cmath>
#include <iostream>
#include <limits>

#include "strata/models/model.hpp"
#include "strata/training/callbacks/monitor.hpp"

namespace strata::callbacks {

EarlyStopping::EarlyStopping(EarlyStoppingOptions options)
    : options_(std::move(options)), min_delta_(std::abs(options_.min_delta)) {
    options_.mode = detail::checked_mode(options_.mode, "EarlyStopping");
}

bool EarlyStopping::maximizes() const {
    if (options_.mode == "max") return true;
    if (options_.mode == "min") return false;
    return detail::maximizes(options_.monitor);
}

void EarlyStopping::set_monitor_op() {
    greater_ = maximizes();
    // Keras flips min_delta when minimising, so that `value - min_delta < best` asks for a drop of min_delta.
    if (!greater_) min_delta_ = -min_delta_;
    best_ = greater_ ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    monitor_op_set_ = true;
}

bool EarlyStopping::is_improvement(double value, double reference) const {
    return greater_ ? value - min_delta_ > reference : value - min_delta_ < reference;
}

void EarlyStopping::on_train_begin(const Logs&) {
    // Keras resets these (but not the best value) so that the instance can be reused.
    wait_ = 0;
    stopped_epoch_ = 0;
    best_weights_.clear();
    has_best_weights_ = false;
    best_epoch_ = 0;
}

void EarlyStopping::on_epoch_end(int epoch, const Logs& logs) {
    if (!monitor_op_set_) set_monitor_op();
    auto found = logs.find(options_.monitor);
    if (found == logs.end()) {
        if (!warned_)
            detail::warn("Early stopping conditioned on metric `" + options_.monitor +
                         "` which is not available. Available metrics are: " + detail::available_keys(logs));
        warned_ = true;
        return;
    }
    if (epoch < options_.start_from_epoch) return;
    double current = found->second;
    if (options_.restore_best_weights && !has_best_weights_) {
        // Never set yet: the current weights are the best so far.
        best_weights_ = detail::model_of(*this, "EarlyStopping").get_weights();
        has_best_weights_ = true;
        best_epoch_ = epoch;
    }
    ++wait_;
    if (is_improvement(current, best_)) {
        best_ = current;
        best_epoch_ = epoch;
        if (options_.restore_best_weights) best_weights_ = detail::model_of(*this, "EarlyStopping").get_weights();
        // The wait restarts only when the value beats both the previous best and the baseline.
        if (!options_.baseline || is_improvement(current, *options_.baseline)) wait_ = 0;
        return;
    }
    if (wait_ >= options_.patience && epoch > 0) {
        stopped_epoch_ = epoch;
        detail::model_of(*this, "EarlyStopping").set_stop_training(true);
    }
}

void EarlyStopping::on_train_end(const Logs&) {
    if (stopped_epoch_ > 0 && options_.verbose > 0) std::cout << "Epoch " << stopped_epoch_ + 1 << ": early stopping\n";
    if (options_.restore_best_weights && has_best_weights_) {
        if (options_.verbose > 0)
            std::cout << "Restoring model weights from the end of the best epoch: " << best_epoch_ + 1 << ".\n";
        detail::model_of(*this, "EarlyStopping").set_weights(best_weights_);
    }
}

}  // namespace strata::callbacks
