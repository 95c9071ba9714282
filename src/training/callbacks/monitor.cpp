#include "strata/training/callbacks/monitor.hpp"

#include <array>
#include <iostream>
#include <string_view>

#include "strata/core/error.hpp"

namespace strata::callbacks::detail {

bool maximizes(const std::string& monitor) {
    std::string_view name = monitor;
    if (name.starts_with("val_")) name.remove_prefix(4);
    if (name == "loss") return false;
    // Keras's accuracy metrics ("accuracy", "binary_accuracy", "top_k_categorical_accuracy", the short "acc")
    // and AUC all contain these; the others with direction "up" are named exactly.
    if (name.find("acc") != std::string_view::npos || name.find("auc") != std::string_view::npos) return true;
    static constexpr std::array<std::string_view, 8> up = {"precision", "recall",   "f1_score", "fbeta_score",
                                                           "r2_score",  "mean_iou", "iou",      "one_hot_iou"};
    for (std::string_view u : up)
        if (name == u) return true;
    return false;
}

std::string checked_mode(const std::string& mode, const std::string& callback) {
    if (mode == "auto" || mode == "min" || mode == "max") return mode;
    warn(callback + " mode " + mode + " is unknown, fallback to auto mode.");
    return "auto";
}

std::string available_keys(const Logs& logs) {
    std::string keys;
    for (const auto& [name, value] : logs) keys += (keys.empty() ? "" : ",") + name;
    return keys;
}

Model& model_of(const Callback& callback, const std::string& name) {
    if (!callback.model())
        throw ValueError(name + ": the callback has no model; pass it to fit() or call set_model() first");
    return *callback.model();
}

void warn(const std::string& message) { std::cerr << "Warning: " << message << '\n'; }

}  // namespace strata::callbacks::detail
