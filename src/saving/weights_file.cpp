// Model::save_weights and Model::load_weights: Keras 3's .weights.h5 layout, as saving_lib.save_weights_only
// writes it (_save_state over the model, H5IOStore/H5Entry for each object):
//
//   /vars                      the model's own variables (none for Sequential and functional models);
//                              attribute name = the model's name
//   /layers/<key>/vars/<i>     variable i of each entry of model.layers (trainable then non-trainable, in
//                              creation order); attribute name = the layer's name. <key> is the snake_case
//                              class name, suffixed _1, _2... for repeats (_save_container_state), never the
//                              layer's name, so that files do not depend on automatic names. Layers without
//                              weights get an empty vars group.
//   /layers/<key>/layers/...   a model used as a layer: its own (empty) vars group, then its layers the same
//                              way, at any depth
//   /optimizer/vars/<i>        the compiled optimizer's variables, when the model is compiled; attribute
//                              name = the optimizer's name
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "core/atomic_write.hpp"
#include "core/text.hpp"
#include "models/model_layer.hpp"
#include "saving/hdf5.hpp"
#include "saving/naming.hpp"
#include "saving/weights_layout.hpp"
#include "strata/core/error.hpp"
#include "strata/models/model.hpp"
#include "strata/training/optimizer.hpp"

