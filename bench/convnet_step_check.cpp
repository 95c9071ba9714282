// The strata half of the step check: Keras's "simple MNIST convnet" (examples/convnet.cpp without its
// Dropout, so the step is deterministic) trained for a few steps on one fixed batch from given weights, so
// that convnet_step_check.py can compare every number with the same computation in PyTorch.
//
// Usage: convnet_step_check DIR [steps] [float32|float64]
// The model runs in the given dtype (float32 by default, as the example; float64 takes rounding out of the
// comparison), and every floating-point file below holds elements of that dtype. DIR holds raw
// little-endian files written by convnet_step_check.py:
//   x.bin            [128, 28, 28, 1], the batch (NHWC)
//   y.bin            int32 [128], its labels
//   w0.bin ... w5.bin the initial weights in Keras's order and layouts: conv kernel (3, 3, 1, 32), bias (32),
//                    conv kernel (3, 3, 32, 64), bias (64), dense kernel (1600, 10), bias (10)
// and receives:
//   probs.bin        [128, 10], the softmax output at the initial weights
//   grad0.bin ...    d loss / d weight at the initial weights (the first step's gradients)
//   losses.bin       float64 [steps], the loss at the weights each step starts from, in the model's dtype
//   reported.bin     float64 [steps], the loss train_on_batch reports at each step (the same loss, through
//                    Keras's float32 loss tracker)
//   final0.bin ...   the weights after the last step
// Each step's reported loss is also printed: "step 1 loss 2.302585".
#include <strata/strata.hpp>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <string>
#include <vector>

namespace layers = strata::layers;
namespace optimizers = strata::optimizers;

namespace {

constexpr std::int64_t kBatch = 128;

template <typename T>
std::vector<T> read_raw(const std::string& path, std::int64_t count) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw strata::IOError("convnet_step_check: cannot open '" + path + "'");
    std::vector<T> values(static_cast<std::size_t>(count));
    in.read(reinterpret_cast<char*>(values.data()), static_cast<std::streamsize>(count * sizeof(T)));
    if (in.gcount() != static_cast<std::streamsize>(count * sizeof(T)) || in.peek() != EOF) {
        throw strata::IOError("convnet_step_check: '" + path + "' should hold exactly " + std::to_string(count) +
                              " elements of " + std::to_string(sizeof(T)) + " bytes");
    }
    return values;
}

template <typename T>
void write_raw(const std::string& path, const std::vector<T>& values) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(values.data()), static_cast<std::streamsize>(values.size() * sizeof(T)));
    if (!out) throw strata::IOError("convnet_step_check: cannot write '" + path + "'");
}

strata::Tensor read_tensor(const std::string& path, const strata::Shape& shape, strata::DType dtype) {
    if (dtype == strata::float64) return strata::Tensor::from_vector(read_raw<double>(path, shape.numel()), shape);
    return strata::Tensor::from_vector(read_raw<float>(path, shape.numel()), shape);
}

void write_tensor(const std::string& path, const strata::Tensor& tensor) {
    if (tensor.dtype() == strata::float64) {
        write_raw(path, tensor.to_vector<double>());
    } else {
        write_raw(path, tensor.to_vector<float>());
    }
}

}  // namespace

int main(int argc, char** argv) try {
    if (argc < 2) {
        std::fprintf(stderr, "usage: convnet_step_check DIR [steps] [float32|float64]\n");
        return 2;
    }
    const std::string dir = argv[1];
    const int steps = argc > 2 ? std::atoi(argv[2]) : 5;
    const std::string dtype_name = argc > 3 ? argv[3] : "float32";
    if (steps < 1) throw strata::ValueError("convnet_step_check: steps must be positive, got " + std::string(argv[2]));
    if (dtype_name != "float32" && dtype_name != "float64") {
        throw strata::ValueError("convnet_step_check: expected dtype float32 or float64, got '" + dtype_name + "'");
    }
    const strata::DType dtype = dtype_name == "float64" ? strata::float64 : strata::float32;

    strata::Tensor x = read_tensor(dir + "/x.bin", {kBatch, 28, 28, 1}, dtype);
    strata::Tensor y = strata::Tensor::from_vector(read_raw<std::int32_t>(dir + "/y.bin", kBatch), {kBatch});

    strata::Sequential model;
    model.add(strata::Input({28, 28, 1}, {.dtype = dtype}));
    model.add(layers::Conv2D(32, {3, 3}, {.activation = "relu", .dtype = dtype}));
    model.add(layers::MaxPooling2D({2, 2}, {.dtype = dtype}));
    model.add(layers::Conv2D(64, {3, 3}, {.activation = "relu", .dtype = dtype}));
    model.add(layers::MaxPooling2D({2, 2}, {.dtype = dtype}));
    model.add(layers::Flatten({.dtype = dtype}));
    model.add(layers::Dense(10, "softmax", {.dtype = dtype}));

    std::vector<strata::Tensor> initial;
    for (const strata::Tensor& w : model.get_weights()) {
        initial.push_back(read_tensor(dir + "/w" + std::to_string(initial.size()) + ".bin", w.shape(), dtype));
    }
    model.set_weights(initial);

    // The forward pass and the first step's gradients at the initial weights, for isolating a difference.
    {
        strata::GradientTape tape;
        strata::Tensor probs = model(x, {.training = true});
        strata::Tensor loss = strata::losses::sparse_categorical_crossentropy(y, probs).mean();
        std::vector<strata::Tensor> grads = tape.gradient(loss, model.trainable_weights());
        write_tensor(dir + "/probs.bin", probs.detach());
        for (std::size_t i = 0; i < grads.size(); ++i) {
            write_tensor(dir + "/grad" + std::to_string(i) + ".bin", grads[i]);
        }
        std::printf("tape loss %.9g\n", loss.detach().astype(strata::float64).item<double>());
    }

    // Keras's losses compute in float32 (their dtype=None is floatx) whatever the model's dtype, so the
    // float64 run names a float64 loss to stay float64 throughout.
    if (dtype == strata::float64) {
        model.compile({.optimizer = optimizers::Adam(1e-3),
                       .loss = strata::losses::SparseCategoricalCrossentropy({.dtype = strata::float64})});
    } else {
        model.compile({.optimizer = optimizers::Adam(1e-3), .loss = "sparse_categorical_crossentropy"});
    }
    std::vector<double> losses, reported;
    for (int step = 1; step <= steps; ++step) {
        {
            strata::autograd::NoGradScope no_grad;
            strata::Tensor probs = model(x, {.training = true});
            strata::Tensor loss = strata::losses::sparse_categorical_crossentropy(y, probs).mean();
            losses.push_back(loss.astype(strata::float64).item<double>());
        }
        reported.push_back(model.train_on_batch(x, y).at("loss"));
        std::printf("step %d loss %.9g\n", step, reported.back());
    }
    write_raw(dir + "/losses.bin", losses);
    write_raw(dir + "/reported.bin", reported);
    std::vector<strata::Tensor> final_weights = model.get_weights();
    for (std::size_t i = 0; i < final_weights.size(); ++i) {
        write_tensor(dir + "/final" + std::to_string(i) + ".bin", final_weights[i]);
    }
    return 0;
} catch (const std::exception& error) {
    std::fprintf(stderr, "convnet_step_check: %s\n", error.what());
    return 1;
}
