// The planned step's promise (planned_step.hpp): after the first step of a batch size, a training step makes
// no heap allocation. This binary replaces the global operator new and delete with counting ones (which is why
// it is not part of strata_tests) and wraps strata's CPU allocator to count tensor storage; both must stay at
// zero per step. Where no sanitizer owns malloc it also counts C's malloc family called directly, to show
// the one allocation left: oneDNN 2.6's GEMM (dnnl_sgemm) takes its packing buffer from malloc on every call,
// and no oneDNN API lets a caller hand it one. A callback reads the counts at the end of every batch: between
// the end of one batch and the end of the next lies one whole step, its callbacks and its logs.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include <strata/strata.hpp>

// glibc's own allocation entry points, which the counting malloc family below passes on to.
extern "C" void* __libc_malloc(std::size_t);
extern "C" void* __libc_calloc(std::size_t, std::size_t);
extern "C" void* __libc_realloc(void*, std::size_t);
extern "C" void* __libc_memalign(std::size_t, std::size_t);

namespace {

std::atomic<long> cpp_allocations{0};      // the global operator new
std::atomic<long> storage_allocations{0};  // strata's CPU allocator (tensor storage)
std::atomic<long> c_allocations{0};        // malloc and its family, called directly

// Where operator new takes its memory: glibc's own malloc, so that the counting malloc below does not count
// it twice; under a sanitizer, the sanitizer's malloc, which its free expects.
void* raw_malloc(std::size_t n) {
#if defined(STRATA_SANITIZED)
    return std::malloc(n);
#else
    return __libc_malloc(n);
#endif
}
void* raw_aligned(std::size_t align, std::size_t n) {
#if defined(STRATA_SANITIZED)
    return std::aligned_alloc(align, (n + align - 1) / align * align);
#else
    return __libc_memalign(align, n);
#endif
}

}  // namespace

// ---- C++: every form of the global operator new ----

