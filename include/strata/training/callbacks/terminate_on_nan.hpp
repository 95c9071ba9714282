// TerminateOnNaN: ends fit when a training batch's loss is NaN or infinite, as keras.callbacks.TerminateOnNaN.
#pragma once

#include "strata/training/callbacks.hpp"

namespace strata::callbacks {

// Keras: TerminateOnNaN(raise_error=False).
struct TerminateOnNaNOptions {
    // False: print a line and let fit finish the epoch's hooks and on_train_end (model.stop_training);
    // true: throw strata::Error at once, skipping every later hook.
    bool raise_error = false;
};

class TerminateOnNaN : public Callback {
public:
    explicit TerminateOnNaN(TerminateOnNaNOptions options = {}) : options_(options) {}

    const TerminateOnNaNOptions& options() const { return options_; }

    // Keras's on_batch_end, which is its on_train_batch_end.
    void on_train_batch_end(int batch, const Logs& logs) override;

private:
    TerminateOnNaNOptions options_;
};

}  // namespace strata::callbacks
