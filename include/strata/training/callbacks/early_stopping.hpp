// EarlyStopping: ends fit when a monitored quantity has stopped improving, as keras.callbacks.EarlyStopping.
//
// At each epoch end (from `start_from_epoch` on, and only when the quantity is in the logs) the callback counts
// one more epoch of waiting; a value better than the best by more than `min_delta` becomes the best (and its
// weights are kept when `restore_best_weights`), and resets the wait only if it also beats `baseline`. Once the
// wait reaches `patience` (and the epoch is not the first), the model is told to stop training.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "strata/core/tensor.hpp"
#include "strata/training/callbacks.hpp"

namespace strata::callbacks {

// Keras: EarlyStopping(monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto", baseline=None,
// restore_best_weights=False, start_from_epoch=0).
struct EarlyStoppingOptions {
    std::string monitor = "val_loss";
    double min_delta = 0.0;  // its absolute value is used, as Keras's abs(min_delta)
    int patience = 0;
    int verbose = 0;  // 1: print a line when stopping and when restoring weights
    std::string mode = "auto";  // "auto", "min" or "max"; "auto" infers it from the monitor's name
    std::optional<double> baseline;
    bool restore_best_weights = false;
    int start_from_epoch = 0;
};

class EarlyStopping : public Callback {
public:
    explicit EarlyStopping(EarlyStoppingOptions options = {});

    const EarlyStoppingOptions& options() const { return options_; }
    // Keras's state: epochs waited since the last improvement, the epoch that stopped training (0 if none),
    // the best value seen (inf or -inf before one), and the epoch it came from.
    int wait() const { return wait_; }
    int stopped_epoch() const { return stopped_epoch_; }
    double best() const { return best_; }
    int best_epoch() const { return best_epoch_; }
    // True when the quantity is maximised ("max", or "auto" on an accuracy-like name).
    bool maximizes() const;

    void on_train_begin(const Logs& logs) override;
    void on_epoch_end(int epoch, const Logs& logs) override;
    void on_train_end(const Logs& logs) override;

private:
    // Keras's _set_monitor_op: fixes the direction, the sign of min_delta and the initial best, once.
    void set_monitor_op();
    bool is_improvement(double value, double reference) const;

    EarlyStoppingOptions options_;
    bool monitor_op_set_ = false;
    bool greater_ = false;
    double min_delta_;  // signed: negative when minimising, as Keras flips it
    int wait_ = 0;
    int stopped_epoch_ = 0;
    double best_ = 0.0;
    int best_epoch_ = 0;
    std::vector<Tensor> best_weights_;
    bool has_best_weights_ = false;  // Keras's best_weights is not None
    bool warned_ = false;
};

}  // namespace strata::callbacks
