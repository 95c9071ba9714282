// The planned training step: what fit and evaluate run instead of the eager step when a model allows it.
//
// The eager step (trainer.cpp) runs each layer's ops, records the graph, walks it backward and leaves every
// intermediate in a tensor of its own. For a model with one input and one output whose layers the plan
// knows (planned_layers.hpp), in a chain or joined by merges (Add, Concatenate, ...: planned_merging.hpp),
// each layer called once, ending in a loss it knows (planned_head.hpp), the plan instead
//   - infers every shape once, and per batch size allocates once the input and target buffers, each
//     layer's output, the gradients and the layers' scratch, and reuses them on every step of that size;
//   - gathers each batch straight from the dataset into the input buffers (shuffled by index, never copied
//     whole), and with two threads or more runs a small batch's step on this thread and a helper thread,
//     which gathers the next batch between the pieces of this step's products it takes;
//   - runs matmul + bias + activation as one kernel, backward without a recorded graph (and without the
//     gradient of the model's input, which nothing needs), the loss and its gradient in one pass, and the
//     optimizer's update on its fused kernels;
// so that a step after the first of its batch size allocates nothing. It computes what the eager step
// computes, to rounding (a test trains both side by side), draws the same random numbers (dropout masks), and
// updates the same weights and optimizer state in place.
//
// A value that several layers read (a residual connection's) gets the sum of their gradients: the last
// reader writes it, the others add theirs, always in that order.
//
// Everything else runs eagerly, as do models compiled with run_eagerly: models with several inputs or
// outputs or a layer called twice (shared weights), other layers, losses, metrics the plan does not fuse
// (those still work: they are updated on tensors that view the plan's buffers), sample or class weights,
// regularizers, optimizers with clipping, weight decay, EMA, loss scaling or gradient accumulation, and
// anything not float32 on the CPU.
#pragma once

#include <map>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "../arrays.hpp"
#include "backend/cpu/helper_thread.hpp"
#include "planned_head.hpp"
#include "planned_layers.hpp"

namespace strata::detail {

struct Graph;
struct TrainingState;

class TrainingPlan {
public:
    // The plan of a compiled model whose losses and metrics are resolved, for arrays like `data`; null with the
    // reason in `why` when the model, its compile or the arrays are outside what the plan covers.
    static std::unique_ptr<TrainingPlan> make(const Graph& graph, TrainingState& state, const Arrays& data,
                                              std::string& why);

    // True when `data` can be fed to this plan: one float32 CPU input and one target array shaped and typed as
    // the plan's, and no sample weights.
    bool accepts(const Arrays& data) const;
    // False once a layer's weights were replaced, a trainable flag changed or the optimizer was replaced: the
    // plan is then made again.
    bool still_valid(const TrainingState& state) const;

    enum class Outcome { applied, skipped, eager };
    // Rows [begin, end) of a pass over the data, through `order` when it is defined.
    struct Rows {
        std::int64_t begin = 0, end = 0;
    };
    // One training step on rows order[begin, end) of `data` (rows begin..end when `order` is undefined).
    // skipped: the loss was not finite and `guard_nan` kept the weights (TerminateOnNaN); eager: a target
    // the loss refuses (a label out of range), for the eager step to report; nothing was changed. `next`,
    // when given, is the batch the following call will train on: it is gathered meanwhile on a second
    // thread where there is one.
    Outcome train_step(const Arrays& data, const Tensor& order, Rows rows, bool guard_nan, TrainingState& state,
                       std::optional<Rows> next = std::nullopt);
    // Forgets a batch gathered ahead: a new fit may train on arrays changed in place since.
    void discard_ahead() { ++serial_; }
    // evaluate's step on rows begin..end; false as Outcome::eager.
    bool test_step(const Arrays& data, std::int64_t begin, std::int64_t end, TrainingState& state);

private:
    // On two threads every batch runs on this thread and helper_. With more, batches of up to this many rows
    // do, and larger ones run their products on all of OpenMP's pool, where they are large enough to gain
    // from it (the seed model's epoch by batch size and thread count: bench/README.md).
    static constexpr std::int64_t kHelpedRows = 256;
    // Rows a gather hands to either thread at a time: small enough that the helper, busy gathering, soon
    // takes its share of a product the step waits on.
    static constexpr std::int64_t kGatherChunk = 16;

