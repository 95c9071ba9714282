// The strata half of the side-by-side benchmark (the PyTorch half is seed_bench_torch.py; scripts/bench.sh
// runs both and prints the table). The seed model is built exactly as the contract program seed_mlp builds
// it. For each thread count: a fresh model from the same seed, one warm-up epoch, then timed epochs (each
// one fit call of one epoch), the test accuracy, and the latency of one image through predict_on_batch.
// A thread count whose warm-up epoch is already twice as slow as the best epoch so far cannot win, so
// its timed epochs are skipped (on a loaded machine, more OpenMP threads than free cores crawl); its line
// then says timed=0 and gives the warm-up epoch.
//
// Then, to show how the cost grows, one epoch at each batch size of --batch-sizes for each thread count
// (a fresh model, one warm-up epoch at that size, one timed).
//
// One machine-readable line per thread count, and one per thread count and batch size, go to stdout
// (progress goes to stderr):
//   seed_bench framework=strata threads=1 timed=3 epoch_s=3.21,3.18,3.19 infer_best_us=41.2
//       infer_median_us=44.0 test_accuracy=0.8421 epochs=4 peak_rss_mb=412.3
//   seed_sweep framework=strata threads=1 batch_size=32 epoch_s=0.412
//
// Usage: seed_bench [--threads 1,2] [--timed-epochs 3] [--calls 2000] [--batch-sizes 32,64,...,1024]
#include <strata/strata.hpp>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <limits>
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
    int timed_epochs = 3;  // after one warm-up epoch
    int calls = 2000;      // one-image inference calls, after a few warm-up calls
    std::vector<int> batch_sizes = {32, 64, 128, 256, 512, 1024};  // the sweep; empty: none
};

Settings parse_arguments(int argc, char** argv) {
    Settings settings;
    for (int i = 1; i < argc; ++i) {
        std::string_view flag = argv[i];
        if (i + 1 >= argc) {
            throw strata::ValueError("expected a value after '" + std::string(flag) + "'");
        }
        std::string value = argv[++i];
        if (flag == "--threads") {
            settings.threads = strata_bench::thread_counts(flag, value);
        } else if (flag == "--timed-epochs") {
            settings.timed_epochs = positive_int(flag, value);
        } else if (flag == "--calls") {
            settings.calls = positive_int(flag, value);
        } else if (flag == "--batch-sizes") {
            settings.batch_sizes = value == "none" ? std::vector<int>{} : strata_bench::thread_counts(flag, value);
        } else {
            throw strata::ValueError("unknown option '" + std::string(flag) +
                                     "' (expected --threads, --timed-epochs, --calls or --batch-sizes)");
        }
    }
    return settings;
}

struct Data {
    strata::Tensor x_train, y_train, x_test, y_test;
};

// The same preparation as the contract program seed_mlp, one array a statement as the PyTorch half does:
// each float32 temporary (astype before the division) is freed before the next array is made, so the peak
// memory counts what the process needs, not how many temporaries one expression keeps alive.
Data load() {
    auto [train, test] = strata::datasets::fashion_mnist::load_data();
    Data data;
    data.x_train = train.x.reshape({-1, 784}).astype(strata::float32) / 255.0f;
    data.y_train = strata::utils::to_categorical(train.y, 10);
    data.x_test = test.x.reshape({-1, 784}).astype(strata::float32) / 255.0f;
    data.y_test = strata::utils::to_categorical(test.y, 10);
    return data;
}

// The seed model, fresh from seed 42, compiled as the contract program compiles it.
strata::Sequential seed_model() {
    strata::utils::set_random_seed(42);
    strata::Sequential model;
    model.add(layers::Dense(32, "relu", {.input_shape = {784}}));
    model.add(layers::Dense(10, "softmax"));
    model.compile({.optimizer = optimizers::RMSprop(0.001), .loss = "mse", .metrics = {"accuracy"}});
    return model;
}

