#include "strata/training/callbacks/progbar_logger.hpp"

#include <cstdio>

#include "training/progbar.hpp"

namespace strata::callbacks {

ProgbarLogger::ProgbarLogger() = default;
ProgbarLogger::~ProgbarLogger() = default;

int ProgbarLogger::verbose() const {
    auto found = params().find("verbose");
    return found == params().end() ? 1 : static_cast<int>(found->second);
}

void ProgbarLogger::start() {
    auto steps = params().find("steps");
    std::int64_t target = steps == params().end() ? 0 : static_cast<std::int64_t>(steps->second);
    progbar_ = std::make_unique<detail::Progbar>(target, verbose());
    seen_ = 0;
}

void ProgbarLogger::update(int batch, const Logs& logs) {
    if (!progbar_) start();
    seen_ = batch + 1;
    progbar_->update(seen_, logs);
}

void ProgbarLogger::finish(const Logs& logs) {
    if (!progbar_) return;
    progbar_->update(seen_, logs, /*finalize=*/true);
    progbar_.reset();
}

void ProgbarLogger::on_train_begin(const Logs&) { called_in_fit_ = true; }
void ProgbarLogger::on_train_end(const Logs&) { called_in_fit_ = false; }

void ProgbarLogger::on_epoch_begin(int epoch, const Logs&) {
    start();
    auto epochs = params().find("epochs");
    // Keras 3 prints "Epoch i/n" only when fit runs more than one epoch.
    if (verbose() && epochs != params().end() && epochs->second > 1)
        std::printf("Epoch %d/%d\n", epoch + 1, static_cast<int>(epochs->second));
}

void ProgbarLogger::on_train_batch_end(int batch, const Logs& logs) { update(batch, logs); }
void ProgbarLogger::on_epoch_end(int, const Logs& logs) { finish(logs); }

void ProgbarLogger::on_test_begin(const Logs&) {
    if (!called_in_fit_) start();
}
void ProgbarLogger::on_test_batch_end(int batch, const Logs& logs) {
    if (!called_in_fit_) update(batch, logs);
}
void ProgbarLogger::on_test_end(const Logs& logs) {
    if (!called_in_fit_) finish(logs);
}

void ProgbarLogger::on_predict_begin(const Logs&) { start(); }
void ProgbarLogger::on_predict_batch_end(int batch, const Logs&) { update(batch, {}); }
void ProgbarLogger::on_predict_end(const Logs&) { finish({}); }

}  // namespace strata::callbacks
