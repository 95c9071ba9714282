// Convolutions. For out = conv(x, kernel) and g = dL/dout, both gradients are kernels of the backend:
//   dL/dx      = conv_backward_data(g, kernel)     [n, out..., f] -> [n, in..., c]
//   dL/dkernel = conv_backward_weights(x, g)       -> [k..., c / groups, f], dL/dbias = sum of g but over f
// A transposed convolution is conv_backward_data run forward, so its gradients are conv (for x) and
// conv_backward_weights with the roles of input and output swapped (for the kernel).
#include "strata/ops/convolution.hpp"

#include <algorithm>
#include <cctype>

#include "common.hpp"
#include "windows.hpp"
#include "strata/ops/elementwise.hpp"
#include "strata/ops/shape.hpp"

namespace strata::ops {

using backend::Epilogue;
using Geometry = backend::Backend::ConvGeometry;

namespace {

std::string lowered(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::string padding_of(const std::string& padding, int spatial, const char* op) {
    std::string p = lowered(padding);
    if (p == "valid" || p == "same" || (p == "causal" && spatial == 1)) return p;
    throw ValueError(std::string(op) + ": the `padding` argument must be \"valid\" or \"same\"" +
                     (spatial == 1 ? std::string(" or \"causal\"") : std::string()) + ", got \"" + padding + "\"");
}

std::string describe(const std::vector<std::int64_t>& v) {
    std::string out = "(";
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + std::to_string(v[i]);
    return out + (v.size() == 1 ? ",)" : ")");
}

// One value per spatial axis, from one value or one per axis.
std::vector<std::int64_t> per_axis(const std::vector<std::int64_t>& v, int spatial, const char* op, const char* what) {
    std::vector<std::int64_t> out = v.size() == 1 ? std::vector<std::int64_t>(static_cast<std::size_t>(spatial), v[0]) : v;
    if (static_cast<int>(out.size()) != spatial)
        throw ValueError(std::string(op) + ": `" + what + "` must have 1 or " + std::to_string(spatial) +
                         " values for an input with " + std::to_string(spatial) + " spatial axes, got " + describe(v));
    for (std::int64_t e : out)
        if (e < 1) throw ValueError(std::string(op) + ": `" + what + "` must be positive, got " + describe(v));
    return out;
}

void check_pair(const Tensor& x, const Tensor& kernel, const char* op) {
    detail::require_concrete(x, op);
    detail::require_concrete(kernel, op);
    detail::require_same_device(x, kernel, op);
    detail::require_floating(x, op);
    if (x.dtype() != kernel.dtype())
        throw TypeError(std::string(op) + ": input of dtype " + dtype_name(x.dtype()) + " and kernel of dtype " +
                        dtype_name(kernel.dtype()) + " differ");
    if (x.rank() < 3 || x.rank() > 5)
        throw ShapeError(std::string(op) + ": expected an input of rank 3 to 5 (batch, 1 to 3 spatial axes, channels), "
                         "got shape " + x.shape().to_string());
    if (kernel.rank() != x.rank())
        throw ShapeError(std::string(op) + ": expected a kernel of rank " + std::to_string(x.rank()) +
                         " for an input of shape " + x.shape().to_string() + ", got kernel shape " +
                         kernel.shape().to_string());
    for (int a = 1; a < x.rank(); ++a)
        if (x.shape()[a] < 1)
            throw ShapeError(std::string(op) + ": expected an input with non-empty spatial axes and channels, got shape " +
                             x.shape().to_string());
    for (int a = 0; a < kernel.rank(); ++a)
        if (kernel.shape()[a] < 1)
            throw ShapeError(std::string(op) + ": expected a kernel with no empty axis, got shape " + kernel.shape().to_string());
}

[[noreturn]] void too_small(const char* op, const Tensor& x, const Tensor& kernel, int axis, std::int64_t k_eff,
                            const std::string& padding) {
    throw ShapeError(std::string(op) + ": the kernel (extent " + std::to_string(k_eff) + " with dilation) is larger than " +
                     "the padded input along spatial axis " + std::to_string(axis) + ": input shape " +
                     x.shape().to_string() + ", kernel shape " + kernel.shape().to_string() + ", padding \"" + padding + "\"");
}

Tensor data_gradient(const Tensor& g, const Tensor& kernel, const Geometry& geometry, const Shape& x_shape) {
    Tensor out = Tensor::empty(x_shape, g.dtype(), g.device());
    backend::of(g).conv_backward_data(g, kernel, geometry, out);
    return out;
}

// The kernel's gradient, and the bias's into `bias_grad` when asked.
Tensor weights_gradient(const Tensor& x, const Tensor& g, const Geometry& geometry, const Shape& kernel_shape,
                        Tensor* bias_grad) {
    Tensor out = Tensor::empty(kernel_shape, x.dtype(), x.device());
    if (bias_grad) *bias_grad = Tensor::empty({g.shape()[g.rank() - 1]}, g.dtype(), g.device());
    backend::of(x).conv_backward_weights(x, g, geometry, out, bias_grad);
    return out;
}

Tensor forward_kernel(const Tensor& x, const Tensor& kernel, const Tensor* bias, const Geometry& geometry,
                      const Shape& out_shape, Epilogue epilogue) {
    Tensor out = Tensor::empty(out_shape, x.dtype(), x.device());
    backend::of(x).conv_forward(x, kernel, bias, geometry, epilogue, out);
    return out;
}

Tensor convolve(const Tensor& x, const Tensor& kernel, const Tensor& bias, const Geometry& geometry,
                const Shape& out_shape, Epilogue epilogue) {
    Tensor out = forward_kernel(x, kernel, bias.defined() ? &bias : nullptr, geometry, out_shape, epilogue);
    // Gradients nobody asked for are skipped: the first layer's input never needs one.
    bool want_x = x.requires_grad(), want_weights = kernel.requires_grad() || (bias.defined() && bias.requires_grad());
    return autograd::record(
        out, "conv", {x, kernel, bias},
        [x = detail::saved(x), kernel = detail::saved(kernel), y = detail::saved(out), geometry, epilogue, want_x,
         want_weights, has_bias = bias.defined()](const Tensor& g_out) {
            // Through the fused activation, from its output: relu' = [y > 0], sigmoid' = y (1 - y), tanh' = 1 - y^2.
            Tensor g = g_out;
            switch (epilogue) {
                case Epilogue::none: break;
                case Epilogue::relu: g = g * greater(y, scalar_like(y, 0.0)); break;
                case Epilogue::sigmoid: g = g * y * (1.0 - y); break;
                case Epilogue::tanh: g = g * (1.0 - y * y); break;
            }
            std::vector<Tensor> grads(3);
            if (want_x) grads[0] = data_gradient(g, kernel, geometry, x.shape());
            if (want_weights) grads[1] = weights_gradient(x, g, geometry, kernel.shape(), has_bias ? &grads[2] : nullptr);
            return grads;
        });
}

}  // namespace

namespace detail {

// windows.hpp
Geometry conv_geometry(const std::vector<std::int64_t>& in, const std::vector<std::int64_t>& out,
                       const std::vector<std::int64_t>& k, const std::vector<std::int64_t>& strides,
                       const std::vector<std::int64_t>& dilations, const std::string& padding, std::int64_t groups) {
    Geometry g{strides, dilations, {}, {}, groups};
    for (std::size_t a = 0; a < in.size(); ++a) {
        std::int64_t k_eff = (k[a] - 1) * dilations[a] + 1;
        std::int64_t span = (out[a] - 1) * strides[a] + k_eff;  // the padded extent the windows cover
        std::int64_t begin = 0;
        if (padding == "same") begin = std::max<std::int64_t>(span - in[a], 0) / 2;
        else if (padding == "causal") begin = k_eff - 1;
        g.pad_begin.push_back(begin);
        g.pad_end.push_back(span - in[a] - begin);  // exact; negative where the input's tail is never read
    }
    return g;
}

}  // namespace detail


std::int64_t conv_output_length(std::int64_t input, std::int64_t kernel, std::int64_t stride,
                                const std::string& padding, std::int64_t dilation) {
    if (input < 0) return -1;
    std::string p = lowered(padding);
    // floor division, as Keras's np.floor: a kernel longer than the input gives 0 or less
    auto floor_div = [](std::int64_t a, std::int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); };
    if (p == "valid") return floor_div(input - dilation * (kernel - 1) - 1, stride) + 1;
    return floor_div(input - 1, stride) + 1;
}

std::int64_t conv_transpose_output_length(std::int64_t input, std::int64_t kernel, std::int64_t stride,
                                          const std::string& padding, std::int64_t output_padding,
                                          std::int64_t dilation) {
    if (input < 0) return -1;
    std::string p = lowered(padding);
    std::int64_t k = kernel + (kernel - 1) * (dilation - 1);
    if (output_padding < 0) return p == "valid" ? input * stride + std::max<std::int64_t>(k - stride, 0) : input * stride;
    std::int64_t pad = p == "same" ? k / 2 : 0;
    return (input - 1) * stride + k - 2 * pad + output_padding;
}

Tensor conv(const Tensor& x, const Tensor& kernel, const ConvOptions& options) {
    return conv(x, kernel, Tensor(), options, Epilogue::none);
}

Tensor conv(const Tensor& x, const Tensor& kernel, const Tensor& bias, const ConvOptions& options, Epilogue activation) {
    const char* op = "conv";
    check_pair(x, kernel, op);
    int spatial = x.rank() - 2;
    std::string padding = padding_of(options.padding, spatial, op);
    std::vector<std::int64_t> strides = per_axis(options.strides, spatial, op, "strides");
    std::vector<std::int64_t> dilations = per_axis(options.dilation_rate, spatial, op, "dilation_rate");
    std::int64_t channels = x.shape()[x.rank() - 1], kernel_in = kernel.shape()[kernel.rank() - 2];
    std::int64_t filters = kernel.shape()[kernel.rank() - 1];
    if (channels % kernel_in != 0)
        throw ShapeError("conv: the input's " + std::to_string(channels) + " channels are not divisible by the kernel's " +
                         std::to_string(kernel_in) + " input channels (groups = channels / kernel input channels): input "
                         "shape " + x.shape().to_string() + ", kernel shape " + kernel.shape().to_string());
    std::int64_t groups = channels / kernel_in;
    if (filters % groups != 0)
        throw ShapeError("conv: the kernel's " + std::to_string(filters) + " filters are not divisible by the " +
                         std::to_string(groups) + " groups: input shape " + x.shape().to_string() + ", kernel shape " +
                         kernel.shape().to_string());
    if (bias.defined()) {
        detail::require_concrete(bias, op);
        detail::require_same_device(kernel, bias, op);
        if (bias.dtype() != kernel.dtype())
            throw TypeError("conv: bias of dtype " + dtype_name(bias.dtype()) + " does not match kernel of dtype " +
                            dtype_name(kernel.dtype()));
        if (bias.rank() != 1 || bias.shape()[0] != filters)
            throw ShapeError("conv: expected a bias of shape (" + std::to_string(filters) + ",), got " +
                             bias.shape().to_string());
    }
    std::vector<std::int64_t> in, out, k;
    std::vector<std::int64_t> out_dims{x.shape()[0]};
    for (int a = 0; a < spatial; ++a) {
        std::size_t i = static_cast<std::size_t>(a);
        in.push_back(x.shape()[a + 1]);
        k.push_back(kernel.shape()[a]);
        out.push_back(conv_output_length(in[i], k[i], strides[i], padding, dilations[i]));
        if (out[i] < 1) too_small(op, x, kernel, a, (k[i] - 1) * dilations[i] + 1, padding);
        out_dims.push_back(out[i]);
    }
    out_dims.push_back(filters);
    Geometry geometry = detail::conv_geometry(in, out, k, strides, dilations, padding, groups);
    return convolve(x, kernel, bias, geometry, Shape(out_dims), activation);
}

Tensor conv_transpose(const Tensor& x, const Tensor& kernel, const ConvTransposeOptions& options) {
    const char* op = "conv_transpose";
    check_pair(x, kernel, op);
    int spatial = x.rank() - 2;
    std::string padding = lowered(options.padding);
    if (padding != "valid" && padding != "same")
        throw ValueError("conv_transpose: the `padding` argument must be \"valid\" or \"same\", got \"" + options.padding + "\"");
    std::vector<std::int64_t> strides = per_axis(options.strides, spatial, op, "strides");
    std::vector<std::int64_t> dilations = per_axis(options.dilation_rate, spatial, op, "dilation_rate");
    std::vector<std::int64_t> output_padding(static_cast<std::size_t>(spatial), -1);
    if (!options.output_padding.empty()) {
        output_padding = options.output_padding.size() == 1
                             ? std::vector<std::int64_t>(static_cast<std::size_t>(spatial), options.output_padding[0])
                             : options.output_padding;
        if (static_cast<int>(output_padding.size()) != spatial)
            throw ValueError("conv_transpose: `output_padding` must have 1 or " + std::to_string(spatial) + " values, got " +
                             describe(options.output_padding));
        for (std::size_t a = 0; a < output_padding.size(); ++a)
            if (output_padding[a] < 0 || output_padding[a] >= strides[a])
                throw ValueError("conv_transpose: `output_padding` must be non-negative and less than `strides`, got "
                                 "output_padding " + describe(options.output_padding) + " and strides " + describe(strides));
    }
    std::int64_t channels = x.shape()[x.rank() - 1], filters = kernel.shape()[kernel.rank() - 2];
    if (kernel.shape()[kernel.rank() - 1] != channels)
        throw ShapeError("conv_transpose: expected a kernel (k..., filters, " + std::to_string(channels) +
                         ") for an input of shape " + x.shape().to_string() + ", got kernel shape " + kernel.shape().to_string());
    // Keras's padding of the transposed convolution (its JAX backend's, which TF's agrees with), turned into
    // the padding of the convolution it is the gradient of: begin = k_eff - 1 - left.
    Geometry geometry{strides, dilations, {}, {}, 1};
    std::vector<std::int64_t> out_dims{x.shape()[0]};
    for (int a = 0; a < spatial; ++a) {
        std::size_t i = static_cast<std::size_t>(a);
        std::int64_t in = x.shape()[a + 1], s = strides[i];
        std::int64_t k_eff = (kernel.shape()[a] - 1) * dilations[i] + 1;
        std::int64_t left, right;
        if (padding == "valid") {
            std::int64_t extra = output_padding[i] < 0 ? std::max(k_eff, s) - k_eff : output_padding[i];
            left = k_eff - 1;
            right = k_eff - 1 + extra;
        } else {
            std::int64_t pad_len = output_padding[i] < 0 ? s + k_eff - 2 : k_eff + k_eff % 2 - 2 + output_padding[i];
            left = std::min(pad_len / 2 + pad_len % 2, k_eff - 1);
            right = pad_len - left;
        }
        std::int64_t length = (in - 1) * s + left + right - k_eff + 2;
        if (length < 1) too_small(op, x, kernel, a, k_eff, padding);
        geometry.pad_begin.push_back(k_eff - 1 - left);
        geometry.pad_end.push_back((in - 1) * s + k_eff - length - (k_eff - 1 - left));
        out_dims.push_back(length);
    }
    out_dims.push_back(filters);
    Shape out_shape(out_dims);
    const Tensor& xc = x;
    Tensor out = data_gradient(xc, kernel, geometry, out_shape);
    bool want_x = x.requires_grad(), want_kernel = kernel.requires_grad();
    return autograd::record(out, "conv_transpose", {xc, kernel},
                            [x = detail::saved(xc), kernel = detail::saved(kernel), geometry, want_x,
                             want_kernel](const Tensor& g_out) {
                                const Tensor& g = g_out;
                                std::vector<Tensor> grads(2);
                                if (want_x) grads[0] = forward_kernel(g, kernel, nullptr, geometry, x.shape(), Epilogue::none);
                                if (want_kernel) grads[1] = weights_gradient(g, x, geometry, kernel.shape(), nullptr);
                                return grads;
                            });
}

Tensor depthwise_conv(const Tensor& x, const Tensor& kernel, const ConvOptions& options) {
    check_pair(x, kernel, "depthwise_conv");
    std::int64_t channels = x.shape()[x.rank() - 1];
    if (kernel.shape()[kernel.rank() - 2] != channels)
        throw ShapeError("depthwise_conv: expected a kernel (k..., " + std::to_string(channels) +
                         ", depth_multiplier) for an input of shape " + x.shape().to_string() + ", got kernel shape " +
                         kernel.shape().to_string());
    // [k..., c, m] is [k..., 1, c * m] in memory: a convolution with one group per channel.
    std::vector<std::int64_t> dims(kernel.shape().begin(), kernel.shape().end() - 2);
    dims.push_back(1);
    dims.push_back(channels * kernel.shape()[kernel.rank() - 1]);
    return conv(x, reshape(kernel, Shape(dims)), options);
}

Tensor separable_conv(const Tensor& x, const Tensor& depthwise_kernel, const Tensor& pointwise_kernel,
                      const ConvOptions& options) {
    Tensor depthwise = depthwise_conv(x, depthwise_kernel, options);
    return conv(depthwise, pointwise_kernel, ConvOptions{});
}

}  // namespace strata::ops
