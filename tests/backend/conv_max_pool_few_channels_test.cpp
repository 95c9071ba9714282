// The kernels for a Conv2D with few input channels under max pooling (src/backend/cpu/
// conv_max_pool_few_channels.cpp): the fused forward against the convolution followed by the pooling with
// indices, and the weights' gradient that keeps its sums in registers against the portable loops. One, two
// and three input channels; 'valid' and 'same' (windows whose receptive field reaches into the padding);
// strides, dilations, 5 x 5 kernels, 3 x 3 pools; output channels that do not fill the last vector.
//
// They are AVX-512 kernels: where the library was built without it, nothing is covered and the tests skip.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <strata/backend/backend.hpp>
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
    std::int64_t pool;
    Epilogue activation;
    bool bias;
};

std::vector<Case> cases() {
    return {
        {"Keras's first layer: 28x28x1, 3x3, 32 filters, relu, 2x2 pool", 3, 28, 28, 1, 32, {3, 3}, {1, 1},
         {1, 1}, "valid", 2, Epilogue::relu, true},
        {"70 filters (a short last vector), no bias, no activation", 2, 10, 12, 1, 70, {3, 3}, {1, 1}, {1, 1},
         "valid", 2, Epilogue::none, false},
        {"'same': fields reaching into the padding, 2 channels", 2, 9, 8, 2, 20, {3, 3}, {1, 1}, {1, 1}, "same",
         2, Epilogue::relu, true},
        {"stride 2, 2x2 kernel", 2, 17, 15, 1, 24, {2, 2}, {2, 2}, {1, 1}, "valid", 2, Epilogue::relu, true},
        {"dilation 2, 3x3 pool", 2, 14, 15, 1, 17, {2, 2}, {1, 1}, {2, 2}, "valid", 3, Epilogue::relu, true},
        {"stride 2 and dilation 2, 3x3 pool (the forward only: its field is 7x7)", 2, 23, 21, 1, 17, {2, 2},
         {2, 2}, {2, 2}, "valid", 3, Epilogue::relu, true},
        {"three channels (colour), 'same' (the forward only: its field is 4x4x3)", 2, 12, 12, 3, 16, {3, 3},
         {1, 1}, {1, 1}, "same", 2, Epilogue::relu, true},
        {"5x5 kernel (the forward only: its field is 6x6)", 2, 14, 13, 1, 16, {5, 5}, {1, 1}, {1, 1}, "valid", 2,
         Epilogue::relu, true},
    };
}

struct Problem {
    Tensor x, kernel, bias, conv_out, pooled;
    std::vector<std::uint8_t> indices;
    backend::Backend::ConvGeometry geometry;
    backend::Backend::PoolWindow window{};
};

// The convolution and the pooling as the step ran them before: conv_forward, then max_pool2d_with_indices.
Problem separately(const Case& c) {
    Problem p;
    p.x = random::normal({c.n, c.h, c.w, c.c_in});
    p.kernel = random::normal({c.kernel[0], c.kernel[1], c.c_in, c.c_out});
    p.bias = random::normal({c.c_out});
    std::int64_t out[2];
    for (int a = 0; a < 2; ++a) {
        const std::int64_t length = a == 0 ? c.h : c.w;
        const std::int64_t span = c.padding == "same" ? length : length - (c.kernel[a] - 1) * c.dilations[a];
        out[a] = (span + c.strides[a] - 1) / c.strides[a];
    }
    p.geometry = ops::detail::conv_geometry({c.h, c.w}, {out[0], out[1]}, c.kernel, c.strides, c.dilations,
                                            c.padding, 1);
    p.conv_out = Tensor::empty({c.n, out[0], out[1], c.c_out}, float32, Device::cpu());
    backend::of(Device::cpu()).conv_forward(p.x, p.kernel, c.bias ? &p.bias : nullptr, p.geometry, c.activation,
                                            p.conv_out);
    std::int64_t pooled[2];
    EXPECT_TRUE(ops::detail::pool_window(out, {c.pool, c.pool}, {c.pool, c.pool}, "valid", p.window, pooled));
    p.pooled = Tensor::empty({c.n, pooled[0], pooled[1], c.c_out}, float32, Device::cpu());
    p.indices.resize(static_cast<std::size_t>(p.pooled.numel()));
    backend::cpu::max_pool2d_with_indices(p.conv_out, p.window, p.pooled, p.indices.data());
    return p;
}

