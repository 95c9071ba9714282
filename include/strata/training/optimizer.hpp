// The optimizer base, as Keras 3's BaseOptimizer (keras/src/optimizers/base_optimizer.py): it owns the step
// count, the learning rate (a number or a schedule), gradient clipping, decoupled weight decay, loss scaling,
// gradient accumulation, the moving average of the weights (EMA) and the optimizer variables; each optimizer
// writes only its `update_step` and says which slots it keeps (`build_slots`).
//
// apply_gradients(grads, variables) runs, as Keras's `apply`:
//   0. build the optimizer on the variables it has not seen (Keras builds on the first call);
//   1. drop the pairs whose gradient is undefined (Keras skips None gradients);
//   2. divide the gradients by loss_scale_factor, when set;
//   3. with gradient_accumulation_steps = n: add the gradients to the accumulators, and only on every n-th call
//      update with the average (gradient + accumulator) / n and reset the accumulators;
//   4. clip the gradients (clipnorm, global_clipnorm or clipvalue: at most one is set);
//   5. weight decay, when set: variable -= variable * weight_decay * learning_rate;
//   6. update_step(gradient, variable, learning_rate) for each pair, writing into the variable's storage;
//   7. with use_ema: average = m * average + (1 - m) * variable (m = 0 on the first step, ema_momentum after),
//      and every ema_overwrite_frequency steps the variables take their average;
//   8. the step count goes up by one on every call (also the calls that only accumulate).
// The learning rate of a step is the schedule at the step count before the step (Keras's
// _get_current_learning_rate), or the number.
#pragma once

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "strata/core/tensor.hpp"
#include "strata/training/schedules.hpp"

namespace strata::optimizers {

// What an optimizer's learning_rate argument takes, as in Keras: a number or a schedule (a value, copied, or a
// shared_ptr, shared). `Adam(1e-3)`, `AdamW(schedule, {.weight_decay = 1e-4})`.
class LearningRate {
public:
    LearningRate(double value) : value_(value) {}
    template <std::derived_from<schedules::LearningRateSchedule> S>
    LearningRate(S schedule) : schedule_(std::make_shared<S>(std::move(schedule))) {}
    // ValueError for a null schedule.
    LearningRate(std::shared_ptr<const schedules::LearningRateSchedule> schedule);
    template <std::derived_from<schedules::LearningRateSchedule> S>
    LearningRate(std::shared_ptr<S> schedule)
        : LearningRate(std::shared_ptr<const schedules::LearningRateSchedule>(std::move(schedule))) {}

    bool is_schedule() const { return schedule_ != nullptr; }
    // The number (meaningless for a schedule).
    double value() const { return value_; }
    const std::shared_ptr<const schedules::LearningRateSchedule>& schedule() const { return schedule_; }

private:
    double value_ = 0.0;
    std::shared_ptr<const schedules::LearningRateSchedule> schedule_;
};

// The Keras base-optimizer keyword arguments, in Keras's order. Users never write this struct: each
// optimizer's own options struct carries the same fields after its own, and hands them over.
struct BaseOptimizerOptions {
    std::optional<double> weight_decay;
    std::optional<double> clipnorm;
    std::optional<double> clipvalue;
    std::optional<double> global_clipnorm;
    bool use_ema = false;
    double ema_momentum = 0.99;
    std::optional<std::int64_t> ema_overwrite_frequency;
    std::optional<double> loss_scale_factor;
    std::optional<std::int64_t> gradient_accumulation_steps;
    std::string name;
};

// The base fields of any optimizer options struct (SGDOptions, AdamOptions...), for the base constructor.
template <typename Options>
BaseOptimizerOptions base_options(const Options& options) {
    return {options.weight_decay,
            options.clipnorm,
            options.clipvalue,
            options.global_clipnorm,
            options.use_ema,
            options.ema_momentum,
            options.ema_overwrite_frequency,
            options.loss_scale_factor,
            options.gradient_accumulation_steps,
            options.name};
}

class Optimizer {
public:
    virtual ~Optimizer();

    // Updates each variable in place (the Tensors share storage with the model's weights), without recording
    // gradients. Pairs with an undefined gradient are skipped, as Keras skips None. An empty list does
    // nothing (Keras: a no-op); a list whose gradients are all undefined is a ValueError (Keras: "No
    // gradients provided for any variable"). Lists of different lengths are a ValueError; a gradient whose
    // shape differs from its variable's is a ShapeError. Variables the optimizer has not seen yet are built
    // first (their slots are appended to variables()).
    void apply_gradients(const std::vector<Tensor>& grads, const std::vector<Tensor>& variables);

