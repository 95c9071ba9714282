// Keras 3's .keras archive (keras/src/saving/saving_lib.py): a zip of stored entries
//   metadata.json     {"keras_version", "date_saved"}
//   config.json       the serialized model, with "compile_config" when the model is compiled
//   model.weights.h5  the weights (and the optimizer's variables), as save_weights writes them
// and the entry points that save and load whole models.
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>

#include "core/atomic_write.hpp"
#include "core/text.hpp"
#include "layers/weight_budget.hpp"
#include "models/graph.hpp"
#include "saving/hdf5.hpp"
#include "saving/legacy_h5.hpp"
#include "saving/model_config.hpp"
#include "saving/weights_layout.hpp"
#include "saving/zip_archive.hpp"
#include "strata/saving/saving_api.hpp"
#include "strata/training/serialization.hpp"
#include "training/training_state.hpp"

namespace strata {

namespace {

using nlohmann::json;

using text::single_quoted;

// The format version strata writes: Keras 3's .keras layout as of this release.
constexpr const char* keras_format_version = "3.10.0";

std::string date_saved() {
    // Keras writes datetime.now().strftime("%Y-%m-%d@%H:%M:%S").
    std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm local{};
    localtime_r(&now, &local);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d@%H:%M:%S", &local);
    return text;
}

enum class FileKind { zip, hdf5, other };

// Told by the first bytes, as Keras's load_model does with zipfile.is_zipfile and h5py: an HDF5 file may
// carry a .keras name and a zip an .h5 one.
FileKind kind_of(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::error_code ec;
        if (!std::filesystem::exists(path, ec)) throw IOError("load_model: no such file: " + single_quoted(path));
        throw IOError("load_model: cannot read " + single_quoted(path));
    }
    char head[8] = {};
    in.read(head, sizeof head);
    if (in.gcount() >= 4 && std::memcmp(head, "PK\x03\x04", 4) == 0) return FileKind::zip;
    if (in.gcount() == 8 && std::memcmp(head, "\x89HDF\r\n\x1a\n", 8) == 0) return FileKind::hdf5;
    return FileKind::other;
}

// The weights file inside an archive, read from its bytes.
void load_archive_weights(Model& model, std::string bytes, const std::string& origin) {
    saving::h5::File file = saving::h5::File::open_image(std::move(bytes), origin);
    saving::read_weights(model, file);
}

Model load_keras_archive(const std::string& filepath, const models::LoadModelOptions& options) {
    saving::ZipReader archive = saving::ZipReader::open(filepath);
    if (!archive.contains("config.json"))
        throw IOError("load_model: " + single_quoted(filepath) + " is a zip archive without config.json, not a .keras file");
    if (!archive.contains("model.weights.h5")) {
        if (archive.contains("model.weights.npz"))
            throw IOError("load_model: " + single_quoted(filepath) +
                          " keeps its weights in model.weights.npz; strata reads only model.weights.h5 (an .npz "
                          "may hold pickled Python objects, which strata never loads)");
        throw IOError("load_model: " + single_quoted(filepath) + " has no model.weights.h5");
    }
    json config = saving::parse_json(archive.read("config.json"), single_quoted(filepath) + ", config.json");
    std::uint64_t weight_bytes = archive.size("model.weights.h5");
    detail::WeightBudget budget(static_cast<std::int64_t>(weight_bytes),
                                "model.weights.h5 in " + single_quoted(filepath) + " (" + std::to_string(weight_bytes) +
                                    " bytes)");
    Model model = [&] {
        try {
            return saving::deserialize_model(config);
        } catch (const json::exception& e) {
            throw ValueError("load_model: " + single_quoted(filepath) + ", config.json: " + e.what());
        }
    }();
    if (options.compile && config.contains("compile_config") && config["compile_config"].is_object()) {
        try {
            model.compile(compile_options_from_config(config["compile_config"]));
        } catch (const json::exception& e) {
            throw ValueError("load_model: " + single_quoted(filepath) + ", compile_config: " + e.what());
        }
    }
    load_archive_weights(model, archive.read("model.weights.h5"), filepath + "/model.weights.h5");
    return model;
}

}  // namespace

json Model::get_config() const { return saving::model_config(*graph_); }

std::string Model::to_json() const { return saving::serialize_model(*graph_).dump(); }

void Model::save(const std::string& filepath) const {
    if (filepath.ends_with(".weights.h5"))
        throw ValueError("save: a .weights.h5 path holds weights only; use save_weights(\"" + filepath + "\")");
    if (!filepath.ends_with(".keras"))
        throw ValueError("save: the filename must end in `.keras` (Keras 3's native format), got filepath=" + filepath);
    json config = saving::serialize_model(*graph_);
    if (graph_->training && graph_->training->compiled && graph_->training->compile_options)
        config["compile_config"] = compile_config(*graph_->training->compile_options, *graph_->training->optimizer);
    json metadata = {{"keras_version", keras_format_version}, {"date_saved", date_saved()}};
    // The weights first, in memory: a failure there leaves the file at `filepath` as it was.
    saving::h5::File weights = saving::h5::File::create_in_memory(filepath + "/model.weights.h5");
    saving::write_weights(*this, weights);
    std::string weight_bytes = weights.image();
    io::write_atomically(filepath, "save", [&](const std::filesystem::path& temporary) {
        saving::ZipWriter archive = saving::ZipWriter::create(temporary);
        // Keras's order: metadata, config, weights.
        archive.add("metadata.json", metadata.dump());
        archive.add("config.json", config.dump());
        archive.add("model.weights.h5", std::move(weight_bytes));
        archive.close();
    });
}

namespace models {

Model load_model(const std::string& filepath, LoadModelOptions options) {
    switch (kind_of(filepath)) {
        case FileKind::zip:
            return load_keras_archive(filepath, options);
        case FileKind::hdf5:
            return saving::load_legacy_h5(filepath, options.compile);
        case FileKind::other:
            break;
    }
    throw IOError("load_model: " + single_quoted(filepath) +
                  " is neither a Keras 3 .keras archive (a zip) nor a legacy HDF5 model file");
}

Model model_from_config(const json& config) {
    try {
        if (config.contains("class_name")) return saving::deserialize_model(config);
        // A bare config: a Functional's has input_layers; a Sequential's has only layers.
        json serialized = {{"class_name", config.contains("input_layers") ? "Functional" : "Sequential"},
                           {"config", config}};
        return saving::deserialize_model(serialized);
    } catch (const json::exception& e) {
        throw ValueError(std::string("model_from_config: ") + e.what());
    }
}

Model model_from_json(const std::string& json_string) {
    return model_from_config(saving::parse_json(json_string, "model_from_json"));
}

Model clone_model(const Model& model) { return model_from_json(model.to_json()); }

}  // namespace models

}  // namespace strata
