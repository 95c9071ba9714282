#include "planned_head.hpp"

#include <cmath>
#include <typeinfo>

#include "../training_state.hpp"
#include "backend/cpu/training_kernels.hpp"

namespace strata::detail {

namespace {

// Reads label i of a target buffer of any real or integer dtype as a double.
double label_at(const Tensor& targets, std::int64_t i) {
    switch (targets.dtype()) {
        case DType::float32: return targets.data<float>()[i];
        case DType::float64: return targets.data<double>()[i];
        case DType::int32: return targets.data<std::int32_t>()[i];
        case DType::int64: return static_cast<double>(targets.data<std::int64_t>()[i]);
        case DType::uint8: return targets.data<std::uint8_t>()[i];
        default: return std::nan("");
    }
}

bool label_dtype(DType dtype) {
    return dtype == float32 || dtype == float64 || dtype == int32 || dtype == int64 || dtype == uint8;
}

}  // namespace

std::unique_ptr<PlannedHead> PlannedHead::make(const TrainingState& state, const Shape& targets, DType target_dtype,
                                               const Shape& outputs, std::string& why) {
    if (state.outputs.size() != 1 || !state.outputs[0].loss) {
        why = "the plan takes one output with a loss";
        return nullptr;
    }
    const CompiledOutput& out = state.outputs[0];
    const losses::Loss& loss = *out.loss;
    if (out.loss_weight) {
        why = "the plan takes no loss_weights";
        return nullptr;
    }
    if (loss.reduction() != "sum_over_batch_size" || loss.dtype() != float32 || outputs.rank() != 1) {
        why = "the plan takes a float32 loss reduced over the batch (sum_over_batch_size) of (batch, classes) outputs";
        return nullptr;
    }
    auto head = std::make_unique<PlannedHead>();
    head->targets_ = targets;
    head->target_dtype_ = target_dtype;
    head->classes_ = outputs[0];
    const std::type_info& type = typeid(loss);
    std::string function;
    if (type == typeid(losses::LossFunctionWrapper))
        function = losses::wrapped_function_name(static_cast<const losses::LossFunctionWrapper&>(loss));
    if (type == typeid(losses::MeanSquaredError) || function == "mean_squared_error") {
        head->kind_ = Kind::mean_squared_error;
    } else if (type == typeid(losses::CategoricalCrossentropy) || function == "categorical_crossentropy") {
        head->kind_ = Kind::crossentropy;
        if (type == typeid(losses::CategoricalCrossentropy)) {
            const auto& o = static_cast<const losses::CategoricalCrossentropy&>(loss).options();
            if (o.label_smoothing != 0.0 || (o.axis != -1 && o.axis != 1)) {
                why = "the plan takes CategoricalCrossentropy over the last axis without label smoothing";
                return nullptr;
            }
            head->from_logits_ = o.from_logits;
        }
    } else if (type == typeid(losses::SparseCategoricalCrossentropy) ||
               function == "sparse_categorical_crossentropy") {
        head->kind_ = Kind::crossentropy;
        head->sparse_ = true;
        if (type == typeid(losses::SparseCategoricalCrossentropy)) {
            const auto& o = static_cast<const losses::SparseCategoricalCrossentropy&>(loss).options();
            if (o.ignore_class) {
                why = "the plan takes SparseCategoricalCrossentropy without ignore_class";
                return nullptr;
            }
            head->from_logits_ = o.from_logits;
        }
    } else {
        why = "loss \"" + loss.name() + "\" is not one the plan computes (mean squared error, categorical or sparse "
              "categorical crossentropy)";
        return nullptr;
    }
    // Targets: rows shaped as the outputs (float32), or for sparse labels one label per row.
    if (head->sparse_) {
        if (!(targets.rank() == 0 || (targets.rank() == 1 && targets[0] == 1)) || !label_dtype(target_dtype)) {
            why = "sparse targets of shape " + targets.to_string() + " and dtype " + dtype_name(target_dtype) +
                  ": the plan takes one label per sample";
            return nullptr;
        }
    } else if (targets != outputs || target_dtype != float32) {
        why = "targets of shape " + targets.to_string() + " and dtype " + dtype_name(target_dtype) +
              ": the plan takes float32 targets shaped as the outputs " + outputs.to_string();
        return nullptr;
    }
    for (const auto& metric : out.metrics) {
        const metrics::Metric& object = *metric;
        const std::type_info& m = typeid(object);
        head->fused_accuracy_.push_back((m == typeid(metrics::CategoricalAccuracy) && !head->sparse_) ||
                                        (m == typeid(metrics::SparseCategoricalAccuracy) && head->sparse_));
    }
    return head;
}

Tensor PlannedHead::make_target_buffer(std::int64_t batch) const {
    return Tensor::empty(targets_.with_batch(batch), target_dtype_, Device::cpu());
}

bool PlannedHead::read_targets(const Tensor& targets) {
    if (!sparse_) return true;
    const std::int64_t rows = targets.shape()[0];
    labels_.resize(static_cast<std::size_t>(rows));  // grows once per batch size
    for (std::int64_t i = 0; i < rows; ++i) {
        const double label = label_at(targets, i);
        if (!(label >= 0 && label < static_cast<double>(classes_)) || label != std::floor(label)) return false;
        labels_[static_cast<std::size_t>(i)] = static_cast<std::int64_t>(label);
    }
    return true;
}

double PlannedHead::loss(const Tensor& output, const Tensor& targets, Tensor* grad) const {
    const std::int64_t rows = output.shape()[0];
    float* g = grad ? grad->data<float>() : nullptr;
    if (kind_ == Kind::mean_squared_error)
        return backend::cpu::mean_squared_error(output.data<float>(), targets.data<float>(), rows, classes_, g);
    return backend::cpu::crossentropy(output.data<float>(), sparse_ ? nullptr : targets.data<float>(),
                                      sparse_ ? labels_.data() : nullptr, rows, classes_, from_logits_,
                                      static_cast<float>(losses::kEpsilon), g);
}

void PlannedHead::update_metrics(TrainingState& state, double loss, const Tensor& output, const Tensor& targets) const {
    const std::int64_t rows = output.shape()[0];
    const auto weight = static_cast<double>(rows);
    state.loss_tracker.update(loss, weight);
    CompiledOutput& out = state.outputs[0];
    out.loss_tracker.update(loss, weight);
    for (std::size_t i = 0; i < out.metrics.size(); ++i) {
        if (fused_accuracy_[i]) {
            const std::int64_t matches =
                backend::cpu::class_matches(output.data<float>(), sparse_ ? nullptr : targets.data<float>(),
                                            sparse_ ? labels_.data() : nullptr, rows, classes_);
            static_cast<metrics::Mean&>(*out.metrics[i]).update_totals(static_cast<double>(matches), weight);
        } else {
            out.metrics[i]->update_state(targets, output);
        }
    }
}

}  // namespace strata::detail