    // What one batch size uses; activations[0] is the gathered input, activations[i + 1] the output of layer
    // i, gradients[i] the gradient of activations[i] (undefined where nothing needs it).
    struct Buffers {
        Tensor targets;
        std::vector<Tensor> activations, gradients;
        // Per layer input: where its gradient goes when it is added to one that another reader wrote.
        std::vector<std::vector<Tensor>> added_gradients;
        std::vector<LayerScratch> scratch;
        // A batch gathered ahead (by the step before), swapped in when the step it was gathered for asks for
        // exactly those rows of the same arrays.
        Tensor next_input, next_targets;
        std::vector<std::int64_t> next_indices;
        const void* next_x = nullptr;
        const void* next_y = nullptr;
        std::int64_t next_serial = -1;
    };
    Buffers& buffers_for(std::int64_t batch);
    // The helper a step of `rows` rows shares its work with, made on first use; null where it runs on
    // OpenMP's pool (one thread, more than two threads and a large batch, or no helper to be had).
    backend::cpu::HelperThread* helper_for(std::int64_t rows);
    void gather(const Arrays& data, const Tensor& order, Rows rows, Tensor& input, Tensor& targets) const;
    // Gathers `rows` into `input` and `targets` in chunks that this thread and helper_ share: now, or in the
    // background until helper_->finish_background().
    void gather_in_chunks(const Arrays& data, const Tensor& order, Rows rows, Tensor& input, Tensor& targets,
                          bool background);
    // Starts gathering `rows` into the ahead buffers of their batch size, for the step numbered `serial`.
    void gather_ahead(const Arrays& data, const Tensor& order, Rows rows, std::int64_t serial);
    // Swaps the batch gathered ahead into `b`'s input and targets when it holds these rows; false otherwise.
    bool take_ahead(const Arrays& data, const Tensor& order, Rows rows, Buffers& b);
    Outcome compute_step(Buffers& b, bool guard_nan, TrainingState& state);
    void forward(Buffers& b, bool training);
    void backward(Buffers& b);

    // The model's layer calls in topological order; value 0 is the input, value i + 1 the output of layer i.
    std::vector<std::unique_ptr<PlannedLayer>> layers_;
    std::vector<std::vector<std::size_t>> inputs_;  // per layer: the values it reads
    std::vector<std::vector<bool>> writes_gradient_;  // per layer input: writes its value's gradient, or adds to it
    std::vector<bool> needs_gradient_;  // per value: it depends on trainable weights
    std::vector<bool> runs_below_;      // per layer: a max pooling whose backward the layer below runs ...
    std::vector<bool> forward_below_;   // ... and whose forward it runs too
    std::vector<std::size_t> input_aliases_;  // values that are the input under another shape
    // Per layer, one pointer per input: made once, so that a step allocates nothing to pass them.
    std::vector<std::vector<const Tensor*>> merge_x_;
    std::vector<std::vector<Tensor*>> merge_gx_;
    std::int64_t serial_ = 0;           // train_step calls so far
    std::unique_ptr<PlannedHead> head_;
    Shape input_features_, target_features_;
    DType target_dtype_ = float32;
    std::vector<Tensor> variables_, grads_;
    const void* optimizer_ = nullptr;
    std::map<std::int64_t, Buffers> buffers_;
    // What the gather's chunks read (gather_in_chunks); lives here so a background gather can use it.
    struct GatherChunks {
        const Arrays* data = nullptr;
        const Tensor* order = nullptr;
        Rows rows;
        Tensor* input = nullptr;
        Tensor* targets = nullptr;
    } chunks_;
    std::unique_ptr<backend::cpu::HelperThread> helper_;  // made by the first helped step
    bool no_helper_ = false;                              // the thread could not be started
};

}  // namespace strata::detail
