// optimizers.serialize / deserialize, as Keras's serialize_keras_object and optimizers.deserialize (which
// lowercases a known class name, then calls cls.from_config: the schedule is deserialized, the rest are the
// constructor's keyword arguments).
#include <functional>
#include <map>

#include "config_reader.hpp"
#include "core/text.hpp"
#include "strata/core/error.hpp"
#include "strata/training/optimizers/adadelta.hpp"
#include "strata/training/optimizers/adagrad.hpp"
#include "strata/training/optimizers/adam.hpp"
#include "strata/training/optimizers/adamax.hpp"
#include "strata/training/optimizers/adamw.hpp"
#include "strata/training/optimizers/ftrl.hpp"
#include "strata/training/optimizers/lion.hpp"
#include "strata/training/optimizers/nadam.hpp"
#include "strata/training/optimizers/rmsprop.hpp"
#include "strata/training/optimizers/sgd.hpp"
#include "strata/training/serialization.hpp"

namespace strata::optimizers {

namespace {

using serialization::ConfigReader;

// The arguments of Keras's BaseOptimizer, which every options struct carries under the same names.
template <class Options>
void read_base(ConfigReader& r, Options& o) {
    r.read("name", o.name);
    r.read("weight_decay", o.weight_decay);
    r.read("clipnorm", o.clipnorm);
    r.read("global_clipnorm", o.global_clipnorm);
    r.read("clipvalue", o.clipvalue);
    r.read("use_ema", o.use_ema);
    r.read("ema_momentum", o.ema_momentum);
    r.read("ema_overwrite_frequency", o.ema_overwrite_frequency);
    r.read("loss_scale_factor", o.loss_scale_factor);
    r.read("gradient_accumulation_steps", o.gradient_accumulation_steps);
    // Keras 3: "Argument `decay` is no longer supported and will be ignored."
    r.ignore("decay");
}

// A number, taken as written, or a serialized schedule; absent: the class's default.
LearningRate read_learning_rate(ConfigReader& r, double fallback) {
    const nlohmann::json* v = r.take("learning_rate");
    if (!v || v->is_null()) return fallback;
    if (v->is_number()) return v->get<double>();
    if (!v->is_object())
        throw ValueError(r.who() + ": config key \"learning_rate\" expects a number or a serialized schedule, got " +
                         serialization::show(*v));
    serialization::read_serialized(r.who() + ": learning_rate", *v);
    try {
        return LearningRate(std::shared_ptr<const schedules::LearningRateSchedule>(schedules::deserialize(*v)));
    } catch (const ValueError& e) {
        throw ValueError(r.who() + ": learning_rate: " + e.what());
    }
}

template <class O, class Options>
std::shared_ptr<Optimizer> make(ConfigReader& r, Options o, double default_learning_rate) {
    read_base(r, o);
    LearningRate learning_rate = read_learning_rate(r, default_learning_rate);
    r.finish();
    return std::make_shared<O>(std::move(learning_rate), std::move(o));
}

using Factory = std::function<std::shared_ptr<Optimizer>(ConfigReader&)>;

// Keyed by Keras's class names lowercased, as optimizers.deserialize looks them up. The default learning rates
// are the constructors' (Keras: SGD 0.01, the others 0.001).
const std::map<std::string, Factory>& factories() {
    static const std::map<std::string, Factory> table = {
        {"adadelta",
         [](ConfigReader& r) {
             AdadeltaOptions o;
             r.read("rho", o.rho);
             r.read("epsilon", o.epsilon);
             return make<Adadelta>(r, o, 0.001);
         }},
        {"adagrad",
         [](ConfigReader& r) {
             AdagradOptions o;
             r.read("initial_accumulator_value", o.initial_accumulator_value);
             r.read("epsilon", o.epsilon);
             return make<Adagrad>(r, o, 0.001);
         }},
        {"adam",
         [](ConfigReader& r) {
             AdamOptions o;
             r.read("beta_1", o.beta_1);
             r.read("beta_2", o.beta_2);
             r.read("epsilon", o.epsilon);
             r.read("amsgrad", o.amsgrad);
             return make<Adam>(r, o, 0.001);
         }},
        {"adamax",
         [](ConfigReader& r) {
             AdamaxOptions o;
             r.read("beta_1", o.beta_1);
             r.read("beta_2", o.beta_2);
             r.read("epsilon", o.epsilon);
             return make<Adamax>(r, o, 0.001);
         }},
        {"adamw",
         [](ConfigReader& r) {
             AdamWOptions o;
             r.read("beta_1", o.beta_1);
             r.read("beta_2", o.beta_2);
             r.read("epsilon", o.epsilon);
             r.read("amsgrad", o.amsgrad);
             return make<AdamW>(r, o, 0.001);
         }},
        {"ftrl",
         [](ConfigReader& r) {
             FtrlOptions o;
             r.read("learning_rate_power", o.learning_rate_power);
             r.read("initial_accumulator_value", o.initial_accumulator_value);
             r.read("l1_regularization_strength", o.l1_regularization_strength);
             r.read("l2_regularization_strength", o.l2_regularization_strength);
             r.read("l2_shrinkage_regularization_strength", o.l2_shrinkage_regularization_strength);
             r.read("beta", o.beta);
             return make<Ftrl>(r, o, 0.001);
         }},
        {"lion",
         [](ConfigReader& r) {
             LionOptions o;
             r.read("beta_1", o.beta_1);
             r.read("beta_2", o.beta_2);
             return make<Lion>(r, o, 0.001);
         }},
        {"nadam",
         [](ConfigReader& r) {
             NadamOptions o;
             r.read("beta_1", o.beta_1);
             r.read("beta_2", o.beta_2);
             r.read("epsilon", o.epsilon);
             return make<Nadam>(r, o, 0.001);
         }},
        {"rmsprop",
         [](ConfigReader& r) {
             RMSpropOptions o;
             r.read("rho", o.rho);
             r.read("momentum", o.momentum);
             r.read("epsilon", o.epsilon);
             r.read("centered", o.centered);
             return make<RMSprop>(r, o, 0.001);
         }},
        {"sgd",
         [](ConfigReader& r) {
             SGDOptions o;
             r.read("momentum", o.momentum);
             r.read("nesterov", o.nesterov);
             return make<SGD>(r, o, 0.01);
         }},
    };
    return table;
}

}  // namespace

nlohmann::json serialize(const Optimizer& optimizer) {
    return {{"module", "keras.optimizers"},
            {"class_name", optimizer.class_name()},
            {"config", optimizer.get_config()},
            {"registered_name", nullptr}};
}

std::shared_ptr<Optimizer> deserialize(const nlohmann::json& config) {
    const std::string who = "optimizers.deserialize";
    serialization::SerializedObject object = serialization::read_serialized(who, config);
    auto it = factories().find(text::to_lower(object.class_name));
    if (it == factories().end()) {
        throw ValueError(who + ": unknown optimizer class \"" + object.class_name +
                         "\"; known: " + text::join(text::keys(factories())));
    }
    ConfigReader reader(who + ": " + object.class_name, object.config);
    return it->second(reader);
}

}  // namespace strata::optimizers
