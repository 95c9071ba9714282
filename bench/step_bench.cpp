// The strata half of the benchmark rows beyond the seed model (the PyTorch half is step_bench_torch.py;
// scripts/bench.sh runs both and prints the table):
//   convnet  one batch-128 training step (train_on_batch) of Keras's small convnet: Conv2D(32, 3, relu),
//            MaxPooling2D(2), Conv2D(64, 3, relu), MaxPooling2D(2), Flatten, Dropout(0.5), Dense(10,
//            softmax); Adam(1e-3), sparse categorical cross-entropy. A few warm-up steps, then timed ones.
//   wide     one epoch of fit of a wide MLP, 784-1024(relu)-1024(relu)-10(softmax), batch 256, RMSprop(1e-3),
//            mse, as the seed model: a short warm-up fit, then timed epochs.
//   sgemm    the machine's float32 matrix-multiply rate through strata's matmul (oneDNN), 2048 x 2048 x 2048,
//            the peak that the table's fractions are of.
// Inputs are Fashion-MNIST's, scaled by 1/255.
//
// One machine-readable line per row and thread count goes to stdout (progress goes to stderr):
//   step_bench framework=strata row=convnet threads=1 best_s=0.0301 median_s=0.0312 flops=1.23e9
//
// Usage: step_bench [--threads 1,2] [--rows convnet,wide,sgemm] [--steps 20] [--epochs 2]
#include <strata/strata.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "bench_options.hpp"

namespace layers = strata::layers;
namespace optimizers = strata::optimizers;

