// The argument checks the schedules share, with Keras's messages.
#pragma once

#include <optional>
#include <sstream>
#include <string>

#include "strata/core/error.hpp"

namespace strata::optimizers::schedules::detail {

// Keras: "Argument `decay_steps` must be > 0. Received: decay_steps=0".
template <typename T>
void check_positive(const std::string& schedule, const char* argument, T value) {
    if (value > 0) return;
    std::ostringstream message;
    message << schedule << ": argument `" << argument << "` must be > 0. Received: " << argument << "=" << value;
    throw ValueError(message.str());
}

// A required argument that the options struct cannot default (Python refuses the call without it).
inline double required(const std::string& schedule, const char* argument, const std::optional<double>& value) {
    if (!value)
        throw ValueError(schedule + ": missing required argument `" + argument + "`; expected a number");
    return *value;
}

}  // namespace strata::optimizers::schedules::detail
