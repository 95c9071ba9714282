// losses.serialize / deserialize, as Keras's serialize_keras_object and losses.deserialize (a class's config is
// its constructor's keyword arguments: Loss.from_config is cls(**config)).
#include <functional>
#include <map>

#include "config_reader.hpp"
#include "core/text.hpp"
#include "strata/core/error.hpp"
#include "strata/training/loss_functions.hpp"
#include "strata/training/serialization.hpp"

namespace strata::losses {

namespace {

using serialization::ConfigReader;

// Loss's own arguments, which every options struct carries: reduction, name, dtype.
template <class L, class Options>
std::shared_ptr<Loss> make(ConfigReader& r, Options o) {
    r.read_reduction("reduction", o.reduction);
    r.read("name", o.name);
    r.read_dtype("dtype", o.dtype);
    r.finish();
    return std::make_shared<L>(std::move(o));
}

template <class L, class Options>
std::shared_ptr<Loss> make_plain(ConfigReader& r) {
    return make<L>(r, Options{});
}

using Factory = std::function<std::shared_ptr<Loss>(ConfigReader&)>;

// Keras's loss classes strata has, by class name.
const std::map<std::string, Factory>& factories() {
    static const std::map<std::string, Factory> table = {
        {"MeanSquaredError", &make_plain<MeanSquaredError, MeanSquaredErrorOptions>},
        {"MeanAbsoluteError", &make_plain<MeanAbsoluteError, MeanAbsoluteErrorOptions>},
        {"LogCosh", &make_plain<LogCosh, LogCoshOptions>},
        {"Poisson", &make_plain<Poisson, PoissonOptions>},
        {"KLDivergence", &make_plain<KLDivergence, KLDivergenceOptions>},
        {"Hinge", &make_plain<Hinge, HingeOptions>},
        {"SquaredHinge", &make_plain<SquaredHinge, SquaredHingeOptions>},
        {"CategoricalHinge", &make_plain<CategoricalHinge, CategoricalHingeOptions>},
        {"MeanSquaredLogarithmicError", &make_plain<MeanSquaredLogarithmicError, MeanSquaredLogarithmicErrorOptions>},
        {"MeanAbsolutePercentageError", &make_plain<MeanAbsolutePercentageError, MeanAbsolutePercentageErrorOptions>},
        {"CategoricalCrossentropy",
         [](ConfigReader& r) {
             CategoricalCrossentropyOptions o;
             r.read("from_logits", o.from_logits);
             r.read("label_smoothing", o.label_smoothing);
             r.read("axis", o.axis);
             return make<CategoricalCrossentropy>(r, o);
         }},
        {"SparseCategoricalCrossentropy",
         [](ConfigReader& r) {
             SparseCategoricalCrossentropyOptions o;
             r.read("from_logits", o.from_logits);
             r.read("ignore_class", o.ignore_class);
             // Keras versions that take an axis here write -1, the only axis strata's class computes over.
             r.accept_only("axis", {-1});
             return make<SparseCategoricalCrossentropy>(r, o);
         }},
        {"BinaryCrossentropy",
         [](ConfigReader& r) {
             BinaryCrossentropyOptions o;
             r.read("from_logits", o.from_logits);
             r.read("label_smoothing", o.label_smoothing);
             r.read("axis", o.axis);
             return make<BinaryCrossentropy>(r, o);
         }},
        {"Huber",
         [](ConfigReader& r) {
             // Keras's Huber.get_config leaves delta out (the default 1.0 then applies); strata writes it.
             HuberOptions o;
             r.read("delta", o.delta);
             return make<Huber>(r, o);
         }},
        {"CosineSimilarity",
         [](ConfigReader& r) {
             CosineSimilarityOptions o;
             r.read("axis", o.axis);
             return make<CosineSimilarity>(r, o);
         }},
        {"CategoricalFocalCrossentropy",
         [](ConfigReader& r) {
             CategoricalFocalCrossentropyOptions o;
             r.read("alpha", o.alpha);
             r.read("gamma", o.gamma);
             r.read("from_logits", o.from_logits);
             r.read("label_smoothing", o.label_smoothing);
             r.read("axis", o.axis);
             return make<CategoricalFocalCrossentropy>(r, o);
         }},
        {"BinaryFocalCrossentropy",
         [](ConfigReader& r) {
             BinaryFocalCrossentropyOptions o;
             r.read("apply_class_balancing", o.apply_class_balancing);
             r.read("alpha", o.alpha);
             r.read("gamma", o.gamma);
             r.read("from_logits", o.from_logits);
             r.read("label_smoothing", o.label_smoothing);
             r.read("axis", o.axis);
             return make<BinaryFocalCrossentropy>(r, o);
         }},
    };
    return table;
}

std::shared_ptr<Loss> from_name(const std::string& who, const std::string& name) {
    try {
        return get(name);
    } catch (const ValueError& e) {
        throw ValueError(who + ": " + e.what());
    }
}

}  // namespace

nlohmann::json serialize(const Loss& loss) {
    const std::string class_name = loss.class_name();
    if (!factories().count(class_name))
        throw ValueError("losses.serialize: loss \"" + loss.name() + "\" (class " + class_name +
                         ") has no Keras class to write; give the loss by name or as a keras.losses class");
    return {{"module", "keras.losses"},
            {"class_name", class_name},
            {"config", loss.get_config()},
            {"registered_name", nullptr}};
}

std::shared_ptr<Loss> deserialize(const nlohmann::json& config) {
    const std::string who = "losses.deserialize";
    if (config.is_string()) return from_name(who, config.get<std::string>());
    serialization::SerializedObject object = serialization::read_serialized(who, config);
    if (object.class_name == "function") return from_name(who, object.config.get<std::string>());
    auto it = factories().find(object.class_name);
    if (it == factories().end())
        throw ValueError(who + ": unknown loss class \"" + object.class_name +
                         "\"; known: " + text::join(text::keys(factories())));
    ConfigReader reader(who + ": " + object.class_name, object.config);
    return it->second(reader);
}

}  // namespace strata::losses
