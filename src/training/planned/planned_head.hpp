// The end of the planned step: the compiled loss of the model's one output, its gradient with respect to the
// output, and the metrics, from the plan's output and target buffers. Loss and accuracy run as fused kernels;
// any other metric is updated as in the eager step, on tensors that view the plan's buffers.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "strata/core/tensor.hpp"
#include "strata/training/losses.hpp"
#include "strata/training/metrics.hpp"

namespace strata::detail {

struct TrainingState;

class PlannedHead {
public:
    // The head of a resolved single-output compile: mean squared error, or categorical / sparse categorical
    // crossentropy (with or without logits, no label smoothing or ignored class), reduced over the batch, with
    // no loss weight. Null with the reason in `why` otherwise. `targets` is the shape of one target row
    // (without the batch axis) and its dtype, `outputs` the model's output row.
    static std::unique_ptr<PlannedHead> make(const TrainingState& state, const Shape& targets, DType target_dtype,
                                             const Shape& outputs, std::string& why);

    // The buffer the targets of `batch` rows are gathered into, in their dtype and shape.
    Tensor make_target_buffer(std::int64_t batch) const;

    // Reads the targets of a batch; false when a label is not a whole number in [0, classes) (the eager step
    // then reports it).
    bool read_targets(const Tensor& targets);
    // The loss of the batch (after read_targets); with `grad` not null, writes dL/d(output) into it.
    double loss(const Tensor& output, const Tensor& targets, Tensor* grad) const;
    // Updates the loss trackers and the metrics with this batch (`loss` from loss()).
    void update_metrics(TrainingState& state, double loss, const Tensor& output, const Tensor& targets) const;

private:
    enum class Kind { mean_squared_error, crossentropy } kind_ = Kind::mean_squared_error;
    bool sparse_ = false, from_logits_ = false;
    Shape targets_;
    DType target_dtype_ = float32;
    std::int64_t classes_ = 0;
    std::vector<std::int64_t> labels_;  // sparse targets of the batch, as integers
    // Per metric of the output: whether the fused accuracy stands for it.
    std::vector<bool> fused_accuracy_;
};

}  // namespace strata::detail