bool forward_covers(const Case& c, const Problem& p) {
    return backend::cpu::conv2d_max_pool_forward_covers(p.x.shape(), p.kernel.shape(), p.conv_out.shape(),
                                                        p.pooled.shape(), p.geometry, c.activation, p.window);
}

// Skips the test where the library has no AVX-512 kernels: Keras's first layer is the case they exist for.
#define SKIP_WITHOUT_THE_KERNELS()                                                                           \
    do {                                                                                                     \
        utils::set_random_seed(1);                                                                           \
        const Case keras = cases()[0];                                                                       \
        if (!forward_covers(keras, separately(keras))) GTEST_SKIP() << "built without AVX-512: not covered"; \
    } while (false)

float largest_of(const std::vector<float>& v) {
    float largest = 0.0f;
    for (float e : v) largest = std::max(largest, std::abs(e));
    return largest;
}

TEST(ConvMaxPoolFewChannelsTest, ForwardWritesWhatTheConvolutionThenThePoolingWrite) {
    SKIP_WITHOUT_THE_KERNELS();
    utils::set_random_seed(11);
    for (const Case& c : cases()) {
        SCOPED_TRACE(c.name);
        const Problem p = separately(c);
        ASSERT_TRUE(forward_covers(c, p));
        Tensor pooled = Tensor::full(p.pooled.shape(), 7.0, float32);  // every element must be written
        std::vector<std::uint8_t> indices(p.indices.size(), 255);
        backend::cpu::conv2d_max_pool_forward(p.x, p.kernel, c.bias ? &p.bias : nullptr, p.conv_out, p.geometry,
                                              c.activation, p.window, pooled, indices.data());
        const std::vector<float> expected = p.pooled.to_vector<float>(), actual = pooled.to_vector<float>();
        const std::vector<float> conv = p.conv_out.to_vector<float>();
        // Float32 sums in another order: within 1e-5 of the largest output.
        const float tolerance = 1e-5f * largest_of(expected);
        ASSERT_GT(tolerance, 0.0f);
        const std::int64_t oh = p.conv_out.shape()[1], ow = p.conv_out.shape()[2], ph = p.pooled.shape()[1];
        const std::int64_t pw = p.pooled.shape()[2];
        for (std::size_t e = 0; e < actual.size(); ++e) {
            ASSERT_NEAR(actual[e], expected[e], tolerance) << "pooled [" << e << "]";
            // The position it names holds the window's maximum (ties and near-ties may name another one).
            ASSERT_LT(indices[e], c.pool * c.pool) << "index [" << e << "]";
            const std::int64_t o = static_cast<std::int64_t>(e) % c.c_out, window = static_cast<std::int64_t>(e) / c.c_out;
            const std::int64_t b = window / (ph * pw), i = window / pw % ph, j = window % pw;
            const std::int64_t row = i * c.pool + indices[e] / c.pool, column = j * c.pool + indices[e] % c.pool;
            ASSERT_NEAR(conv[static_cast<std::size_t>(((b * oh + row) * ow + column) * c.c_out + o)], expected[e],
                        tolerance)
                << "the maximum's position [" << e << "]";
        }
    }
}

