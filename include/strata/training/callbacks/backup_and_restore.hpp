// BackupAndRestore: lets an interrupted fit resume where it stopped, as keras.callbacks.BackupAndRestore.
//
// During fit it saves the weights (with the optimizer's state) and the number of epochs done to `backup_dir`,
// after every epoch or every `save_freq` batches; a fit that begins with a backup present loads it and starts
// at the epoch it reached. The backup is deleted when fit ends normally (delete_checkpoint), so only an
// interrupted fit leaves one behind. Beyond Keras, the random generator's state is saved with the epoch, so
// that the resumed epochs shuffle and drop out exactly as the uninterrupted fit would have: the resumed fit
// ends with the same weights.
#pragma once

#include <string>

#include "strata/training/callbacks.hpp"
#include "strata/training/callbacks/model_checkpoint.hpp"

namespace strata::callbacks {

// Keras: BackupAndRestore(backup_dir, save_freq="epoch", double_checkpoint=False, delete_checkpoint=True).
struct BackupAndRestoreOptions {
    SaveFreq save_freq = "epoch";
    // Keep the previous backup beside the latest (".bkp"), and fall back to it when the latest cannot be read.
    bool double_checkpoint = false;
    bool delete_checkpoint = true;
};

class BackupAndRestore : public Callback {
public:
    // ValueError for an empty backup_dir.
    explicit BackupAndRestore(std::string backup_dir, BackupAndRestoreOptions options = {});

    const std::string& backup_dir() const { return backup_dir_; }
    // Keras's file names: latest.weights.h5 and training_metadata.json in backup_dir.
    std::string weights_path() const;
    std::string metadata_path() const;

    void on_train_begin(const Logs& logs) override;
    void on_train_batch_end(int batch, const Logs& logs) override;
    void on_epoch_begin(int epoch, const Logs& logs) override;
    void on_epoch_end(int epoch, const Logs& logs) override;
    void on_train_end(const Logs& logs) override;

private:
    void save();
    // Loads weights and metadata from `weights`/`metadata`; false when there is no backup there.
    bool restore(const std::string& weights, const std::string& metadata);

    std::string backup_dir_;
    BackupAndRestoreOptions options_;
    int current_epoch_ = 0;     // epochs completed, as saved
    std::int64_t batches_seen_ = 0;
};

}  // namespace strata::callbacks
