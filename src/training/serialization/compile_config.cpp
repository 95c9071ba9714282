// The compile config of a .keras archive: Keras's model.get_compile_config (the compile() arguments, each through
// serialize_keras_object, which leaves strings, lists and dicts as they are) and compile_from_config.
#include <algorithm>
#include <set>

#include "config_reader.hpp"
#include "core/text.hpp"
#include "strata/core/error.hpp"
#include "strata/training/serialization.hpp"

namespace strata {

namespace {

using serialization::show;

bool is_crossentropy_shorthand(const std::string& name) {
    const std::string l = text::to_lower(name);
    return l == "crossentropy" || l == "ce";
}

// The Loss a spec stands for, or null when it cannot be built without the shapes (or not at all).
std::shared_ptr<losses::Loss> try_get(const losses::LossSpec& spec) {
    try {
        return spec.get();
    } catch (const ValueError&) {
        return nullptr;
    }
}

// One loss as Keras's compile config holds it: the string it was given, or the serialized object. A spec
// given a Loss object hands back that same object from every get(); one given a name or a function builds a
// new Loss each time, and a name is one losses::get knows (or the crossentropy shorthand).
nlohmann::json loss_config(const losses::LossSpec& spec) {
    if (spec.empty()) return nullptr;
    std::shared_ptr<losses::Loss> first = try_get(spec);
    if (first && first == try_get(spec)) return losses::serialize(*first);
    const std::string name = spec.name();
    const std::vector<std::string> known = losses::names();
    if (is_crossentropy_shorthand(name) || std::find(known.begin(), known.end(), name) != known.end()) return name;
    throw ValueError("compile_config: loss \"" + name +
                     "\" is a C++ function, which a Keras config cannot hold; give the loss by name or as a "
                     "keras.losses class");
}

nlohmann::json metric_config(const metrics::MetricSpec& spec) {
    if (spec.metric()) return metrics::serialize(*spec.metric());
    if (!spec.identifier().empty()) return spec.identifier();
    throw ValueError("compile_config: metric \"" + spec.name() +
                     "\" is a C++ function, which a Keras config cannot hold; give the metric by name or as a "
                     "keras.metrics class");
}

// ---- Reading ----

optimizers::OptimizerSpec read_optimizer(const nlohmann::json& value) {
    if (value.is_null()) return "rmsprop";  // Keras: compile(optimizer="rmsprop")
    if (value.is_string()) {
        try {
            optimizers::get(value.get<std::string>());
        } catch (const ValueError& e) {
            throw ValueError(std::string("compile_options_from_config: \"optimizer\": ") + e.what());
        }
        return value.get<std::string>();
    }
    try {
        return optimizers::deserialize(value);
    } catch (const ValueError& e) {
        throw ValueError(std::string("compile_options_from_config: \"optimizer\": ") + e.what());
    }
}

losses::LossSpec read_one_loss(const nlohmann::json& value) {
    if (value.is_null()) return {};
    if (value.is_string()) {
        const std::string name = value.get<std::string>();
        // The crossentropy shorthand stays a name: compile chooses the crossentropy from the shapes.
        if (!is_crossentropy_shorthand(name)) losses::deserialize(value);
        return name;
    }
    return losses::LossSpec(losses::deserialize(value));
}

CompileLoss read_loss(const nlohmann::json& value) {
    try {
        if (value.is_array()) {
            std::vector<losses::LossSpec> per_output;
            for (const auto& item : value) per_output.push_back(read_one_loss(item));
            return CompileLoss(std::move(per_output));
        }
        if (value.is_object() && !value.contains("class_name")) {
            // A dict keyed by output name: strata's compile has no output names, so only one entry is read.
            if (value.size() != 1)
                throw ValueError("a dict of losses by output name with " + std::to_string(value.size()) +
                                 " entries cannot be matched to outputs; expected one entry or a list");
            return CompileLoss(read_one_loss(value.begin().value()));
        }
        losses::LossSpec spec = read_one_loss(value);
        if (spec.empty()) return {};
        return CompileLoss(std::move(spec));
    } catch (const ValueError& e) {
        throw ValueError("compile_options_from_config: \"loss\" " + show(value) + ": " + e.what());
    }
}

std::vector<double> read_loss_weights(const nlohmann::json& value) {
    auto refuse = [&](const std::string& why) {
        throw ValueError("compile_options_from_config: \"loss_weights\" " + show(value) + ": " + why);
    };
    if (value.is_null()) return {};
    const nlohmann::json* list = &value;
    nlohmann::json single;
    if (value.is_object()) {
        if (value.size() != 1) refuse("a dict by output name cannot be matched to outputs; expected a list");
        single = nlohmann::json::array({value.begin().value()});
        list = &single;
    }
    if (!list->is_array()) refuse("expected null, a list of numbers or a dict with one entry");
    std::vector<double> weights;
    for (const auto& w : *list) {
        if (!w.is_number()) refuse("expected numbers");
        weights.push_back(w.get<double>());
    }
    return weights;
}

std::vector<metrics::MetricSpec> read_metric_list(const nlohmann::json& list) {
    std::vector<metrics::MetricSpec> specs;
    for (const auto& item : list) specs.push_back(metrics::deserialize(item));
    return specs;
}

// Keras's metrics argument: a list, one list per output, or a dict of lists by output name. strata applies one
// list to every output, so the per-output forms are read when every output has the same list.
std::vector<metrics::MetricSpec> read_metrics(const nlohmann::json& value, const char* key) {
    auto refuse = [&](const std::string& why) {
        throw ValueError(std::string("compile_options_from_config: \"") + key + "\" " + show(value) + ": " + why);
    };
    if (value.is_null()) return {};
    try {
        std::vector<nlohmann::json> per_output;
        if (value.is_object()) {
            for (const auto& [output, metrics] : value.items()) per_output.push_back(metrics);
        } else if (!value.is_array()) {
            refuse("expected null, a list, a list per output or a dict by output name");
        } else if (!value.empty() && std::all_of(value.begin(), value.end(),
                                                 [](const nlohmann::json& m) { return m.is_array() || m.is_null(); })) {
            per_output.assign(value.begin(), value.end());
        } else {
            return read_metric_list(value);
        }
        // One list per output (null for none).
        for (auto& m : per_output) {
            if (m.is_null()) m = nlohmann::json::array();
            if (m.is_string() || (m.is_object() && m.contains("class_name"))) m = nlohmann::json::array({m});
            if (!m.is_array()) refuse("expected a list of metrics for each output, got " + show(m));
        }
        for (const auto& m : per_output)
            if (m != per_output.front())
                refuse("outputs with different metrics are not supported; strata applies one list to every output");
        return per_output.empty() ? std::vector<metrics::MetricSpec>{} : read_metric_list(per_output.front());
    } catch (const ValueError& e) {
        const std::string message = e.what();
        if (message.rfind("compile_options_from_config", 0) == 0) throw;
        refuse(message);
    }
    return {};
}

}  // namespace

nlohmann::json compile_config(const CompileOptions& options, const optimizers::Optimizer& compiled_optimizer) {
    nlohmann::json config;
    config["optimizer"] = optimizers::serialize(compiled_optimizer);
    if (options.loss.empty()) {
        config["loss"] = nullptr;
    } else if (options.loss.per_output()) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& spec : options.loss.losses()) list.push_back(loss_config(spec));
        config["loss"] = std::move(list);
    } else {
        config["loss"] = loss_config(options.loss.losses().front());
    }
    config["loss_weights"] =
        options.loss_weights.empty() ? nlohmann::json(nullptr) : nlohmann::json(options.loss_weights);
    if (options.metrics.empty()) {
        config["metrics"] = nullptr;
    } else {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& spec : options.metrics) list.push_back(metric_config(spec));
        config["metrics"] = std::move(list);
    }
    config["run_eagerly"] = options.run_eagerly;
    // What strata's compile does not take, at the values that describe what it does.
    config["weighted_metrics"] = nullptr;
    config["steps_per_execution"] = 1;
    config["jit_compile"] = false;
    return config;
}

