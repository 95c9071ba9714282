// The compiled loss and metrics of a model, output by output, as Keras 3's CompileLoss and CompileMetrics.
#include <algorithm>
#include <cmath>

#include "core/text.hpp"
#include "strata/autograd/gradient_tape.hpp"
#include "strata/autograd/node.hpp"
#include "strata/core/error.hpp"
#include "strata/ops/elementwise.hpp"
#include "training_state.hpp"

namespace strata::detail {

bool TrainingState::has_loss() const {
    for (const losses::LossSpec& spec : loss_specs)
        if (!spec.empty()) return true;
    return false;
}

void TrainingState::resolve(const std::vector<std::string>& output_names, const std::vector<Tensor>& ys,
                            const std::vector<Tensor>& y_preds) {
    if (!outputs.empty()) return;
    std::vector<Shape> y_shapes, y_pred_shapes;
    for (const Tensor& y : ys) y_shapes.push_back(y.shape());
    for (const Tensor& y_pred : y_preds) y_pred_shapes.push_back(y_pred.shape());
    resolve_shapes(output_names, y_shapes, y_pred_shapes);
}

void TrainingState::resolve_shapes(const std::vector<std::string>& output_names, const std::vector<Shape>& ys,
                                   const std::vector<Shape>& y_preds) {
    if (!outputs.empty()) return;
    std::size_t n = y_preds.size();
    if (loss_per_output && loss_specs.size() != n)
        throw ValueError("compile: the loss list has " + std::to_string(loss_specs.size()) +
                         " entries, but the model has " + std::to_string(n) + " outputs (" +
                         text::join(output_names) + "); give one loss per output, or a single loss for all");
    if (!loss_weights.empty() && loss_weights.size() != n)
        throw ValueError("compile: `loss_weights` must match the number of losses, got " + std::to_string(n) +
                         " losses and " + std::to_string(loss_weights.size()) + " weights");
    if (ys.size() != n)
        throw ValueError("the model has " + std::to_string(n) + " outputs (" + text::join(output_names) + ") but " +
                         std::to_string(ys.size()) + " targets were given");

    std::vector<CompiledOutput> laid_out(n);
    for (std::size_t i = 0; i < n; ++i) {
        CompiledOutput& out = laid_out[i];
        out.name = output_names[i];
        out.loss_spec = loss_per_output ? loss_specs[i] : (loss_specs.empty() ? losses::LossSpec() : loss_specs[0]);
        if (!loss_weights.empty()) out.loss_weight = loss_weights[i];
        if (!out.loss_spec.empty()) out.loss = out.loss_spec.get(ys[i], y_preds[i]);
        for (const metrics::MetricSpec& spec : metric_specs) out.metrics.push_back(metrics::get(spec, ys[i], y_preds[i]));
    }
    outputs = std::move(laid_out);
    last_output_losses_.assign(n, 0.0);
}

Tensor TrainingState::compute_loss(const std::vector<Tensor>& ys, const std::vector<Tensor>& y_preds,
                                   const Tensor& sample_weight) {
    Tensor total;
    for (std::size_t i = 0; i < outputs.size(); ++i) {
        CompiledOutput& out = outputs[i];
        if (!out.loss) continue;
        Tensor value = (*out.loss)(ys[i], y_preds[i], sample_weight);
        {
            autograd::NoGradScope no_grad;
            last_output_losses_[i] = value.astype(float64).item<double>();
        }
        if (out.loss_weight) value = value * static_cast<float>(*out.loss_weight);
        total = total.defined() ? total + value : value;
    }
    return total;
}

void TrainingState::update_metrics(double total_loss, const std::vector<Tensor>& ys, const std::vector<Tensor>& y_preds,
                                   const Tensor& sample_weight, std::int64_t batch_size) {
    autograd::NoGradScope no_grad;
    auto weight = static_cast<double>(batch_size);
    loss_tracker.update(total_loss, weight);
    for (std::size_t i = 0; i < outputs.size(); ++i) {
        CompiledOutput& out = outputs[i];
        if (out.loss) out.loss_tracker.update(last_output_losses_[i], weight);
        if (out.metrics.empty()) continue;
        Tensor detached = y_preds[i].detach();
        for (auto& m : out.metrics) m->update_state(ys[i], detached, sample_weight);
    }
}

void TrainingState::reset_metrics() {
    loss_tracker.reset();
    for (CompiledOutput& out : outputs) {
        out.loss_tracker.reset();
        for (auto& m : out.metrics) m->reset_state();
    }
}

Logs TrainingState::results() const {
    Logs logs;
    write_results(logs);
    return logs;
}

void TrainingState::write_results(Logs& logs) const {
    bool several = outputs.size() > 1;
    int with_loss = 0;
    for (const CompiledOutput& out : outputs) with_loss += out.loss ? 1 : 0;
    std::size_t expected_keys = 1;
    if (with_loss > 1) expected_keys += static_cast<std::size_t>(with_loss);
    for (const CompiledOutput& out : outputs) expected_keys += out.metrics.size();
    if (result_keys_.size() != expected_keys) {
        // "loss", then each output's "<name>_loss" when several have one, then the metrics; a repeated name gets
        // _1, _2... as Keras's unique_name_counters.
        result_keys_.assign(1, "loss");
        auto add = [&](const std::string& name) {
            std::string key = name;
            for (int i = 1; std::find(result_keys_.begin(), result_keys_.end(), key) != result_keys_.end(); ++i)
                key = name + "_" + std::to_string(i);
            result_keys_.push_back(key);
        };
        if (with_loss > 1)
            for (const CompiledOutput& out : outputs)
                if (out.loss) add(out.name + "_loss");
        for (const CompiledOutput& out : outputs)
            for (const auto& m : out.metrics) add(several ? out.name + "_" + m->name() : m->name());
    }
    // `logs` keeps its nodes when it holds exactly these keys (the same logs written step after step).
    bool same_keys = logs.size() == result_keys_.size();
    for (std::size_t i = 0; same_keys && i < result_keys_.size(); ++i) same_keys = logs.count(result_keys_[i]) > 0;
    if (!same_keys) logs.clear();
    std::size_t k = 0;
    logs[result_keys_[k++]] = loss_tracker.result();
    if (with_loss > 1)
        for (const CompiledOutput& out : outputs)
            if (out.loss) logs[result_keys_[k++]] = out.loss_tracker.result();
    for (const CompiledOutput& out : outputs)
        for (const auto& m : out.metrics) logs[result_keys_[k++]] = m->result();
}

}  // namespace strata::detail
