// Work splitting for the CPU kernels, on OpenMP's pool (the one oneDNN uses). Small loops run on the calling
// thread: waking the pool costs more than a few thousand elements take.
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstdint>

namespace strata::backend::cpu {

// Below this many elements of elementwise work, one thread is faster.
inline constexpr std::int64_t kSerialElements = 1 << 15;

// Calls fn(begin, end) over [0, n) in contiguous blocks, in parallel when the work is large enough.
// Elementwise kernels only: each element's result must not depend on how the range is split.
template <class Fn>
void parallel_for(std::int64_t n, std::int64_t cost_per_item, Fn&& fn) {
    if (n <= 0) return;
    int threads = omp_get_max_threads();
    if (threads <= 1 || n * cost_per_item < kSerialElements || omp_in_parallel()) {
        fn(std::int64_t{0}, n);
        return;
    }
#pragma omp parallel num_threads(threads)
    {
        int t = omp_get_thread_num(), nt = omp_get_num_threads();
        std::int64_t chunk = (n + nt - 1) / nt;
        std::int64_t begin = std::min<std::int64_t>(n, chunk * t), end = std::min<std::int64_t>(n, begin + chunk);
        if (begin < end) fn(begin, end);
    }
}

}  // namespace strata::backend::cpu
