#include "saving/naming.hpp"

#include <regex>

#include "core/text.hpp"

namespace strata::saving {

std::string to_snake_case(const std::string& name) {
    // The three substitutions of keras/src/utils/naming.py, in its order.
    static const std::regex non_word(R"(\W+)");
    static const std::regex capitalised_word("(.)([A-Z][a-z]+)");
    static const std::regex lower_then_upper("([a-z])([A-Z])");
    std::string s = std::regex_replace(name, non_word, "");
    s = std::regex_replace(s, capitalised_word, "$1_$2");
    s = std::regex_replace(s, lower_then_upper, "$1_$2");
    return text::to_lower(s);
}

}  // namespace strata::saving
