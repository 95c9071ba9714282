// The compiled loss and metrics of a model, output by output, as Keras 3's CompileLoss and CompileMetrics.
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
        if (!out.loss_spec.empty()) out.loss = out.loss_spec.get(ys[i].shape(), y_preds[i].shape());
        for (const metrics::MetricSpec& spec : metric_specs)
            out.metrics.push_back(metrics::get(spec, ys[i].shape(), y_preds[i].shape()));
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
    Logs logs{{"loss", loss_tracker.result()}};
    bool several = outputs.size() > 1;
    int with_loss = 0;
    for (const CompiledOutput& out : outputs) with_loss += out.loss ? 1 : 0;
    // A repeated name gets _1, _2... as Keras's unique_name_counters.
    auto put = [&](const std::string& name, double value) {
        std::string key = name;
        for (int i = 1; logs.count(key); ++i) key = name + "_" + std::to_string(i);
        logs[key] = value;
    };
    if (with_loss > 1)
        for (const CompiledOutput& out : outputs)
            if (out.loss) put(out.name + "_loss", out.loss_tracker.result());
    for (const CompiledOutput& out : outputs)
        for (const auto& m : out.metrics) put(several ? out.name + "_" + m->name() : m->name(), m->result());
    return logs;
}

}  // namespace strata::detail