namespace strata {

namespace saving {

std::vector<LayerEntry> layer_entries(const std::vector<std::shared_ptr<Layer>>& layers) {
    std::vector<LayerEntry> entries;
    std::map<std::string, int> used;
    for (const auto& layer : layers) {
        std::string key = to_snake_case(layer->class_name());
        auto [it, fresh] = used.emplace(key, 0);
        if (!fresh) key += "_" + std::to_string(++it->second);
        entries.push_back({layer, key});
    }
    return entries;
}

}  // namespace saving

namespace {

using text::single_quoted;

void write_variables(const saving::h5::Group& vars, const std::vector<Tensor>& variables) {
    for (std::size_t i = 0; i < variables.size(); ++i) vars.write_dataset(std::to_string(i), variables[i]);
}

// The dataset names of a vars group, checked to be exactly "0" .. "n-1" (HDF5 lists them as text, "10"
// before "2", so they are matched by number, not by listing order).
std::size_t variable_count(const saving::h5::Group& vars, const std::string& owner, const std::string& file) {
    std::vector<std::string> names = vars.children();
    for (std::size_t i = 0; i < names.size(); ++i)
        if (!vars.contains(std::to_string(i)) || vars.is_group(std::to_string(i)))
            throw ValueError("load_weights: " + owner + " in " + single_quoted(file) + " holds " +
                             std::to_string(names.size()) + " entries, but no dataset named " + single_quoted(std::to_string(i)));
    return names.size();
}

// Variables read from the file for one object, checked against the object's variables.
std::vector<Tensor> read_variables(const saving::h5::Group& vars, const std::vector<Tensor>& targets,
                                   const std::string& owner, const std::string& file) {
    std::vector<Tensor> values;
    for (std::size_t i = 0; i < targets.size(); ++i) {
        saving::h5::DatasetInfo info = vars.dataset_info(std::to_string(i));
        if (info.shape != targets[i].shape())
            throw ValueError("load_weights: " + owner + ", weight " + std::to_string(i) + ": expected shape " +
                             targets[i].shape().to_string() + " (the model's), got " + info.shape.to_string() +
                             " in " + single_quoted(file));
        values.push_back(vars.read_dataset(std::to_string(i), targets[i].dtype()));
    }
    return values;
}

// A layer's description in errors: its name, where its weights sit in the file, and the name the file
// recorded for it (Keras 3.9 and later write it; older files do not).
std::string layer_label(const Layer& layer, const std::string& path, const saving::h5::Group* vars) {
    std::string label = "layer " + single_quoted(layer.name()) + " (" + layer.class_name() + ", stored as " + single_quoted(path);
    if (vars) {
        std::optional<std::string> saved = vars->string_attribute("name");
        if (saved && *saved != layer.name()) label += ", saved from layer " + single_quoted(*saved);
    }
    return label + ")";
}

// Keras's _save_state over a list of layers (model.layers): layers/<key>/vars for each, and for a model used as
// a layer, its layers beneath its own group.
void write_layers(const saving::h5::Group& parent, const std::vector<std::shared_ptr<Layer>>& layers) {
    if (layers.empty()) return;
    saving::h5::Group group = parent.create_group("layers");
    for (const saving::LayerEntry& entry : saving::layer_entries(layers)) {
        saving::h5::Group layer_group = group.create_group(entry.key);
        saving::h5::Group vars = layer_group.create_group("vars");
        vars.set_string_attribute("name", entry.layer->name());
        if (const auto* model = dynamic_cast<const detail::ModelLayer*>(entry.layer.get()))
            write_layers(layer_group, model->layers());  // a model's own vars are empty; its layers hold them
        else
            write_variables(vars, entry.layer->weights());
    }
}

// The values for each layer's weights, read from the file and checked, collected before anything is assigned.
struct LayerValues {
    std::shared_ptr<Layer> layer;
    std::vector<Tensor> values;
};

// Reads `layers` from `parent`/layers (`where` is parent's path in the file, for errors).
void read_layers(const saving::h5::Group& parent, const std::string& where,
                 const std::vector<std::shared_ptr<Layer>>& layers, const std::string& owner,
                 const std::string& filepath, std::vector<LayerValues>& out) {
    std::vector<saving::LayerEntry> entries = saving::layer_entries(layers);
    if (entries.empty() && !parent.contains("layers")) return;
    if (!parent.is_group("layers"))
        throw ValueError("load_weights: " + single_quoted(filepath) + " holds no layers" +
                         (where.empty() ? "" : " under " + single_quoted(where)) + ", but " + owner + " has " +
                         std::to_string(entries.size()));
    saving::h5::Group group = parent.open_group("layers");
    std::string prefix = where + "layers/";
    std::vector<std::string> stored;
    for (const std::string& child : group.children())
        if (group.is_group(child)) stored.push_back(child);
    if (stored.size() != entries.size()) {
        std::string expected, got;
        for (const auto& entry : entries) expected += (expected.empty() ? "" : ", ") + entry.key;
        for (const auto& key : stored) got += (got.empty() ? "" : ", ") + key;
        throw ValueError("load_weights: " + owner + " has " + std::to_string(entries.size()) + " layers [" + expected +
                         "], but " + single_quoted(filepath) + " holds " + std::to_string(stored.size()) + " [" + got +
                         "]" + (where.empty() ? "" : " under " + single_quoted(where)));
    }
    for (const saving::LayerEntry& entry : entries) {
        std::string path = prefix + entry.key;
        if (!group.is_group(entry.key))
            throw ValueError("load_weights: " + layer_label(*entry.layer, path, nullptr) + " is missing in " +
                             single_quoted(filepath));
        saving::h5::Group layer_group = group.open_group(entry.key);
        if (const auto* model = dynamic_cast<const detail::ModelLayer*>(entry.layer.get())) {
            read_layers(layer_group, path + "/", model->layers(), "model " + single_quoted(model->name()), filepath, out);
            continue;
        }
        std::vector<Tensor> targets = entry.layer->weights();
        // H5Entry: a layer without a vars group has no variables.
        if (!layer_group.is_group("vars")) {
            if (!targets.empty())
                throw ValueError("load_weights: " + layer_label(*entry.layer, path, nullptr) + " expected " +
                                 std::to_string(targets.size()) + " variables, but " + single_quoted(filepath) +
                                 " holds none");
            continue;
        }
        saving::h5::Group vars = layer_group.open_group("vars");
        std::string label = layer_label(*entry.layer, path, &vars);
        std::size_t count = variable_count(vars, label, filepath);
        // Keras 3: "Layer 'dense' expected 2 variables, but received 0 variables during loading."
        if (count != targets.size())
            throw ValueError("load_weights: " + label + " expected " + std::to_string(targets.size()) +
                             " variables, but received " + std::to_string(count) + " variables from " +
                             single_quoted(filepath) + (entry.layer->built() ? "" : " (the layer is not built yet)"));
        if (!targets.empty()) out.push_back({entry.layer, read_variables(vars, targets, label, filepath)});
    }
}

}  // namespace

namespace saving {

void write_weights(const Model& model, const h5::File& file) {
    h5::Group root = file.root();
    // _save_state visits the model first (its own, empty, vars), then model.layers, then the optimizer
    // attribute.
    root.create_group("vars").set_string_attribute("name", model.name());
    write_layers(root, model.layers());
    if (std::shared_ptr<optimizers::Optimizer> opt = model.optimizer()) {
        h5::Group vars = root.create_group("optimizer").create_group("vars");
        vars.set_string_attribute("name", opt->name());
        write_variables(vars, optimizer_variables(*opt));
    }
}

}  // namespace saving

void Model::save_weights(const std::string& filepath) const {
    // Keras 3: "The filename must end in `.weights.h5`."
    if (!filepath.ends_with(".weights.h5"))
        throw ValueError("save_weights: the filename must end in `.weights.h5`, got filepath=" + filepath);
    io::write_atomically(filepath, "save_weights", [&](const std::filesystem::path& temporary) {
        saving::h5::File file = saving::h5::File::create(temporary);
        saving::write_weights(*this, file);
        file.close();
    });
}

void Model::load_weights(const std::string& filepath) { saving::read_weights(*this, saving::h5::File::open(filepath)); }

namespace saving {

void read_weights(Model& model, const h5::File& file) {
    const std::string& filepath = file.path();
    h5::Group root = file.root();
    if (root.has_attribute("layer_names") || root.contains("model_weights"))
        throw IOError("load_weights: " + single_quoted(filepath) +
                      " holds weights in the legacy HDF5 layout (Keras 2's save_weights or a whole-model .h5 file); "
                      "strata reads Keras 3 .weights.h5 files");

    // Everything is read and checked first; nothing is assigned unless all of it matches.
    std::vector<LayerValues> values;
    read_layers(root, "", model.layers(), "model " + single_quoted(model.name()), filepath, values);

    std::vector<Tensor> optimizer_targets, optimizer_values;
    std::shared_ptr<optimizers::Optimizer> opt = model.optimizer();
    if (opt && root.is_group("optimizer") && root.open_group("optimizer").is_group("vars")) {
        saving::h5::Group vars = root.open_group("optimizer").open_group("vars");
        std::string label = "optimizer " + single_quoted(opt->name());
        std::size_t count = variable_count(vars, label, filepath);
        saving::prepare_optimizer_for_loading(*opt, model, count);
        optimizer_targets = saving::optimizer_variables(*opt);
        if (count != optimizer_targets.size()) {
            // Keras 3 warns and leaves the optimizer as it is (Optimizer.load_own_variables).
            std::cerr << "Warning: Skipping variable loading for optimizer '" << opt->name() << "', because it has "
                      << optimizer_targets.size() << " variables whereas the saved optimizer has " << count
                      << " variables. " << (optimizer_targets.empty()
                                                 ? "This is likely because the optimizer has not been called/built yet."
                                                 : "")
                      << '\n';
            optimizer_targets.clear();
        } else {
            optimizer_values = read_variables(vars, optimizer_targets, label, filepath);
        }
    }

    for (const LayerValues& layer : values) layer.layer->set_weights(layer.values);
    saving::assign_optimizer_variables(optimizer_targets, optimizer_values);
}

}  // namespace saving

}  // namespace strata
