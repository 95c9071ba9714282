// The optimizer base, as Keras's BaseOptimizer: it owns the step count, the learning rate, gradient clipping,
// decoupled weight decay and the slot variables; each optimizer writes only its `update_step`.
//
// apply_gradients(grads, variables) runs, as Keras's `apply`:
//   1. drop the pairs whose gradient is undefined (Keras skips None gradients);
//   2. clip the remaining gradients (clipnorm, global_clipnorm or clipvalue: at most one is set);
//   3. weight decay, when set: variable -= variable * weight_decay * learning_rate;
//   4. update_step(gradient, variable, learning_rate) for each pair, writing into the variable's storage;
//   5. iterations += 1.
#pragma once

#include <concepts>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "strata/core/tensor.hpp"

namespace strata::optimizers {

// The Keras base-optimizer keyword arguments that strata supports, in Keras's order. Users never write this
// struct: each optimizer's own options struct carries the same fields after its own, and hands them over.
struct BaseOptimizerOptions {
    std::optional<double> weight_decay;
    std::optional<double> clipnorm;
    std::optional<double> clipvalue;
    std::optional<double> global_clipnorm;
    std::string name;
};

// The base fields of any optimizer options struct (SGDOptions, AdamOptions...), for the base constructor.
template <typename Options>
BaseOptimizerOptions base_options(const Options& options) {
    return {options.weight_decay, options.clipnorm, options.clipvalue, options.global_clipnorm, options.name};
}

class Optimizer {
public:
    virtual ~Optimizer();

    // Updates each variable in place (the Tensors share storage with the model's weights), without recording
    // gradients. Pairs with an undefined gradient are skipped, as Keras skips None. An empty list does
    // nothing (Keras: a no-op); a list whose gradients are all undefined is a ValueError (Keras: "No
    // gradients provided for any variable"). Lists of different lengths are a ValueError; a gradient whose
    // shape differs from its variable's is a ShapeError.
    void apply_gradients(const std::vector<Tensor>& grads, const std::vector<Tensor>& variables);

    double learning_rate() const { return learning_rate_; }
    void set_learning_rate(double learning_rate) { learning_rate_ = learning_rate; }
    // The number of apply_gradients calls that updated something.
    std::int64_t iterations() const { return iterations_; }

    const std::string& name() const { return base_options_.name; }
    const std::optional<double>& weight_decay() const { return base_options_.weight_decay; }
    const std::optional<double>& clipnorm() const { return base_options_.clipnorm; }
    const std::optional<double>& clipvalue() const { return base_options_.clipvalue; }
    const std::optional<double>& global_clipnorm() const { return base_options_.global_clipnorm; }

    // Keras's class name: "SGD", "RMSprop", "Adam".
    virtual std::string class_name() const = 0;
    // Keras's optimizer config: name, learning_rate, weight_decay, clipnorm, global_clipnorm, clipvalue,
    // use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps, then
    // the optimizer's own arguments.
    virtual nlohmann::json get_config() const;
    // A fresh optimizer with the same configuration (current learning rate), no slots and iterations 0.
    virtual std::shared_ptr<Optimizer> clone() const = 0;

protected:
    // Throws ValueError when more than one of clipnorm, clipvalue and global_clipnorm is set, as Keras.
    Optimizer(double learning_rate, BaseOptimizerOptions options);
    // Copies carry their own slots (deep copies), so two optimizers never update the same state.
    Optimizer(const Optimizer& other);
    Optimizer& operator=(const Optimizer& other);

    // Keras's update_step: update `variable` in place from `gradient` (already clipped and cast to the
    // variable's dtype) with `learning_rate`; use assign/assign_add/assign_sub for every write.
    virtual void update_step(const Tensor& gradient, Tensor& variable, double learning_rate) = 0;

    // The slot `name` (momentum, velocity...) of `variable`: zeros of its shape, dtype and device, created on
    // first use; one set per variable, keyed by its TensorImpl.
    Tensor& slot(const Tensor& variable, const std::string& name);

    // Writes `value` into `target`'s storage, as Keras's assign / assign_add / assign_sub: `target` keeps its
    // identity (and the model keeps seeing the same weight).
    static void assign(Tensor& target, const Tensor& value);
    static void assign_add(Tensor& target, const Tensor& value);
    static void assign_sub(Tensor& target, const Tensor& value);

private:
    // Where a variable's slots live; `owner` tells a variable apart from a later one at the same address.
    struct SlotSet {
        std::weak_ptr<TensorImpl> owner;
        std::map<std::string, Tensor> slots;
    };

    std::vector<Tensor> clip_gradients(const std::vector<Tensor>& grads) const;
    void apply_weight_decay(const std::vector<Tensor>& variables) const;
    void forget_released_variables();
    static std::unordered_map<const TensorImpl*, SlotSet> deep_copy(
        const std::unordered_map<const TensorImpl*, SlotSet>& slots);

    double learning_rate_;
    BaseOptimizerOptions base_options_;
    std::int64_t iterations_ = 0;
    std::unordered_map<const TensorImpl*, SlotSet> slots_;
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