TEST(ConvMaxPoolFewChannelsTest, ForwardKeepsANaNInTheWeights) {
    SKIP_WITHOUT_THE_KERNELS();
    // A NaN weight (a diverged step) must reach the loss, for TerminateOnNaN to see it: the relu and the
    // pooling keep it, as the separate kernels do.
    utils::set_random_seed(12);
    const Case c = cases()[0];
    Problem p = separately(c);
    p.kernel.data<float>()[0] = std::numeric_limits<float>::quiet_NaN();  // tap (0, 0) of filter 0
    Tensor pooled = Tensor::empty(p.pooled.shape(), float32, Device::cpu());
    std::vector<std::uint8_t> indices(p.indices.size());
    backend::cpu::conv2d_max_pool_forward(p.x, p.kernel, &p.bias, p.conv_out, p.geometry, c.activation, p.window,
                                          pooled, indices.data());
    const std::vector<float> actual = pooled.to_vector<float>();
    for (std::size_t e = 0; e < actual.size(); ++e)
        ASSERT_EQ(std::isnan(actual[e]), e % static_cast<std::size_t>(c.c_out) == 0) << "pooled [" << e << "]";
}

TEST(ConvMaxPoolFewChannelsTest, WhatTheForwardDoesNotCover) {
    SKIP_WITHOUT_THE_KERNELS();
    utils::set_random_seed(13);
    Case c = cases()[0];
    c.activation = Epilogue::sigmoid;  // no vector exp here: the separate kernels run
    const Problem sigmoid = separately(c);
    EXPECT_FALSE(forward_covers(c, sigmoid));
    c = cases()[0];
    c.c_in = 4;
    c.kernel = {5, 5};  // 100 kernel rows: more than the registers hold
    const Problem wide = separately(c);
    EXPECT_FALSE(forward_covers(c, wide));
    // A window clipped at the output's edge (Keras's 'same' pooling of an odd extent) is not a full window.
    c = cases()[0];
    const Problem whole = separately(c);
    const Shape clipped{c.n, 14, 14, c.c_out};
    EXPECT_FALSE(backend::cpu::conv2d_max_pool_forward_covers(whole.x.shape(), whole.kernel.shape(),
                                                              whole.conv_out.shape(), clipped, whole.geometry,
                                                              c.activation, whole.window));
}

TEST(ConvMaxPoolFewChannelsTest, WeightsGradientInRegistersGivesThePortableLoopsSums) {
    SKIP_WITHOUT_THE_KERNELS();
    utils::set_random_seed(14);
    for (Case c : cases()) {
        for (Epilogue activation : {Epilogue::relu, Epilogue::tanh}) {
            c.activation = activation;
            SCOPED_TRACE(c.name + (activation == Epilogue::tanh ? ", tanh" : ""));
            const Problem p = separately(c);
            const Tensor grad_pooled = random::normal(p.pooled.shape());
            std::vector<float> kernel[2], bias[2];
            for (int portable = 0; portable < 2; ++portable) {
                Tensor gk = Tensor::full(p.kernel.shape(), 7.0, float32), gb = Tensor::full(p.bias.shape(), 7.0, float32);
                backend::cpu::conv2d_backward_through_max_pool(p.x, p.kernel, p.conv_out, p.geometry, c.activation,
                                                               p.pooled, grad_pooled, p.indices.data(), p.window, &gk,
                                                               &gb, nullptr, portable == 1);
                kernel[portable] = gk.to_vector<float>();
                bias[portable] = gb.to_vector<float>();
            }
            // The same products summed in the same order; only how a product and a sum round (one fused
            // multiply-add or two roundings) may differ.
            const float tolerance = 1e-5f * largest_of(kernel[1]);
            ASSERT_GT(tolerance, 0.0f);
            for (std::size_t e = 0; e < kernel[0].size(); ++e)
                ASSERT_NEAR(kernel[0][e], kernel[1][e], tolerance) << "kernel [" << e << "]";
            for (std::size_t e = 0; e < bias[0].size(); ++e)
                ASSERT_NEAR(bias[0][e], bias[1][e], 1e-5f * largest_of(bias[1])) << "bias [" << e << "]";
        }
    }
}

}  // namespace
}  // namespace strata
