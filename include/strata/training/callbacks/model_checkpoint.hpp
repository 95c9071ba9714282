// ModelCheckpoint: saves the model's weights during fit, as keras.callbacks.ModelCheckpoint.
//
// The path may hold Python format fields filled from the epoch (1-based), the batch (1-based, when saving
// every `save_freq` batches) and the logs: "ckpt/{epoch:02d}-{val_loss:.2f}.weights.h5" gives
// "ckpt/03-0.41.weights.h5". Format specs follow Python's str.format: fill and alignment, sign, zero padding,
// width, precision and the types d, f, F, e, E, g, G and %.
//
// With `save_best_only`, a save happens only when the monitored quantity improves on the best so far (or on
// `initial_value_threshold`); a quantity missing from the logs warns once on stderr and saves anyway, as Keras
// does. The directory of the path is created when missing, as Keras does.
//
// strata saves weights only for now: a path ending in ".weights.h5" saves the weights (whatever
// `save_weights_only` says); a ".keras" or ".h5" path, which asks for the whole model, is refused at
// construction until whole-model saving arrives.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "strata/training/callbacks.hpp"

namespace strata::callbacks {

// Keras's save_freq: "epoch" (after each epoch) or a number of training batches.
class SaveFreq {
public:
    // ValueError for anything but "epoch", as Keras: "Unrecognized save_freq".
    SaveFreq(const char* freq);
    SaveFreq(const std::string& freq);
    SaveFreq(int batches) : batches_(batches) {}

    bool per_epoch() const { return !batches_; }
    // The number of batches between saves (only when not per epoch).
    std::int64_t batches() const { return batches_.value_or(0); }

private:
    std::optional<std::int64_t> batches_;
};

// Keras: ModelCheckpoint(filepath, monitor="val_loss", verbose=0, save_best_only=False,
// save_weights_only=False, mode="auto", save_freq="epoch", initial_value_threshold=None).
struct ModelCheckpointOptions {
    std::string monitor = "val_loss";
    int verbose = 0;  // 1: a line for each save (and each epoch without improvement)
    bool save_best_only = false;
    bool save_weights_only = false;
    std::string mode = "auto";  // "auto", "min" or "max"; "auto" infers it from the monitor's name
    SaveFreq save_freq = "epoch";
    std::optional<double> initial_value_threshold;  // the best value to beat before the first save
};

class ModelCheckpoint : public Callback {
public:
    // ValueError for a path whose extension Keras refuses, for a whole-model path (not available yet), and for
    // save_weights_only with a path not ending in ".weights.h5".
    explicit ModelCheckpoint(std::string filepath, ModelCheckpointOptions options = {});

    const std::string& filepath() const { return filepath_; }
    const ModelCheckpointOptions& options() const { return options_; }
    // The best value seen so far (initial_value_threshold, or +-inf before the first save).
    double best() const { return best_; }
    // True when the quantity is maximised ("max", or "auto" on an accuracy-like name).
    bool maximizes() const;

    // The path of a save at `epoch` (0-based, as callbacks receive it), after `batch` (0-based) when saving
    // by batches: the filepath formatted with epoch + 1, batch + 1 and the logs. ValueError naming the
    // filepath when it names a key that is not there or has a malformed format field.
    std::string file_path(int epoch, std::optional<int> batch, const Logs& logs) const;

    void on_epoch_begin(int epoch, const Logs& logs) override;
    void on_train_batch_end(int batch, const Logs& logs) override;
    void on_epoch_end(int epoch, const Logs& logs) override;

private:
    void set_monitor_op();
    bool should_save_on_batch(int batch);
    bool should_save(int epoch, const Logs& logs, const std::string& path);
    void save(int epoch, std::optional<int> batch, const Logs& logs);

    std::string filepath_;
    ModelCheckpointOptions options_;
    bool monitor_op_set_ = false;
    bool greater_ = false;
    double best_ = 0.0;
    int current_epoch_ = 0;
    std::int64_t batches_since_save_ = 0;
    int last_batch_seen_ = 0;
    bool warned_ = false;
};

}  // namespace strata::callbacks
