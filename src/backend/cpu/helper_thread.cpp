#include "helper_thread.hpp"

#include <omp.h>

#include <chrono>
#include <utility>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace strata::backend::cpu {

namespace {

// How long the helper looks for work after its last item before it sleeps: the gap between two steps of a
// fit (the progress bar, callbacks, the next batch's bookkeeping) is a few microseconds.
constexpr auto kSpin = std::chrono::microseconds(100);

// The packed state of a slot: generation (32 bits) | item count (16) | next unclaimed item (16).
constexpr std::uint64_t kItemBits = 16;
constexpr std::uint64_t kItemMask = (std::uint64_t{1} << kItemBits) - 1;
constexpr std::int64_t kMaxItems = static_cast<std::int64_t>(kItemMask);

std::uint64_t next_of(std::uint64_t state) { return state & kItemMask; }
std::uint64_t count_of(std::uint64_t state) { return (state >> kItemBits) & kItemMask; }

void pause() {
#if defined(__x86_64__) || defined(__i386__)
    _mm_pause();
#else
    std::this_thread::yield();
#endif
}

// Waiting for the other thread: spins, then after a while (tens of microseconds) also yields, in case the
// thread waited for shares this core with it (a busy machine) and is only waiting to be scheduled.
class Backoff {
public:
    void wait() {
        if (++spins_ < kSpinsBeforeYield) pause();
        else std::this_thread::yield();
    }

private:
    static constexpr int kSpinsBeforeYield = 2048;
    int spins_ = 0;
};

thread_local HelperThread* current = nullptr;

}  // namespace

HelperThread::HelperThread() : thread_([this] { serve(); }) {}

HelperThread::~HelperThread() {
    stop_.store(true, std::memory_order_seq_cst);
    signal_.fetch_add(1, std::memory_order_seq_cst);
    signal_.notify_one();
    thread_.join();
}

void HelperThread::post(Slot& slot, WorkItems work) {
    slot.work = work;
    slot.done.store(0, std::memory_order_relaxed);
    slot.error = nullptr;
    ++slot.generation;
    // Publishes the job: a claim that reads this state also sees `work` and `done` above.
    slot.state.store(((slot.generation & 0xffffffffu) << (2 * kItemBits)) |
                         (static_cast<std::uint64_t>(work.count) << kItemBits),
                     std::memory_order_release);
    signal_.fetch_add(1, std::memory_order_seq_cst);
    if (sleeping_.load(std::memory_order_seq_cst)) signal_.notify_one();
}

bool HelperThread::claim_and_run(Slot& slot) {
    std::uint64_t state = slot.state.load(std::memory_order_acquire);
    do {
        if (next_of(state) >= count_of(state)) return false;
    } while (!slot.state.compare_exchange_weak(state, state + 1, std::memory_order_acq_rel, std::memory_order_acquire));
    // The job cannot finish, and so cannot be replaced, before this item is done: `work` is still its own.
    const WorkItems work = slot.work;
    try {
        work.fn(work.context, static_cast<std::int64_t>(next_of(state)));
    } catch (...) {
        std::lock_guard lock(slot.error_mutex);
        if (!slot.error) slot.error = std::current_exception();
    }
    slot.done.fetch_add(1, std::memory_order_release);
    return true;
}

void HelperThread::wait_done(Slot& slot) {
    const auto count = static_cast<std::int64_t>(count_of(slot.state.load(std::memory_order_relaxed)));
    Backoff backoff;
    while (slot.done.load(std::memory_order_acquire) < count) backoff.wait();
}

void HelperThread::rethrow(Slot& slot) {
    std::lock_guard lock(slot.error_mutex);
    if (slot.error) std::rethrow_exception(std::exchange(slot.error, nullptr));
}

void HelperThread::run(WorkItems work) {
    if (work.count <= 0) return;
    if (work.count == 1 || work.count > kMaxItems) {
        for (std::int64_t i = 0; i < work.count; ++i) work.fn(work.context, i);
        return;
    }
    post(urgent_, work);
    while (claim_and_run(urgent_)) {
    }
    // While the helper finishes the items it took, this thread takes background work rather than wait.
    const auto count = static_cast<std::int64_t>(count_of(urgent_.state.load(std::memory_order_relaxed)));
    Backoff backoff;
    while (urgent_.done.load(std::memory_order_acquire) < count)
        if (!claim_and_run(background_)) backoff.wait();
    rethrow(urgent_);
}

void HelperThread::start_background(WorkItems work) {
    finish_background();
    if (work.count <= 0) return;
    if (work.count > kMaxItems) {
        for (std::int64_t i = 0; i < work.count; ++i) work.fn(work.context, i);
        return;
    }
    post(background_, work);
}

void HelperThread::finish_background() {
    while (claim_and_run(background_)) {
    }
    wait_done(background_);
    rethrow(background_);
}

void HelperThread::serve() {
    // The items are single-threaded kernels: oneDNN's GEMM, called here, must not start a team of its own.
    omp_set_num_threads(1);
    auto has_work = [this] {
        for (const Slot* slot : {&urgent_, &background_}) {
            const std::uint64_t state = slot->state.load(std::memory_order_acquire);
            if (next_of(state) < count_of(state)) return true;
        }
        return false;
    };
    while (!stop_.load(std::memory_order_acquire)) {
        if (claim_and_run(urgent_) || claim_and_run(background_)) continue;
        const std::uint32_t seen = signal_.load(std::memory_order_seq_cst);
        const auto idle_since = std::chrono::steady_clock::now();
        bool woken = false;
        Backoff backoff;
        for (int spins = 1; !woken; ++spins) {
            backoff.wait();
            if (has_work() || stop_.load(std::memory_order_relaxed)) woken = true;
            else if (spins % 64 == 0 && std::chrono::steady_clock::now() - idle_since > kSpin) break;
        }
        if (woken) continue;
        // Sleep until the next post. A post made after `seen` was read changes signal_, so the wait returns
        // at once; one made after sleeping_ is set sees it and notifies.
        sleeping_.store(true, std::memory_order_seq_cst);
        if (signal_.load(std::memory_order_seq_cst) == seen) signal_.wait(seen, std::memory_order_seq_cst);
        sleeping_.store(false, std::memory_order_seq_cst);
    }
}

HelperScope::HelperScope(HelperThread& helper) : previous_(current) { current = &helper; }

HelperScope::~HelperScope() { current = previous_; }

HelperThread* current_helper() { return current; }

}  // namespace strata::backend::cpu