// One timed epoch at `batch_size` with `threads` threads, after a warm-up epoch at that size.
void sweep(const Data& data, int threads, int batch_size) {
    strata::backend::set_num_threads(threads);
    strata::Sequential model = seed_model();
    model.fit(data.x_train, data.y_train, {.batch_size = batch_size, .epochs = 1, .verbose = 0});
    auto start = Clock::now();
    model.fit(data.x_train, data.y_train, {.batch_size = batch_size, .epochs = 1, .verbose = 0});
    double seconds = seconds_since(start);
    std::fprintf(stderr, "strata, %d thread(s), batch %d: epoch %.3f s\n", threads, batch_size, seconds);
    std::printf("seed_sweep framework=strata threads=%d batch_size=%d epoch_s=%.4f\n", threads, batch_size, seconds);
    std::fflush(stdout);
}

// Trains and times one fresh model with `threads` threads; returns its best epoch in seconds.
double run(const Data& data, int threads, const Settings& settings, double best_so_far) {
    strata::backend::set_num_threads(threads);
    strata::Sequential model = seed_model();

    // The warm-up epoch pays for first-touch allocations and oneDNN's primitive creation.
    auto start = Clock::now();
    model.fit(data.x_train, data.y_train, {.batch_size = 128, .epochs = 1, .verbose = 0});
    double warm_up = seconds_since(start);
    std::fprintf(stderr, "strata, %d thread(s): warm-up epoch %.3f s\n", threads, warm_up);

    std::vector<double> epoch_seconds;
    int timed_epochs = warm_up > 2 * best_so_far ? 0 : settings.timed_epochs;
    if (timed_epochs == 0) {
        std::fprintf(stderr, "strata, %d thread(s): slower than %.3f s already, timed epochs skipped\n",
                     threads, best_so_far);
        epoch_seconds.push_back(warm_up);
    }
    for (int epoch = 0; epoch < timed_epochs; ++epoch) {
        start = Clock::now();
        model.fit(data.x_train, data.y_train, {.batch_size = 128, .epochs = 1, .verbose = 0});
        epoch_seconds.push_back(seconds_since(start));
        std::fprintf(stderr, "strata, %d thread(s): epoch %.3f s\n", threads, epoch_seconds.back());
    }
    double accuracy = model.evaluate(data.x_test, data.y_test, {.batch_size = 128, .verbose = 0}).at("accuracy");

    // Real-time classification: one image, shape (1, 784), through the trained model.
    strata::Tensor image = data.x_test.slice(0, 1).clone();
    for (int i = 0; i < 50; ++i) {
        model.predict_on_batch(image);
    }
    std::vector<double> call_us;
    call_us.reserve(settings.calls);
    for (int i = 0; i < settings.calls; ++i) {
        auto call_start = Clock::now();
        strata::Tensor probabilities = model.predict_on_batch(image);
        call_us.push_back(seconds_since(call_start) * 1e6);
    }
    std::sort(call_us.begin(), call_us.end());

    std::string epochs_list;
    for (double s : epoch_seconds) {
        char buffer[32];
        std::snprintf(buffer, sizeof buffer, "%s%.4f", epochs_list.empty() ? "" : ",", s);
        epochs_list += buffer;
    }
    // The process's peak resident memory so far (Linux reports kilobytes): the data, the library, the model.
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    std::printf("seed_bench framework=strata threads=%d timed=%d epoch_s=%s infer_best_us=%.2f "
                "infer_median_us=%.2f test_accuracy=%.4f epochs=%d peak_rss_mb=%.1f\n",
                threads, timed_epochs, epochs_list.c_str(), call_us.front(), call_us[call_us.size() / 2],
                accuracy, timed_epochs + 1, static_cast<double>(usage.ru_maxrss) / 1024.0);
    std::fflush(stdout);
    return timed_epochs == 0 ? best_so_far : *std::min_element(epoch_seconds.begin(), epoch_seconds.end());
}

}  // namespace

int main(int argc, char** argv) {
    try {
        Settings settings = parse_arguments(argc, argv);
        Data data = load();
        double best = std::numeric_limits<double>::infinity();
        for (int threads : settings.threads) {
            best = std::min(best, run(data, threads, settings, best));
        }
        for (int threads : settings.threads)
            for (int batch_size : settings.batch_sizes) sweep(data, threads, batch_size);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "seed_bench: %s\n", error.what());
        return 1;
    }
    return 0;
}
