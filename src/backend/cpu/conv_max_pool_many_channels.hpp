// The backward of a 3 x 3, stride-1 convolution with many input channels (a multiple of 16: a network's inner
// layers) under 2 x 2 max pooling, as the planned step runs it (conv_max_pool_backward.cpp), with its sums in
// registers instead of memory.
//
// The portable loops add each maximum's terms into dW and dx in memory: 9 kernel positions times c_in floats
// read and written back, twice, per maximum; stores bound them. Here, per image:
//   - the weights' gradient goes output channel by output channel: the channel's nonzero dz (relu and
//     dropout zero many) are listed with where their receptive fields start, and dW[o][k][16 channels] for
//     the 9 taps stay in registers while the list is summed;
//   - the input's gradient goes window by window: the window's nonzero dz are listed by which of its 4
//     positions holds their maximum, and the 4 x 4 positions of x that the window's fields cover stay in
//     registers (16 channels at a time) while the lists are summed, the position fixed at compile time for
//     each list; the sums are added into dx once per window.
// Windows whose fields reach into the padding read a zero-padded copy of the image and write a padded dx.
//
// AVX-512; where the library is built without it, covers says no and the portable loops run.
#pragma once

#include <cstdint>

#include "convolution.hpp"

namespace strata::backend::cpu {

// Covered: one group, 3 x 3 kernels at stride 1 and dilation 1, input channels a multiple of 16, 2 x 2 pools
// whose windows all lie inside the convolution's output, and AVX-512.
bool many_channel_backward_covers(const ConvUnderPool& c);

// Images [begin, end) of x: adds their share of the kernel's gradient to grad_w_t ([o][kh][kw][c_in]) and of
// the bias's to grad_b, and, when grad_x is not null, writes their rows of it, from the kernel in the same
// layout (kernel_t) and the pooling's output, gradient and indices.
void many_channel_backward(const ConvUnderPool& c, const float* x, const float* kernel_t, const float* pooled,
                           const float* grad_pooled, const std::uint8_t* indices, std::int64_t begin,
                           std::int64_t end, float* grad_w_t, float* grad_b, float* grad_x);

}  // namespace strata::backend::cpu
