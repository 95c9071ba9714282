// Sequential and Functional configs, after keras/src/models/sequential.py (get_config, from_config) and
// keras/src/models/functional.py (get_config, functional_from_config, serialize_node).
#include "saving/model_config.hpp"

#include <map>
#include <optional>

#include "core/text.hpp"
#include "models/model_layer.hpp"
#include "saving/layer_config.hpp"
#include "strata/models/input.hpp"
#include "strata/models/sequential.hpp"
#include "strata/saving/serialization.hpp"

namespace strata::saving {

namespace {

using nlohmann::json;
using saving::detail::is_model_class;
using saving::detail::shape_json;

using text::single_quoted;

// A batch shape as Keras writes it: a list of ints and nulls (None), the batch axis first.
Shape shape_from_json(const json& value, const std::string& what) {
    if (!value.is_array()) throw ValueError(what + ": expected a list of sizes, got " + value.dump());
    std::vector<std::int64_t> dims;
    for (const json& d : value) {
        if (d.is_null()) dims.push_back(-1);
        else if (d.is_number_integer() && d.get<std::int64_t>() > 0) dims.push_back(d.get<std::int64_t>());
        else throw ValueError(what + ": expected positive sizes or null, got " + value.dump());
    }
    return Shape(dims);
}

json dtype_policy(DType dtype) {
    return {{"module", "keras"},
            {"class_name", "DTypePolicy"},
            {"config", {{"name", dtype_name(dtype)}}},
            {"registered_name", nullptr}};
}

// A dtype as Keras writes it: "float32", or a DTypePolicy object naming it.
DType dtype_from_json(const json& value, const std::string& what) {
    std::string name;
    if (value.is_string()) name = value.get<std::string>();
    else if (value.is_object() && value.contains("config") && value["config"].is_object() &&
             value["config"].contains("name") && value["config"]["name"].is_string())
        name = value["config"]["name"].get<std::string>();
    else throw ValueError(what + ": expected a dtype, got " + value.dump());
    if (name == "float32") return float32;
    if (name == "float64") return float64;
    throw ValueError(what + ": dtype " + single_quoted(name) + " is not one strata builds models in (float32, float64)");
}

const std::string& class_of(const json& serialized, const std::string& what) {
    if (!serialized.is_object() || !serialized.contains("class_name") || !serialized["class_name"].is_string())
        throw ValueError(what + ": expected a serialized object with a class_name, got " +
                         serialized.dump().substr(0, 200));
    return serialized["class_name"].get_ref<const std::string&>();
}

const json& config_of(const json& serialized, const std::string& what) {
    if (!serialized.contains("config") || !serialized["config"].is_object())
        throw ValueError(what + ": the serialized " + class_of(serialized, what) + " has no config object");
    return serialized["config"];
}

// An Input tensor from an InputLayer config: Keras 3's batch_shape, or Keras 2's batch_input_shape.
Tensor input_from_config(const json& config, const std::string& fallback_name) {
    std::string name = config.contains("name") && config["name"].is_string() ? config["name"].get<std::string>()
                                                                             : fallback_name;
    std::string what = "InputLayer " + single_quoted(name);
    const json* shape = nullptr;
    for (const char* key : {"batch_shape", "batch_input_shape"})
        if (config.contains(key)) shape = &config[key];
    if (!shape) throw ValueError(what + ": the config has no batch_shape");
    Shape batch_shape = shape_from_json(*shape, what + ", batch_shape");
    if (batch_shape.rank() < 1) throw ValueError(what + ": batch_shape must include the batch axis");
    if (config.value("sparse", false) == true) throw ValueError(what + ": sparse inputs are not supported");
    if (config.value("ragged", false) == true) throw ValueError(what + ": ragged inputs are not supported");
    DType dtype = config.contains("dtype") ? dtype_from_json(config["dtype"], what) : float32;
    return Input(batch_shape.without_batch(), {.batch_size = batch_shape[0], .dtype = dtype, .name = name});
}

// ---- writing ----

json tensor_json(const Tensor& t, const std::pair<std::string, int>& history) {
    return {{"class_name", "__keras_tensor__"},
            {"config",
             {{"shape", shape_json(t.shape())},
              {"dtype", dtype_name(t.dtype())},
              {"keras_history", {history.first, history.second, 0}}}}};
}

json functional_config(const strata::detail::Graph& graph) {
    // Keras numbers a layer's calls (its inbound nodes) in call order; a nested Functional's first call is
    // node 1, its node 0 being the model's own construction (functional.py's get_config: kept_nodes = 1).
    std::map<const KerasHistory*, std::pair<std::string, int>> history;
    std::map<const Layer*, int> calls;
    std::map<const Layer*, std::vector<const strata::detail::GraphNode*>> nodes_of;
    for (const Tensor& input : graph.inputs) {
        const auto& call = input.impl()->keras_history;
        history[call.get()] = {call->layer->name(), 0};
    }
    for (const strata::detail::GraphNode& node : graph.nodes) {
        const Layer* layer = node.call->layer.get();
        auto [it, fresh] = calls.emplace(layer, 0);
        if (fresh) {
            const auto* model = dynamic_cast<const strata::detail::ModelLayer*>(layer);
            if (model && !model->graph()->sequential) it->second = 1;
        }
        history[node.call.get()] = {layer->name(), it->second++};
        nodes_of[layer].push_back(&node);
    }
    json layers = json::array();
    for (const auto& layer : graph.layers) {
        bool is_input = dynamic_cast<const InputLayer*>(layer.get()) != nullptr;
        json entry = is_input ? serialize_layer(*layer) : serialize_any_layer(*layer);
        entry["name"] = layer->name();
        json inbound = json::array();
        for (const strata::detail::GraphNode* node : nodes_of[layer.get()]) {
            const std::vector<Tensor>& inputs = node->call->inputs;
            json arg;
            if (inputs.size() == 1) {
                arg = tensor_json(inputs[0], history.at(inputs[0].impl()->keras_history.get()));
            } else {
                arg = json::array();
                for (const Tensor& t : inputs) arg.push_back(tensor_json(t, history.at(t.impl()->keras_history.get())));
            }
            inbound.push_back({{"args", json::array({arg})}, {"kwargs", json::object()}});
        }
        entry["inbound_nodes"] = inbound;
        layers.push_back(entry);
    }
    auto refs = [&](const std::vector<Tensor>& tensors) {
        json out = json::array();
        for (const Tensor& t : tensors) {
            const auto& [name, index] = history.at(t.impl()->keras_history.get());
            out.push_back({name, index, 0});
        }
        return out;
    };
    return {{"name", graph.name},
            {"trainable", graph.trainable},
            {"layers", layers},
            {"input_layers", refs(graph.inputs)},
            {"output_layers", refs(graph.outputs)}};
}

json sequential_config(const strata::detail::Graph& graph) {
    DType dtype = graph.built ? graph.inputs.front().dtype() : graph.stack.empty() ? float32 : graph.stack.front()->dtype();
    json layers = json::array();
    // Keras 3's Sequential.get_config lists its InputLayer first, then the layers.
    if (graph.built) layers.push_back(serialize_layer(*graph.inputs.front().impl()->keras_history->layer));
    for (const auto& layer : graph.stack) layers.push_back(serialize_any_layer(*layer));
    json config = {{"name", graph.name}, {"trainable", graph.trainable}, {"dtype", dtype_policy(dtype)}, {"layers", layers}};
    if (graph.built) config["build_input_shape"] = shape_json(graph.inputs.front().shape());
    return config;
}

// ---- reading ----

Model sequential_from_config(const json& config) {
    std::string name = config.contains("name") && config["name"].is_string() ? config["name"].get<std::string>() : "";
    std::string what = "Sequential " + single_quoted(name);
    if (!config.contains("layers") || !config["layers"].is_array())
        throw ValueError(what + ": the config has no list of layers");
    const json& entries = config["layers"];
    Sequential model({.name = name});
    std::size_t first = 0;
    // The input: an InputLayer first (Keras 3), or the first layer's batch_input_shape (Keras 2), or the
    // model's build_input_shape.
    if (!entries.empty() && class_of(entries[0], what) == "InputLayer") {
        model.add(input_from_config(config_of(entries[0], what), ""));
        first = 1;
    } else if (!entries.empty() && entries[0].contains("config") && entries[0]["config"].is_object() &&
               (entries[0]["config"].contains("batch_input_shape") || entries[0]["config"].contains("batch_shape"))) {
        const json& c = entries[0]["config"];
        json input = {{"batch_shape", c.contains("batch_shape") ? c["batch_shape"] : c["batch_input_shape"]}};
        if (c.contains("dtype")) input["dtype"] = c["dtype"];
        model.add(input_from_config(input, ""));
    } else if (config.contains("build_input_shape") && config["build_input_shape"].is_array()) {
        json input = {{"batch_shape", config["build_input_shape"]}};
        if (config.contains("dtype")) input["dtype"] = config["dtype"];
        model.add(input_from_config(input, ""));
    }
    for (std::size_t i = first; i < entries.size(); ++i) {
        json entry = entries[i];
        if (class_of(entry, what) == "InputLayer")
            throw ValueError(what + ": an InputLayer can only be the first layer, found one at position " +
                             std::to_string(i));
        // Keras 2 put the input shape into the first layer's config; it is the model's input now.
        if (entry.contains("config") && entry["config"].is_object()) {
            entry["config"].erase("batch_input_shape");
            entry["config"].erase("batch_shape");
        }
        model.add(deserialize_any_layer(entry));
    }
    if (config.contains("trainable") && config["trainable"] == false) model.set_trainable(false);
    return model;
}

// One layer of a functional config while it is being rebuilt: its calls still to make and the outputs of
// those made.
struct PendingLayer {
    std::shared_ptr<Layer> layer;
    json inbound_nodes;
    std::size_t next = 0;
    std::vector<Tensor> outputs;  // by node index
};

struct Reference {
    std::string layer;
    std::int64_t node = 0;
    std::int64_t tensor = 0;
};

// A reference to a layer call's output: [name, node_index, tensor_index(, kwargs)] (Keras 2 and the
// input/output lists) or a serialized __keras_tensor__ (Keras 3).
Reference reference_from_json(const json& value, const std::string& what) {
    const json* history = &value;
    if (value.is_object()) {
        if (value.value("class_name", "") != "__keras_tensor__" || !value.contains("config") ||
            !value["config"].is_object() || !value["config"].contains("keras_history"))
            throw ValueError(what + ": expected a tensor, got " + value.dump().substr(0, 200));
        history = &value["config"]["keras_history"];
    }
    if (!history->is_array() || history->size() < 3 || !(*history)[0].is_string() ||
        !(*history)[1].is_number_integer() || !(*history)[2].is_number_integer())
        throw ValueError(what + ": expected [layer name, node index, tensor index], got " + history->dump().substr(0, 200));
    return {(*history)[0].get<std::string>(), (*history)[1].get<std::int64_t>(), (*history)[2].get<std::int64_t>()};
}

bool is_tensor_json(const json& value) {
    return value.is_object() && value.value("class_name", "") == "__keras_tensor__";
}

// The references of one inbound node, and whether its layer takes them as a list.
std::pair<std::vector<Reference>, bool> node_references(const json& node, const std::string& what) {
    std::vector<Reference> refs;
    if (node.is_array()) {  // Keras 2: [[name, node, tensor, kwargs], ...]
        for (const json& ref : node) refs.push_back(reference_from_json(ref, what));
        return {refs, refs.size() > 1};
    }
    if (!node.is_object() || !node.contains("args") || !node["args"].is_array())
        throw ValueError(what + ": expected an inbound node {args, kwargs}, got " + node.dump().substr(0, 200));
    const json& args = node["args"];
    if (args.size() != 1)
        throw ValueError(what + ": a call with " + std::to_string(args.size()) +
                         " positional arguments; strata's layers take one (a tensor or a list of tensors)");
    if (node.contains("kwargs")) {
        if (!node["kwargs"].is_object()) throw ValueError(what + ": kwargs must be an object");
        for (const auto& [key, value] : node["kwargs"].items())
            if (is_tensor_json(value) || value.is_array() || value.is_object())
                throw ValueError(what + ": the call passes " + single_quoted(key) +
                                 " as a tensor or structure, which strata's layers do not take");
    }
    const json& arg = args[0];
    if (arg.is_array()) {
        for (const json& t : arg) refs.push_back(reference_from_json(t, what));
        return {refs, true};
    }
    refs.push_back(reference_from_json(arg, what));
    return {refs, false};
}

Model functional_from_config(const json& config) {
    std::string name = config.contains("name") && config["name"].is_string() ? config["name"].get<std::string>() : "";
    std::string what = "model " + single_quoted(name);
    if (!config.contains("layers") || !config["layers"].is_array())
        throw ValueError(what + ": the config has no list of layers");
    std::map<std::string, PendingLayer> layers;
    std::vector<std::string> order;
    for (const json& entry : config["layers"]) {
        const std::string& class_name = class_of(entry, what);
        const json& layer_config = config_of(entry, what);
        std::string layer_name = entry.contains("name") && entry["name"].is_string() ? entry["name"].get<std::string>()
                                 : layer_config.contains("name") && layer_config["name"].is_string()
                                     ? layer_config["name"].get<std::string>()
                                     : "";
        if (layer_name.empty()) throw ValueError(what + ": a " + class_name + " layer has no name");
        if (layers.count(layer_name)) throw ValueError(what + ": two layers are named " + single_quoted(layer_name));
        PendingLayer pending;
        if (class_name == "InputLayer") {
            pending.outputs.push_back(input_from_config(layer_config, layer_name));
        } else {
            pending.layer = deserialize_any_layer(entry);
            if (entry.contains("inbound_nodes")) pending.inbound_nodes = entry["inbound_nodes"];
            if (!pending.inbound_nodes.is_null() && !pending.inbound_nodes.is_array())
                throw ValueError(what + ", layer " + single_quoted(layer_name) + ": inbound_nodes must be a list");
            const auto* model = dynamic_cast<const strata::detail::ModelLayer*>(pending.layer.get());
            if (model && !model->graph()->sequential) pending.outputs.emplace_back();  // node 0: its own
        }
        layers.emplace(layer_name, std::move(pending));
        order.push_back(layer_name);
    }

    // The tensor a reference names: nullopt while the call that makes it has not been made yet.
    auto resolve = [&](const Reference& ref, const std::string& where) -> std::optional<Tensor> {
        auto it = layers.find(ref.layer);
        if (it == layers.end())
            throw ValueError(where + " refers to layer " + single_quoted(ref.layer) + ", which the config does not have");
        if (ref.tensor != 0)
            throw ValueError(where + " refers to output " + std::to_string(ref.tensor) + " of layer " +
                             single_quoted(ref.layer) + "; strata's layers have one output");
        if (ref.node < 0) throw ValueError(where + " refers to a negative node index");
        const PendingLayer& source = it->second;
        std::size_t node = static_cast<std::size_t>(ref.node);
        if (node < source.outputs.size()) {
            if (!source.outputs[node].defined())
                throw ValueError(where + " refers to node " + std::to_string(ref.node) + " of model " +
                                 single_quoted(ref.layer) + ", its own construction, which has no output to use");
            return source.outputs[node];
        }
        std::size_t pending_nodes = source.inbound_nodes.is_array() ? source.inbound_nodes.size() : 0;
        std::size_t made_before = source.outputs.size() - source.next;
        if (node >= made_before + pending_nodes)
            throw ValueError(where + " refers to node " + std::to_string(ref.node) + " of layer " + single_quoted(ref.layer) +
                             ", which is never called that many times");
        return std::nullopt;
    };

    // Keras's functional_from_config: make every call whose inputs exist, until no call can be made.
    for (bool progress = true; progress;) {
        progress = false;
        for (const std::string& layer_name : order) {
            PendingLayer& pending = layers.at(layer_name);
            while (pending.inbound_nodes.is_array() && pending.next < pending.inbound_nodes.size()) {
                std::string where = what + ", layer " + single_quoted(layer_name) + ", inbound node " + std::to_string(pending.next);
                auto [refs, as_list] = node_references(pending.inbound_nodes[pending.next], where);
                std::vector<Tensor> inputs;
                for (const Reference& ref : refs) {
                    std::optional<Tensor> t = resolve(ref, where);
                    if (!t) break;
                    inputs.push_back(*t);
                }
                if (inputs.size() != refs.size()) break;
                pending.outputs.push_back(as_list ? (*pending.layer)(inputs) : (*pending.layer)(inputs.at(0)));
                ++pending.next;
                progress = true;
            }
        }
    }
    for (const std::string& layer_name : order) {
        const PendingLayer& pending = layers.at(layer_name);
        if (pending.inbound_nodes.is_array() && pending.next < pending.inbound_nodes.size())
            throw ValueError(what + ": layer " + single_quoted(layer_name) + " cannot be called: inbound node " +
                             std::to_string(pending.next) +
                             " waits for a call that never comes (the graph has a cycle)");
    }

    auto endpoints = [&](const char* key) {
        if (!config.contains(key)) throw ValueError(what + ": the config has no " + key);
        json refs = config[key];
        if (refs.is_array() && !refs.empty() && refs[0].is_string()) refs = json::array({refs});  // one [name, 0, 0]
        if (!refs.is_array() || refs.empty()) throw ValueError(what + ": " + key + " must be a non-empty list");
        std::vector<Tensor> out;
        for (const json& ref : refs) {
            std::optional<Tensor> t = resolve(reference_from_json(ref, what + ", " + key), what + ", " + key);
            if (!t) throw ValueError(what + ", " + key + ": a tensor no call makes");
            out.push_back(*t);
        }
        return out;
    };
    Model model(endpoints("input_layers"), endpoints("output_layers"), {.name = name});
    if (config.contains("trainable") && config["trainable"] == false) model.set_trainable(false);
    return model;
}

}  // namespace

json model_config(const strata::detail::Graph& graph) {
    return graph.sequential ? sequential_config(graph) : functional_config(graph);
}

json serialize_model(const strata::detail::Graph& graph) {
    if (graph.sequential) {
        json out = {{"module", "keras"}, {"class_name", "Sequential"}, {"config", sequential_config(graph)},
                    {"registered_name", nullptr}};
        if (graph.built) out["build_config"] = {{"input_shape", shape_json(graph.inputs.front().shape())}};
        return out;
    }
    return {{"module", "keras.src.models.functional"},
            {"class_name", "Functional"},
            {"config", functional_config(graph)},
            {"registered_name", "Functional"},
            {"build_config", {{"input_shape", nullptr}}}};
}

json serialize_any_layer(const Layer& layer) {
    if (const auto* model = dynamic_cast<const strata::detail::ModelLayer*>(&layer)) return serialize_model(*model->graph());
    return serialize_layer(layer);
}

std::shared_ptr<Layer> deserialize_any_layer(const json& serialized) {
    if (is_model_class(class_of(serialized, "deserialize"))) return deserialize_model(serialized);
    return deserialize_layer(serialized);
}

Model deserialize_model(const json& serialized) {
    const std::string& class_name = class_of(serialized, "load_model");
    if (!is_model_class(class_name))
        throw ValueError("load_model: the config describes a " + single_quoted(class_name) +
                         ", not a Sequential or Functional model; strata does not rebuild other model classes "
                         "(a subclassed model's code is not in the file)");
    const json& config = config_of(serialized, "load_model");
    return class_name == "Sequential" ? sequential_from_config(config) : functional_from_config(config);
}

json parse_json(const std::string& text, const std::string& origin) {
    // Keras's configs nest a few levels per layer; 256 is far beyond any real model and keeps a hostile file
    // from exhausting the stack.
    constexpr int max_depth = 256;
    constexpr std::size_t max_size = std::size_t{256} << 20;
    if (text.size() > max_size)
        throw ValueError(origin + ": " + std::to_string(text.size()) + " bytes of JSON is more than the " +
                         std::to_string(max_size >> 20) + " MiB strata reads");
    json::parser_callback_t limit_depth = [&](int depth, json::parse_event_t, json&) {
        if (depth > max_depth)
            throw ValueError(origin + ": the JSON nests deeper than " + std::to_string(max_depth) + " levels");
        return true;
    };
    try {
        return json::parse(text, limit_depth);
    } catch (const json::exception& e) {
        throw ValueError(origin + ": malformed JSON (" + e.what() + ")");
    }
}

}  // namespace strata::saving
