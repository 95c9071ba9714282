// The helper thread of the planned step (src/backend/cpu/helper_thread.hpp): every item of a job runs exactly
// once whichever thread claims it, background work and urgent work interleave, errors reach the caller, a
// helper that went to sleep wakes for the next job, and inside a HelperScope the slices of for_each_slice
// and the halves of parallel_for go through it. Named concurrent_* so that it also runs under
// ThreadSanitizer (tests/CMakeLists.txt).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "backend/cpu/helper_thread.hpp"
#include "backend/cpu/parallel.hpp"

namespace strata::backend::cpu {
namespace {

// Counts the runs of each item; an item spins a little so that both threads get to claim some.
struct Counter {
    std::vector<std::atomic<int>> runs;
    explicit Counter(std::size_t n) : runs(n) {}
    static void run(void* self, std::int64_t item) {
        volatile double sink = 0;
        for (int i = 0; i < 2000; ++i) sink = sink + i;
        static_cast<Counter*>(self)->runs[static_cast<std::size_t>(item)].fetch_add(1);
    }
    WorkItems items() { return {&Counter::run, this, static_cast<std::int64_t>(runs.size())}; }
    bool each_ran_once() const {
        for (const auto& r : runs)
            if (r.load() != 1) return false;
        return true;
    }
};

TEST(HelperThreadTest, RunsEveryItemOfEveryJobExactlyOnce) {
    HelperThread helper;
    for (int job = 0; job < 500; ++job) {
        Counter counter(static_cast<std::size_t>(job % 37));
        helper.run(counter.items());
        ASSERT_TRUE(counter.each_ran_once()) << "job " << job << " of " << job % 37 << " items";
    }
}

TEST(HelperThreadTest, BackgroundWorkInterleavesWithUrgentWorkAndFinishes) {
    HelperThread helper;
    for (int round = 0; round < 100; ++round) {
        Counter background(64);
        helper.start_background(background.items());
        for (int job = 0; job < 5; ++job) {
            Counter urgent(static_cast<std::size_t>(2 + job));
            helper.run(urgent.items());
            ASSERT_TRUE(urgent.each_ran_once()) << "round " << round << ", job " << job;
        }
        helper.finish_background();
        ASSERT_TRUE(background.each_ran_once()) << "round " << round;
    }
}

TEST(HelperThreadTest, AnItemsErrorReachesTheCallerAndTheHelperGoesOn) {
    HelperThread helper;
    std::atomic<int> ran{0};
    auto throwing = [&](std::int64_t item) {
        ran.fetch_add(1);
        if (item == 3) throw std::runtime_error("item 3 failed");
    };
    EXPECT_THROW(helper.run(items_of(throwing, 8)), std::runtime_error);
    EXPECT_EQ(ran.load(), 8);  // the other items still ran: a job is never left half-claimed
    helper.start_background(items_of(throwing, 6));
    EXPECT_THROW(helper.finish_background(), std::runtime_error);
    Counter counter(9);
    helper.run(counter.items());
    EXPECT_TRUE(counter.each_ran_once());
}

TEST(HelperThreadTest, WakesForTheNextJobAfterItSlept) {
    HelperThread helper;
    for (int round = 0; round < 5; ++round) {
        std::this_thread::sleep_for(std::chrono::milliseconds(3));  // longer than the helper spins
        std::atomic<bool> helper_ran{false};
        const auto caller = std::this_thread::get_id();
        // The caller keeps its first item until the helper has taken the other: only a woken helper can.
        auto item = [&](std::int64_t) {
            if (std::this_thread::get_id() != caller) {
                helper_ran.store(true);
                return;
            }
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
            while (!helper_ran.load() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
        };
        helper.run(items_of(item, 2));
        EXPECT_TRUE(helper_ran.load()) << "round " << round;
    }
}

TEST(HelperThreadTest, AScopeSendsSlicesAndElementwiseHalvesThroughTheHelper) {
    HelperThread helper;
    const auto caller = std::this_thread::get_id();
    std::atomic<int> on_helper{0};
    std::vector<std::atomic<int>> slice_runs(8);
    {
        HelperScope scope(helper);
        EXPECT_EQ(current_helper(), &helper);
        for (int round = 0; round < 50; ++round)
            for_each_slice(800, 8, [&](std::int64_t slice, std::int64_t begin, std::int64_t end) {
                EXPECT_EQ(begin, slice * 100);
                EXPECT_EQ(end, begin + 100);
                slice_runs[static_cast<std::size_t>(slice)].fetch_add(1);
                if (std::this_thread::get_id() != caller) on_helper.fetch_add(1);
                volatile double sink = 0;
                for (int i = 0; i < 20000; ++i) sink = sink + i;
            });
        std::vector<int> covered(1 << 16, 0);
        parallel_for(1 << 16, 1, [&](std::int64_t begin, std::int64_t end) {
            for (std::int64_t i = begin; i < end; ++i) ++covered[static_cast<std::size_t>(i)];
        });
        for (int c : covered) ASSERT_EQ(c, 1);
    }
    EXPECT_EQ(current_helper(), nullptr);
    for (const auto& runs : slice_runs) EXPECT_EQ(runs.load(), 50);
    // 400 slices of about 20 us: the helper, spinning between them, takes some.
    EXPECT_GT(on_helper.load(), 0);
}

}  // namespace
}  // namespace strata::backend::cpu
