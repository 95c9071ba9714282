#include "strata/training/optimizer.hpp"

#include <iterator>
#include <string>

#include "clipping.hpp"
#include "strata/autograd/node.hpp"
#include "strata/backend/backend.hpp"
#include "strata/ops/elementwise.hpp"

namespace strata::optimizers {

namespace {

nlohmann::json optional_to_json(const std::optional<double>& value) {
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

std::string optional_to_string(const std::optional<double>& value) {
    return value ? std::to_string(*value) : std::string("None");
}

}  // namespace

Optimizer::Optimizer(double learning_rate, BaseOptimizerOptions options)
    : learning_rate_(learning_rate), base_options_(std::move(options)) {
    // Keras counts the clipping arguments that are not None: clipnorm=0 counts as set.
    int clip_args = int(base_options_.clipnorm.has_value()) + int(base_options_.clipvalue.has_value()) +
                    int(base_options_.global_clipnorm.has_value());
    if (clip_args > 1)
        throw ValueError(base_options_.name + ": only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be "
                         "set. Received: clipnorm=" + optional_to_string(base_options_.clipnorm) +
                         ", clipvalue=" + optional_to_string(base_options_.clipvalue) +
                         ", global_clipnorm=" + optional_to_string(base_options_.global_clipnorm));
}

Optimizer::~Optimizer() = default;

Optimizer::Optimizer(const Optimizer& other)
    : learning_rate_(other.learning_rate_),
      base_options_(other.base_options_),
      iterations_(other.iterations_),
      slots_(deep_copy(other.slots_)) {}

Optimizer& Optimizer::operator=(const Optimizer& other) {
    if (this != &other) {
        auto slots = deep_copy(other.slots_);
        learning_rate_ = other.learning_rate_;
        base_options_ = other.base_options_;
        iterations_ = other.iterations_;
        slots_ = std::move(slots);
    }
    return *this;
}

std::unordered_map<const TensorImpl*, Optimizer::SlotSet> Optimizer::deep_copy(
    const std::unordered_map<const TensorImpl*, SlotSet>& slots) {
    std::unordered_map<const TensorImpl*, SlotSet> out;
    for (const auto& [key, set] : slots) {
        SlotSet copy{set.owner, {}};
        for (const auto& [name, value] : set.slots) copy.slots.emplace(name, value.clone());
        out.emplace(key, std::move(copy));
    }
    return out;
}

void Optimizer::apply_gradients(const std::vector<Tensor>& grads, const std::vector<Tensor>& variables) {
    const std::string where = class_name() + ".apply_gradients";
    if (grads.size() != variables.size())
        throw ValueError(where + ": expected one gradient per variable, got " + std::to_string(grads.size()) +
                         " gradients for " + std::to_string(variables.size()) + " variables");
    if (grads.empty()) return;  // Keras: nothing to apply is a no-op, and the step count does not move

    // Check everything before writing anything, so that bad input leaves the variables untouched.
    std::vector<Tensor> kept_grads, kept_variables;
    for (std::size_t i = 0; i < grads.size(); ++i) {
        const Tensor& v = variables[i];
        const Tensor& g = grads[i];
        const std::string which = " " + std::to_string(i);
        if (!v.defined() || v.is_symbolic())
            throw ValueError(where + ": variable" + which + " is " + (v.defined() ? "symbolic" : "undefined") +
                             "; expected a concrete tensor");
        if (!is_floating(v.dtype()))
            throw TypeError(where + ": variable" + which + " has dtype " + dtype_name(v.dtype()) +
                            "; expected a floating-point variable");
        if (!g.defined()) continue;  // Keras skips None gradients
        if (g.is_symbolic())
            throw ValueError(where + ": gradient" + which + " is symbolic; expected a concrete tensor");
        if (g.shape() != v.shape())
            throw ShapeError(where + ": gradient" + which + " has shape " + g.shape().to_string() +
                             " but its variable has shape " + v.shape().to_string());
        if (!is_floating(g.dtype()))
            throw TypeError(where + ": gradient" + which + " has dtype " + dtype_name(g.dtype()) +
                            "; expected a floating-point gradient");
        if (g.device() != v.device())
            throw DeviceError(where + ": gradient" + which + " is on " + g.device().to_string() +
                              " but its variable is on " + v.device().to_string());
        kept_grads.push_back(g);
        kept_variables.push_back(v);
    }
    if (kept_grads.empty()) throw ValueError(where + ": no gradients provided for any variable");

    autograd::NoGradScope no_grad;
    kept_grads = clip_gradients(kept_grads);
    apply_weight_decay(kept_variables);
    for (std::size_t i = 0; i < kept_grads.size(); ++i) {
        Tensor variable = kept_variables[i];
        const Tensor& g = kept_grads[i];
        // Keras casts the gradient to the variable's dtype inside update_step.
        update_step(g.dtype() == variable.dtype() ? g : g.astype(variable.dtype()), variable, learning_rate_);
    }
    ++iterations_;
}

std::vector<Tensor> Optimizer::clip_gradients(const std::vector<Tensor>& grads) const {
    // Keras ignores a clipping argument that is 0 or negative.
    const auto& o = base_options_;
    std::vector<Tensor> out;
    out.reserve(grads.size());
    if (o.clipnorm && *o.clipnorm > 0) {
        for (const Tensor& g : grads) out.push_back(detail::clip_by_norm(g, *o.clipnorm));
    } else if (o.global_clipnorm && *o.global_clipnorm > 0) {
        out = detail::clip_by_global_norm(grads, *o.global_clipnorm);
    } else if (o.clipvalue && *o.clipvalue > 0) {
        for (const Tensor& g : grads) out.push_back(ops::clip(g, -*o.clipvalue, *o.clipvalue));
    } else {
        out = grads;
    }
    return out;
}

void Optimizer::apply_weight_decay(const std::vector<Tensor>& variables) const {
    if (!base_options_.weight_decay) return;
    // Decoupled weight decay (Loshchilov and Hutter), applied before the update as Keras does.
    const double wd = *base_options_.weight_decay;
    for (const Tensor& v : variables) {
        Tensor target = v;
        assign(target, v - v * wd * learning_rate_);
    }
}

Tensor& Optimizer::slot(const Tensor& variable, const std::string& name) {
    const TensorImpl* key = variable.impl();
    auto it = slots_.find(key);
    if (it == slots_.end() || it->second.owner.lock().get() != key) {
        // A new variable, or a new one at the address of one that is gone: start from fresh slots.
        forget_released_variables();
        SlotSet& set = slots_[key];
        set.owner = variable.impl_ptr();
        set.slots.clear();
        it = slots_.find(key);
    }
    Tensor& s = it->second.slots[name];
    if (!s.defined() || s.shape() != variable.shape() || s.dtype() != variable.dtype() ||
        s.device() != variable.device())
        s = Tensor::zeros(variable.shape(), variable.dtype(), variable.device());
    return s;
}

void Optimizer::forget_released_variables() {
    for (auto it = slots_.begin(); it != slots_.end();) {
        if (it->second.owner.expired())
            it = slots_.erase(it);
        else
            ++it;
    }
}

void Optimizer::assign(Tensor& target, const Tensor& value) {
    if (value.shape() != target.shape())
        throw ShapeError("Optimizer.assign: expected a value of shape " + target.shape().to_string() + ", got " +
                         value.shape().to_string());
    if (value.same_as(target)) return;
    Tensor source = value.to(target.device());
    if (source.dtype() == target.dtype())
        backend::of(target).copy(source, target);
    else
        backend::of(target).cast(source, target);
}

void Optimizer::assign_add(Tensor& target, const Tensor& value) { assign(target, target + value); }

void Optimizer::assign_sub(Tensor& target, const Tensor& value) { assign(target, target - value); }

nlohmann::json Optimizer::get_config() const {
    // The base keys of Keras's BaseOptimizer.get_config; EMA, loss scaling and gradient accumulation are not
    // supported, so they keep Keras's defaults.
    nlohmann::json config;
    config["name"] = base_options_.name;
    config["learning_rate"] = learning_rate_;
    config["weight_decay"] = optional_to_json(base_options_.weight_decay);
    config["clipnorm"] = optional_to_json(base_options_.clipnorm);
    config["global_clipnorm"] = optional_to_json(base_options_.global_clipnorm);
    config["clipvalue"] = optional_to_json(base_options_.clipvalue);
    config["use_ema"] = false;
    config["ema_momentum"] = 0.99;
    config["ema_overwrite_frequency"] = nullptr;
    config["loss_scale_factor"] = nullptr;
    config["gradient_accumulation_steps"] = nullptr;
    return config;
}

}  // namespace strata::optimizers
