// compile(): resolves the optimizer, loss and metrics a model trains with.
#include "../models/graph.hpp"
#include "strata/models/model.hpp"
#include "training_state.hpp"

namespace strata {

detail::TrainingState& Model::training() const {
    if (!graph_->training) graph_->training = std::make_shared<detail::TrainingState>();
    return *graph_->training;
}

void Model::compile(CompileOptions options) {
    detail::TrainingState& state = training();
    // Resolved before anything is changed, so a bad name leaves the previous compile in place.
    std::shared_ptr<optimizers::Optimizer> optimizer = options.optimizer.get();
    // A loss name no loss has is refused now; the loss itself resolves on the first batch.
    if (!options.loss.empty()) options.loss.get(Shape{1, 2}, Shape{1, 2});
    // Metrics resolve on the first batch, when the shapes are known ("accuracy"); a name no metric has is
    // refused now, as an unknown loss or optimizer is.
    for (const metrics::MetricSpec& spec : options.metrics) metrics::get(spec, Shape{1, 2}, Shape{1, 2});
    state.optimizer = std::move(optimizer);
    state.loss_spec = std::move(options.loss);
    state.loss.reset();
    state.metric_specs = std::move(options.metrics);
    state.metrics.clear();
    state.loss_tracker.reset();
    state.compiled = true;
}

bool Model::compiled() const { return graph_->training && graph_->training->compiled; }

std::shared_ptr<optimizers::Optimizer> Model::optimizer() const {
    return graph_->training ? graph_->training->optimizer : nullptr;
}

bool Model::stop_training() const { return graph_->training && graph_->training->stop_training; }
void Model::set_stop_training(bool stop) { training().stop_training = stop; }

}  // namespace strata
