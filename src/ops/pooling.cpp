// Max and average pooling. 1-D pooling runs as 2-D pooling of a [batch, 1, length, channels] view; both
// directions are one kernel each (the backward needs the window geometry, which ops cannot express cheaply).
#include "strata/ops/pooling.hpp"

#include <algorithm>
#include <cctype>

#include "common.hpp"
#include "windows.hpp"
#include "strata/ops/shape.hpp"

namespace strata::ops {

namespace detail {

// windows.hpp
bool pool_window(const std::int64_t length[2], const std::vector<std::int64_t>& pool_size,
                 const std::vector<std::int64_t>& strides, const std::string& padding,
                 backend::Backend::PoolWindow& window, std::int64_t out_extent[2]) {
    for (int i = 0; i < 2; ++i) {
        const auto a = static_cast<std::size_t>(i);
        const std::int64_t n = pool_output_length(length[i], pool_size[a], strides[a], padding);
        if (n < 0) return false;
        window.pool[i] = pool_size[a];
        window.strides[i] = strides[a];
        // TF's "same": total padding (n - 1) * stride + pool - length, the smaller half before.
        window.pad[i] = padding == "same" ? std::max<std::int64_t>((n - 1) * strides[a] + pool_size[a] - length[i], 0) / 2 : 0;
        out_extent[i] = n;
    }
    return true;
}

}  // namespace detail

namespace {

using Window = backend::Backend::PoolWindow;

std::string list(const std::vector<std::int64_t>& values) {
    std::string out = "(";
    for (std::size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + std::to_string(values[i]);
    return out + (values.size() == 1 ? ",)" : ")");
}

// One value per spatial axis: a single value repeats, as Keras's standardize_tuple.
std::vector<std::int64_t> per_axis(const std::vector<std::int64_t>& values, std::size_t axes, const char* op,
                                   const char* argument) {
    std::vector<std::int64_t> out = values.size() == 1 ? std::vector<std::int64_t>(axes, values[0]) : values;
    if (out.size() != axes)
        throw ValueError(std::string(op) + ": `" + argument + "` must have 1 or " + std::to_string(axes) +
                         " values for a tensor with " + std::to_string(axes) + " spatial axes, got " + list(values));
    for (std::int64_t v : out)
        if (v < 1) throw ValueError(std::string(op) + ": `" + argument + "` must be positive, got " + list(values));
    return out;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

Tensor pool(bool max, const Tensor& x, const std::vector<std::int64_t>& pool_size_in,
            const std::vector<std::int64_t>& strides_in, const std::string& padding_in) {
    const char* name = max ? "max_pool" : "average_pool";
    detail::require_concrete(x, name);
    detail::require_floating(x, name);
    if (x.rank() != 3 && x.rank() != 4)
        throw ShapeError(std::string(name) + ": expected a 3-D (batch, length, channels) or 4-D (batch, height, "
                         "width, channels) tensor, got shape " + x.shape().to_string());
    std::size_t axes = static_cast<std::size_t>(x.rank() - 2);
    std::vector<std::int64_t> pool_size = per_axis(pool_size_in, axes, name, "pool_size");
    std::vector<std::int64_t> strides = strides_in.empty() ? pool_size : per_axis(strides_in, axes, name, "strides");
    std::string padding = lower(padding_in);
    if (padding != "valid" && padding != "same")
        throw ValueError(std::string(name) + ": `padding` must be \"valid\" or \"same\", got \"" + padding_in + "\"");

    // 1-D pools a view with a height of 1.
    if (axes == 1) {
        pool_size.insert(pool_size.begin(), 1);
        strides.insert(strides.begin(), 1);
    }
    const Shape& s = x.shape();
    Tensor x4 = axes == 1 ? reshape(x, {s[0], 1, s[1], s[2]}) : x;
    const Shape& s4 = x4.shape();
    Window window{};
    std::int64_t out_extent[2];
    const std::int64_t length[2] = {s4[1], s4[2]};
    if (!detail::pool_window(length, pool_size, strides, padding, window, out_extent))
        throw ShapeError(std::string(name) + ": pool_size " + list(pool_size_in) + " does not fit input of shape " +
                         s.to_string() + " with padding \"valid\"");
    Tensor out = Tensor::empty({s4[0], out_extent[0], out_extent[1], s4[3]}, x.dtype(), x.device());
    backend::of(x4).pool2d(max, x4, window, out);
    out = autograd::record(out, name, {x4}, [x4 = detail::saved(x4), window, max](const Tensor& g) {
        Tensor grad = detail::empty_like(x4);
        backend::of(x4).pool2d_backward(max, x4, g, window, grad);
        return std::vector<Tensor>{grad};
    });
    return axes == 1 ? reshape(out, {s[0], out_extent[1], s[2]}) : out;
}

}  // namespace

std::int64_t pool_output_length(std::int64_t length, std::int64_t pool_size, std::int64_t stride,
                                const std::string& padding) {
    if (length < 0) return -1;
    if (padding == "same") return (length + stride - 1) / stride;
    std::int64_t span = length - pool_size;  // floor division, also for a window longer than the input
    return (span >= 0 ? span / stride : -((-span + stride - 1) / stride)) + 1;
}

Tensor max_pool(const Tensor& x, const std::vector<std::int64_t>& pool_size, const std::vector<std::int64_t>& strides,
                const std::string& padding) {
    return pool(true, x, pool_size, strides, padding);
}

Tensor average_pool(const Tensor& x, const std::vector<std::int64_t>& pool_size,
                    const std::vector<std::int64_t>& strides, const std::string& padding) {
    return pool(false, x, pool_size, strides, padding);
}

}  // namespace strata::ops
