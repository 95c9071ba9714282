// The planned step's max-pooling kernels (src/backend/cpu/training_kernels.hpp) against the backend's pool2d and
// pool2d_backward followed by a relu's backward: the same bits, with ties (the first maximum in row-major order
// takes the gradient), windows clipped at the input's edge, several blocks of channels, and overlapping windows.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include <strata/backend/backend.hpp>
#include <strata/ops/random.hpp>
#include <strata/utils/random_seed.hpp>

#include "backend/cpu/training_kernels.hpp"

namespace strata {
namespace {

using Window = backend::Backend::PoolWindow;

struct PoolCase {
    Shape x;
    Window window;
    Shape out;
};

// Values on a coarse grid, half of them negative (a relu's output would be 0 there; here they are below 0,
// which [x > 0] treats alike), so that windows hold ties.
Tensor coarse(const Shape& shape) {
    std::vector<float> v = random::uniform(shape, -4.0, 4.0).to_vector<float>();
    for (float& e : v) e = std::round(e);
    return Tensor::from_vector(v, shape);
}

// What the eager path computes: the pooling's backward, then the relu's, g * [x > 0].
std::vector<float> reference_backward(const PoolCase& c, const Tensor& x, const Tensor& g, bool through_relu) {
    const backend::Backend& cpu = backend::of(Device::cpu());
    Tensor gx = Tensor::empty(c.x, float32, Device::cpu());
    cpu.pool2d_backward(true, x, g, c.window, gx);
    std::vector<float> out = gx.to_vector<float>(), in = x.to_vector<float>();
    if (through_relu)
        for (std::size_t i = 0; i < out.size(); ++i) out[i] = out[i] * (in[i] > 0.0f ? 1.0f : 0.0f);
    return out;
}

std::vector<PoolCase> tiled_cases() {
    return {
        {{2, 6, 6, 3}, {{2, 2}, {2, 2}, {0, 0}}, {2, 3, 3, 3}},
        {{2, 5, 7, 70}, {{2, 2}, {2, 2}, {0, 0}}, {2, 3, 4, 70}},  // "same": the last windows are clipped
        {{1, 7, 8, 5}, {{2, 2}, {2, 2}, {0, 0}}, {1, 3, 4, 5}},    // "valid": a row past the last window
        {{3, 9, 9, 4}, {{3, 3}, {3, 3}, {0, 0}}, {3, 3, 3, 4}},
    };
}

TEST(PoolingKernelsTest, MaxPoolWithIndicesGivesPool2dAndItsBackward) {
    const backend::Backend& cpu = backend::of(Device::cpu());
    utils::set_random_seed(4);
    for (const PoolCase& c : tiled_cases()) {
        SCOPED_TRACE(c.x.to_string());
        Tensor x = coarse(c.x);
        Tensor expected = Tensor::empty(c.out, float32, Device::cpu());
        cpu.pool2d(true, x, c.window, expected);
        Tensor y = Tensor::empty(c.out, float32, Device::cpu());
        std::vector<std::uint8_t> indices(static_cast<std::size_t>(y.numel()));
        backend::cpu::max_pool2d_with_indices(x, c.window, y, indices.data());
        EXPECT_EQ(y.to_vector<float>(), expected.to_vector<float>());

        Tensor g = random::normal(c.out);
        for (bool through_relu : {false, true}) {
            Tensor gx = Tensor::full(c.x, 7.0, float32);  // every element must be written
            backend::cpu::max_pool2d_backward_from_indices(g, through_relu ? &y : nullptr, indices.data(), c.window, gx);
            EXPECT_EQ(gx.to_vector<float>(), reference_backward(c, x, g, through_relu)) << "through relu " << through_relu;
        }
    }
}

TEST(PoolingKernelsTest, MaxPoolBackwardThroughReluGivesThePoolingsAndTheRelusBackward) {
    utils::set_random_seed(5);
    std::vector<PoolCase> cases = tiled_cases();
    cases.push_back({{2, 9, 9, 6}, {{3, 3}, {2, 2}, {0, 0}}, {2, 4, 4, 6}});  // overlapping windows
    cases.push_back({{1, 6, 6, 3}, {{3, 3}, {2, 2}, {1, 1}}, {1, 3, 3, 3}});  // padded ("same")
    for (const PoolCase& c : cases) {
        SCOPED_TRACE(c.x.to_string());
        Tensor x = coarse(c.x);
        Tensor g = random::normal(c.out);
        Tensor gx = Tensor::full(c.x, 7.0, float32);
        backend::cpu::max_pool2d_backward_through_relu(x, g, c.window, gx);
        EXPECT_EQ(gx.to_vector<float>(), reference_backward(c, x, g, true));
    }
}

}  // namespace
}  // namespace strata
