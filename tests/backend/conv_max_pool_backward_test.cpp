// The planned step's fused backward of a Conv2D and the max pooling above it
// (src/backend/cpu/conv_max_pool_backward.cpp) against the kernels it replaces, one after the other: the
// pooling's backward from its indices, the activation's backward and the convolution's weights and data
// gradients. Strides, dilations, 'same' padding, windows clipped at the edge or leaving rows out, 3 x 3
// windows, every activation, few input channels (vectors over the output channels) and many (a multiple of
// 16, where the sums are kept in registers), with and without the input's gradient, and the same bits on
// one thread and on two.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <strata/backend/backend.hpp>
#include <strata/backend/threading.hpp>
#include <strata/ops/random.hpp>
#include <strata/utils/random_seed.hpp>

#include "backend/cpu/training_kernels.hpp"
#include "ops/windows.hpp"

namespace strata {
namespace {

using backend::Epilogue;

struct Case {
    std::string name;
    std::int64_t n, h, w, c_in, c_out;
    std::vector<std::int64_t> kernel, strides, dilations;
    std::string padding;
    std::vector<std::int64_t> pool;
    Epilogue activation;
    bool input_gradient;
};

std::vector<Case> cases() {
    return {
        {"16 channels in, 'valid', 2x2 windows leaving a row and a column out, relu", 3, 11, 11, 16, 8, {3, 3},
         {1, 1}, {1, 1}, "valid", {2, 2}, Epilogue::relu, true},
        {"17 channels in, stride 2, 'same', windows clipped at the edge, tanh", 2, 13, 12, 17, 5, {3, 2}, {2, 2},
         {1, 1}, "same", {2, 2}, Epilogue::tanh, true},
        {"dilation 2, 3x3 windows, sigmoid", 2, 14, 13, 16, 6, {3, 3}, {1, 1}, {2, 2}, "valid", {3, 3},
         Epilogue::sigmoid, true},
        {"2 channels in with the input's gradient, no activation, 'same'", 3, 7, 9, 2, 4, {3, 3}, {1, 1}, {1, 1},
         "same", {2, 2}, Epilogue::none, true},
        {"32 channels in, 'same' (fields reaching into the padding), 5 filters, sigmoid", 2, 8, 10, 32, 5, {3, 3},
         {1, 1}, {1, 1}, "same", {2, 2}, Epilogue::sigmoid, true},
        {"48 channels in, 'valid', relu, weights only", 3, 9, 9, 48, 20, {3, 3}, {1, 1}, {1, 1}, "valid", {2, 2},
         Epilogue::relu, false},
        {"one channel in (an image), 'valid', relu, weights only", 17, 10, 10, 1, 70, {3, 3}, {1, 1}, {1, 1},
         "valid", {2, 2}, Epilogue::relu, false},
        {"three channels in, 'same', dilation 2 one way, clipped windows, tanh, weights only", 4, 9, 11, 3, 5,
         {3, 3}, {1, 1}, {1, 2}, "same", {2, 2}, Epilogue::tanh, false},
    };
}

// Keras's output extent of a convolution along one axis.
std::int64_t conv_extent(std::int64_t in, std::int64_t k, std::int64_t stride, std::int64_t dilation,
                         const std::string& padding) {
    const std::int64_t span = padding == "same" ? in : in - (k - 1) * dilation;
    return (span + stride - 1) / stride;
}

struct Gradients {
    std::vector<float> kernel, bias, x;
};

struct Problem {
    Tensor x, kernel, bias, conv_out, pooled, grad_pooled;
    std::vector<std::uint8_t> indices;
    backend::Backend::ConvGeometry geometry;
    backend::Backend::PoolWindow window{};
};

Problem forward(const Case& c) {
    const backend::Backend& cpu = backend::of(Device::cpu());
    Problem p;
    p.x = random::normal({c.n, c.h, c.w, c.c_in});
    p.kernel = random::normal({c.kernel[0], c.kernel[1], c.c_in, c.c_out});
    p.bias = random::normal({c.c_out});
    const std::int64_t oh = conv_extent(c.h, c.kernel[0], c.strides[0], c.dilations[0], c.padding);
    const std::int64_t ow = conv_extent(c.w, c.kernel[1], c.strides[1], c.dilations[1], c.padding);
    p.geometry = ops::detail::conv_geometry({c.h, c.w}, {oh, ow}, c.kernel, c.strides, c.dilations, c.padding, 1);
    p.conv_out = Tensor::empty({c.n, oh, ow, c.c_out}, float32, Device::cpu());
    cpu.conv_forward(p.x, p.kernel, &p.bias, p.geometry, c.activation, p.conv_out);
    // Keras's pooling: strides = pool size; 'same' where the windows do not divide the output (they clip).
    const std::int64_t length[2] = {oh, ow};
    std::int64_t pooled[2];
    const std::string pool_padding = oh % c.pool[0] || ow % c.pool[1] ? (c.padding == "same" ? "same" : "valid") : "valid";
    EXPECT_TRUE(ops::detail::pool_window(length, c.pool, c.pool, pool_padding, p.window, pooled));
    EXPECT_TRUE(backend::cpu::pool_windows_tile(p.window));
    p.pooled = Tensor::empty({c.n, pooled[0], pooled[1], c.c_out}, float32, Device::cpu());
    p.indices.resize(static_cast<std::size_t>(p.pooled.numel()));
    backend::cpu::max_pool2d_with_indices(p.conv_out, p.window, p.pooled, p.indices.data());
    p.grad_pooled = random::normal(p.pooled.shape());
    return p;
}

// The pooling's backward, the activation's, then the convolution's: what the step ran before.
Gradients one_after_the_other(const Case& c, const Problem& p) {
    const backend::Backend& cpu = backend::of(Device::cpu());
    Tensor grad_conv = Tensor::empty(p.conv_out.shape(), float32, Device::cpu());
    backend::cpu::max_pool2d_backward_from_indices(p.grad_pooled, nullptr, p.indices.data(), p.window, grad_conv);
    backend::cpu::activation_backward(c.activation, p.conv_out.data<float>(), grad_conv.data<float>(),
                                      grad_conv.data<float>(), grad_conv.numel());
    Tensor gk = Tensor::empty(p.kernel.shape(), float32, Device::cpu());
    Tensor gb = Tensor::empty(p.bias.shape(), float32, Device::cpu());
    Tensor gx = Tensor::empty(p.x.shape(), float32, Device::cpu());
    cpu.conv_backward_weights(p.x, grad_conv, p.geometry, gk, &gb);
    cpu.conv_backward_data(grad_conv, p.kernel, p.geometry, gx);
    return {gk.to_vector<float>(), gb.to_vector<float>(), gx.to_vector<float>()};
}

Gradients fused(const Case& c, const Problem& p, bool kernel_gradient = true) {
    Tensor gk = Tensor::full(p.kernel.shape(), 7.0, float32);  // every element must be written
    Tensor gb = Tensor::full(p.bias.shape(), 7.0, float32);
    Tensor gx = Tensor::full(p.x.shape(), 7.0, float32);
    backend::cpu::conv2d_backward_through_max_pool(p.x, p.kernel, p.conv_out, p.geometry, c.activation, p.pooled,
                                                   p.grad_pooled, p.indices.data(), p.window,
                                                   kernel_gradient ? &gk : nullptr, &gb,
                                                   c.input_gradient ? &gx : nullptr);
    return {kernel_gradient ? gk.to_vector<float>() : std::vector<float>{}, gb.to_vector<float>(),
            c.input_gradient ? gx.to_vector<float>() : std::vector<float>{}};
}

// Float32 sums in another order: within 1e-5 of the largest value (each sums at most a few hundred terms).
void expect_close(const std::vector<float>& actual, const std::vector<float>& expected, const std::string& what) {
    ASSERT_EQ(actual.size(), expected.size()) << what;
    float largest = 0.0f;
    for (float e : expected) largest = std::max(largest, std::abs(e));
    ASSERT_GT(largest, 0.0f) << what << ": a gradient of zeros would prove nothing";
    for (std::size_t i = 0; i < actual.size(); ++i)
        ASSERT_NEAR(actual[i], expected[i], 1e-5f * largest) << what << " [" << i << "]";
}

TEST(ConvMaxPoolBackwardTest, GivesThePoolingsTheActivationsAndTheConvolutionsBackwards) {
    utils::set_random_seed(8);
    for (const Case& c : cases()) {
        SCOPED_TRACE(c.name);
        Problem p = forward(c);
        Gradients expected = one_after_the_other(c, p), actual = fused(c, p);
        expect_close(actual.kernel, expected.kernel, "kernel");
        expect_close(actual.bias, expected.bias, "bias");
        if (c.input_gradient) expect_close(actual.x, expected.x, "x");
    }
}

TEST(ConvMaxPoolBackwardTest, AFrozenKernelStillGivesTheInputsGradient) {
    utils::set_random_seed(9);
    const Case c = cases()[0];
    Problem p = forward(c);
    Gradients expected = one_after_the_other(c, p), actual = fused(c, p, /*kernel_gradient=*/false);
    expect_close(actual.x, expected.x, "x");
    expect_close(actual.bias, expected.bias, "bias");
}

TEST(ConvMaxPoolBackwardTest, GivesTheSameBitsOnOneThreadAndOnTwo) {
    utils::set_random_seed(10);
    for (const Case& c : cases()) {
        SCOPED_TRACE(c.name);
        Problem p = forward(c);
        const int previous = backend::num_threads();
        backend::set_num_threads(1);
        Gradients one = fused(c, p);
        backend::set_num_threads(2);
        Gradients two = fused(c, p);
        backend::set_num_threads(previous);
        EXPECT_EQ(one.kernel, two.kernel);
        EXPECT_EQ(one.bias, two.bias);
        EXPECT_EQ(one.x, two.x);
    }
}

}  // namespace
}  // namespace strata
