// LambdaCallback: a callback built from functions, as keras.callbacks.LambdaCallback; each hook calls its
// function when one is given and does nothing otherwise.
#pragma once

#include <functional>

#include "strata/training/callbacks.hpp"

namespace strata::callbacks {

// Keras: LambdaCallback(on_epoch_begin=None, on_epoch_end=None, on_train_begin=None, on_train_end=None,
// on_train_batch_begin=None, on_train_batch_end=None, **kwargs), the kwargs being the other hooks.
struct LambdaCallbackOptions {
    using EpochHook = std::function<void(int epoch, const Logs& logs)>;
    using BatchHook = std::function<void(int batch, const Logs& logs)>;
    using Hook = std::function<void(const Logs& logs)>;

    EpochHook on_epoch_begin;
    EpochHook on_epoch_end;
    Hook on_train_begin;
    Hook on_train_end;
    BatchHook on_train_batch_begin;
    BatchHook on_train_batch_end;
    Hook on_test_begin;
    Hook on_test_end;
    BatchHook on_test_batch_begin;
    BatchHook on_test_batch_end;
    Hook on_predict_begin;
    Hook on_predict_end;
    BatchHook on_predict_batch_begin;
    BatchHook on_predict_batch_end;
};

class LambdaCallback : public Callback {
public:
    explicit LambdaCallback(LambdaCallbackOptions options = {}) : options_(std::move(options)) {}

    const LambdaCallbackOptions& options() const { return options_; }

    void on_epoch_begin(int epoch, const Logs& logs) override { call(options_.on_epoch_begin, epoch, logs); }
    void on_epoch_end(int epoch, const Logs& logs) override { call(options_.on_epoch_end, epoch, logs); }
    void on_train_begin(const Logs& logs) override { call(options_.on_train_begin, logs); }
    void on_train_end(const Logs& logs) override { call(options_.on_train_end, logs); }
    void on_train_batch_begin(int batch, const Logs& logs) override { call(options_.on_train_batch_begin, batch, logs); }
    void on_train_batch_end(int batch, const Logs& logs) override { call(options_.on_train_batch_end, batch, logs); }
    void on_test_begin(const Logs& logs) override { call(options_.on_test_begin, logs); }
    void on_test_end(const Logs& logs) override { call(options_.on_test_end, logs); }
    void on_test_batch_begin(int batch, const Logs& logs) override { call(options_.on_test_batch_begin, batch, logs); }
    void on_test_batch_end(int batch, const Logs& logs) override { call(options_.on_test_batch_end, batch, logs); }
    void on_predict_begin(const Logs& logs) override { call(options_.on_predict_begin, logs); }
    void on_predict_end(const Logs& logs) override { call(options_.on_predict_end, logs); }
    void on_predict_batch_begin(int batch, const Logs& logs) override {
        call(options_.on_predict_batch_begin, batch, logs);
    }
    void on_predict_batch_end(int batch, const Logs& logs) override { call(options_.on_predict_batch_end, batch, logs); }

private:
    template <typename Function, typename... Args>
    static void call(const Function& f, const Args&... args) {
        if (f) f(args...);
    }

    LambdaCallbackOptions options_;
};

}  // namespace strata::callbacks
