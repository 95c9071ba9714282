// What compile() sets up on a model: the optimizer, and for each output its loss, loss weight and metrics
// (resolved on the first batch, when the shapes of targets and outputs are known, as Keras resolves
// "accuracy" and "crossentropy"), with the trackers that average them over an epoch.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/training/callbacks.hpp"
#include "strata/training/losses.hpp"
#include "strata/training/metrics.hpp"
#include "strata/training/optimizer.hpp"
#include "strata/training/options.hpp"

namespace strata::detail {

// The sample-weighted mean of batch values, as Keras's Mean metric behind its loss trackers.
struct LossTracker {
    double total = 0.0, count = 0.0;
    void update(double value, double weight) {
        total += value * weight;
        count += weight;
    }
    double result() const { return count > 0 ? total / count : 0.0; }
    void reset() { total = count = 0.0; }
};

// One output's share of the compiled loss and metrics.
struct CompiledOutput {
    std::string name;             // the layer that produces it: the prefix of its logs when there are several
    losses::LossSpec loss_spec;   // empty: no loss for this output (Keras's None in a loss list)
    std::optional<double> loss_weight;
    std::shared_ptr<losses::Loss> loss;                     // resolved on the first batch
    std::vector<std::shared_ptr<metrics::Metric>> metrics;  // resolved on the first batch
    LossTracker loss_tracker;     // the unweighted loss, logged as <name>_loss when several outputs have one
};

class TrainingPlan;

struct TrainingState {
    bool compiled = false;
    bool stop_training = false;
    std::optional<int> initial_epoch;  // set by a callback in on_train_begin (BackupAndRestore)
    std::shared_ptr<optimizers::Optimizer> optimizer;

    // As compile() received them; outputs are laid out on the first batch, when the model is built.
    std::vector<losses::LossSpec> loss_specs;
    bool loss_per_output = false;
    std::vector<double> loss_weights;
    std::vector<metrics::MetricSpec> metric_specs;
    // The options as given, for the compile config a saved model carries (Keras's get_compile_config).
    std::optional<CompileOptions> compile_options;

    std::vector<CompiledOutput> outputs;  // empty until the first batch
    LossTracker loss_tracker;             // the total loss, as Keras's loss tracker

    // The planned step (planned/planned_step.hpp), made on the first batch after the losses resolve, kept
    // across fit and evaluate calls while it stays valid; null where the steps run eagerly.
    std::shared_ptr<TrainingPlan> plan;
    std::string eager_reason = "no fit or evaluate has run since compile()";  // Model::eager_reason
    // What train_on_batch's last batch without a plan looked like (shapes and dtypes), so that batches like
    // it run eagerly without a plan being made again to find that out.
    std::vector<Shape> refused_batch;

    bool has_loss() const;
    // Lays the compiled losses and metrics out over the model's outputs and resolves them from the shapes
    // of this first batch; later calls do nothing. ValueError when the lists do not match the outputs.
    void resolve(const std::vector<std::string>& output_names, const std::vector<Tensor>& ys,
                 const std::vector<Tensor>& y_preds);
    // The same from the shapes alone (they are all resolve looks at), before any batch has run.
    void resolve_shapes(const std::vector<std::string>& output_names, const std::vector<Shape>& ys,
                        const std::vector<Shape>& y_preds);

    // The total loss of a batch (differentiable): each output's loss times its weight, summed. The unweighted
    // values are kept for update_metrics.
    Tensor compute_loss(const std::vector<Tensor>& ys, const std::vector<Tensor>& y_preds, const Tensor& sample_weight);
    // Updates the trackers and metrics with this batch; `total_loss` is what compute_loss returned plus any
    // regularization, `batch_size` the number of samples.
    void update_metrics(double total_loss, const std::vector<Tensor>& ys, const std::vector<Tensor>& y_preds,
                        const Tensor& sample_weight, std::int64_t batch_size);
    void reset_metrics();
    // Keras's logs: "loss", then each output's "<name>_loss" when several outputs have a loss, then the
    // metrics ("accuracy", or "<name>_accuracy" when there are several outputs).
    Logs results() const;
    // The same logs written into `logs`: once its keys are these, a step's logs cost no allocation.
    void write_results(Logs& logs) const;

private:
    std::vector<double> last_output_losses_;
    // The keys of results(), made on first use after the outputs resolve.
    mutable std::vector<std::string> result_keys_;
};

}  // namespace strata::detail
