#include "progbar.hpp"

#include <unistd.h>

#include <cmath>

namespace strata::detail {

namespace {

constexpr int kWidth = 20;         // Keras's Progbar(width=20)
constexpr double kInterval = 0.05;  // Keras's Progbar(interval=0.05)

std::string repeat(const char* piece, int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += piece;
    return s;
}

std::string format_eta(double eta) {
    char buf[32];
    auto e = static_cast<long>(eta);
    if (eta > 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", e / 3600, (e % 3600) / 60, e % 60);
    else if (eta > 60) std::snprintf(buf, sizeof buf, "%ld:%02ld", e / 60, e % 60);
    else std::snprintf(buf, sizeof buf, "%lds", e);
    return buf;
}

}  // namespace

Progbar::Progbar(std::int64_t target, int verbose, std::FILE* out)
    : target_(target), verbose_(verbose), out_(out), dynamic_(isatty(fileno(out)) != 0), start_(Clock::now()) {}

std::string Progbar::format_time_per_step(double t) {
    char buf[48];
    if (t >= 1 || t == 0) std::snprintf(buf, sizeof buf, "%.0fs/step", t);
    else if (t >= 1e-3) std::snprintf(buf, sizeof buf, "%.0fms/step", t * 1e3);
    else std::snprintf(buf, sizeof buf, "%.0fus/step", t * 1e6);
    return buf;
}

std::string Progbar::format_value(double v) {
    char buf[48];
    std::snprintf(buf, sizeof buf, std::abs(v) > 1e-3 ? "%.4f" : "%.4e", v);
    return buf;
}

double Progbar::seconds_per_step(std::int64_t current, Clock::time_point now) {
    // As Keras, the first step (warm-up) is left out of the estimate once there are more.
    if (current <= 0) return 0.0;
    double per_step;
    if (after_first_step_ && current > 1)
        per_step = std::chrono::duration<double>(now - *after_first_step_).count() / static_cast<double>(current - 1);
    else
        per_step = std::chrono::duration<double>(now - start_).count() / static_cast<double>(current);
    if (current == 1) after_first_step_ = now;
    return per_step;
}

void Progbar::update(std::int64_t current, const Logs& values, bool finalize) {
    Clock::time_point now = Clock::now();
    double per_step = seconds_per_step(current, now);
    if (verbose_ == 0) return;
    if (verbose_ == 2 && !finalize) return;
    if (verbose_ == 1 && !finalize && (!dynamic_ || std::chrono::duration<double>(now - last_update_).count() < kInterval))
        return;
    last_update_ = now;

    int digits = target_ > 0 ? static_cast<int>(std::log10(static_cast<double>(target_))) + 1 : 1;
    char count[64];
    std::snprintf(count, sizeof count, "%*lld/%lld", digits, static_cast<long long>(current), static_cast<long long>(target_));
    int done = target_ > 0 ? static_cast<int>(kWidth * static_cast<double>(current) / static_cast<double>(target_)) : 0;
    done = std::min(done, kWidth);
    double elapsed = std::chrono::duration<double>(now - start_).count();

    std::string plain, styled;  // the same line without and with Keras's ANSI styles
    auto both = [&](const std::string& text, const char* style) {
        plain += text;
        styled += dynamic_ && style ? std::string(style) + text + "\x1b[0m" : text;
    };
    if (verbose_ == 2) {
        char head[96];
        std::snprintf(head, sizeof head, "%s - %.0fs - ", count, elapsed);
        both(head, nullptr);
        both(format_time_per_step(per_step), nullptr);
    } else {
        both(count, "\x1b[1m");
        both(" ", nullptr);
        if (done > 0) both(repeat("━", done), "\x1b[32m");
        both(repeat("━", kWidth - done), "\x1b[37m");
        char time_part[64];
        if (finalize) std::snprintf(time_part, sizeof time_part, "%.0fs", elapsed);
        else std::snprintf(time_part, sizeof time_part, "%s", format_eta(per_step * static_cast<double>(target_ - current)).c_str());
        both(" ", nullptr);
        both(time_part, "\x1b[1m");
        both(" " + format_time_per_step(per_step), nullptr);
    }
    for (const auto& [name, value] : values) both(" - " + name + ": " + format_value(value), nullptr);

    std::string message = dynamic_ && verbose_ == 1 ? "\r" + styled : styled;
    std::size_t width = plain.size();
    if (dynamic_ && previous_width_ > width) message += std::string(previous_width_ - width, ' ');
    previous_width_ = width;
    if (finalize) message += "\n";
    std::fputs(message.c_str(), out_);
    std::fflush(out_);
}

}  // namespace strata::detail
