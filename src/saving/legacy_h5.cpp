#include "saving/legacy_h5.hpp"

#include <filesystem>
#include <iostream>

#include "core/text.hpp"
#include "layers/weight_budget.hpp"
#include "saving/hdf5.hpp"
#include "saving/model_config.hpp"
#include "strata/training/serialization.hpp"

namespace strata::saving {

namespace {

using nlohmann::json;

using text::single_quoted;

// tf.keras 2 wrote a metric given by name as MeanMetricWrapper(fn=binary_accuracy, name="accuracy"): it is the
// metric of that name, resolved from the output's shape as compile resolves a name.
void metrics_by_name(json& metrics) {
    if (metrics.is_array()) {
        for (json& m : metrics) metrics_by_name(m);
    } else if (metrics.is_object() && metrics.value("class_name", "") == "MeanMetricWrapper" &&
               metrics.contains("config") && metrics["config"].is_object()) {
        const json& config = metrics["config"];
        if (config.contains("name") && config["name"].is_string()) metrics = config["name"];
        else if (config.contains("fn") && config["fn"].is_string()) metrics = config["fn"];
    }
}

// Keras 2's training_config: {"optimizer_config": {...}, "loss": ..., "metrics": [...], "loss_weights": ...}.
// Keras compiles the loaded model with it; a config strata cannot read (an optimizer argument Keras 3 no
// longer has, say) leaves the model uncompiled with a warning, as Keras warns when it cannot restore the
// optimizer.
void compile_from_training_config(Model& model, const json& training, const std::string& filepath) {
    try {
        // tf.keras 2.11 to 2.15 registered its optimizers as "Custom>Adam"... and wrote two flags of its own
        // (jit_compile, is_legacy_optimizer) that change nothing in the update; read them as Keras's Adam.
        json optimizer = training.at("optimizer_config");
        if (optimizer.is_object() && optimizer.contains("class_name") && optimizer["class_name"].is_string()) {
            std::string class_name = optimizer["class_name"];
            if (class_name.rfind("Custom>", 0) == 0) optimizer["class_name"] = class_name.substr(7);
        }
        if (optimizer.is_object() && optimizer.contains("config") && optimizer["config"].is_object()) {
            optimizer["config"].erase("jit_compile");
            optimizer["config"].erase("is_legacy_optimizer");
        }
        json metrics = training.value("metrics", json(nullptr));
        metrics_by_name(metrics);
        json compile = {{"optimizer", optimizer},
                        {"loss", training.value("loss", json(nullptr))},
                        {"loss_weights", training.value("loss_weights", json(nullptr))},
                        {"metrics", metrics}};
        model.compile(compile_options_from_config(compile));
    } catch (const std::exception& e) {
        std::cerr << "Warning: " << filepath << ": the model was *not* compiled (" << e.what()
                  << "). Compile it manually.\n";
    }
}

// The dataset at `path` below `group` ("dense_1/kernel:0", as Keras 2's weight_names give it), read after its
// shape is checked against `expected`'s.
Tensor read_weight(const h5::Group& group, const std::string& path, const Tensor& expected, const std::string& what) {
    if (std::size_t slash = path.find('/'); slash != std::string::npos)
        return read_weight(group.open_group(path.substr(0, slash)), path.substr(slash + 1), expected, what);
    h5::DatasetInfo info = group.dataset_info(path);
    if (info.shape != expected.shape())
        throw ValueError(what + ": expected shape " + expected.shape().to_string() + ", got " + info.shape.to_string());
    return group.read_dataset(path, expected.dtype());
}

}  // namespace

Model load_legacy_h5(const std::string& filepath, bool compile) {
    h5::File file = h5::File::open(filepath);
    h5::Group root = file.root();
    if (!root.has_attribute("model_config")) {
        if (root.has_attribute("layer_names"))
            throw IOError("load_model: " + single_quoted(filepath) +
                          " holds only weights (Keras's save_weights in the legacy HDF5 layout), not a model; "
                          "build the model in code to load them");
        if (root.contains("layers") || root.contains("vars"))
            throw IOError("load_model: " + single_quoted(filepath) +
                          " is a Keras 3 weights file (.weights.h5), not a model; use Model::load_weights");
        throw IOError("load_model: " + single_quoted(filepath) + " is an HDF5 file without a model_config: not a Keras model");
    }
    json config = parse_json(*root.string_attribute("model_config"), single_quoted(filepath) + ", model_config");
    std::uintmax_t file_bytes = std::filesystem::file_size(filepath);
    detail::WeightBudget budget(static_cast<std::int64_t>(file_bytes),
                                single_quoted(filepath) + " (" + std::to_string(file_bytes) + " bytes)");
    Model model = [&] {
        try {
            return deserialize_model(config);
        } catch (const json::exception& e) {
            throw ValueError("load_model: " + single_quoted(filepath) + ", model_config: " + e.what());
        }
    }();

    if (!root.is_group("model_weights"))
        throw IOError("load_model: " + single_quoted(filepath) + " has a model_config but no model_weights group");
    h5::Group weights = root.open_group("model_weights");
    std::vector<std::string> stored = weights.string_list_attribute("layer_names").value_or(std::vector<std::string>{});

    // legacy_h5_format.load_weights_from_hdf5_group: the layers with weights, paired by position with the
    // stored layers that have weights.
    std::vector<std::shared_ptr<Layer>> targets;
    for (const auto& layer : model.layers())
        if (!layer->weights().empty()) targets.push_back(layer);
    std::vector<std::pair<std::string, std::vector<std::string>>> sources;
    for (const std::string& name : stored) {
        if (!weights.is_group(name))
            throw IOError("load_model: " + single_quoted(filepath) + " lists layer " + single_quoted(name) +
                          " in model_weights, but has no group for it");
        std::vector<std::string> names =
            weights.open_group(name).string_list_attribute("weight_names").value_or(std::vector<std::string>{});
        if (!names.empty()) sources.emplace_back(name, std::move(names));
    }
    if (sources.size() != targets.size())
        throw ValueError("load_model: " + single_quoted(filepath) + " holds weights for " + std::to_string(sources.size()) +
                         " layers, but its model has " + std::to_string(targets.size()) + " layers with weights");
    std::vector<std::vector<Tensor>> values;
    for (std::size_t i = 0; i < targets.size(); ++i) {
        const auto& [name, names] = sources[i];
        std::vector<Tensor> expected = targets[i]->weights();
        std::string label = "layer " + single_quoted(targets[i]->name()) + " (" + targets[i]->class_name() + ")";
        if (names.size() != expected.size())
            throw ValueError("load_model: " + label + " expects " + std::to_string(expected.size()) + " weights, but " +
                             single_quoted(filepath) + " holds " + std::to_string(names.size()) + " for layer " +
                             single_quoted(name));
        h5::Group group = weights.open_group(name);
        std::vector<Tensor> layer_values;
        for (std::size_t j = 0; j < names.size(); ++j)
            layer_values.push_back(read_weight(group, names[j], expected[j],
                                               "load_model: " + label + ", weight " + single_quoted(names[j]) + " in " +
                                                   single_quoted(filepath)));
        values.push_back(std::move(layer_values));
    }
    for (std::size_t i = 0; i < targets.size(); ++i) targets[i]->set_weights(values[i]);

    if (compile) {
        if (std::optional<std::string> training = root.string_attribute("training_config"))
            compile_from_training_config(model, parse_json(*training, single_quoted(filepath) + ", training_config"), filepath);
    }
    return model;
}

}  // namespace strata::saving
