// Work splitting for the CPU kernels, on OpenMP's pool (the one oneDNN uses). Small loops run on the calling
// thread: waking the pool costs more than a few thousand elements take. Inside a HelperScope (the planned
// step of a small batch, helper_thread.hpp) the work is split between the calling thread and its helper
// instead, in the same pieces, so the results are the same.
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <mutex>

#include "helper_thread.hpp"

namespace strata::backend::cpu {

// `fn(i)` as the items of a HelperThread job; `fn` must outlive the job.
template <class Fn>
WorkItems items_of(Fn& fn, std::int64_t count) {
    return {[](void* context, std::int64_t item) { (*static_cast<Fn*>(context))(item); }, &fn, count};
}

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
    if (HelperThread* helper = current_helper()) {
        auto half = [&](std::int64_t item) {
            const std::int64_t middle = n / 2;
            if (item == 0) fn(std::int64_t{0}, middle);
            else fn(middle, n);
        };
        helper->run(items_of(half, 2));
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

// oneDNN fixes a primitive's threading, and with it its blocking and whether it splits a reduction across
// threads, from omp_get_max_threads() when the primitive is created. Kernels that must give the same bits on
// any thread count create their primitives inside this scope, for one thread, and run them on slices of the
// work whose sizes depend on the shape alone.
class OneThreadScope {
public:
    OneThreadScope() : previous_(omp_get_max_threads()) { omp_set_num_threads(1); }
    ~OneThreadScope() { omp_set_num_threads(previous_); }
    OneThreadScope(const OneThreadScope&) = delete;
    OneThreadScope& operator=(const OneThreadScope&) = delete;

private:
    int previous_;
};

// Runs fn(slice, begin, end) over `slices` equal slices of [0, n) (the last may be shorter), in parallel,
// each slice on one thread (oneDNN sees one thread inside fn); rethrows the first error after the loop.
template <class Fn>
void for_each_slice(std::int64_t n, std::int64_t slices, Fn&& fn) {
    std::int64_t size = (n + slices - 1) / slices;
    slices = (n + size - 1) / size;
    std::exception_ptr error;
    std::mutex error_mutex;
    auto run = [&](std::int64_t s) {
        try {
            fn(s, s * size, std::min(n, (s + 1) * size));
        } catch (...) {
            std::lock_guard lock(error_mutex);
            if (!error) error = std::current_exception();
        }
    };
    if (slices == 1 || omp_in_parallel()) {
        // oneDNN also reads the thread count when a primitive runs: on the calling thread, one.
        OneThreadScope one_thread;
        for (std::int64_t s = 0; s < slices; ++s) run(s);
    } else if (HelperThread* helper = current_helper()) {
        OneThreadScope one_thread;
        helper->run(items_of(run, slices));
    } else {
#pragma omp parallel for schedule(static) num_threads(static_cast<int>(std::min<std::int64_t>(slices, omp_get_max_threads())))
        for (std::int64_t s = 0; s < slices; ++s) run(s);
    }
    if (error) std::rethrow_exception(error);
}

}  // namespace strata::backend::cpu
