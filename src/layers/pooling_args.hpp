// Argument checks the pooling and reshaping layers share, as Keras's standardize_data_format and
// standardize_padding (keras/src/backend/config.py, keras/src/utils/argument_validation.py): both lower-case
// the value first.
#pragma once

#include <algorithm>
#include <cctype>
#include <string>

#include "strata/core/error.hpp"

namespace strata::layers::detail {

inline std::string lower_case(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// "channels_last" or "channels_first"; `who` names the layer in the error.
inline std::string standardize_data_format(const std::string& value, const std::string& who) {
    std::string out = lower_case(value);
    if (out != "channels_last" && out != "channels_first")
        throw ValueError(who + ": the `data_format` argument must be one of {\"channels_first\", \"channels_last\"}, "
                         "got \"" + value + "\"");
    return out;
}

// Layers that move pixels in strata support channels-last only.
inline std::string require_channels_last(const std::string& value, const std::string& who) {
    std::string out = standardize_data_format(value, who);
    if (out != "channels_last")
        throw ValueError(who + ": only data_format=\"channels_last\" is supported, got \"" + value + "\"");
    return out;
}

inline std::string standardize_padding(const std::string& value, const std::string& who) {
    std::string out = lower_case(value);
    if (out != "valid" && out != "same")
        throw ValueError(who + ": the `padding` argument must be one of \"valid\", \"same\", got \"" + value + "\"");
    return out;
}

// `layer "max_pooling2d" (MaxPooling2D)`, the start of the layers' error messages.
inline std::string layer_label(const std::string& name, const std::string& class_name) {
    return "layer \"" + name + "\" (" + class_name + ")";
}

}  // namespace strata::layers::detail
