// The fused kernels of the planned training step (training/planned/): the backward passes of activations,
// the bias gradient, the batch gather, and the losses and accuracies that the plan computes in one pass over
// a batch instead of a chain of elementwise ops and temporaries. Each computes what the eager ops compute,
// to rounding, and never depends on the thread count. Most run on the calling thread: they touch a batch of
// outputs (a few thousand elements), where waking the pool costs more than the work; the activation and
// pooling backwards, which also serve convolutions' outputs of millions of elements, split large ones.
#pragma once

#include <cstddef>
#include <cstdint>

#include "strata/backend/backend.hpp"

namespace strata::backend::cpu {

// out = g * f'(x) for y = f(x) of a fused matmul or convolution epilogue, from the output y: relu' = [y > 0],
// sigmoid' = y (1 - y), tanh' = 1 - y^2, identity' = 1. `out` may be `g`.
void activation_backward(Epilogue activation, const float* y, const float* g, float* out, std::int64_t n);

// The same for one element: g * f'(x) from y = f(x), with the products in the same order.
inline float activation_backward(Epilogue activation, float g, float y) {
    switch (activation) {
        case Epilogue::none: return g;
        case Epilogue::relu: return g * (y > 0.0f ? 1.0f : 0.0f);
        case Epilogue::sigmoid: return g * y * (1.0f - y);
        case Epilogue::tanh: return g * (1.0f - y * y);
    }
    return g;
}

// out = y * (g - sum(g * y)) row by row, the backward of y = softmax(x) over the last axis.
void softmax_backward(const float* y, const float* g, float* out, std::int64_t rows, std::int64_t cols);

// The backward of max pooling over x [n, h, w, c] (float32) where x is the output of a relu: grad_x is the
// gradient of the pooling's input times relu'(x) = [x > 0], what the pooling's backward followed by the
// relu's gives, in one pass instead of three (its zeroing, its scatter, the relu's). Runs on the thread pool
// (pooling.cpp), being as large as a convolution's output.
void max_pool2d_backward_through_relu(const Tensor& x, const Tensor& grad_out, const Backend::PoolWindow& window,
                                      Tensor& grad_x);

// True when the windows tile the input without overlap or padding (a pool's default, strides = pool size): each
// input position then lies in at most one window, so a backward can write every position once instead of
// zeroing grad_x and adding into it.
bool pool_windows_tile(const Backend::PoolWindow& window);

// Max pooling of x [n, h, w, c] (float32) over windows that tile it (strides = pool size, no padding, at
// most 256 positions), the same as pool2d, also writing for each output element which position of its window
// (row-major, the first on ties) held the maximum, so that the backward reads those instead of the input.
void max_pool2d_with_indices(const Tensor& x, const Backend::PoolWindow& window, Tensor& out, std::uint8_t* indices);
// Its backward: grad_x is grad_out at each window's maximum, zero elsewhere; with `relu_output` (the pooling's
// output, when its input is a relu's) also times [relu_output > 0], the relu's backward.
void max_pool2d_backward_from_indices(const Tensor& grad_out, const Tensor* relu_output, const std::uint8_t* indices,
                                      const Backend::PoolWindow& window, Tensor& grad_x);

// The backward of max pooling over windows that tile its input (max_pool2d_with_indices) and of the 2-D
// convolution with its activation below it (conv_output = f(conv(x, kernel) + bias), the pooling's input), in
// one: the gradients of the kernel, the bias and x (each may be null), summed over the windows' maxima alone,
// where the pooling sends its gradient, instead of over every output of the convolution with zeros elsewhere
// (conv_max_pool_backward.cpp). `pooled` and `grad_pooled` are the pooling's output and its gradient. Float32,
// one group; the same numbers as the three backwards one after the other, to rounding, on any thread count.
// With under 16 input channels it is fast only without grad_x. `portable` runs the loops written for any CPU
// even where faster kernels exist for this one (conv_max_pool_few_channels.hpp), so that a test can set
// them side by side.
void conv2d_backward_through_max_pool(const Tensor& x, const Tensor& kernel, const Tensor& conv_output,
                                      const Backend::ConvGeometry& geometry, Epilogue activation,
                                      const Tensor& pooled, const Tensor& grad_pooled, const std::uint8_t* indices,
                                      const Backend::PoolWindow& pool, Tensor* grad_kernel, Tensor* grad_bias,
                                      Tensor* grad_x, bool portable = false);

// The forward of the same pair for a convolution with few input channels (an image's first layer), in one:
// writes what max_pool2d_with_indices would write from conv_forward's output, to rounding, without writing
// that output; of `conv_output` only the shape is read (conv_max_pool_few_channels.hpp). Covered: a relu or
// no activation, one group, windows that all lie wholly inside the convolution's output, a window's receptive
// field of at most 256 floats, at most 32 taps times input channels, and a CPU with AVX-512; the caller asks
// first.
bool conv2d_max_pool_forward_covers(const Shape& x, const Shape& kernel, const Shape& conv_output, const Shape& pooled,
                                    const Backend::ConvGeometry& geometry, Epilogue activation,
                                    const Backend::PoolWindow& pool);
void conv2d_max_pool_forward(const Tensor& x, const Tensor& kernel, const Tensor* bias, const Tensor& conv_output,
                             const Backend::ConvGeometry& geometry, Epilogue activation,
                             const Backend::PoolWindow& pool, Tensor& pooled, std::uint8_t* indices);

// out[c] = sum over rows of x[r, c]: the gradient of a bias added to every row.
void column_sums(const float* x, std::int64_t rows, std::int64_t cols, float* out);

// Copies rows order[begin..end) (or begin..end when order is null) of a row-major array, `row_bytes` each,
// into `out`, one after the other.
void gather_rows(const void* source, std::size_t row_bytes, const std::int64_t* order, std::int64_t begin,
                 std::int64_t end, void* out);

// Keras's mean_squared_error averaged over the batch (sum_over_batch_size): the mean of (p - y)^2 over all
// rows * cols elements. Writes dL/dp into `grad` when it is not null.
double mean_squared_error(const float* p, const float* y, std::int64_t rows, std::int64_t cols, float* grad);

// Keras's categorical crossentropy averaged over the batch, against one-hot rows `y` (rows x cols) or, when
// `y` is null, class labels (one per row, already checked to lie in [0, cols)). From probabilities, each row
// is renormalised to sum 1 and clipped to [epsilon, 1 - epsilon] before the log, and the gradient passes
// the clip only inside it, as the eager ops; from logits, log_softmax. Writes dL/dp into `grad` when not null.
double crossentropy(const float* p, const float* y, const std::int64_t* labels, std::int64_t rows,
                    std::int64_t cols, bool from_logits, float epsilon, float* grad);

// The rows whose predicted class (the first maximum of p) is the true class: the first maximum of y, or the
// label when y is null. Keras's categorical_accuracy and sparse_categorical_accuracy, summed.
std::int64_t class_matches(const float* p, const float* y, const std::int64_t* labels, std::int64_t rows,
                           std::int64_t cols);

}  // namespace strata::backend::cpu
