// compile(): resolves the optimizer, losses and metrics a model trains with.
#include "../models/graph.hpp"
#include <cmath>

#include "strata/layers/keras_history.hpp"
#include "strata/models/model.hpp"
#include "training_state.hpp"

namespace strata {

detail::TrainingState& Model::training() const {
    if (!graph_->training) graph_->training = std::make_shared<detail::TrainingState>();
    return *graph_->training;
}

void Model::compile(CompileOptions options) {
    detail::TrainingState& state = training();
    CompileOptions as_given = options;
    // Resolved before anything is changed, so a bad name leaves the previous compile in place.
    std::shared_ptr<optimizers::Optimizer> optimizer = options.optimizer.get();
    // A loss name no loss has is refused now; the losses themselves resolve on the first batch, when the
    // shapes are known ("crossentropy").
    for (const losses::LossSpec& spec : options.loss.losses())
        if (!spec.empty()) spec.get(Shape{1, 2}, Shape{1, 2});
    // Metrics too resolve on the first batch ("accuracy"); a name no metric has is refused now.
    for (const metrics::MetricSpec& spec : options.metrics) metrics::get(spec, Shape{1, 2}, Shape{1, 2});
    for (double w : options.loss_weights)
        if (!std::isfinite(w)) throw ValueError("compile: loss_weights must be finite, got " + std::to_string(w));
    if (graph_->built) {
        std::size_t outputs = graph_->outputs.size();
        if (options.loss.per_output() && options.loss.losses().size() != outputs)
            throw ValueError("compile: the loss list has " + std::to_string(options.loss.losses().size()) +
                             " entries, but model \"" + name() + "\" has " + std::to_string(outputs) + " outputs");
        if (!options.loss_weights.empty() && options.loss_weights.size() != outputs)
            throw ValueError("compile: `loss_weights` must match the number of outputs of model \"" + name() +
                             "\", got " + std::to_string(options.loss_weights.size()) + " weights for " +
                             std::to_string(outputs) + " outputs");
    }
    state.optimizer = std::move(optimizer);
    state.loss_specs = options.loss.losses();
    state.loss_per_output = options.loss.per_output();
    state.loss_weights = std::move(options.loss_weights);
    state.metric_specs = std::move(options.metrics);
    state.outputs.clear();
    state.loss_tracker.reset();
    state.plan.reset();
    state.refused_batch.clear();
    state.eager_reason = "no fit or evaluate has run since compile()";
    state.compile_options = std::move(as_given);
    state.compiled = true;
}

bool Model::compiled() const { return graph_->training && graph_->training->compiled; }

std::shared_ptr<optimizers::Optimizer> Model::optimizer() const {
    return graph_->training ? graph_->training->optimizer : nullptr;
}

bool Model::stop_training() const { return graph_->training && graph_->training->stop_training; }
void Model::set_stop_training(bool stop) { training().stop_training = stop; }
void Model::set_initial_epoch(int epoch) {
    if (epoch < 0) throw ValueError("set_initial_epoch: expected an epoch >= 0, got " + std::to_string(epoch));
    training().initial_epoch = epoch;
}

std::vector<std::string> Model::output_names() const {
    std::vector<std::string> names;
    for (const Tensor& output : graph_->outputs) {
        const auto& history = output.impl()->keras_history;
        names.push_back(history && history->layer ? history->layer->name() : "output_" + std::to_string(names.size()));
    }
    return names;
}

}  // namespace strata
