// Small string helpers for names and error messages, shared by the registries of every level.
#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

namespace strata::text {

inline std::string to_lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// 'name': how error messages quote a file, a layer or a key, as Python's repr of a string does.
inline std::string single_quoted(const std::string& s) { return "'" + s + "'"; }

// "a, b, c": the known names an error message lists.
inline std::string join(const std::vector<std::string>& items, const std::string& separator = ", ") {
    std::string out;
    for (const std::string& item : items) out += (out.empty() ? "" : separator) + item;
    return out;
}

// The names a registry (a map from name to anything) knows, in its order.
template <class Map>
std::vector<std::string> keys(const Map& registry) {
    std::vector<std::string> out;
    for (const auto& entry : registry) out.push_back(entry.first);
    return out;
}

}  // namespace strata::text
