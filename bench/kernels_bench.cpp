// Google Benchmark micro-benchmarks of the kernels the table's rows spend their time in, at the shapes those
// rows use, each reporting FLOP/s (or bytes/s for the memory-bound ones) so that a kernel can be set beside
// its floor: FLOPs over the machine's SGEMM peak, bytes over its memory bandwidth.
//   ./build/bench/kernels_bench [--benchmark_filter=Linear] [--threads=N, default all cores]
// The thread count is set once (strata::backend::set_num_threads) from --threads, read before Google
// Benchmark sees the other arguments. Rates are of wall-clock time: a kernel on two threads uses two cores.
#include <benchmark/benchmark.h>

#include <strata/strata.hpp>

#include "backend/cpu/training_kernels.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

using strata::Tensor;
namespace ops = strata::ops;

void set_flops(benchmark::State& state, double flops) {
    state.counters["FLOP/s"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
}

// x[m, k] * kernel[k, n] + bias, relu fused: Dense's forward. The seed model's first layer is 128 x 784 x 32;
// the wide MLP's largest products are 256 x 1024 x 1024.
void Linear(benchmark::State& state) {
    const std::int64_t m = state.range(0), k = state.range(1), n = state.range(2);
    strata::utils::set_random_seed(1);
    Tensor x = strata::random::normal({m, k}), w = strata::random::normal({k, n}), b = strata::random::normal({n});
    for (auto _ : state) benchmark::DoNotOptimize(ops::linear(x, w, b, strata::backend::Epilogue::relu));
    set_flops(state, 2.0 * m * k * n);
}
BENCHMARK(Linear)->Args({128, 784, 32})->Args({1, 784, 32})->Args({256, 784, 1024})->Args({256, 1024, 1024})
    ->Args({2048, 2048, 2048})->Unit(benchmark::kMicrosecond)->UseRealTime();

// The convnet's convolutions, batch 128, channels-last, bias and relu fused: 28x28x1 -> 32 and 13x13x32 -> 64.
void Conv2D(benchmark::State& state) {
    const std::int64_t size = state.range(0), channels = state.range(1), filters = state.range(2), batch = 128;
    strata::utils::set_random_seed(1);
    Tensor x = strata::random::normal({batch, size, size, channels});
    Tensor kernel = strata::random::normal({3, 3, channels, filters}), bias = strata::random::normal({filters});
    for (auto _ : state)
        benchmark::DoNotOptimize(ops::conv(x, kernel, bias, {}, strata::backend::Epilogue::relu));
    set_flops(state, 2.0 * batch * (size - 2) * (size - 2) * 9 * channels * filters);
}
BENCHMARK(Conv2D)->Args({28, 1, 32})->Args({13, 32, 64})->Unit(benchmark::kMicrosecond)->UseRealTime();

// The backward of the convnet's convolutions with the max pooling above them, as the planned step runs it
// (conv2d_backward_through_max_pool): 28x28x1 -> 32 (the weights' gradient only, as for a model's first
// layer) and 13x13x32 -> 64 (also the input's gradient), batch 128, relu, 2 x 2 pools. FLOP/s counts the
// dense backward's arithmetic, which the kernel's sum over the maxima alone stands for.
void ConvMaxPoolBackward(benchmark::State& state) {
    const std::int64_t size = state.range(0), channels = state.range(1), filters = state.range(2), batch = 128;
    const bool input_gradient = channels > 1;
    strata::utils::set_random_seed(1);
    Tensor x = strata::random::normal({batch, size, size, channels});
    Tensor kernel = strata::random::normal({3, 3, channels, filters}), bias = strata::random::normal({filters});
    Tensor y = ops::conv(x, kernel, bias, {}, strata::backend::Epilogue::relu);
    const std::int64_t conv_size = size - 2, pooled_size = conv_size / 2;
    const strata::backend::Backend::PoolWindow pool{{2, 2}, {2, 2}, {0, 0}};
    Tensor pooled = Tensor::empty({batch, pooled_size, pooled_size, filters});
    Tensor indices = Tensor::empty({batch, pooled_size, pooled_size, filters}, strata::uint8);
    strata::backend::cpu::max_pool2d_with_indices(y, pool, pooled, indices.data<std::uint8_t>());
    Tensor grad_pooled = strata::random::normal({batch, pooled_size, pooled_size, filters});
    Tensor grad_kernel = Tensor::empty(kernel.shape()), grad_bias = Tensor::empty(bias.shape());
    Tensor grad_x = Tensor::empty(x.shape());
    const strata::backend::Backend::ConvGeometry geometry{{1, 1}, {1, 1}, {0, 0}, {0, 0}, 1};
    for (auto _ : state)
        strata::backend::cpu::conv2d_backward_through_max_pool(x, kernel, y, geometry, strata::backend::Epilogue::relu,
                                                               pooled, grad_pooled, indices.data<std::uint8_t>(), pool,
                                                               &grad_kernel, &grad_bias,
                                                               input_gradient ? &grad_x : nullptr);
    set_flops(state, (input_gradient ? 4.0 : 2.0) * batch * conv_size * conv_size * 9 * channels * filters);
}
BENCHMARK(ConvMaxPoolBackward)->Args({28, 1, 32})->Args({13, 32, 64})->Unit(benchmark::kMicrosecond)->UseRealTime();

// Memory-bound kernels: an elementwise add and a row softmax; bytes moved are what they read and write.
void Add(benchmark::State& state) {
    const std::int64_t n = state.range(0);
    Tensor a = strata::random::normal({n}), b = strata::random::normal({n});
    for (auto _ : state) benchmark::DoNotOptimize(ops::add(a, b));
    state.SetBytesProcessed(state.iterations() * 3 * n * static_cast<std::int64_t>(sizeof(float)));
}
BENCHMARK(Add)->Arg(784 * 32)->Arg(128 * 784)->Arg(1 << 22)->Unit(benchmark::kMicrosecond)->UseRealTime();

void Softmax(benchmark::State& state) {
    const std::int64_t rows = state.range(0), cols = state.range(1);
    Tensor x = strata::random::normal({rows, cols});
    for (auto _ : state) benchmark::DoNotOptimize(ops::softmax(x));
    state.SetBytesProcessed(state.iterations() * 2 * rows * cols * static_cast<std::int64_t>(sizeof(float)));
}
BENCHMARK(Softmax)->Args({128, 10})->Args({256, 1024})->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
    // --threads=N is strata's; the rest go to Google Benchmark.
    int kept = 1;
    for (int i = 1; i < argc; ++i) {
        if (std::strncmp(argv[i], "--threads=", 10) != 0) {
            argv[kept++] = argv[i];
            continue;
        }
        int threads = std::atoi(argv[i] + 10);
        if (threads < 1) {
            std::fprintf(stderr, "kernels_bench: --threads expects a positive integer, got '%s'\n", argv[i] + 10);
            return 1;
        }
        strata::backend::set_num_threads(threads);
    }
    argc = kept;
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
