// The keyword arguments of compile, fit, evaluate and predict, in Keras's order with Keras's defaults, so that
// designated initialisers read like the Keras call: fit(x, y, {.batch_size = 128, .epochs = 10}).
#pragma once

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <vector>

#include "strata/core/tensor.hpp"
#include "strata/training/callbacks.hpp"
#include "strata/training/losses.hpp"
#include "strata/training/metrics.hpp"
#include "strata/training/optimizer.hpp"

namespace strata {

// compile's loss: one loss for every output (`.loss = "mse"`), or a list with one per output
// (`.loss = {"binary_crossentropy", "mse"}`), as Keras takes a loss or a list.
class CompileLoss {
public:
    CompileLoss() = default;
    template <class L>
        requires std::convertible_to<L, losses::LossSpec>
    CompileLoss(L&& loss) : losses_{losses::LossSpec(std::forward<L>(loss))} {}
    CompileLoss(std::initializer_list<losses::LossSpec> per_output) : losses_(per_output), per_output_(true) {}
    CompileLoss(std::vector<losses::LossSpec> per_output) : losses_(std::move(per_output)), per_output_(true) {}

    bool empty() const { return losses_.empty() || (losses_.size() == 1 && losses_[0].empty()); }
    // True for a list (one loss per output), false for a single loss shared by every output.
    bool per_output() const { return per_output_; }
    const std::vector<losses::LossSpec>& losses() const { return losses_; }

private:
    std::vector<losses::LossSpec> losses_;
    bool per_output_ = false;
};

// Keras: compile(optimizer="rmsprop", loss=None, loss_weights=None, metrics=None, ...).
// A model with several outputs takes one loss for all or a list of one per output, and loss_weights (one per
// output) weigh them in the total. The metrics list applies to every output, each logged as
// `<output>_<metric>` (tf.keras's rule; Keras 3 asks for one entry per output instead).
struct CompileOptions {
    optimizers::OptimizerSpec optimizer = "rmsprop";
    CompileLoss loss;
    std::vector<double> loss_weights;
    std::vector<metrics::MetricSpec> metrics;
    // Keras: run_eagerly=False. fit and evaluate run a planned step (shapes inferred and buffers allocated once
    // per batch size, fused kernels, no recorded graph) where the model allows it; true keeps every step on
    // the eager ops, as Keras's run_eagerly keeps a step out of tf.function.
    bool run_eagerly = false;
};

// Validation data for fit: inputs, targets and optionally per-sample weights; one tensor each, or one per
// model input and output.
struct ValidationData {
    std::vector<Tensor> x;
    std::vector<Tensor> y;
    Tensor sample_weight;

    ValidationData() = default;
    ValidationData(Tensor x, Tensor y, Tensor sample_weight = {})
        : x{std::move(x)}, y{std::move(y)}, sample_weight(std::move(sample_weight)) {}
    ValidationData(std::vector<Tensor> x, std::vector<Tensor> y, Tensor sample_weight = {})
        : x(std::move(x)), y(std::move(y)), sample_weight(std::move(sample_weight)) {}
    bool empty() const { return x.empty(); }
};

// Keras: fit(x, y, batch_size=None (32), epochs=1, verbose="auto" (1), callbacks=None, validation_split=0.0,
// validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
// steps_per_epoch=None, validation_steps=None, validation_batch_size=None, validation_freq=1).
struct FitOptions {
    std::int64_t batch_size = 32;
    int epochs = 1;
    int verbose = 1;  // 0 silent, 1 progress bar, 2 one line per epoch
    std::vector<std::shared_ptr<Callback>> callbacks;
    double validation_split = 0.0;  // the last fraction of x and y, taken before shuffling
    ValidationData validation_data;
    bool shuffle = true;
    // class index -> weight; each sample's weight is its class's (1 for classes not listed).
    std::map<std::int64_t, double> class_weight;
    Tensor sample_weight;
    int initial_epoch = 0;
    // 0: every batch of the data. Otherwise the epoch ends after this many batches, the next one going on
    // where it stopped (the data is reshuffled once it has all been seen), as Keras's epoch iterator.
    std::int64_t steps_per_epoch = 0;
    std::int64_t validation_steps = 0;       // 0: all the validation data
    std::int64_t validation_batch_size = 0;  // 0: batch_size
    int validation_freq = 1;                 // validate after every validation_freq-th epoch
};

// Keras: evaluate(x, y, batch_size=None (32), verbose="auto" (1), sample_weight=None, steps=None, callbacks=None).
struct EvaluateOptions {
    std::int64_t batch_size = 32;
    int verbose = 1;
    Tensor sample_weight;
    std::int64_t steps = 0;  // 0: all the data
    std::vector<std::shared_ptr<Callback>> callbacks;
};

// Keras: predict(x, batch_size=None (32), verbose="auto" (1), steps=None, callbacks=None).
struct PredictOptions {
    std::int64_t batch_size = 32;
    int verbose = 1;
    std::int64_t steps = 0;  // 0: all the data
    std::vector<std::shared_ptr<Callback>> callbacks;
};

}  // namespace strata
