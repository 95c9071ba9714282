#include "config_reader.hpp"

#include <cmath>
#include <limits>

#include "strata/core/error.hpp"

namespace strata::serialization {

namespace {

bool is_keras_module(const std::string& module) { return module == "keras" || module.rfind("keras.", 0) == 0; }

// A JSON number that holds a whole value (Keras writes integers, but a float such as 5.0 means the same).
bool is_whole_number(const nlohmann::json& v) {
    if (v.is_number_integer()) return true;
    if (!v.is_number_float()) return false;
    const double d = v.get<double>();
    return std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15;
}

std::int64_t whole_number(const nlohmann::json& v) {
    return v.is_number_integer() ? v.get<std::int64_t>() : static_cast<std::int64_t>(v.get<double>());
}

}  // namespace

std::string show(const nlohmann::json& value) {
    std::string text = value.dump();
    if (text.size() > 200) text = text.substr(0, 197) + "...";
    return text;
}

SerializedObject read_serialized(const std::string& who, const nlohmann::json& value) {
    if (!value.is_object())
        throw ValueError(who + ": expected a serialized object {\"class_name\", \"config\"}, got " + show(value));
    auto class_name = value.find("class_name");
    if (class_name == value.end() || !class_name->is_string())
        throw ValueError(who + ": expected a string \"class_name\", got " + show(value));
    SerializedObject out{class_name->get<std::string>(), nlohmann::json::object()};
    auto config = value.find("config");
    if (config != value.end() && !config->is_null()) out.config = *config;

    auto module = value.find("module");
    if (module != value.end() && !module->is_null()) {
        if (!module->is_string() || !is_keras_module(module->get<std::string>()))
            throw ValueError(who + ": \"" + out.class_name + "\" comes from module " + show(*module) +
                             ", not from keras; custom objects are not loaded");
    }
    auto registered = value.find("registered_name");
    if (registered != value.end() && !registered->is_null()) {
        // Keras writes a public function as {"class_name": "function", "config": name, "registered_name": name}.
        const bool keras_function = out.class_name == "function" && *registered == out.config;
        if (!keras_function)
            throw ValueError(who + ": \"" + out.class_name + "\" is a custom object (registered_name " +
                             show(*registered) + "); custom objects are not loaded");
    }
    if (out.class_name == "function") {
        if (!out.config.is_string())
            throw ValueError(who + ": a serialized function needs its name as \"config\", got " + show(out.config));
    } else if (!out.config.is_object()) {
        throw ValueError(who + ": \"" + out.class_name + "\": expected \"config\" to be an object, got " +
                         show(out.config));
    }
    return out;
}

ConfigReader::ConfigReader(std::string who, const nlohmann::json& config)
    : who_(std::move(who)), config_(config.is_null() ? nlohmann::json::object() : config) {
    if (!config_.is_object()) throw ValueError(who_ + ": expected the config to be an object, got " + show(config));
}

const nlohmann::json* ConfigReader::take(const char* key) {
    auto it = config_.find(key);
    if (it == config_.end()) return nullptr;
    taken_.insert(key);
    return &*it;
}

void ConfigReader::type_error(const char* key, const char* expected, const nlohmann::json& value) const {
    throw ValueError(who_ + ": config key \"" + key + "\" expects " + expected + ", got " + show(value));
}

void ConfigReader::read(const char* key, double& field) {
    const nlohmann::json* v = take(key);
    if (!v) return;
    if (!v->is_number()) type_error(key, "a number", *v);
    field = v->get<double>();
}

void ConfigReader::read(const char* key, std::int64_t& field) {
    const nlohmann::json* v = take(key);
    if (!v) return;
    if (!is_whole_number(*v)) type_error(key, "an integer", *v);
    field = whole_number(*v);
}

void ConfigReader::read(const char* key, int& field) {
    const nlohmann::json* v = take(key);
    if (!v) return;
    if (!is_whole_number(*v) || whole_number(*v) < std::numeric_limits<int>::min() ||
        whole_number(*v) > std::numeric_limits<int>::max())
        type_error(key, "an integer", *v);
    field = static_cast<int>(whole_number(*v));
}

void ConfigReader::read(const char* key, bool& field) {
    const nlohmann::json* v = take(key);
    if (!v) return;
    if (!v->is_boolean()) type_error(key, "true or false", *v);
    field = v->get<bool>();
}

void ConfigReader::read(const char* key, std::string& field) {
    const nlohmann::json* v = take(key);
    if (!v) return;
    if (!v->is_string()) type_error(key, "a string", *v);
    field = v->get<std::string>();
}

void ConfigReader::read(const char* key, std::optional<double>& field) {
    const nlohmann::json* v = take(key);
    if (!v) return;
    if (v->is_null()) {
        field.reset();
        return;
    }
    if (!v->is_number()) type_error(key, "a number or null", *v);
    field = v->get<double>();
}

void ConfigReader::read(const char* key, std::optional<int>& field) {
    const nlohmann::json* v = take(key);
    if (!v) return;
    if (v->is_null()) {
        field.reset();
        return;
    }
    int value = 0;
    taken_.erase(key);
    read(key, value);
    field = value;
}

void ConfigReader::read(const char* key, std::optional<std::int64_t>& field) {
    const nlohmann::json* v = take(key);
    if (!v) return;
    if (v->is_null()) {
        field.reset();
        return;
    }
    if (!is_whole_number(*v)) type_error(key, "an integer or null", *v);
    field = whole_number(*v);
}

void ConfigReader::read(const char* key, std::optional<std::string>& field) {
    const nlohmann::json* v = take(key);
    if (!v) return;
    if (v->is_null()) {
        field.reset();
        return;
    }
    if (!v->is_string()) type_error(key, "a string or null", *v);
    field = v->get<std::string>();
}

void ConfigReader::read_dtype(const char* key, DType& field) {
    const nlohmann::json* v = take(key);
    if (!v || v->is_null()) return;
    std::string name;
    if (v->is_string()) {
        name = v->get<std::string>();
    } else if (v->is_object() && v->value("class_name", nlohmann::json()) == "DTypePolicy" && v->contains("config") &&
               (*v)["config"].is_object() && (*v)["config"].value("name", nlohmann::json()).is_string()) {
        name = (*v)["config"]["name"].get<std::string>();
    } else {
        type_error(key, "a dtype name or a DTypePolicy", *v);
    }
    try {
        field = dtype_from_name(name);
    } catch (const ValueError& e) {
        throw ValueError(who_ + ": config key \"" + key + "\": " + e.what());
    }
}

void ConfigReader::read_thresholds(const char* key, std::vector<double>& field) {
    const nlohmann::json* v = take(key);
    if (!v || v->is_null()) return;
    if (v->is_number()) {
        field = {v->get<double>()};
        return;
    }
    if (!v->is_array()) type_error(key, "null, a number or a list of numbers", *v);
    std::vector<double> values;
    for (const auto& item : *v) {
        if (!item.is_number()) type_error(key, "null, a number or a list of numbers", *v);
        values.push_back(item.get<double>());
    }
    field = std::move(values);
}

void ConfigReader::read_reduction(const char* key, std::string& field) {
    const nlohmann::json* v = take(key);
    if (!v) return;
    if (v->is_null()) {
        field = "none";
        return;
    }
    if (!v->is_string()) type_error(key, "a reduction name or null", *v);
    field = v->get<std::string>();
}

void ConfigReader::accept_only(const char* key, std::initializer_list<nlohmann::json> allowed) {
    const nlohmann::json* v = take(key);
    if (!v) return;
    for (const auto& a : allowed)
        if (*v == a) return;
    std::string expected;
    for (const auto& a : allowed) expected += (expected.empty() ? "" : " or ") + a.dump();
    throw ValueError(who_ + ": config key \"" + key + "\" is only supported as " + expected + ", got " + show(*v));
}

void ConfigReader::ignore(const char* key) { take(key); }

void ConfigReader::finish() const {
    for (const auto& [key, value] : config_.items()) {
        if (!taken_.count(key)) throw ValueError(who_ + ": argument not recognized: \"" + key + "\" = " + show(value));
    }
}

}  // namespace strata::serialization