CompileOptions compile_options_from_config(const nlohmann::json& config) {
    if (!config.is_object())
        throw ValueError("compile_options_from_config: expected the compile config to be an object, got " +
                         show(config));
    static const std::set<std::string> known = {"optimizer",        "loss",        "loss_weights",        "metrics",
                                                "weighted_metrics", "run_eagerly", "steps_per_execution", "jit_compile",
                                                "auto_scale_loss"};
    for (const auto& [key, value] : config.items()) {
        if (!known.count(key))
            throw ValueError("compile_options_from_config: unknown key \"" + key + "\" = " + show(value) +
                             "; compile takes " + text::join(std::vector<std::string>(known.begin(), known.end())));
    }
    auto at = [&](const char* key) { return config.contains(key) ? config[key] : nlohmann::json(nullptr); };

    const nlohmann::json weighted = at("weighted_metrics");
    if (!weighted.is_null() && !(weighted.is_array() && weighted.empty()))
        throw ValueError("compile_options_from_config: \"weighted_metrics\" " + show(weighted) +
                         ": not supported; strata's compile takes no weighted_metrics");

    CompileOptions options;
    options.optimizer = read_optimizer(at("optimizer"));
    options.loss = read_loss(at("loss"));
    options.loss_weights = read_loss_weights(at("loss_weights"));
    options.metrics = read_metrics(at("metrics"), "metrics");
    const nlohmann::json eagerly = at("run_eagerly");
    if (!eagerly.is_null() && !eagerly.is_boolean())
        throw ValueError("compile_options_from_config: \"run_eagerly\" " + show(eagerly) + ": expected true or false");
    options.run_eagerly = eagerly.is_boolean() && eagerly.get<bool>();
    return options;
}

}  // namespace strata
