// A second thread for the planned training step of a small batch (training/planned/planned_step.hpp).
//
// A seed-model step is about a dozen kernels of a few to sixty microseconds each. Run on OpenMP's pool, each
// parallel kernel wakes the pool's idle thread: about 35 us under OMP_WAIT_POLICY=passive on this project's
// machines, and as long again for the caller to be woken at the closing barrier, more than the kernel gains.
// So one step of a small batch runs on the calling thread and this helper, which spins for a short while
// after each piece of work (the next one is usually microseconds away) and only then sleeps. The caller
// never waits for it to wake: work is cut into items that either thread claims, so a sleeping helper only
// means the caller runs every item itself.
//
// The helper is one thread beside the caller, used only while the caller's OpenMP pool is idle (the step's
// kernels run single-threaded on both), so the process never has more busy threads than set_num_threads
// allows. Results never depend on which thread ran an item: items are whole slices of a product (each one
// single-threaded GEMM) or disjoint ranges of an elementwise loop or a copy.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>

namespace strata::backend::cpu {

// `count` items, item i run as fn(context, i), once each, on whichever thread claims it.
struct WorkItems {
    void (*fn)(void* context, std::int64_t item) = nullptr;
    void* context = nullptr;
    std::int64_t count = 0;
};

class HelperThread {
public:
    HelperThread();
    ~HelperThread();
    HelperThread(const HelperThread&) = delete;
    HelperThread& operator=(const HelperThread&) = delete;

    // Runs every item, this thread and the helper claiming them in turn; returns when all are done and
    // rethrows the first item's error. The helper takes these before any background work; this thread takes
    // background work while it waits for the helper's last items.
    void run(WorkItems work);
    // Work for the helper to do when it has nothing more urgent; this thread takes part in finish_background.
    // One background job at a time.
    void start_background(WorkItems work);
    // Runs the background job's unclaimed items here, waits for the helper's, and rethrows an item's error.
    void finish_background();

private:
    // One job slot. `state` packs the generation, the item count and the next unclaimed item, so that a claim
    // (one compare-and-swap) can never take an item of an earlier or later job than the one it read.
    struct Slot {
        std::atomic<std::uint64_t> state{0};
        std::atomic<std::int64_t> done{0};
        WorkItems work;
        std::uint64_t generation = 0;
        std::mutex error_mutex;
        std::exception_ptr error;
    };

    void post(Slot& slot, WorkItems work);
    // Claims one item of `slot` and runs it; false when none is left to claim.
    static bool claim_and_run(Slot& slot);
    static void wait_done(Slot& slot);
    static void rethrow(Slot& slot);
    void serve();

    Slot urgent_, background_;
    std::atomic<std::uint32_t> signal_{0};  // bumped on every post and at shutdown; the helper sleeps on it
    std::atomic<bool> sleeping_{false};
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

// While alive, for_each_slice and parallel_for (parallel.hpp) on the thread that made it split their work
// between that thread and `helper` instead of OpenMP's pool.
class HelperScope {
public:
    explicit HelperScope(HelperThread& helper);
    ~HelperScope();
    HelperScope(const HelperScope&) = delete;
    HelperScope& operator=(const HelperScope&) = delete;

private:
    HelperThread* previous_;
};

// The helper of the current thread's HelperScope, or null.
HelperThread* current_helper();

}  // namespace strata::backend::cpu
