#include "strata/training/callbacks/backup_and_restore.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/atomic_write.hpp"
#include "strata/core/error.hpp"
#include "strata/models/model.hpp"
#include "strata/ops/random.hpp"

namespace strata::callbacks {

namespace fs = std::filesystem;

BackupAndRestore::BackupAndRestore(std::string backup_dir, BackupAndRestoreOptions options)
    : backup_dir_(std::move(backup_dir)), options_(std::move(options)) {
    if (backup_dir_.empty()) throw ValueError("BackupAndRestore: empty `backup_dir` argument passed");
}

std::string BackupAndRestore::weights_path() const { return (fs::path(backup_dir_) / "latest.weights.h5").string(); }
std::string BackupAndRestore::metadata_path() const {
    return (fs::path(backup_dir_) / "training_metadata.json").string();
}

bool BackupAndRestore::restore(const std::string& weights, const std::string& metadata) {
    if (!fs::exists(weights) && !fs::exists(metadata)) return false;
    if (fs::exists(weights)) model()->load_weights(weights);
    if (fs::exists(metadata)) {
        std::ifstream in(metadata);
        std::stringstream text;
        text << in.rdbuf();
        nlohmann::json json;
        try {
            json = nlohmann::json::parse(text.str());
            current_epoch_ = json.at("epoch").get<int>();
        } catch (const nlohmann::json::exception& e) {
            throw IOError("BackupAndRestore: cannot read '" + metadata + "': " + e.what());
        }
        if (json.contains("random_state")) random::set_state(json["random_state"].get<std::string>());
        model()->set_initial_epoch(current_epoch_);
    }
    return true;
}

void BackupAndRestore::on_train_begin(const Logs&) {
    current_epoch_ = 0;
    batches_seen_ = 0;
    try {
        restore(weights_path(), metadata_path());
    } catch (const Error&) {
        // Keras: the latest backup may have been cut off mid-write; fall back on the previous one if kept.
        if (!options_.double_checkpoint || !restore(weights_path() + ".bkp", metadata_path() + ".bkp")) throw;
    }
}

void BackupAndRestore::on_epoch_begin(int, const Logs&) { batches_seen_ = 0; }

void BackupAndRestore::on_train_batch_end(int, const Logs&) {
    ++batches_seen_;
    if (!options_.save_freq.per_epoch() && batches_seen_ % options_.save_freq.batches() == 0) save();
}

void BackupAndRestore::on_epoch_end(int epoch, const Logs&) {
    current_epoch_ = epoch + 1;
    batches_seen_ = 0;
    if (options_.save_freq.per_epoch()) save();
}

void BackupAndRestore::save() {
    std::error_code ec;
    fs::create_directories(backup_dir_, ec);
    if (ec) throw IOError("BackupAndRestore: cannot create the backup directory '" + backup_dir_ + "': " + ec.message());
    if (options_.double_checkpoint && fs::exists(weights_path())) {
        fs::copy_file(weights_path(), weights_path() + ".bkp", fs::copy_options::overwrite_existing);
        if (fs::exists(metadata_path()))
            fs::copy_file(metadata_path(), metadata_path() + ".bkp", fs::copy_options::overwrite_existing);
    }
    model()->save_weights(weights_path());
    nlohmann::json metadata = {{"epoch", current_epoch_}, {"batch", batches_seen_}, {"random_state", random::get_state()}};
    io::write_file_atomically(metadata_path(), "BackupAndRestore", metadata.dump());
}

void BackupAndRestore::on_train_end(const Logs&) {
    if (options_.delete_checkpoint) {
        std::error_code ec;
        fs::remove_all(backup_dir_, ec);
    }
}

}  // namespace strata::callbacks
