// Keras's set_random_seed seeds Python's, NumPy's and the backend's generators; strata has one stream.
#include "strata/utils/random_seed.hpp"

#include "strata/ops/random.hpp"

namespace strata::utils {

void set_random_seed(std::uint64_t seed) { random::seed(seed); }

}  // namespace strata::utils
