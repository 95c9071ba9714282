// Random tensors from the one global generator that utils::set_random_seed seeds. The streams are
// generated on one thread, so a seed gives the same numbers whatever the number of threads.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "strata/core/tensor.hpp"

namespace strata::random {

// Seeds the global generator (utils::set_random_seed calls this).
void seed(std::uint64_t seed);

Tensor normal(const Shape& shape, double mean = 0.0, double stddev = 1.0, DType dtype = float32);
Tensor uniform(const Shape& shape, double minval = 0.0, double maxval = 1.0, DType dtype = float32);
// The draws of uniform({out.size()}, 0, 1, float64), written into `out` (no tensor is made).
void fill_uniform(std::span<double> out);
// Normal draws redrawn until they fall within two standard deviations of the mean, as Keras's
// truncated_normal.
Tensor truncated_normal(const Shape& shape, double mean = 0.0, double stddev = 1.0, DType dtype = float32);
// A permutation of 0..n-1 (int64), for shuffling.
Tensor permutation(std::int64_t n);
// A fresh 64-bit draw, to seed a stream of one's own.
std::uint64_t next_seed();

// The generator's whole state as text, and its restoration: what BackupAndRestore saves, so that a resumed
// fit shuffles and drops out exactly as the interrupted one would have. ValueError for text that is not a state.
std::string get_state();
void set_state(const std::string& state);

}  // namespace strata::random
