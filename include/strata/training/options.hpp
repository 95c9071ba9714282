// The keyword arguments of compile, fit, evaluate and predict, in Keras's order with Keras's defaults, so that
// designated initialisers read like the Keras call: fit(x, y, {.batch_size = 128, .epochs = 10}).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "strata/core/tensor.hpp"
#include "strata/training/callbacks.hpp"
#include "strata/training/losses.hpp"
#include "strata/training/metrics.hpp"
#include "strata/training/optimizer.hpp"

namespace strata {

// Keras: compile(optimizer="rmsprop", loss=None, loss_weights=None, metrics=None, ...).
struct CompileOptions {
    optimizers::OptimizerSpec optimizer = "rmsprop";
    losses::LossSpec loss;
    std::vector<metrics::MetricSpec> metrics;
};

// Validation data for fit: inputs, targets and optionally per-sample weights.
struct ValidationData {
    Tensor x;
    Tensor y;
    Tensor sample_weight;
    bool empty() const { return !x.defined(); }
};

// Keras: fit(x, y, batch_size=None (32), epochs=1, verbose="auto" (1), callbacks=None, validation_split=0.0,
// validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0, ...).
struct FitOptions {
    std::int64_t batch_size = 32;
    int epochs = 1;
    int verbose = 1;  // 0 silent, 1 progress bar, 2 one line per epoch
    std::vector<std::shared_ptr<Callback>> callbacks;
    double validation_split = 0.0;  // the last fraction of x and y, taken before shuffling
    ValidationData validation_data;
    bool shuffle = true;
    Tensor sample_weight;
    int initial_epoch = 0;
};

// Keras: evaluate(x, y, batch_size=None (32), verbose="auto" (1), sample_weight=None, steps=None, callbacks=None).
struct EvaluateOptions {
    std::int64_t batch_size = 32;
    int verbose = 1;
    Tensor sample_weight;
    std::vector<std::shared_ptr<Callback>> callbacks;
};

// Keras: predict(x, batch_size=None (32), verbose="auto" (1), steps=None, callbacks=None).
struct PredictOptions {
    std::int64_t batch_size = 32;
    int verbose = 1;
    std::vector<std::shared_ptr<Callback>> callbacks;
};

}  // namespace strata