void* operator new(std::size_t n) {
    cpp_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = raw_malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    cpp_allocations.fetch_add(1, std::memory_order_relaxed);
    return raw_malloc(n ? n : 1);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void* operator new(std::size_t n, std::align_val_t a) {
    cpp_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = raw_aligned(static_cast<std::size_t>(a), n ? n : 1)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) { return operator new(n, a); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

// ---- C: the malloc family, passed on to glibc's own entry points (not under a sanitizer, which owns malloc) ----

#if !defined(STRATA_SANITIZED)
#define STRATA_COUNTS_MALLOC 1
extern "C" {
void* malloc(std::size_t n) {
    c_allocations.fetch_add(1, std::memory_order_relaxed);
    return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t size) {
    c_allocations.fetch_add(1, std::memory_order_relaxed);
    return __libc_calloc(n, size);
}
void* realloc(void* p, std::size_t n) {
    c_allocations.fetch_add(1, std::memory_order_relaxed);
    return __libc_realloc(p, n);
}
int posix_memalign(void** out, std::size_t align, std::size_t n) {
    c_allocations.fetch_add(1, std::memory_order_relaxed);
    *out = __libc_memalign(align, n);
    return *out ? 0 : ENOMEM;
}
void* aligned_alloc(std::size_t align, std::size_t n) {
    c_allocations.fetch_add(1, std::memory_order_relaxed);
    return __libc_memalign(align, n);
}
void* memalign(std::size_t align, std::size_t n) {
    c_allocations.fetch_add(1, std::memory_order_relaxed);
    return __libc_memalign(align, n);
}
}
#endif

namespace strata {
namespace {

using layers::Dense;
using layers::Dropout;

// strata's CPU allocator, counting: tensor storage comes from it, whatever malloc it uses.
class CountingAllocator final : public Allocator {
public:
    explicit CountingAllocator(Allocator& inner) : inner_(inner) {}
    void* allocate(std::size_t bytes) override {
        storage_allocations.fetch_add(1, std::memory_order_relaxed);
        return inner_.allocate(bytes);
    }
    void deallocate(void* pointer, std::size_t bytes) override { inner_.deallocate(pointer, bytes); }

private:
    Allocator& inner_;
};

// The allocation count at the end of each batch, into room reserved up front (recording allocates nothing).
struct AllocationRecorder : Callback {
    struct Mark {
        int epoch, batch;
        long cpp, storage, c;
    };
    std::vector<Mark> marks;
    int epoch = 0;
    AllocationRecorder() { marks.reserve(1024); }
    void on_epoch_begin(int e, const Logs&) override { epoch = e; }
    void on_train_batch_end(int batch, const Logs&) override {
        if (marks.size() < marks.capacity())
            marks.push_back({epoch, batch, cpp_allocations.load(), storage_allocations.load(), c_allocations.load()});
    }
    // The allocations of each step but the first of an epoch and, in the first epoch, the last two: the
    // last, shorter batch is the first of its size, and its buffers are made by the step before it, which
    // (with a second thread) gathers it ahead.
    std::vector<Mark> steps_after_the_first() const {
        std::vector<Mark> out;
        for (std::size_t i = 1; i < marks.size(); ++i) {
            if (marks[i].epoch != marks[i - 1].epoch) continue;  // an epoch boundary: shuffling, epoch logs
            const bool last_two_of_first_epoch =
                marks[i].epoch == 0 && i + 2 < marks.size() && (marks[i + 1].epoch != 0 || marks[i + 2].epoch != 0);
            if (last_two_of_first_epoch) continue;
            const Mark& a = marks[i - 1];
            const Mark& b = marks[i];
            out.push_back({b.epoch, b.batch, b.cpp - a.cpp, b.storage - a.storage, b.c - a.c});
        }
        return out;
    }
};

// Each step's C++ and storage allocations are none; its direct mallocs are oneDNN's GEMM workspaces, one per
// GEMM call at most (`gemm_calls`: the forward products, and the backward ones the plan needs).
void expect_no_allocation(const std::vector<AllocationRecorder::Mark>& steps, long gemm_calls) {
    ASSERT_EQ(steps.size(), 18u);
    for (const auto& s : steps) {
        const std::string where = "epoch " + std::to_string(s.epoch) + ", batch " + std::to_string(s.batch);
        EXPECT_EQ(s.cpp, 0) << where;
        EXPECT_EQ(s.storage, 0) << where;
#ifdef STRATA_COUNTS_MALLOC
        EXPECT_LE(s.c, gemm_calls) << where;
#else
        (void)gemm_calls;
#endif
    }
}

class PlannedStepAllocationTest : public ::testing::Test {
protected:
    void SetUp() override {
        previous_ = &allocator_for(Device::cpu());
        counting_ = std::make_unique<CountingAllocator>(*previous_);
        register_allocator(Device::Kind::cpu, counting_.get());
    }
    void TearDown() override { register_allocator(Device::Kind::cpu, previous_); }

    // 1050 rows in batches of 100: ten full batches and one of 50 per epoch.
    std::vector<AllocationRecorder::Mark> step_allocations(Model model, CompileOptions options, bool sparse) {
        utils::set_random_seed(2);
        Tensor x = random::normal({1050, 16});
        Tensor labels = random::uniform({1050}, 0.0, 10.0).astype(int64);
        Tensor y = sparse ? labels : utils::to_categorical(labels, 10);
        model.compile(std::move(options));
        auto recorder = std::make_shared<AllocationRecorder>();
        model.fit(x, y, {.batch_size = 100, .epochs = 2, .verbose = 0, .callbacks = {recorder}});
        EXPECT_EQ(recorder->marks.size(), 22u);
        reason_ = model.eager_reason();
        return recorder->steps_after_the_first();
    }

    std::string reason_;

private:
    Allocator* previous_ = nullptr;
    std::unique_ptr<CountingAllocator> counting_;
};

Sequential seed_model() {
    Sequential m;
    m.add(Dense(32, "relu", {.input_shape = {16}}));
    m.add(Dense(10, "softmax"));
    return m;
}

TEST_F(PlannedStepAllocationTest, ThePlannedSeedModelAllocatesNothingPerStep) {
    auto steps = step_allocations(
        seed_model(), {.optimizer = optimizers::RMSprop(0.001), .loss = "mse", .metrics = {"accuracy"}}, false);
    EXPECT_EQ(reason_, "");
    // Two products forward; backward both kernels' gradients and the hidden layer's input gradient.
    expect_no_allocation(steps, 5);
}

TEST_F(PlannedStepAllocationTest, DropoutAdamAndSparseLabelsAllocateNothingPerStep) {
    Sequential m;
    m.add(Dense(24, "tanh", {.input_shape = {16}}));
    m.add(Dropout(0.5));
    m.add(Dense(10));
    auto steps = step_allocations(
        m,
        {.optimizer = optimizers::Adam(0.001),
         .loss = losses::SparseCategoricalCrossentropy({.from_logits = true}),
         .metrics = {"accuracy"}},
        true);
    EXPECT_EQ(reason_, "");
    expect_no_allocation(steps, 5);
}

TEST_F(PlannedStepAllocationTest, AFunctionalModelWithAResidualAddAllocatesNothingPerStep) {
    // The hidden value is read by a Dense and by the Add: its gradient is the sum of both readers'.
    Tensor x = Input({16});
    Tensor h = Dense(32, "relu")(x);
    Tensor sum = layers::Add()({h, Dense(32, "tanh")(h)});
    auto steps = step_allocations(Model(x, Dense(10, "softmax")(sum)),
                                  {.optimizer = optimizers::Adam(0.001), .loss = "categorical_crossentropy"}, false);
    EXPECT_EQ(reason_, "");
    // Three products forward; backward three kernels' gradients and two inputs' (not the first layer's).
    expect_no_allocation(steps, 8);
}

TEST_F(PlannedStepAllocationTest, TheEagerStepDoesAllocateSoTheCountSeesIt) {
    auto steps = step_allocations(
        seed_model(), {.optimizer = optimizers::SGD(0.01), .loss = "mse", .run_eagerly = true}, false);
    EXPECT_EQ(reason_, "compiled with run_eagerly");
    ASSERT_EQ(steps.size(), 18u);
    for (const auto& s : steps) {
        EXPECT_GT(s.cpp, 10);
        EXPECT_GT(s.storage, 5);
    }
}

// A functional model whose two branches of the input are joined by Add and Concatenate, one layer called on
// both.
Model branching_model() {
    Tensor x = Input({16});
    Tensor a = Dense(8, "relu")(x);
    Tensor b = Dense(8, "tanh")(x);
    Dense shared(8, "sigmoid");
    return Model(x, Dense(10, "softmax")(layers::Concatenate()({layers::Add()({shared(a), shared(b)}), a})));
}

TEST_F(PlannedStepAllocationTest, OneImageThroughPredictOnBatchIntoATensorAllocatesNothing) {
    for (Model model : {Model(seed_model()), branching_model()}) {
        SCOPED_TRACE(model.name());
        utils::set_random_seed(3);
        Tensor image = random::normal({1, 16});
        Tensor out = Tensor::empty({1, 10});
        model.predict_on_batch(image, out);  // the first call makes the plan and its buffers
        for (int call = 0; call < 5; ++call) {
            const long cpp = cpp_allocations, storage = storage_allocations, c = c_allocations;
            model.predict_on_batch(image, out);
            EXPECT_EQ(cpp_allocations - cpp, 0) << "call " << call;
            EXPECT_EQ(storage_allocations - storage, 0) << "call " << call;
            EXPECT_EQ(c_allocations - c, 0) << "call " << call;
        }
        // What it wrote is the output predict_on_batch returns.
        EXPECT_EQ(out.to_vector<float>(), model.predict_on_batch(image).to_vector<float>());
    }
}

TEST_F(PlannedStepAllocationTest, OneImageThroughPredictOnBatchAllocatesOnlyItsResult) {
    for (Model model : {Model(seed_model()), branching_model()}) {
        utils::set_random_seed(3);
        Tensor image = random::normal({1, 16});
        model.predict_on_batch(image);  // the first call makes the plan and its buffers
        SCOPED_TRACE(model.name());
        for (int call = 0; call < 5; ++call) {
            const long cpp = cpp_allocations, storage = storage_allocations, c = c_allocations;
            Tensor out = model.predict_on_batch(image);
            // The returned tensor: its shape, handle and storage object (three), and its memory (one, from the
            // CPU allocator, which takes it from malloc).
            EXPECT_LE(cpp_allocations - cpp, 3) << "call " << call;
            EXPECT_EQ(storage_allocations - storage, 1) << "call " << call;
#ifdef STRATA_COUNTS_MALLOC
            EXPECT_LE(c_allocations - c, 1) << "call " << call;
#else
            (void)c;
#endif
        }
    }
}

}  // namespace
}  // namespace strata
