// Determinism (DESIGN.md): on the CPU the same inputs give bit-identical results whatever the number of
// threads, because reductions split in fixed chunks combined in a fixed order.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include <strata/backend/threading.hpp>
#include <strata/ops/linalg.hpp>
#include <strata/ops/nn.hpp>
#include <strata/ops/random.hpp>
#include <strata/ops/reduce.hpp>
#include <strata/ops/shape.hpp>

#include "core/tensor_matchers.hpp"

namespace strata {
namespace {

// Sets the thread count for a scope and restores the previous one after it, even when a check fails.
class ThreadCount {
public:
    explicit ThreadCount(int threads) : previous_(backend::num_threads()) { backend::set_num_threads(threads); }
    ~ThreadCount() { backend::set_num_threads(previous_); }

private:
    int previous_;
};

template <class Fn>
std::vector<float> with_threads(int threads, Fn fn) {
    ThreadCount scope(threads);
    EXPECT_EQ(backend::num_threads(), threads);
    return fn().template to_vector<float>();
}

// Bitwise equality: EXPECT_EQ on floats would also accept -0 for 0.
void expect_bit_identical(const std::vector<float>& a, const std::vector<float>& b) {
    ASSERT_EQ(a.size(), b.size());
    EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0);
}

template <class Fn>
void expect_same_on_one_and_two_threads(Fn fn) {
    int before = backend::num_threads();
    std::vector<float> one = with_threads(1, fn);
    std::vector<float> two = with_threads(2, fn);
    std::vector<float> one_again = with_threads(1, fn);
    expect_bit_identical(one, two);
    expect_bit_identical(one, one_again);
    EXPECT_EQ(backend::num_threads(), before);  // restored
}

TEST(BackendDeterminism, SumOfAMillionFloatsIsBitIdenticalOnOneOrTwoThreads) {
    random::seed(7);
    Tensor x = random::normal({1 << 20});
    expect_same_on_one_and_two_threads([&] { return ops::sum(x); });
    expect_same_on_one_and_two_threads([&] { return ops::mean(ops::reshape(x, {1024, 1024}), {0}); });
    expect_same_on_one_and_two_threads([&] { return ops::sum(ops::reshape(x, {64, 128, 128}), {0, 2}); });
    expect_same_on_one_and_two_threads([&] { return ops::max(ops::reshape(x, {1024, 1024}), {1}); });
}

TEST(BackendDeterminism, MatmulIsBitIdenticalOnOneOrTwoThreads) {
    random::seed(11);
    Tensor a = random::normal({256, 512}), b = random::normal({512, 192}), bias = random::normal({192});
    expect_same_on_one_and_two_threads([&] { return ops::matmul(a, b); });
    expect_same_on_one_and_two_threads([&] { return ops::linear(a, b, bias, backend::Epilogue::relu); });
    // Skinny shapes, where a library is most tempted to split the inner axis across threads.
    Tensor c = random::normal({4, 65536}), d = random::normal({65536, 8});
    expect_same_on_one_and_two_threads([&] { return ops::matmul(c, d); });
    Tensor e = random::normal({8, 64, 96}), f = random::normal({8, 96, 32});
    expect_same_on_one_and_two_threads([&] { return ops::matmul(e, f); });
}

TEST(BackendDeterminism, ElementwiseAndSoftmaxAreBitIdenticalOnOneOrTwoThreads) {
    random::seed(3);
    Tensor x = random::normal({512, 300});
    expect_same_on_one_and_two_threads([&] { return ops::softmax(x); });
    expect_same_on_one_and_two_threads([&] { return ops::gelu(x) * x + ops::transpose(ops::transpose(x)); });
}

TEST(BackendThreading, SetNumThreadsRefusesZero) {
    int before = backend::num_threads();
    testing::expect_error<ValueError>([] { backend::set_num_threads(0); }, {"set_num_threads", "0"});
    EXPECT_EQ(backend::num_threads(), before);
}

}  // namespace
}  // namespace strata
