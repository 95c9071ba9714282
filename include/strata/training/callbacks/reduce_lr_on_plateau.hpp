// ReduceLROnPlateau: multiplies the optimizer's learning rate by `factor` when a monitored quantity has not
// improved for `patience` epochs, as keras.callbacks.ReduceLROnPlateau.
//
// At each epoch end where the quantity is in the logs: during a cooldown the counter drops by one and the
// wait restarts; a value better than the best by more than `min_delta` becomes the best and restarts the wait;
// otherwise, outside a cooldown, the wait grows, and on reaching `patience` the rate becomes
// max(rate * factor, min_lr) (when it is still above min_lr) and a cooldown of `cooldown` epochs begins.
#pragma once

#include <string>

#include "strata/training/callbacks.hpp"

namespace strata::callbacks {

// Keras: ReduceLROnPlateau(monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto", min_delta=1e-4,
// cooldown=0, min_lr=0.0).
struct ReduceLROnPlateauOptions {
    std::string monitor = "val_loss";
    double factor = 0.1;  // new_lr = lr * factor; must be < 1
    int patience = 10;
    int verbose = 0;            // 1: print a line at each reduction
    std::string mode = "auto";  // "auto", "min" or "max"; "auto" maximises names containing "acc", as Keras
    double min_delta = 1e-4;
    int cooldown = 0;
    double min_lr = 0.0;
};

class ReduceLROnPlateau : public Callback {
public:
    // ValueError when factor >= 1, as Keras.
    explicit ReduceLROnPlateau(ReduceLROnPlateauOptions options = {});

    const ReduceLROnPlateauOptions& options() const { return options_; }
    // Keras's state: epochs waited, cooldown epochs left and the best value seen.
    int wait() const { return wait_; }
    int cooldown_counter() const { return cooldown_counter_; }
    double best() const { return best_; }
    bool in_cooldown() const { return cooldown_counter_ > 0; }
    bool maximizes() const { return greater_; }

    void on_train_begin(const Logs& logs) override;
    void on_epoch_end(int epoch, const Logs& logs) override;

private:
    // Keras's _reset: the direction, the initial best, and the counters.
    void reset();

    ReduceLROnPlateauOptions options_;
    bool greater_ = false;
    int wait_ = 0;
    int cooldown_counter_ = 0;
    double best_ = 0.0;
    bool warned_ = false;
};

}  // namespace strata::callbacks
