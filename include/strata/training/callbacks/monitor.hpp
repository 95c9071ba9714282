// What the monitoring callbacks (EarlyStopping, ReduceLROnPlateau) share: the direction of a monitored
// quantity and the warning for a quantity missing from the logs.
#pragma once

#include <string>

#include "strata/training/callbacks.hpp"

namespace strata::callbacks::detail {

// Keras's "auto" direction for EarlyStopping: the name without its "val_" prefix; "loss" is minimised; the
// metrics Keras marks `_direction = "up"` (accuracies, AUC, precision, recall, F-scores, R^2, IoU) are
// maximised; every other metric (errors, crossentropies, hinges) is minimised.
bool maximizes(const std::string& monitor);

// "min", "max" or "auto" as given; anything else warns on stderr, as Keras does, and falls back to "auto".
std::string checked_mode(const std::string& mode, const std::string& callback);

// The comma-separated names of `logs`, as Keras lists them in its warnings.
std::string available_keys(const Logs& logs);

// The callback's model; a ValueError naming the callback when it has none (it was never given to fit).
Model& model_of(const Callback& callback, const std::string& name);

// Writes one line to stderr.
void warn(const std::string& message);

}  // namespace strata::callbacks::detail