    // True when an update is only update_step on each pair: no gradient accumulation, clipping, weight decay,
    // loss scaling or moving average.
    bool plain_updates() const;
    // The planned training step's apply_gradients: the same update and step count, without the checks and the
    // build, which the plan did once when it was made (the optimizer is built on `variables`, and every
    // gradient is defined, on the variable's device, of its shape and dtype). Only for plain_updates(); with
    // SGD, RMSprop and Adam on float32 CPU variables it allocates nothing.
    void apply_planned(const std::vector<Tensor>& grads, const std::vector<Tensor>& variables);

    // Keras's build: creates, for each variable not built yet and in order, its EMA average and gradient
    // accumulator (when enabled), then the optimizer's own slots in the order Keras creates them. Saving code
    // calls it before loading into variables(). Building again on the same variables does nothing.
    void build(const std::vector<Tensor>& trainable_variables);
    bool built() const { return built_; }

    // Keras's optimizer.variables, in Keras's order: iterations (int64 scalar), the learning rate (float32
    // scalar; absent when it is a schedule), then the variables build created. The Tensors share storage with
    // the optimizer's state: writing into them (in place) restores it.
    std::vector<Tensor> variables() const;

    // Keras's finalize_variable_values, which fit calls at the end of training: with use_ema, each variable
    // takes its moving average; otherwise nothing. ValueError for a variable the optimizer was not built on.
    void finalize_variable_values(const std::vector<Tensor>& variables);

    // Keras's scale_loss: loss * loss_scale_factor when it is set, else the loss.
    Tensor scale_loss(const Tensor& loss) const;

    // The learning rate of the next step: the schedule at the step count, or the number.
    double learning_rate() const;
    // TypeError when the learning rate is a schedule, as Keras.
    void set_learning_rate(double learning_rate);
    // The schedule, or null when the learning rate is a number.
    const std::shared_ptr<const schedules::LearningRateSchedule>& learning_rate_schedule() const {
        return schedule_;
    }
    // Keras's optimizer.iterations: the number of updates, i.e. the apply_gradients calls that updated
    // something, divided (floor) by gradient_accumulation_steps when it is set.
    std::int64_t iterations() const;

    const std::string& name() const { return base_options_.name; }
    const std::optional<double>& weight_decay() const { return base_options_.weight_decay; }
    const std::optional<double>& clipnorm() const { return base_options_.clipnorm; }
    const std::optional<double>& clipvalue() const { return base_options_.clipvalue; }
    const std::optional<double>& global_clipnorm() const { return base_options_.global_clipnorm; }
    bool use_ema() const { return base_options_.use_ema; }
    double ema_momentum() const { return base_options_.ema_momentum; }
    const std::optional<std::int64_t>& ema_overwrite_frequency() const {
        return base_options_.ema_overwrite_frequency;
    }
    const std::optional<double>& loss_scale_factor() const { return base_options_.loss_scale_factor; }
    const std::optional<std::int64_t>& gradient_accumulation_steps() const {
        return base_options_.gradient_accumulation_steps;
    }

    // Keras's class name: "SGD", "RMSprop", "Adam".
    virtual std::string class_name() const = 0;
    // Keras's optimizer config: name, learning_rate (a number, or a schedule serialized as Keras does),
    // weight_decay, clipnorm, global_clipnorm, clipvalue, use_ema, ema_momentum, ema_overwrite_frequency,
    // loss_scale_factor, gradient_accumulation_steps, then the optimizer's own arguments.
    virtual nlohmann::json get_config() const;
    // A fresh optimizer with the same configuration (the current learning rate, or the same schedule), no
    // slots and iterations 0.
    virtual std::shared_ptr<Optimizer> clone() const = 0;

protected:
    // Throws ValueError, as Keras, when more than one of clipnorm, clipvalue and global_clipnorm is set, when
    // gradient_accumulation_steps is set below 2, and (with use_ema) when ema_momentum is outside [0, 1] or
    // ema_overwrite_frequency is set below 1.
    Optimizer(LearningRate learning_rate, BaseOptimizerOptions options);
    // Copies carry their own state (deep copies), so two optimizers never update the same variables.
    Optimizer(const Optimizer& other);
    Optimizer& operator=(const Optimizer& other);

    // The learning-rate argument that makes an optimizer like this one: the schedule, or the current number.
    LearningRate learning_rate_spec() const;

    // The optimizer's part of Keras's build: create the slots of `variables` (all new to the optimizer) with
    // slot() / add_variable(), in the order Keras's build creates them.
    virtual void build_slots(const std::vector<Tensor>& variables) = 0;
    // Keras's _backend_update_step: update_step for each pair; an optimizer with per-step state (Nadam)
    // updates it here first.
    virtual void update_steps(const std::vector<Tensor>& grads, const std::vector<Tensor>& variables,
                              double learning_rate);
    // Keras's update_step: update `variable` in place from `gradient` (already unscaled, averaged, clipped and
    // cast to the variable's dtype) with `learning_rate`; use assign/assign_add/assign_sub for every write.
    virtual void update_step(const Tensor& gradient, Tensor& variable, double learning_rate) = 0;

