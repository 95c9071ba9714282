// Convolutions computed independently for the tests: plain loops in doubles over multi-indices, with the
// padding worked out from Keras's/TF's rules here rather than taken from the library.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <strata/strata.hpp>

namespace strata::testing {

struct ReferenceConv {
    Shape shape;  // of the output
    std::vector<double> values;
};

// The padding before the first position along one axis, and the output extent, for Keras's padding names.
inline std::pair<std::int64_t, std::int64_t> reference_padding(std::int64_t in, std::int64_t k, std::int64_t s,
                                                               std::int64_t d, const std::string& padding) {
    std::int64_t k_eff = (k - 1) * d + 1;
    if (padding == "valid") return {0, (in - k_eff) / s + 1};
    std::int64_t out = (in + s - 1) / s;  // ceil(in / s)
    if (padding == "causal") return {k_eff - 1, out};
    std::int64_t total = std::max<std::int64_t>((out - 1) * s + k_eff - in, 0);
    return {total / 2, out};  // TF: the odd one at the end
}

// x [n, in..., c], kernel [k..., c / groups, f]: out[n, o..., f] = bias[f] + sum over taps and the channels of
// f's group of x[n, o * s - pad + t * d, c] * kernel[t, c, f].
inline ReferenceConv reference_conv(const Tensor& x_t, const Tensor& k_t, std::vector<std::int64_t> strides,
                                    std::vector<std::int64_t> dilations, const std::string& padding,
                                    const Tensor& bias_t = Tensor()) {
    auto x = x_t.astype(float64).to_vector<double>();
    auto k = k_t.astype(float64).to_vector<double>();
    std::vector<double> bias = bias_t.defined() ? bias_t.astype(float64).to_vector<double>() : std::vector<double>();
    const Shape& xs = x_t.shape();
    const Shape& ks = k_t.shape();
    int r = xs.rank() - 2;
    std::int64_t n = xs[0], c = xs[r + 1], cig = ks[r], f = ks[r + 1], groups = c / cig, fog = f / groups;
    std::vector<std::int64_t> in(r), kk(r), pad(r), out(r);
    for (int a = 0; a < r; ++a) {
        in[a] = xs[a + 1];
        kk[a] = ks[a];
        auto [p, o] = reference_padding(in[a], kk[a], strides[a], dilations[a], padding);
        pad[a] = p;
        out[a] = o;
    }
    std::int64_t out_pixels = 1, taps = 1, in_pixels = 1;
    for (int a = 0; a < r; ++a) out_pixels *= out[a], taps *= kk[a], in_pixels *= in[a];
    std::vector<double> y(static_cast<std::size_t>(n * out_pixels * f), 0.0);
    for (std::int64_t b = 0; b < n; ++b)
        for (std::int64_t op = 0; op < out_pixels; ++op)
            for (std::int64_t o = 0; o < f; ++o) {
                double s = bias.empty() ? 0.0 : bias[static_cast<std::size_t>(o)];
                std::int64_t g = o / fog;
                for (std::int64_t t = 0; t < taps; ++t) {
                    // Decode the output position and the tap, last axis fastest.
                    std::int64_t rest_o = op, rest_t = t, ip = 0;
                    bool inside = true;
                    std::vector<std::int64_t> pos(r);
                    for (int a = r - 1; a >= 0; --a) {
                        std::int64_t oa = rest_o % out[a], ta = rest_t % kk[a];
                        rest_o /= out[a];
                        rest_t /= kk[a];
                        pos[a] = oa * strides[a] - pad[a] + ta * dilations[a];
                        if (pos[a] < 0 || pos[a] >= in[a]) inside = false;
                    }
                    if (!inside) continue;
                    for (int a = 0; a < r; ++a) ip = ip * in[a] + pos[a];
                    for (std::int64_t ci = 0; ci < cig; ++ci)
                        s += x[static_cast<std::size_t>((b * in_pixels + ip) * c + g * cig + ci)] *
                             k[static_cast<std::size_t>((t * cig + ci) * f + o)];
                }
                y[static_cast<std::size_t>((b * out_pixels + op) * f + o)] = s;
            }
    std::vector<std::int64_t> dims{n};
    dims.insert(dims.end(), out.begin(), out.end());
    dims.push_back(f);
    return {Shape(dims), y};
}

// The transposed convolution as a scatter: every input position i sends x[i, c] * kernel[t, f, c] to output
// position i * s - pad + t * d, with Keras's output extents and padding (deconv_output_length).
inline ReferenceConv reference_conv_transpose(const Tensor& x_t, const Tensor& k_t, std::vector<std::int64_t> strides,
                                              std::vector<std::int64_t> dilations, const std::string& padding,
                                              std::vector<std::int64_t> output_padding = {}) {
    auto x = x_t.astype(float64).to_vector<double>();
    auto k = k_t.astype(float64).to_vector<double>();
    const Shape& xs = x_t.shape();
    const Shape& ks = k_t.shape();
    int r = xs.rank() - 2;
    std::int64_t n = xs[0], c = xs[r + 1], f = ks[r];
    std::vector<std::int64_t> in(r), kk(r), pad(r), out(r);
    for (int a = 0; a < r; ++a) {
        in[a] = xs[a + 1];
        kk[a] = ks[a];
        std::int64_t k_eff = (kk[a] - 1) * dilations[a] + 1, s = strides[a];
        // Keras's extents (deconv_output_length); the padding is TF's for the convolution from the output
        // back to the input (tf.nn.conv_transpose): "same" total = max((in - 1) s + k - out, 0), half before.
        if (output_padding.empty()) {
            out[a] = padding == "valid" ? in[a] * s + std::max<std::int64_t>(k_eff - s, 0) : in[a] * s;
        } else {
            std::int64_t p = padding == "same" ? k_eff / 2 : 0;
            out[a] = (in[a] - 1) * s + k_eff - 2 * p + output_padding[static_cast<std::size_t>(a)];
        }
        pad[a] = padding == "valid" ? 0 : std::max<std::int64_t>((in[a] - 1) * s + k_eff - out[a], 0) / 2;
    }
    std::int64_t out_pixels = 1, taps = 1, in_pixels = 1;
    for (int a = 0; a < r; ++a) out_pixels *= out[a], taps *= kk[a], in_pixels *= in[a];
    std::vector<double> y(static_cast<std::size_t>(n * out_pixels * f), 0.0);
    for (std::int64_t b = 0; b < n; ++b)
        for (std::int64_t ip = 0; ip < in_pixels; ++ip)
            for (std::int64_t t = 0; t < taps; ++t) {
                std::int64_t rest_i = ip, rest_t = t, op = 0;
                bool inside = true;
                std::vector<std::int64_t> pos(r);
                for (int a = r - 1; a >= 0; --a) {
                    std::int64_t ia = rest_i % in[a], ta = rest_t % kk[a];
                    rest_i /= in[a];
                    rest_t /= kk[a];
                    pos[a] = ia * strides[a] - pad[a] + ta * dilations[a];
                    if (pos[a] < 0 || pos[a] >= out[a]) inside = false;
                }
                if (!inside) continue;
                for (int a = 0; a < r; ++a) op = op * out[a] + pos[a];
                for (std::int64_t o = 0; o < f; ++o)
                    for (std::int64_t ci = 0; ci < c; ++ci)
                        y[static_cast<std::size_t>((b * out_pixels + op) * f + o)] +=
                            x[static_cast<std::size_t>((b * in_pixels + ip) * c + ci)] *
                            k[static_cast<std::size_t>((t * f + o) * c + ci)];
            }
    std::vector<std::int64_t> dims{n};
    dims.insert(dims.end(), out.begin(), out.end());
    dims.push_back(f);
    return {Shape(dims), y};
}

inline void expect_close(const Tensor& actual, const ReferenceConv& expected, double tol) {
    ASSERT_EQ(actual.shape(), expected.shape);
    auto a = actual.astype(float64).to_vector<double>();
    ASSERT_EQ(a.size(), expected.values.size());
    for (std::size_t i = 0; i < a.size(); ++i)
        EXPECT_NEAR(a[i], expected.values[i], tol * std::max(1.0, std::abs(expected.values[i]))) << "element " << i;
}

}  // namespace strata::testing
