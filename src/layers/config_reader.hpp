// Reads the config dict of a class being deserialized (an initializer, a regularizer), refusing what strata
// would otherwise drop silently: a value of the wrong type, or a key the class does not take.
#pragma once

#include <functional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "strata/core/error.hpp"

namespace strata::detail {

class ConfigReader {
public:
    // `what` opens every error message ("initializers.deserialize").
    ConfigReader(const nlohmann::json& config, std::string what, std::string class_name)
        : config_(config), what_(std::move(what)), class_name_(std::move(class_name)) {
        if (!config_.is_object())
            throw ValueError(what_ + ": the config of " + class_name_ + " must be a dict, got " + config_.dump());
    }

    // The number at `key`; `fallback` when it is absent or null (Keras: None means the default).
    double number(const std::string& key, double fallback) {
        const nlohmann::json* value = read(key);
        if (!value) return fallback;
        if (!value->is_number())
            throw ValueError(what_ + ": " + class_name_ + " expects a number for \"" + key + "\", got " + value->dump());
        return value->get<double>();
    }

    std::string string(const std::string& key, std::string fallback) {
        const nlohmann::json* value = read(key);
        if (!value) return fallback;
        if (!value->is_string())
            throw ValueError(what_ + ": " + class_name_ + " expects a string for \"" + key + "\", got " + value->dump());
        return value->get<std::string>();
    }

    // Refuses every key nobody read, unless `tolerated(key, value)` says the class may ignore it.
    void finish(const std::function<bool(const std::string&, const nlohmann::json&)>& tolerated = {}) const {
        for (const auto& [key, value] : config_.items()) {
            if (used_.count(key) || (tolerated && tolerated(key, value))) continue;
            throw ValueError(what_ + ": " + class_name_ + " does not take \"" + key + "\" (got " + value.dump() + ")");
        }
    }

private:
    const nlohmann::json* read(const std::string& key) {
        used_.insert(key);
        auto it = config_.find(key);
        return it == config_.end() || it->is_null() ? nullptr : &*it;
    }

    const nlohmann::json& config_;
    std::string what_;
    std::string class_name_;
    std::set<std::string> used_;
};

}  // namespace strata::detail
