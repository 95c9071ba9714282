#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include <strata/strata.hpp>

namespace strata {
namespace {

namespace L = layers;

// One model, built and trained once, shared by threads that only run it: what a server does. Every call
// from any thread must give the bits one thread gets alone (matmul and convolution slices are fixed by
// shape, their scratchpads are per thread, primitive caches are locked).
class ConcurrentInferenceTest : public ::testing::Test {
protected:
    void SetUp() override {
        clear_session();
        random::seed(5);
    }

    // Runs call(thread, i) for i < calls on each of `threads` threads at once; each call says whether its
    // result had the expected bits. Counts the calls that did not, and the threads that threw.
    template <class Call>
    static void run_concurrently(int threads, int calls, Call call) {
        std::atomic<int> mismatches{0}, errors{0};
        std::vector<std::thread> pool;
        for (int t = 0; t < threads; ++t) {
            pool.emplace_back([&, t] {
                try {
                    for (int i = 0; i < calls; ++i)
                        if (!call(t, i)) ++mismatches;
                } catch (const std::exception&) {
                    ++errors;
                }
            });
        }
        for (std::thread& thread : pool) thread.join();
        EXPECT_EQ(errors.load(), 0);
        EXPECT_EQ(mismatches.load(), 0) << "of " << threads * calls << " calls";
    }

    static bool same_bits(const Tensor& a, const Tensor& b) {
        if (a.shape() != b.shape() || a.dtype() != float32 || b.dtype() != float32) return false;
        std::vector<float> x = a.to_vector<float>(), y = b.to_vector<float>();
        return std::memcmp(x.data(), y.data(), x.size() * sizeof(float)) == 0;
    }
};

TEST_F(ConcurrentInferenceTest, EightThreadsGetTheBitsOfOne) {
    Sequential model;
    model.add(Input({12, 12, 1}));
    model.add(L::Conv2D(8, {3, 3}, {.activation = "relu"}));
    model.add(L::BatchNormalization());
    model.add(L::MaxPooling2D({2, 2}));
    model.add(L::Flatten());
    model.add(L::Dropout(0.5));
    model.add(L::Dense(16, "relu"));
    model.add(L::Dense(4, "softmax"));
    model.compile({.optimizer = optimizers::Adam(1e-2), .loss = "sparse_categorical_crossentropy"});
    // A few steps, so that BatchNormalization's moving statistics are not their initial values.
    Tensor x_train = random::normal({64, 12, 12, 1});
    std::vector<std::int64_t> labels;
    for (int i = 0; i < 64; ++i) labels.push_back(i * 7 % 4);
    Tensor y_train = Tensor::from_vector<std::int64_t>(labels);
    model.fit(x_train, y_train, {.batch_size = 16, .epochs = 1, .verbose = 0});

    constexpr int threads = 8, calls = 1000;
    std::vector<Tensor> inputs, expected_call, expected_batch;
    for (int t = 0; t < threads; ++t) {
        inputs.push_back(random::normal({1 + t % 3, 12, 12, 1}));
        expected_call.push_back(model(inputs.back()));
        expected_batch.push_back(model.predict_on_batch(inputs.back()));
    }
    Tensor batch = random::normal({40, 12, 12, 1});
    Tensor expected_predict = model.predict(batch, {.batch_size = 16, .verbose = 0});

    run_concurrently(threads, calls, [&](int t, int i) {
        // Mostly the one-image path a server takes; now and then a whole predict.
        return i % 100 == 99 ? same_bits(model.predict(batch, {.batch_size = 16, .verbose = 0}), expected_predict)
               : i % 2 == 0  ? same_bits(model(inputs[t]), expected_call[t])
                             : same_bits(model.predict_on_batch(inputs[t]), expected_batch[t]);
    });
}

TEST_F(ConcurrentInferenceTest, EightThreadsShareOnePlannedForward) {
    // A model the planned forward takes (Dense, Dropout, Activation): predict_on_batch and predict run it
    // from every thread at once, each call on buffers of its own from the plan's pool.
    Sequential model;
    model.add(L::Dense(24, "relu", {.input_shape = {10}}));
    model.add(L::Dropout(0.5));
    model.add(L::Dense(5));
    model.add(L::Activation("softmax"));
    constexpr int threads = 8, calls = 1000;
    std::vector<Tensor> inputs, expected;
    for (int t = 0; t < threads; ++t) {
        inputs.push_back(random::normal({1 + t % 4, 10}));
        expected.push_back(model.predict_on_batch(inputs.back()));
    }
    Tensor batch = random::normal({50, 10});
    Tensor expected_predict = model.predict(batch, {.batch_size = 16, .verbose = 0});

    run_concurrently(threads, calls, [&](int t, int i) {
        return i % 100 == 99 ? same_bits(model.predict(batch, {.batch_size = 16, .verbose = 0}), expected_predict)
                             : same_bits(model.predict_on_batch(inputs[t]), expected[t]);
    });
}

TEST_F(ConcurrentInferenceTest, EightThreadsShareOnePlannedForwardOfBranches) {
    // A functional model's planned forward: two branches joined by Add and Concatenate, a layer called twice.
    // Each call keeps the pointers to its merges' inputs in buffers of its own.
    Tensor in = Input({10});
    Tensor a = L::Dense(12, "relu")(in);
    Tensor b = L::Dense(12, "tanh")(in);
    L::Dense shared(12, "sigmoid");
    Tensor joined = L::Concatenate()({L::Add()({shared(a), shared(b)}), L::Multiply()({a, b})});
    Model model(in, L::Dense(5, "softmax")(joined));
    constexpr int threads = 8, calls = 1000;
    std::vector<Tensor> inputs, expected;
    for (int t = 0; t < threads; ++t) {
        inputs.push_back(random::normal({1 + t % 4, 10}));
        expected.push_back(model.predict_on_batch(inputs.back()));
    }
    run_concurrently(threads, calls,
                     [&](int t, int) { return same_bits(model.predict_on_batch(inputs[t]), expected[t]); });
}

}  // namespace
}  // namespace strata
