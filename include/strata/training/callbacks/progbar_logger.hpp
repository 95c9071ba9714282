// ProgbarLogger: prints Keras's progress bar for fit, evaluate and predict, as keras.callbacks.ProgbarLogger.
// fit, evaluate and predict add one by themselves when verbose is not 0 and none was given; its verbosity and
// the number of steps and epochs come from the params they set.
#pragma once

#include <cstdint>
#include <memory>

#include "strata/training/callbacks.hpp"

namespace strata::detail {
class Progbar;
}

namespace strata::callbacks {

class ProgbarLogger : public Callback {
public:
    ProgbarLogger();
    ~ProgbarLogger() override;

    void on_train_begin(const Logs& logs) override;
    void on_epoch_begin(int epoch, const Logs& logs) override;
    void on_train_batch_end(int batch, const Logs& logs) override;
    void on_epoch_end(int epoch, const Logs& logs) override;
    void on_test_begin(const Logs& logs) override;
    void on_test_batch_end(int batch, const Logs& logs) override;
    void on_test_end(const Logs& logs) override;
    void on_predict_begin(const Logs& logs) override;
    void on_predict_batch_end(int batch, const Logs& logs) override;
    void on_predict_end(const Logs& logs) override;
    void on_train_end(const Logs& logs) override;

private:
    void start();
    void update(int batch, const Logs& logs);
    void finish(const Logs& logs);
    int verbose() const;

    std::unique_ptr<detail::Progbar> progbar_;
    std::int64_t seen_ = 0;
    // Inside fit, the validation's evaluate joins the epoch's line instead of printing its own (Keras).
    bool called_in_fit_ = false;
};

}  // namespace strata::callbacks
