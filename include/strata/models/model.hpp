// Model: a directed acyclic graph of layers from symbolic inputs to outputs (Keras's functional Model), with
// Keras's training API: compile, fit, evaluate, predict and their step-level forms. A Model is a handle:
// copies share the same layers, weights and training state, as Python references do.
#pragma once

#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "strata/layers/layer.hpp"
#include "strata/training/options.hpp"

namespace strata {

namespace detail {
struct Graph;
struct TrainingState;
}  // namespace detail

struct ModelOptions {
    std::string name;  // empty: "functional", "functional_1", ...
};

class Model {
public:
    Model(const Tensor& inputs, const Tensor& outputs, ModelOptions options = {});
    Model(const std::vector<Tensor>& inputs, const std::vector<Tensor>& outputs, ModelOptions options = {});
    virtual ~Model() = default;

    const std::string& name() const;

    // Runs the model on concrete tensors (training enables dropout and batch statistics).
    Tensor operator()(const Tensor& x, CallOptions options = {});
    std::vector<Tensor> operator()(const std::vector<Tensor>& xs, CallOptions options = {});

    // The layers in the order of the graph (functional models list their InputLayers, as Keras 3 does).
    std::vector<std::shared_ptr<Layer>> layers() const;
    std::shared_ptr<Layer> get_layer(const std::string& name) const;
    const std::vector<Tensor>& inputs() const;
    const std::vector<Tensor>& outputs() const;

    std::vector<Tensor> weights() const;
    std::vector<Tensor> trainable_weights() const;
    std::vector<Tensor> non_trainable_weights() const;
    std::vector<Tensor> get_weights() const;
    void set_weights(const std::vector<Tensor>& values);
    std::int64_t count_params() const;
    // Keras's model.trainable: false freezes every layer inside (their weights move to non_trainable_weights
    // and fit leaves them alone); true unfreezes them all.
    bool trainable() const;
    void set_trainable(bool trainable);
    // The model as a layer of another model, as Keras lets a model be added to a Sequential
    // (`outer.add(inner)`) or called on symbolic tensors (`inner(x)` in a functional graph). It is the same
    // layer every time, sharing the model's layers and weights; a model with several outputs cannot be one.
    operator std::shared_ptr<Layer>() const;
    // Keras's model.losses: the regularization losses of every layer (weight regularizers computed from the
    // current weights, activity regularizers from the last call), scalar tensors that fit adds to the loss.
    std::vector<Tensor> losses() const;

    // Keras 3's .weights.h5 file (defined in src/saving): each layer's variables under
    // layers/<snake_case class>[_N]/vars/<i> (dense, dense_1...), and the optimizer's under optimizer/vars. The write goes to a temporary file
    // in the same directory, renamed over `filepath` once complete.
    void save_weights(const std::string& filepath) const;
    // Reads a .weights.h5 file; IOError for a missing, truncated or non-HDF5 file, ValueError naming the
    // layer and both shapes when the file does not match the model. Nothing is assigned unless all matches.
    void load_weights(const std::string& filepath);

    // Keras's model.save(filepath): a Keras 3 .keras archive (config.json with the compile config,
    // model.weights.h5 with the optimizer state, metadata.json), written atomically. Other extensions are
    // refused with a ValueError, as Keras 3 refuses them (a .weights.h5 path belongs to save_weights).
    void save(const std::string& filepath) const;
    // Keras's model.get_config(): the Sequential or Functional config (layers, their calls, inputs, outputs).
    nlohmann::json get_config() const;
    // Keras's model.to_json(): the serialized model (module, class_name, config), as model_from_json reads it.
    std::string to_json() const;

    // Keras's summary table: Layer (type), Output Shape, Param #, then the totals.
    void summary(std::ostream& out = std::cout) const;

    // Training (defined in src/training). A model with several inputs or outputs takes one tensor per input
    // and per output, in the order of inputs() and outputs().
    void compile(CompileOptions options = {});
    History fit(const Tensor& x, const Tensor& y, FitOptions options = {});
    History fit(const std::vector<Tensor>& x, const std::vector<Tensor>& y, FitOptions options = {});
    std::map<std::string, double> evaluate(const Tensor& x, const Tensor& y, EvaluateOptions options = {});
    std::map<std::string, double> evaluate(const std::vector<Tensor>& x, const std::vector<Tensor>& y,
                                           EvaluateOptions options = {});
    Tensor predict(const Tensor& x, PredictOptions options = {});
    std::vector<Tensor> predict(const std::vector<Tensor>& x, PredictOptions options = {});
    std::map<std::string, double> train_on_batch(const Tensor& x, const Tensor& y, const Tensor& sample_weight = {});
    std::map<std::string, double> train_on_batch(const std::vector<Tensor>& x, const std::vector<Tensor>& y,
                                                 const Tensor& sample_weight = {});
    std::map<std::string, double> test_on_batch(const Tensor& x, const Tensor& y, const Tensor& sample_weight = {});
    std::map<std::string, double> test_on_batch(const std::vector<Tensor>& x, const std::vector<Tensor>& y,
                                                const Tensor& sample_weight = {});
    Tensor predict_on_batch(const Tensor& x);
    std::vector<Tensor> predict_on_batch(const std::vector<Tensor>& x);
    // predict_on_batch writing into `out`, a tensor of the output's shape, dtype and device that the caller
    // keeps between calls: for real-time loops, where the planned forward takes the model (one float32 input
    // on the CPU, up to 64 rows) a call allocates nothing at all. Other models compute as predict_on_batch
    // and copy. ShapeError, TypeError or DeviceError, naming both, when `out` does not match the output.
    void predict_on_batch(const Tensor& x, Tensor& out);

    bool compiled() const;
    // The compiled optimizer (null before compile), as model.optimizer.
    std::shared_ptr<optimizers::Optimizer> optimizer() const;
    // Set by a callback to end fit after the current epoch, as model.stop_training = True.
    bool stop_training() const;
    void set_stop_training(bool stop);
    // For a callback's on_train_begin (BackupAndRestore): the fit that is starting begins at this epoch
    // instead of its initial_epoch, as Keras's model._initial_epoch.
    void set_initial_epoch(int epoch);
    // The names of the layers that produce the outputs, as Keras's output_names; they prefix the per-output
    // losses and metrics in the logs of a model with several outputs ("same_loss", "same_accuracy").
    std::vector<std::string> output_names() const;
    // Why fit and evaluate run this model's steps eagerly (op by op, recording the graph), or empty when
    // they run the planned step: shapes inferred and buffers allocated once per batch size, fused kernels,
    // no allocation per step (compile's run_eagerly, planned_step.hpp). Said by the last fit or evaluate.
    std::string eager_reason() const;

protected:
    // For Sequential, which builds its graph as layers are added.
    struct Deferred {};
    Model(Deferred, const std::string& name);

    // The layers, the graph between them and the compiled training state; shared by copies of the handle.
    std::shared_ptr<detail::Graph> graph_;

private:
    detail::TrainingState& training() const;
};

}  // namespace strata
