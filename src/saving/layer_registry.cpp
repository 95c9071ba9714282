// serialize_layer, deserialize_layer and register_keras_serializable, as keras/src/saving/serialization_lib.py
// and object_registration.py. A class is found by name in strata's own table, then among the factories users
// registered; the config's "module" is only checked, never imported.
#include "strata/saving/serialization.hpp"

#include <map>
#include <mutex>
#include <optional>

#include "core/text.hpp"
#include "saving/layer_registry.hpp"

namespace strata::saving {

namespace {

using detail::BuiltinFactory;
using detail::BuiltinTable;
using detail::is_model_class;

const BuiltinTable& builtin_layers() {
    static const BuiltinTable table = [] {
        BuiltinTable t;
        detail::add_core_layers(t);
        detail::add_vision_layers(t);
        return t;
    }();
    return table;
}

struct Registration {
    std::string package;
    std::string class_name;
    LayerFactory factory;
};

std::mutex registry_mutex;
// By registered name, "package>ClassName".
std::map<std::string, Registration>& registered_layers() {
    static std::map<std::string, Registration> registry;
    return registry;
}

std::string shown(const nlohmann::json& value) {
    std::string text = value.dump();
    return text.size() > 120 ? text.substr(0, 117) + "..." : text;
}

// Keras's own modules: "keras", "keras.layers", "keras.src.layers.core.dense", ...
bool keras_module(const std::string& module) { return module == "keras" || module.rfind("keras.", 0) == 0; }

// The registration of a class by its registered name, or by its class name when that names one registration.
std::optional<Registration> find_registered(const std::string& registered_name, const std::string& class_name) {
    std::lock_guard lock(registry_mutex);
    auto& registry = registered_layers();
    if (!registered_name.empty()) {
        auto it = registry.find(registered_name);
        if (it != registry.end()) return it->second;
        return std::nullopt;
    }
    std::optional<Registration> found;
    for (const auto& [name, registration] : registry) {
        if (registration.class_name != class_name) continue;
        if (found)
            throw ValueError("deserialize_layer: " + class_name + " is registered by several packages (" +
                             found->package + ", " + registration.package +
                             "); the serialized layer must give its \"registered_name\"");
        found = registration;
    }
    return found;
}

std::shared_ptr<Layer> deserialize_builtin(BuiltinFactory factory, const nlohmann::json& config,
                                           const std::string& class_name) {
    detail::LayerConfig reader(config, class_name);
    try {
        return factory(reader);
    } catch (const ValueError& e) {
        std::string message = e.what();
        if (message.rfind("deserialize_layer", 0) == 0) throw;
        throw ValueError(reader.who() + ": " + message);  // the layer's own checks, e.g. a bad padding
    } catch (const ShapeError& e) {
        throw ShapeError(reader.who() + ": " + e.what());
    } catch (const TypeError& e) {
        throw TypeError(reader.who() + ": " + e.what());
    }
}

// Keras's build_from_config: builds the layer for {"input_shape": shape or list of shapes}.
void build_from_config(Layer& layer, const nlohmann::json& build_config, const std::string& class_name) {
    std::string who = "deserialize_layer: " + class_name + " \"" + layer.name() + "\": build_config";
    if (!build_config.is_object()) throw ValueError(who + " must be a dict, got " + shown(build_config));
    for (const auto& [key, value] : build_config.items())
        if (key != "input_shape")
            throw ValueError(who + ": \"" + key + "\" is not supported (strata's layers build from \"input_shape\")");
    auto it = build_config.find("input_shape");
    if (it == build_config.end() || it->is_null()) return;
    std::vector<Shape> shapes;
    if (it->is_array() && !it->empty() && it->front().is_array()) {
        for (const nlohmann::json& s : *it) shapes.push_back(detail::parse_shape(s, who + " \"input_shape\""));
    } else {
        shapes.push_back(detail::parse_shape(*it, who + " \"input_shape\""));
    }
    try {
        layer.ensure_built(shapes);
    } catch (const ShapeError& e) {
        throw ShapeError(who + ": " + e.what());
    } catch (const ValueError& e) {
        throw ValueError(who + ": " + e.what());
    }
}

}  // namespace

nlohmann::json serialize_layer(const Layer& layer) {
    std::string class_name = layer.class_name();
    nlohmann::json out;
    if (builtin_layers().count(class_name) && !is_model_class(class_name)) {
        out["module"] = "keras.layers";
        out["registered_name"] = nullptr;
    } else {
        // A user's class: Keras writes the Python module of the class; strata writes the package it was
        // registered under (or null when it was not), with the registered name that finds it again.
        std::lock_guard lock(registry_mutex);
        std::optional<std::string> package;
        for (const auto& [name, registration] : registered_layers())
            if (registration.class_name == class_name) {
                package = registration.package;
                break;
            }
        out["module"] = package ? nlohmann::json(*package) : nlohmann::json(nullptr);
        out["registered_name"] = package ? *package + ">" + class_name : class_name;
    }
    out["class_name"] = class_name;
    out["config"] = layer.get_config();
    // Keras writes no build_config for an InputLayer (it is built when made).
    if (const std::vector<Shape>& shapes = layer.build_input_shapes(); !shapes.empty() && class_name != "InputLayer") {
        nlohmann::json input_shape;
        if (shapes.size() == 1) {
            input_shape = detail::shape_json(shapes[0]);
        } else {
            input_shape = nlohmann::json::array();
            for (const Shape& s : shapes) input_shape.push_back(detail::shape_json(s));
        }
        out["build_config"] = {{"input_shape", input_shape}};
    }
    return out;
}

std::shared_ptr<Layer> deserialize_layer(const nlohmann::json& serialized) {
    if (!serialized.is_object() || !serialized.contains("class_name") || !serialized["class_name"].is_string())
        throw ValueError("deserialize_layer: expected a dict with \"class_name\" and \"config\", got " + shown(serialized));
    std::string class_name = serialized["class_name"].get<std::string>();
    if (is_model_class(class_name))
        throw ValueError("deserialize_layer: " + class_name + " is a model: deserialize it with the models");
    if (class_name == "Lambda")
        throw ValueError("deserialize_layer: Lambda layers are refused: a Lambda holds Python code, and strata never "
                         "runs code from a config");
    auto text_field = [&](const char* key) -> std::string {
        auto it = serialized.find(key);
        if (it == serialized.end() || it->is_null()) return {};
        if (!it->is_string())
            throw ValueError("deserialize_layer: " + class_name + ": \"" + key + "\" must be a string, got " + shown(*it));
        return it->get<std::string>();
    };
    std::string module = text_field("module");
    std::string registered_name = text_field("registered_name");
    auto config_it = serialized.find("config");
    if (config_it == serialized.end() || !config_it->is_object())
        throw ValueError("deserialize_layer: " + class_name + ": expected a \"config\" dict, got " +
                         (config_it == serialized.end() ? std::string("none") : shown(*config_it)));
    const nlohmann::json& config = *config_it;

    std::shared_ptr<Layer> layer;
    auto builtin = builtin_layers().find(class_name);
    // Keras writes registered_name null for its own classes; a user's class of the same name carries
    // "package>Name".
    bool names_builtin = builtin != builtin_layers().end() && (registered_name.empty() || registered_name == class_name);
    if (names_builtin) {
        if (!module.empty() && !keras_module(module))
            throw ValueError("deserialize_layer: " + class_name + " comes from module \"" + module +
                             "\", not from Keras; strata's " + class_name + " is Keras's (module \"keras.layers\")");
        layer = deserialize_builtin(builtin->second, config, class_name);
    } else {
        std::optional<Registration> registration = find_registered(registered_name, class_name);
        if (!registration)
            throw ValueError("deserialize_layer: unknown layer class " + class_name +
                             (module.empty() ? std::string() : " (module \"" + module + "\")") +
                             (registered_name.empty() ? std::string() : " (registered name \"" + registered_name + "\")") +
                             "; strata's layers are " + text::join(text::keys(builtin_layers())) +
                             ", and users' own classes must be registered with register_keras_serializable");
        layer = registration->factory(config);
        if (!layer)
            throw ValueError("deserialize_layer: the factory registered for " + registration->package + ">" +
                             registration->class_name + " returned no layer");
    }
    auto build = serialized.find("build_config");
    if (build != serialized.end() && !build->is_null()) build_from_config(*layer, *build, class_name);
    return layer;
}

void register_keras_serializable(const std::string& package, const std::string& class_name, LayerFactory factory) {
    if (package.empty() || class_name.empty() || package.find('>') != std::string::npos ||
        class_name.find('>') != std::string::npos)
        throw ValueError("register_keras_serializable: package and class name must be non-empty and without '>', got "
                         "package \"" + package + "\", class name \"" + class_name + "\"");
    if (!factory)
        throw ValueError("register_keras_serializable: the factory for " + package + ">" + class_name + " is empty");
    std::string registered_name = package + ">" + class_name;
    std::lock_guard lock(registry_mutex);
    auto& registry = registered_layers();
    // Keras: "<name> has already been registered to <class>".
    if (registry.count(registered_name))
        throw ValueError("register_keras_serializable: " + registered_name + " has already been registered");
    registry[registered_name] = {package, class_name, std::move(factory)};
}

}  // namespace strata::saving
