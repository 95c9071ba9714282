// Reading Keras configs: the serialize_keras_object envelope and a class's config, key by key, with errors that
// name the caller, the class, the key and the value.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "strata/core/dtype.hpp"

namespace strata::serialization {

// A JSON value for an error message, cut short when long.
std::string show(const nlohmann::json& value);

// The parts of a serialized Keras object that strata reads.
struct SerializedObject {
    std::string class_name;
    // The class's config (an object), or, for class_name "function", the function's name (a string).
    nlohmann::json config;
};

// Reads {"module", "class_name", "config", "registered_name"} or {"class_name", "config"}, as Keras's
// deserialize_keras_object. `who` ("optimizers.deserialize") names the caller. ValueError when `value` is not
// an object with a string class_name, or is a custom object: a registered_name (other than a Keras function's
// own name) or a module outside keras ("keras", "keras.*").
SerializedObject read_serialized(const std::string& who, const nlohmann::json& value);

// The keyword arguments of one class in its config. Each read() takes a key when it is there (a missing key
// keeps the default already in the field) and checks its type; finish() refuses the keys no read() took.
class ConfigReader {
public:
    // `who` names the caller and the class in errors ("optimizers.deserialize: Adam"). ValueError unless
    // `config` is an object (null counts as an empty one).
    ConfigReader(std::string who, const nlohmann::json& config);

    void read(const char* key, double& field);
    void read(const char* key, int& field);
    void read(const char* key, std::int64_t& field);
    void read(const char* key, bool& field);
    void read(const char* key, std::string& field);
    // null gives nullopt.
    void read(const char* key, std::optional<double>& field);
    void read(const char* key, std::optional<int>& field);
    void read(const char* key, std::optional<std::int64_t>& field);
    void read(const char* key, std::optional<std::string>& field);
    // "float32", or a serialized DTypePolicy ({"class_name": "DTypePolicy", "config": {"name": "float32"}});
    // null keeps the default (Keras's floatx).
    void read_dtype(const char* key, DType& field);
    // Keras's thresholds: null (the field stays empty), a number, or a list of numbers.
    void read_thresholds(const char* key, std::vector<double>& field);
    // A loss's reduction; null is Keras's None, "none".
    void read_reduction(const char* key, std::string& field);
    // An argument strata does not offer: accepted only when absent or equal to one of `allowed` (its Keras
    // default), else ValueError.
    void accept_only(const char* key, std::initializer_list<nlohmann::json> allowed);
    // An argument Keras itself ignores (the optimizers' "decay").
    void ignore(const char* key);
    // The value under `key` (marked as read), or null when absent.
    const nlohmann::json* take(const char* key);

    // ValueError naming the first key no read took, as Keras's "Argument(s) not recognized".
    void finish() const;
    const std::string& who() const { return who_; }

private:
    [[noreturn]] void type_error(const char* key, const char* expected, const nlohmann::json& value) const;

    std::string who_;
    nlohmann::json config_;
    std::set<std::string> taken_;
};

}  // namespace strata::serialization
