// A 2-D convolution with few input channels (an image's first layer: one channel for grey, three for
// colour) under max pooling whose windows tile its output, run with the pooling as one kernel each way.
//
// With so few input channels the dense kernels have nothing to put in a vector but the output channels, and
// they spend their time writing the convolution's whole output (the forward) or adding into the weights'
// gradient in memory (the backward). Here the kernels go window by window through each pooling window's
// receptive field in x, its "patch" ((pool - 1) * stride + (kernel - 1) * dilation + 1 rows and as many
// columns, times the channels), with vectors over 16 output channels at a time:
//   - forward: the window's convolution outputs for those channels are summed in registers from the
//     kernel's rows (also in registers) and the patch's values, and only the window's maximum and its
//     position are written (what max_pool2d_with_indices writes), never the convolution's output;
//   - the weights' gradient: each channel's value at its maximum's tap k is picked from the patch (held in
//     two registers) by a permutation indexed by where that maximum lies, and the taps' sums stay in
//     registers across all the windows of an image.
//
// These are AVX-512 kernels; on CPUs without it the covers functions say no, and the callers run the
// portable loops (conv_max_pool_backward.cpp) or the separate convolution and pooling.
#pragma once

#include <cstdint>

#include "convolution.hpp"

namespace strata::backend::cpu {

// Whether the forward covers this convolution: one group, rank 2, a relu or no activation, windows that tile
// the output, a patch of at most 32 floats, at most 32 kernel rows (taps times input channels), and AVX-512.
bool few_channel_forward_covers(const ConvUnderPool& c);
// The same for the weights' gradient, which also takes sigmoid and tanh.
bool few_channel_weights_gradient_covers(const ConvUnderPool& c);

// Images [begin, end) of x: the pooling's output and each window's argmax (row-major within the window, the
// first on ties), as conv_forward followed by max_pool2d_with_indices would write them, to rounding.
void few_channel_forward(const ConvUnderPool& c, const float* x, const float* kernel, const float* bias,
                         std::int64_t begin, std::int64_t end, float* pooled, std::uint8_t* indices);

// Images [begin, end): adds their share of the gradients of the kernel (Keras's [kh][kw][c_in][o]) and the
// bias to grad_w and grad_b, from the pooling's output, its gradient and its indices.
void few_channel_weights_gradient(const ConvUnderPool& c, const float* x, const float* pooled,
                                  const float* grad_pooled, const std::uint8_t* indices, std::int64_t begin,
                                  std::int64_t end, float* grad_w, float* grad_b);

}  // namespace strata::backend::cpu
