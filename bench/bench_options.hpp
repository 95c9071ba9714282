// What the strata halves of the benchmark share: their timing clock and the parsing of their options.
#pragma once

#include <strata/strata.hpp>

#include <chrono>
#include <cstdlib>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace strata_bench {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// The value of `flag` as an integer from 1 to a million; ValueError naming the flag otherwise.
inline int positive_int(std::string_view flag, const std::string& text) {
    char* end = nullptr;
    long value = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || value < 1 || value > 1'000'000)
        throw strata::ValueError(std::string(flag) + " expects a positive integer, got '" + text + "'");
    return static_cast<int>(value);
}

// A comma-separated list ("1,2"); ValueError naming the flag when it is empty.
inline std::vector<std::string> list_of(std::string_view flag, const std::string& text) {
    std::vector<std::string> items;
    std::stringstream list(text);
    for (std::string item; std::getline(list, item, ',');) items.push_back(item);
    if (items.empty()) throw strata::ValueError(std::string(flag) + " expects a list like 1,2, got ''");
    return items;
}

// --threads 1,2
inline std::vector<int> thread_counts(std::string_view flag, const std::string& text) {
    std::vector<int> threads;
    for (const std::string& item : list_of(flag, text)) threads.push_back(positive_int(flag, item));
    return threads;
}

}  // namespace strata_bench