namespace {

using strata_bench::Clock;
using strata_bench::positive_int;
using strata_bench::seconds_since;

struct Settings {
    std::vector<int> threads = {1, 2};
    std::vector<std::string> rows = {"convnet", "wide", "sgemm"};
    int steps = 20;  // timed convnet steps, after 3 warm-up steps
    int epochs = 2;  // timed wide-MLP epochs, after a warm-up fit of 10 batches
};

Settings parse_arguments(int argc, char** argv) {
    Settings settings;
    for (int i = 1; i < argc; ++i) {
        std::string_view flag = argv[i];
        if (i + 1 >= argc) throw strata::ValueError("expected a value after '" + std::string(flag) + "'");
        std::string value = argv[++i];
        if (flag == "--threads") {
            settings.threads = strata_bench::thread_counts(flag, value);
        } else if (flag == "--rows") {
            settings.rows = strata_bench::list_of(flag, value);
            for (const std::string& row : settings.rows)
                if (row != "convnet" && row != "wide" && row != "sgemm")
                    throw strata::ValueError("--rows takes convnet, wide and sgemm, got '" + row + "'");
        } else if (flag == "--steps") {
            settings.steps = positive_int(flag, value);
        } else if (flag == "--epochs") {
            settings.epochs = positive_int(flag, value);
        } else {
            throw strata::ValueError("unknown option '" + std::string(flag) +
                                     "' (expected --threads, --rows, --steps or --epochs)");
        }
    }
    return settings;
}

void report(const char* row, int threads, std::vector<double> seconds, double flops) {
    std::sort(seconds.begin(), seconds.end());
    std::printf("step_bench framework=strata row=%s threads=%d best_s=%.6f median_s=%.6f flops=%.4g\n", row, threads,
                seconds.front(), seconds[seconds.size() / 2], flops);
    std::fflush(stdout);
}

// Multiply-adds of a training step, counted as 2 FLOPs each: the forward pass, the gradient of every
// weight (as many again) and of every layer's input but the first's (as many again).
double training_flops(const std::vector<double>& layer_forward_flops) {
    double total = 0;
    for (std::size_t i = 0; i < layer_forward_flops.size(); ++i) total += layer_forward_flops[i] * (i == 0 ? 2 : 3);
    return total;
}

void convnet(const strata::Tensor& x, const strata::Tensor& y, int threads, const Settings& settings) {
    strata::utils::set_random_seed(1);
    strata::Sequential model;
    model.add(strata::Input({28, 28, 1}));
    model.add(layers::Conv2D(32, {3, 3}, {.activation = "relu"}));
    model.add(layers::MaxPooling2D({2, 2}));
    model.add(layers::Conv2D(64, {3, 3}, {.activation = "relu"}));
    model.add(layers::MaxPooling2D({2, 2}));
    model.add(layers::Flatten());
    model.add(layers::Dropout(0.5));
    model.add(layers::Dense(10, "softmax"));
    model.compile({.optimizer = optimizers::Adam(1e-3), .loss = "sparse_categorical_crossentropy"});
    strata::Tensor xb = x.slice(0, 128).clone(), yb = y.slice(0, 128).clone();
    for (int i = 0; i < 3; ++i) model.train_on_batch(xb, yb);
    const std::string eager = model.eager_reason();
    std::fprintf(stderr, "  %s\n", eager.empty() ? "planned step" : ("eager step: " + eager).c_str());
    std::vector<double> seconds;
    for (int i = 0; i < settings.steps; ++i) {
        auto start = Clock::now();
        model.train_on_batch(xb, yb);
        seconds.push_back(seconds_since(start));
    }
    double b = 128;
    report("convnet", threads, seconds,
           training_flops({2 * b * 26 * 26 * 9 * 1 * 32, 2 * b * 11 * 11 * 9 * 32 * 64, 2 * b * 1600 * 10}));
}

void wide(const strata::Tensor& x, const strata::Tensor& y, int threads, const Settings& settings) {
    strata::utils::set_random_seed(1);
    strata::Sequential model;
    model.add(layers::Dense(1024, "relu", {.input_shape = {784}}));
    model.add(layers::Dense(1024, "relu"));
    model.add(layers::Dense(10, "softmax"));
    model.compile({.optimizer = optimizers::RMSprop(0.001), .loss = "mse"});
    model.fit(x.slice(0, 2560), y.slice(0, 2560), {.batch_size = 256, .epochs = 1, .verbose = 0});
    std::vector<double> seconds;
    for (int epoch = 0; epoch < settings.epochs; ++epoch) {
        auto start = Clock::now();
        model.fit(x, y, {.batch_size = 256, .epochs = 1, .verbose = 0});
        seconds.push_back(seconds_since(start));
        std::fprintf(stderr, "strata, %d thread(s): wide MLP epoch %.3f s\n", threads, seconds.back());
    }
    double n = static_cast<double>(x.shape()[0]);
    report("wide", threads, seconds, training_flops({2 * n * 784 * 1024, 2 * n * 1024 * 1024, 2 * n * 1024 * 10}));
}

void sgemm(int threads) {
    strata::utils::set_random_seed(1);
    constexpr std::int64_t n = 2048;
    strata::Tensor a = strata::random::normal({n, n}), b = strata::random::normal({n, n});
    strata::ops::matmul(a, b);
    std::vector<double> seconds;
    for (int i = 0; i < 5; ++i) {
        auto start = Clock::now();
        strata::Tensor c = strata::ops::matmul(a, b);
        seconds.push_back(seconds_since(start));
    }
    report("sgemm", threads, seconds, 2.0 * n * n * n);
}

}  // namespace

int main(int argc, char** argv) {
    try {
        Settings settings = parse_arguments(argc, argv);
        auto [train, test] = strata::datasets::fashion_mnist::load_data();
        strata::Tensor images = train.x.astype(strata::float32) / 255.0f;
        strata::Tensor x_conv = images.reshape({-1, 28, 28, 1}), x_flat = images.reshape({-1, 784});
        strata::Tensor y_onehot = strata::utils::to_categorical(train.y, 10);
        for (int threads : settings.threads) {
            strata::backend::set_num_threads(threads);
            for (const std::string& row : settings.rows) {
                std::fprintf(stderr, "strata, %d thread(s): %s\n", threads, row.c_str());
                if (row == "convnet") convnet(x_conv, train.y, threads, settings);
                else if (row == "wide") wide(x_flat, y_onehot, threads, settings);
                else sgemm(threads);
            }
        }
    } catch (const std::exception& error) {
        std::fprintf(stderr, "step_bench: %s\n", error.what());
        return 1;
    }
    return 0;
}