    // The slot `name` (momentum, velocity...) of `variable`, with its shape, dtype and device: zeros, or
    // `initial_value` everywhere (Keras's Constant initializer, as Adagrad's accumulators), created on first
    // use and then kept; one set per variable, keyed by its TensorImpl.
    Tensor& slot(const Tensor& variable, const std::string& name, double initial_value = 0.0);
    // An optimizer variable of its own (not per model variable, as Nadam's u_product), appended to
    // variables(); `initial` is taken as it is (on the CPU, so its value can be read each step).
    Tensor& add_variable(const std::string& name, const Tensor& initial);
    // The variable add_variable created under `name`, or an undefined Tensor.
    Tensor optimizer_variable(const std::string& name) const;

    // Writes `value` into `target`'s storage, as Keras's assign / assign_add / assign_sub: `target` keeps its
    // identity (and the model keeps seeing the same weight).
    static void assign(Tensor& target, const Tensor& value);
    static void assign_add(Tensor& target, const Tensor& value);
    static void assign_sub(Tensor& target, const Tensor& value);

    // The value of a one-element CPU tensor of a floating dtype, and writing one into it.
    static double scalar_value(const Tensor& scalar);
    // True when a fused CPU update (backend/cpu/optimizer_updates.hpp) can stand for the ops of update_step:
    // the variable, its gradient and its slots all float32 on the CPU, the gradient shaped as the variable.
    static bool fusable_on_cpu(const Tensor& gradient, const Tensor& variable,
                               std::initializer_list<const Tensor*> slots);
    static void set_scalar_value(Tensor& scalar, double value);

private:
    // Where a variable's slots live; `owner` tells a variable apart from a later one at the same address.
    struct SlotSet {
        std::weak_ptr<TensorImpl> owner;
        std::map<std::string, Tensor> slots;
    };

    bool is_known(const Tensor& variable) const;
    SlotSet& register_variable(const Tensor& variable);
    std::vector<Tensor> built_variables() const;
    std::int64_t step_count() const;
    std::vector<Tensor> clip_gradients(const std::vector<Tensor>& grads) const;
    void apply_weight_decay(const std::vector<Tensor>& variables, double learning_rate) const;
    void update_moving_averages();
    void overwrite_with_moving_averages();
    void forget_released_variables();
    void copy_state_from(const Optimizer& other);

    BaseOptimizerOptions base_options_;
    std::shared_ptr<const schedules::LearningRateSchedule> schedule_;
    // The number as given (exact); learning_rate_variable_ holds it as Keras's float32 variable. A value
    // written into the variable from outside (a loader) replaces the number.
    mutable double learning_rate_ = 0.0;
    mutable float learning_rate_written_ = 0.0f;
    Tensor learning_rate_variable_;
    Tensor iterations_;  // int64 scalar on the CPU: the apply_gradients calls that did something
    bool built_ = false;
    std::unordered_map<const TensorImpl*, SlotSet> slots_;
    std::vector<const TensorImpl*> build_order_;  // the built model variables, in build order
    std::vector<Tensor> created_;                 // slots and own variables, in creation order
    std::map<std::string, Tensor> own_variables_;
};

// What compile() takes for its optimizer: a name ("sgd", "rmsprop", "adam", any case, with Keras's defaults)
// or an optimizer object.
class OptimizerSpec {
public:
    OptimizerSpec(const char* name) : name_(name) {}
    OptimizerSpec(std::string name) : name_(std::move(name)) {}
    // Copies the optimizer (with its state) into the spec.
    template <std::derived_from<Optimizer> O>
    OptimizerSpec(O optimizer) : optimizer_(std::make_shared<O>(std::move(optimizer))) {}
    // Shares the optimizer: its iterations and slots are the ones the caller sees.
    OptimizerSpec(std::shared_ptr<Optimizer> optimizer) : optimizer_(std::move(optimizer)) {}
    template <std::derived_from<Optimizer> O>
    OptimizerSpec(std::shared_ptr<O> optimizer) : optimizer_(std::move(optimizer)) {}

    // The optimizer object, or a new one for a name; ValueError for an unknown name or a null optimizer.
    std::shared_ptr<Optimizer> get() const;

private:
    std::string name_;
    std::shared_ptr<Optimizer> optimizer_;
};

// A new optimizer with Keras's defaults from its name, in any case ("sgd", "RMSprop", "adam"); ValueError
// naming the unknown name and listing the known ones.
std::shared_ptr<Optimizer> get(const std::string& name);

}  // namespace strata::optimizers
