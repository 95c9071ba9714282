#include "strata/training/optimizer.hpp"

#include <algorithm>
#include <sstream>
#include <string>
#include <unordered_set>

#include "clipping.hpp"
#include "strata/autograd/node.hpp"
#include "strata/backend/backend.hpp"
#include "strata/ops/elementwise.hpp"

namespace strata::optimizers {

namespace {

template <typename T>
nlohmann::json optional_to_json(const std::optional<T>& value) {
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

template <typename T>
std::string optional_to_string(const std::optional<T>& value) {
    if (!value) return "None";
    std::ostringstream out;
    out << *value;
    return out.str();
}

}  // namespace

LearningRate::LearningRate(std::shared_ptr<const schedules::LearningRateSchedule> schedule)
    : schedule_(std::move(schedule)) {
    if (!schedule_) throw ValueError("LearningRate: expected a learning rate schedule, got a null pointer");
}

Optimizer::Optimizer(LearningRate learning_rate, BaseOptimizerOptions options)
    : base_options_(std::move(options)), schedule_(learning_rate.schedule()) {
    const auto& o = base_options_;
    // Keras counts the clipping arguments that are not None: clipnorm=0 counts as set.
    int clip_args = int(o.clipnorm.has_value()) + int(o.clipvalue.has_value()) + int(o.global_clipnorm.has_value());
    if (clip_args > 1)
        throw ValueError(o.name + ": only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                         "Received: clipnorm=" + optional_to_string(o.clipnorm) +
                         ", clipvalue=" + optional_to_string(o.clipvalue) +
                         ", global_clipnorm=" + optional_to_string(o.global_clipnorm));
    // Keras checks `if gradient_accumulation_steps:` first, so 0 means "off" and 1 is refused.
    if (o.gradient_accumulation_steps && *o.gradient_accumulation_steps != 0 && *o.gradient_accumulation_steps < 2)
        throw ValueError(o.name + ": `gradient_accumulation_steps` must be an integer >= 2. Received: "
                         "gradient_accumulation_steps=" + optional_to_string(o.gradient_accumulation_steps));
    if (o.use_ema) {
        if (!(o.ema_momentum >= 0.0 && o.ema_momentum <= 1.0))
            throw ValueError(o.name + ": `ema_momentum` must be in the range [0, 1]. Received: ema_momentum=" +
                             optional_to_string(std::optional<double>(o.ema_momentum)));
        if (o.ema_overwrite_frequency && *o.ema_overwrite_frequency != 0 && *o.ema_overwrite_frequency < 1)
            throw ValueError(o.name + ": `ema_overwrite_frequency` must be an integer >= 1 or None. Received: "
                             "ema_overwrite_frequency=" + optional_to_string(o.ema_overwrite_frequency));
    }
    // Keras creates `iteration` (int) and, for a number, `learning_rate` (floatx) in the constructor.
    iterations_ = Tensor::zeros({}, int64, Device::cpu());
    if (!schedule_) {
        learning_rate_ = learning_rate.value();
        learning_rate_written_ = static_cast<float>(learning_rate_);
        learning_rate_variable_ = Tensor::full({}, learning_rate_written_, float32, Device::cpu());
    }
}

Optimizer::~Optimizer() = default;

Optimizer::Optimizer(const Optimizer& other) : base_options_(other.base_options_) { copy_state_from(other); }

Optimizer& Optimizer::operator=(const Optimizer& other) {
    if (this != &other) {
        base_options_ = other.base_options_;
        copy_state_from(other);
    }
    return *this;
}

void Optimizer::copy_state_from(const Optimizer& other) {
    schedule_ = other.schedule_;
    learning_rate_ = other.learning_rate_;
    learning_rate_written_ = other.learning_rate_written_;
    learning_rate_variable_ =
        other.learning_rate_variable_.defined() ? other.learning_rate_variable_.clone() : Tensor();
    iterations_ = other.iterations_.clone();
    built_ = other.built_;
    build_order_ = other.build_order_;
    // Every optimizer variable gets its own storage; the slot tables then point at the copies.
    std::unordered_map<const TensorImpl*, Tensor> copies;
    created_.clear();
    for (const Tensor& t : other.created_) {
        Tensor copy = t.clone();
        copies.emplace(t.impl(), copy);
        created_.push_back(copy);
    }
    slots_.clear();
    for (const auto& [key, set] : other.slots_) {
        SlotSet copy{set.owner, {}};
        for (const auto& [name, value] : set.slots) copy.slots.emplace(name, copies.at(value.impl()));
        slots_.emplace(key, std::move(copy));
    }
    own_variables_.clear();
    for (const auto& [name, value] : other.own_variables_) own_variables_.emplace(name, copies.at(value.impl()));
}

LearningRate Optimizer::learning_rate_spec() const {
    if (schedule_) return LearningRate(schedule_);
    return LearningRate(learning_rate());
}

std::int64_t Optimizer::step_count() const { return iterations_.data<std::int64_t>()[0]; }

std::int64_t Optimizer::iterations() const {
    const auto& steps = base_options_.gradient_accumulation_steps;
    // Keras: with gradient accumulation, `iterations` counts updates (floor of the calls over the steps).
    if (steps && *steps > 0) return step_count() / *steps;
    return step_count();
}

double Optimizer::learning_rate() const {
    if (schedule_) return (*schedule_)(step_count());
    // Keep the exact number unless someone wrote another value into the float32 variable.
    float stored = learning_rate_variable_.data<float>()[0];
    if (stored != learning_rate_written_) {
        learning_rate_ = stored;
        learning_rate_written_ = stored;
    }
    return learning_rate_;
}

void Optimizer::set_learning_rate(double learning_rate) {
    if (schedule_)
        throw TypeError(name() + ": this optimizer was created with a `LearningRateSchedule` object as its "
                        "`learning_rate` constructor argument, hence its learning rate is not settable. If you "
                        "need the learning rate to be settable, you should instantiate the optimizer with a "
                        "float `learning_rate` argument.");
    learning_rate_ = learning_rate;
    learning_rate_written_ = static_cast<float>(learning_rate);
    learning_rate_variable_.data<float>()[0] = learning_rate_written_;
}

std::vector<Tensor> Optimizer::variables() const {
    std::vector<Tensor> out{iterations_};
    if (learning_rate_variable_.defined()) out.push_back(learning_rate_variable_);
    out.insert(out.end(), created_.begin(), created_.end());
    return out;
}

bool Optimizer::is_known(const Tensor& variable) const {
    auto it = slots_.find(variable.impl());
    return it != slots_.end() && it->second.owner.lock().get() == variable.impl();
}

Optimizer::SlotSet& Optimizer::register_variable(const Tensor& variable) {
    // A new variable, or a new one at the address of one that is gone: start from fresh slots.
    forget_released_variables();
    SlotSet& set = slots_[variable.impl()];
    set.owner = variable.impl_ptr();
    set.slots.clear();
    build_order_.push_back(variable.impl());
    return set;
}

void Optimizer::build(const std::vector<Tensor>& trainable_variables) {
    std::vector<Tensor> fresh;
    std::unordered_set<const TensorImpl*> seen;
    for (const Tensor& v : trainable_variables) {
        if (!v.defined() || v.is_symbolic())
            throw ValueError(class_name() + ".build: expected concrete variables, got " +
                             (v.defined() ? "a symbolic tensor" : "an undefined tensor"));
        if (!is_known(v) && seen.insert(v.impl()).second) fresh.push_back(v);
    }
    built_ = true;
    if (fresh.empty()) return;
    autograd::NoGradScope no_grad;
    for (const Tensor& v : fresh) register_variable(v);
    // Keras's BaseOptimizer.build: per variable, its average, then its gradient accumulator.
    for (const Tensor& v : fresh) {
        if (base_options_.use_ema) slot(v, "average");
        if (gradient_accumulation_steps().value_or(0) > 0) slot(v, "gradient_accumulator");
    }
    build_slots(fresh);
}

Tensor& Optimizer::slot(const Tensor& variable, const std::string& name, double initial_value) {
    if (!is_known(variable)) register_variable(variable);
    SlotSet& set = slots_.at(variable.impl());
    Tensor& s = set.slots[name];
    if (!s.defined() || s.shape() != variable.shape() || s.dtype() != variable.dtype() ||
        s.device() != variable.device()) {
        Tensor fresh = initial_value == 0.0
                           ? Tensor::zeros(variable.shape(), variable.dtype(), variable.device())
                           : Tensor::full(variable.shape(), initial_value, variable.dtype(), variable.device());
        auto it = s.defined() ? std::find_if(created_.begin(), created_.end(),
                                             [&](const Tensor& t) { return t.same_as(s); })
                              : created_.end();
        if (it != created_.end())
            *it = fresh;
        else
            created_.push_back(fresh);
        s = fresh;
    }
    return s;
}

Tensor& Optimizer::add_variable(const std::string& name, const Tensor& initial) {
    auto [it, inserted] = own_variables_.emplace(name, initial);
    if (!inserted)
        throw ValueError(class_name() + ".add_variable: a variable named '" + name + "' already exists");
    created_.push_back(initial);
    return it->second;
}

Tensor Optimizer::optimizer_variable(const std::string& name) const {
    auto it = own_variables_.find(name);
    return it == own_variables_.end() ? Tensor() : it->second;
}

void Optimizer::forget_released_variables() {
    std::unordered_set<const TensorImpl*> dropped;
    for (auto it = slots_.begin(); it != slots_.end();) {
        if (it->second.owner.expired()) {
            for (const auto& [name, s] : it->second.slots) dropped.insert(s.impl());
            build_order_.erase(std::remove(build_order_.begin(), build_order_.end(), it->first), build_order_.end());
            it = slots_.erase(it);
        } else {
            ++it;
        }
    }
    if (dropped.empty()) return;
    std::erase_if(created_, [&](const Tensor& t) { return dropped.count(t.impl()) > 0; });
}

std::vector<Tensor> Optimizer::built_variables() const {
    std::vector<Tensor> out;
    for (const TensorImpl* key : build_order_) {
        auto it = slots_.find(key);
        if (it == slots_.end()) continue;
        if (auto impl = it->second.owner.lock()) out.emplace_back(std::move(impl));
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
    // Keras builds on every variable passed, those without a gradient included.
    build(variables);
    for (std::size_t i = 0; i < kept_grads.size(); ++i) {
        // Keras casts the gradient to the variable's dtype inside update_step.
        Tensor& g = kept_grads[i];
        if (g.dtype() != kept_variables[i].dtype()) g = g.astype(kept_variables[i].dtype());
        if (base_options_.loss_scale_factor) g = g / *base_options_.loss_scale_factor;
    }
    // The rate of this step: the schedule sees the calls so far (accumulating ones included), as Keras.
    const double learning_rate = this->learning_rate();
    const std::int64_t accumulation = gradient_accumulation_steps().value_or(0);
    if (accumulation > 0) {
        std::vector<Tensor> accumulators;
        for (const Tensor& v : kept_variables) accumulators.push_back(slot(v, "gradient_accumulator"));
        if ((step_count() + 1) % accumulation == 0) {
            // The update: the mean of the gradients since the last one, then every accumulator starts over.
            for (std::size_t i = 0; i < kept_grads.size(); ++i)
                kept_grads[i] = (kept_grads[i] + accumulators[i]) / static_cast<double>(accumulation);
            kept_grads = clip_gradients(kept_grads);
            apply_weight_decay(kept_variables, learning_rate);
            update_steps(kept_grads, kept_variables, learning_rate);
            for (const Tensor& v : built_variables()) {
                Tensor& accumulator = slot(v, "gradient_accumulator");
                backend::of(accumulator).fill(accumulator, 0.0);
            }
        } else {
            for (std::size_t i = 0; i < kept_grads.size(); ++i) assign_add(accumulators[i], kept_grads[i]);
        }
    } else {
        kept_grads = clip_gradients(kept_grads);
        apply_weight_decay(kept_variables, learning_rate);
        update_steps(kept_grads, kept_variables, learning_rate);
    }
    if (base_options_.use_ema) {
        update_moving_averages();
        const std::int64_t frequency = ema_overwrite_frequency().value_or(0);
        // Keras looks at `iterations` (updates, with accumulation), before this call is counted.
        if (frequency > 0 && (iterations() + 1) % frequency == 0) overwrite_with_moving_averages();
    }
    iterations_.data<std::int64_t>()[0] += 1;
}

bool Optimizer::plain_updates() const {
    const auto& o = base_options_;
    return !o.weight_decay && !(o.clipnorm && *o.clipnorm > 0) && !(o.clipvalue && *o.clipvalue > 0) &&
           !(o.global_clipnorm && *o.global_clipnorm > 0) && !o.use_ema && !o.loss_scale_factor &&
           o.gradient_accumulation_steps.value_or(0) <= 0;
}

void Optimizer::apply_planned(const std::vector<Tensor>& grads, const std::vector<Tensor>& variables) {
    if (!plain_updates() || grads.size() != variables.size())
        throw ValueError(class_name() + ".apply_planned: expected plain updates and one gradient per variable");
    autograd::NoGradScope no_grad;
    update_steps(grads, variables, learning_rate());
    iterations_.data<std::int64_t>()[0] += 1;
}

bool Optimizer::fusable_on_cpu(const Tensor& gradient, const Tensor& variable,
                               std::initializer_list<const Tensor*> slots) {
    auto cpu_float32 = [](const Tensor& t) { return t.device() == Device::cpu() && t.dtype() == float32; };
    if (!cpu_float32(gradient) || !cpu_float32(variable) || gradient.shape() != variable.shape()) return false;
    for (const Tensor* s : slots)
        if (!cpu_float32(*s) || s->shape() != variable.shape()) return false;
    return true;
}

void Optimizer::update_steps(const std::vector<Tensor>& grads, const std::vector<Tensor>& variables,
                             double learning_rate) {
    for (std::size_t i = 0; i < grads.size(); ++i) {
        Tensor variable = variables[i];
        update_step(grads[i], variable, learning_rate);
    }
}

void Optimizer::update_moving_averages() {
    // Keras: the first step copies the variables (momentum 0), later ones move by ema_momentum.
    const double momentum = iterations() != 0 ? base_options_.ema_momentum : 0.0;
    for (const Tensor& v : built_variables()) {
        Tensor& average = slot(v, "average");
        assign(average, average * momentum + v * (1.0 - momentum));
    }
}

void Optimizer::overwrite_with_moving_averages() {
    for (const Tensor& v : built_variables()) {
        Tensor target = v;
        assign(target, slot(v, "average"));
    }
}

void Optimizer::finalize_variable_values(const std::vector<Tensor>& variables) {
    if (!base_options_.use_ema) return;
    autograd::NoGradScope no_grad;
    for (std::size_t i = 0; i < variables.size(); ++i) {
        if (!variables[i].defined() || !is_known(variables[i]))
            throw ValueError(class_name() + ".finalize_variable_values: variable " + std::to_string(i) +
                             " is not one the optimizer was built on; expected the variables it updated");
    }
    for (const Tensor& v : variables) {
        Tensor target = v;
        assign(target, slot(v, "average"));
    }
}

Tensor Optimizer::scale_loss(const Tensor& loss) const {
    if (base_options_.loss_scale_factor) return loss * *base_options_.loss_scale_factor;
    return loss;
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

void Optimizer::apply_weight_decay(const std::vector<Tensor>& variables, double learning_rate) const {
    if (!base_options_.weight_decay) return;
    // Decoupled weight decay (Loshchilov and Hutter), applied before the update as Keras does.
    const double wd = *base_options_.weight_decay;
    for (const Tensor& v : variables) {
        Tensor target = v;
        assign(target, v - v * wd * learning_rate);
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

double Optimizer::scalar_value(const Tensor& scalar) {
    if (scalar.dtype() == float64) return scalar.data<double>()[0];
    if (scalar.dtype() == float32) return scalar.data<float>()[0];
    return scalar.astype(float64).item<double>();
}

void Optimizer::set_scalar_value(Tensor& scalar, double value) { backend::of(scalar).fill(scalar, value); }

nlohmann::json Optimizer::get_config() const {
    // The keys of Keras's BaseOptimizer.get_config, in its order.
    const auto& o = base_options_;
    nlohmann::json config;
    config["name"] = o.name;
    config["learning_rate"] = schedule_ ? schedules::serialize(*schedule_) : nlohmann::json(learning_rate());
    config["weight_decay"] = optional_to_json(o.weight_decay);
    config["clipnorm"] = optional_to_json(o.clipnorm);
    config["global_clipnorm"] = optional_to_json(o.global_clipnorm);
    config["clipvalue"] = optional_to_json(o.clipvalue);
    config["use_ema"] = o.use_ema;
    config["ema_momentum"] = o.ema_momentum;
    config["ema_overwrite_frequency"] = optional_to_json(o.ema_overwrite_frequency);
    config["loss_scale_factor"] = optional_to_json(o.loss_scale_factor);
    config["gradient_accumulation_steps"] = optional_to_json(o.gradient_accumulation_steps);
    return config;
}

}  // namespace strata::optimizers
