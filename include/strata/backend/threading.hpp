// The one thread pool: OpenMP's, which oneDNN shares. Results never depend on the number of threads:
// reductions split their work into fixed chunks and combine the partial results in a fixed order.
#pragma once

namespace strata::backend {

int num_threads();
// Sets the threads used by strata's kernels and oneDNN's (OMP_NUM_THREADS at start-up).
void set_num_threads(int threads);

}  // namespace strata::backend
