// What compile() sets up on a model: the optimizer, the loss, the metrics (resolved on the first batch, when
// the shapes of targets and outputs are known, as Keras resolves "accuracy"), and the running loss.
#pragma once

#include <memory>
#include <vector>

#include "strata/training/losses.hpp"
#include "strata/training/metrics.hpp"
#include "strata/training/optimizer.hpp"

namespace strata::detail {

// The batch-size-weighted mean of the batch losses, as Keras's loss tracker.
struct LossTracker {
    double total = 0.0, count = 0.0;
    void update(double loss, double weight) {
        total += loss * weight;
        count += weight;
    }
    double result() const { return count > 0 ? total / count : 0.0; }
    void reset() { total = count = 0.0; }
};

struct TrainingState {
    bool compiled = false;
    bool stop_training = false;
    std::shared_ptr<optimizers::Optimizer> optimizer;
    losses::LossSpec loss_spec;
    std::shared_ptr<losses::Loss> loss;  // resolved on the first batch ("crossentropy" depends on the shapes)
    std::vector<metrics::MetricSpec> metric_specs;
    std::vector<std::shared_ptr<metrics::Metric>> metrics;  // empty until the first batch
    LossTracker loss_tracker;

    // The compiled loss of a batch, resolving the loss from the shapes on first use.
    Tensor compute_loss(const Tensor& y, const Tensor& y_pred, const Tensor& sample_weight) {
        if (!loss) loss = loss_spec.get(y.shape(), y_pred.shape());
        return (*loss)(y, y_pred, sample_weight);
    }
};

}  // namespace strata::detail
