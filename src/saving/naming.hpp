// The names Keras 3 gives saved objects inside a weights file.
#pragma once

#include <string>

namespace strata::saving {

// Keras's naming.to_snake_case: drops non-word characters, then splits before each capitalised word and
// between a lower-case letter and a capital: "Dense" -> "dense", "Conv2D" -> "conv2d", "MaxPooling2D" ->
// "max_pooling2d", "LeakyReLU" -> "leaky_re_lu", "SimpleRNN" -> "simple_rnn", "InputLayer" -> "input_layer".
std::string to_snake_case(const std::string& name);

}  // namespace strata::saving
