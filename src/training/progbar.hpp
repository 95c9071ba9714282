// Keras 3's progress bar: `469/469 ━━━━━━━━━━━━━━━━━━━━ 1s 2ms/step - accuracy: 0.8123 - loss: 0.0281`.
// On a terminal the line is redrawn in place (at most every 50 ms) with an ETA, in Keras's colours; to a file
// or pipe only the finished line is written, so logs stay readable.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "strata/training/callbacks.hpp"

namespace strata::detail {

class Progbar {
public:
    // verbose: 0 silent, 1 bar, 2 one line when finished.
    Progbar(std::int64_t target, int verbose, std::FILE* out = stdout);
    // Redraws the line after `current` steps; `finalize` writes the finished line (Keras finalizes at the end
    // of the epoch, so that the validation metrics join the line).
    void update(std::int64_t current, const Logs& values, bool finalize = false);

    // Keras's time format: "2ms/step", "13us/step", "1s/step".
    static std::string format_time_per_step(double seconds);
    // Keras's metric format: four decimals, or scientific below 1e-3.
    static std::string format_value(double value);

private:
    using Clock = std::chrono::steady_clock;
    double seconds_per_step(std::int64_t current, Clock::time_point now);

    std::int64_t target_;
    int verbose_;
    std::FILE* out_;
    bool dynamic_;
    Clock::time_point start_;
    Clock::time_point last_update_{};
    std::optional<Clock::time_point> after_first_step_;
    std::size_t previous_width_ = 0;
};

}  // namespace strata::detail
