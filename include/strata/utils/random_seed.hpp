// Keras: keras.utils.set_random_seed(seed).
#pragma once

#include <cstdint>

namespace strata::utils {

// Seeds the one global random stream (strata::random) that initializers, shuffling and dropout draw from,
// so that a program run twice with the same seed gives the same numbers.
void set_random_seed(std::uint64_t seed);

}  // namespace strata::utils
