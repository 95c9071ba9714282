#include "saving/layer_config.hpp"

namespace strata::saving::detail {

namespace {

// A value for a message, cut short: a config may be large.
std::string shown(const nlohmann::json& value) {
    std::string text = value.dump();
    return text.size() > 120 ? text.substr(0, 117) + "..." : text;
}

bool keras_module(const nlohmann::json& module) {
    if (!module.is_string()) return module.is_null();
    const std::string& m = module.get_ref<const std::string&>();
    return m == "keras" || m.rfind("keras.", 0) == 0;
}

}  // namespace

DType parse_dtype(const nlohmann::json& value, bool floating_only, const std::string& who) {
    std::string name;
    if (value.is_string()) {
        name = value.get<std::string>();
    } else if (value.is_object()) {
        // Keras 3.4+ writes the layer's DTypePolicy ("FloatDTypePolicy" in 3.0 to 3.3); any other policy
        // (quantized ones) is a class strata does not have.
        std::string policy = value.contains("class_name") && value["class_name"].is_string()
                                 ? value["class_name"].get<std::string>()
                                 : std::string();
        if (policy != "DTypePolicy" && policy != "FloatDTypePolicy")
            throw ValueError(who + ": field \"dtype\" expects a dtype name or a DTypePolicy, got " + shown(value));
        if (value.contains("module") && !keras_module(value["module"]))
            throw ValueError(who + ": field \"dtype\": a DTypePolicy from module " + shown(value["module"]) +
                             " is not Keras's");
        const nlohmann::json* config = value.contains("config") ? &value["config"] : nullptr;
        if (!config || !config->is_object() || !config->contains("name") || !(*config)["name"].is_string())
            throw ValueError(who + ": field \"dtype\": a DTypePolicy needs a config {\"name\": ...}, got " + shown(value));
        for (const auto& [key, v] : config->items())
            if (key != "name") throw ValueError(who + ": field \"dtype\": DTypePolicy does not take \"" + key + "\"");
        name = (*config)["name"].get<std::string>();
    } else {
        throw ValueError(who + ": field \"dtype\" expects a dtype name or a DTypePolicy, got " + shown(value));
    }
    if (name.rfind("mixed_", 0) == 0)
        throw ValueError(who + ": field \"dtype\": the mixed precision policy \"" + name +
                         "\" is not supported; strata's layers compute and keep their weights in float32 or float64");
    DType dtype;
    try {
        dtype = dtype_from_name(name);
    } catch (const ValueError&) {
        throw ValueError(who + ": field \"dtype\": unknown dtype \"" + name + "\"; strata's dtypes are float32, "
                         "float64, int64, int32, uint8 and bool");
    }
    if (floating_only && !is_floating(dtype))
        throw ValueError(who + ": field \"dtype\": a layer computes in float32 or float64, got \"" + name + "\"");
    return dtype;
}

Shape parse_shape(const nlohmann::json& value, const std::string& who) {
    if (!value.is_array()) throw ValueError(who + " expects a list of extents (integers or null), got " + shown(value));
    std::vector<std::int64_t> dims;
    for (const nlohmann::json& d : value) {
        if (d.is_null()) {
            dims.push_back(-1);
        } else if (d.is_number_integer() && d.get<std::int64_t>() > 0) {
            dims.push_back(d.get<std::int64_t>());
        } else {
            throw ValueError(who + " expects a list of extents (positive integers or null), got " + shown(value));
        }
    }
    return Shape(dims);
}

nlohmann::json shape_json(const Shape& shape) {
    nlohmann::json out = nlohmann::json::array();
    for (std::int64_t d : shape) out.push_back(d < 0 ? nlohmann::json(nullptr) : nlohmann::json(d));
    return out;
}

LayerConfig::LayerConfig(const nlohmann::json& config, std::string class_name)
    : config_(config), class_name_(std::move(class_name)) {
    if (!config_.is_object())
        throw ValueError("deserialize_layer: the config of " + class_name_ + " must be a dict, got " + shown(config_));
    auto it = config_.find("name");
    if (it != config_.end() && it->is_string()) layer_name_ = it->get<std::string>();
}

std::string LayerConfig::who() const {
    return "deserialize_layer: " + class_name_ + (layer_name_.empty() ? std::string() : " \"" + layer_name_ + "\"");
}

ValueError LayerConfig::field_error(const std::string& key, const std::string& what) const {
    return ValueError(who() + ": field \"" + key + "\" " + what);
}

const nlohmann::json* LayerConfig::read(const std::string& key) {
    used_.insert(key);
    auto it = config_.find(key);
    return it == config_.end() || it->is_null() ? nullptr : &*it;
}

const nlohmann::json* LayerConfig::required(const std::string& key) {
    const nlohmann::json* value = read(key);
    if (!value) throw field_error(key, "is required");
    return value;
}

std::int64_t LayerConfig::integer(const std::string& key) {
    const nlohmann::json* value = required(key);
    if (!value->is_number_integer()) throw field_error(key, "expects an integer, got " + shown(*value));
    return value->get<std::int64_t>();
}

std::int64_t LayerConfig::integer(const std::string& key, std::int64_t fallback) {
    std::optional<std::int64_t> value = optional_integer(key);
    return value ? *value : fallback;
}

std::optional<std::int64_t> LayerConfig::optional_integer(const std::string& key) {
    const nlohmann::json* value = read(key);
    if (!value) return std::nullopt;
    if (!value->is_number_integer()) throw field_error(key, "expects an integer, got " + shown(*value));
    return value->get<std::int64_t>();
}

double LayerConfig::number(const std::string& key) {
    const nlohmann::json* value = required(key);
    if (!value->is_number()) throw field_error(key, "expects a number, got " + shown(*value));
    return value->get<double>();
}

double LayerConfig::number(const std::string& key, double fallback) {
    const nlohmann::json* value = read(key);
    if (!value) return fallback;
    if (!value->is_number()) throw field_error(key, "expects a number, got " + shown(*value));
    return value->get<double>();
}

bool LayerConfig::boolean(const std::string& key, bool fallback) {
    const nlohmann::json* value = read(key);
    if (!value) return fallback;
    if (!value->is_boolean()) throw field_error(key, "expects a boolean, got " + shown(*value));
    return value->get<bool>();
}

std::string LayerConfig::string(const std::string& key, const std::string& fallback) {
    const nlohmann::json* value = read(key);
    if (!value) return fallback;
    if (!value->is_string()) throw field_error(key, "expects a string, got " + shown(*value));
    return value->get<std::string>();
}

layers::IntTuple LayerConfig::int_tuple(const std::string& key, layers::IntTuple fallback) {
    const nlohmann::json* value = read(key);
    if (!value) return fallback;
    if (value->is_number_integer()) return layers::IntTuple(value->get<std::int64_t>());
    if (value->is_array()) {
        std::vector<std::int64_t> values;
        for (const nlohmann::json& v : *value) {
            if (!v.is_number_integer()) throw field_error(key, "expects an integer or a list of integers, got " + shown(*value));
            values.push_back(v.get<std::int64_t>());
        }
        return layers::IntTuple(std::move(values));
    }
    throw field_error(key, "expects an integer or a list of integers, got " + shown(*value));
}

std::vector<std::int64_t> LayerConfig::integers(const std::string& key) {
    const nlohmann::json* value = required(key);
    std::vector<std::int64_t> out;
    if (value->is_array())
        for (const nlohmann::json& v : *value) {
            if (!v.is_number_integer()) break;
            out.push_back(v.get<std::int64_t>());
        }
    if (!value->is_array() || out.size() != value->size())
        throw field_error(key, "expects a list of integers, got " + shown(*value));
    return out;
}

Shape LayerConfig::shape(const std::string& key) {
    const nlohmann::json* value = read(key);
    if (!value) return {};
    return parse_shape(*value, who() + ": field \"" + key + "\"");
}

const nlohmann::json& LayerConfig::raw(const std::string& key) {
    static const nlohmann::json null_value;
    const nlohmann::json* value = read(key);
    return value ? *value : null_value;
}

activations::ActivationSpec LayerConfig::activation(const std::string& key) {
    const nlohmann::json* value = read(key);
    if (!value) return {};  // None: linear, as Keras's activations.get(None)
    std::string name;
    if (value->is_string()) {
        name = value->get<std::string>();
    } else if (value->is_object()) {
        // Keras 3.0's serialized function: {"module": "keras.activations", "class_name": "function",
        // "config": "relu", "registered_name": "function"}. Lambdas and Python functions carry code: refused.
        std::string kind = value->contains("class_name") && (*value)["class_name"].is_string()
                               ? (*value)["class_name"].get<std::string>()
                               : std::string();
        if (kind == "__lambda__" || kind == "__function__" || kind == "Lambda")
            throw field_error(key, "is a Python function (" + kind + "); strata never runs code from a config");
        if (kind != "function" || !value->contains("config") || !(*value)["config"].is_string())
            throw field_error(key, "expects an activation name or a serialized built-in function, got " + shown(*value));
        if (value->contains("module") && !keras_module((*value)["module"]))
            throw field_error(key, "names a function of module " + shown((*value)["module"]) +
                                       ", not one of Keras's activations");
        name = (*value)["config"].get<std::string>();
    } else {
        throw field_error(key, "expects an activation name, got " + shown(*value));
    }
    try {
        return activations::ActivationSpec(name);
    } catch (const ValueError& e) {
        throw field_error(key, std::string("is invalid: ") + e.what());
    }
}

initializers::InitializerSpec LayerConfig::initializer(const std::string& key, const std::string& fallback) {
    const nlohmann::json* value = read(key);
    if (!value) return fallback;
    try {
        return initializers::deserialize(*value);
    } catch (const ValueError& e) {
        throw field_error(key, std::string("is invalid: ") + e.what());
    }
}

regularizers::RegularizerSpec LayerConfig::regularizer(const std::string& key) {
    const nlohmann::json* value = read(key);
    if (!value) return {};
    try {
        return regularizers::deserialize(*value);
    } catch (const ValueError& e) {
        throw field_error(key, std::string("is invalid: ") + e.what());
    }
}

void LayerConfig::no_constraint(const std::string& key) {
    const nlohmann::json* value = read(key);
    if (value) throw field_error(key, "is a constraint (" + shown(*value) + "); strata has no constraints, so only null is accepted");
}

std::string LayerConfig::data_format(const std::string& key) { return string(key, "channels_last"); }

void LayerConfig::ignored(const std::string& key, const nlohmann::json& harmless, const std::string& why) {
    const nlohmann::json* value = read(key);
    if (value && *value != harmless) throw field_error(key, "= " + shown(*value) + " is not supported: " + why);
}

CommonArgs LayerConfig::common() {
    CommonArgs args;
    args.name = string("name", "");
    args.trainable = boolean("trainable", true);
    if (const nlohmann::json* dtype = read("dtype")) args.dtype = parse_dtype(*dtype, true, who());
    // Keras's input_shape and input_dim keyword arguments; Keras 2 writes batch_input_shape (batch axis first).
    Shape input_shape = shape("input_shape");
    Shape batch_input_shape = shape("batch_input_shape");
    std::optional<std::int64_t> input_dim = optional_integer("input_dim");
    int given = !input_shape.empty() + !batch_input_shape.empty() + input_dim.has_value();
    if (given > 1) throw ValueError(who() + ": give one of \"input_shape\", \"input_dim\" and \"batch_input_shape\", not several");
    if (!input_shape.empty()) args.input_shape = input_shape;
    if (!batch_input_shape.empty()) args.input_shape = batch_input_shape.without_batch();
    if (input_dim) {
        if (*input_dim <= 0) throw field_error("input_dim", "must be positive, got " + std::to_string(*input_dim));
        args.input_shape = Shape{*input_dim};
    }
    args.activity_regularizer = regularizer("activity_regularizer");
    return args;
}

void LayerConfig::finish() const {
    for (const auto& [key, value] : config_.items()) {
        if (used_.count(key)) continue;
        // Newer Keras versions add these to every layer; null means the feature is off.
        if ((key == "quantization_config" || key == "lora_rank" || key == "lora_alpha") && value.is_null()) continue;
        throw ValueError(who() + ": unrecognized keyword argument \"" + key + "\" (got " + shown(value) +
                         "); strata's " + class_name_ + " does not take it");
    }
}

}  // namespace strata::saving::detail
