#include "strata/backend/threading.hpp"

#include <omp.h>

#include "strata/core/error.hpp"

namespace strata::backend {

int num_threads() { return omp_get_max_threads(); }

void set_num_threads(int threads) {
    if (threads < 1) throw ValueError("set_num_threads: expected at least 1 thread, got " + std::to_string(threads));
    omp_set_num_threads(threads);
}

}  // namespace strata::backend
