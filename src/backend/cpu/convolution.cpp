// Convolutions in float32 on oneDNN's convolution primitives (forward, backward data, backward weights), with
// the bias and relu/sigmoid/tanh fused into the forward; float64 goes to the loops of convolution_reference.cpp.
//
// Determinism: oneDNN's backward-weights kernels sum over the batch in per-thread partial buffers whose split
// follows the thread count, and its kernels choose their blocking from the thread count and the batch, so
// their bits change with both. Every primitive here is therefore created for one thread and run on a slice of
// the batch, the slices in parallel on OpenMP's pool; the slices depend on the batch size alone (at most
// kSlices of them), and the weights gradient adds the slices' partial gradients in slice order.
#include <algorithm>
#include <array>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "convolution.hpp"
#include "parallel.hpp"

namespace strata::backend::cpu {

namespace {

using dnnl::memory;

// The most slices a batch is cut into: enough for the threads of a large CPU, whatever the thread count.
constexpr std::int64_t kSlices = 16;

dnnl::engine& engine() {
    static dnnl::engine e(dnnl::engine::kind::cpu, 0);
    return e;
}

dnnl::stream& stream() {
    thread_local dnnl::stream s(engine());
    return s;
}

enum class Pass { forward, backward_data, backward_weights };

struct ConvKey {
    Pass pass;
    std::int64_t n, c_in, c_out, groups;
    std::array<std::int64_t, 3> in, out, k, stride, dilation, pad_begin, pad_end;
    int spatial;
    bool bias;
    Epilogue epilogue;
    auto operator<=>(const ConvKey&) const = default;
};

// oneDNN sees two spatial axes (Conv1D as a 1-row Conv2D) or three.
int onednn_spatial(const ConvDims& d) { return d.spatial == 3 ? 3 : 2; }

memory::dims spatial_of(const ConvDims& d, const std::array<std::int64_t, 3>& v, std::int64_t shift = 0) {
    memory::dims out;
    for (int a = 3 - onednn_spatial(d); a < 3; ++a) out.push_back(v[static_cast<std::size_t>(a)] + shift);
    return out;
}

memory::desc activations_desc(const ConvDims& d, std::int64_t n, std::int64_t channels,
                              const std::array<std::int64_t, 3>& extent) {
    memory::dims dims{n, channels};
    for (auto e : spatial_of(d, extent)) dims.push_back(e);
    return memory::desc(dims, memory::data_type::f32, d.spatial == 3 ? memory::format_tag::ndhwc : memory::format_tag::nhwc);
}

// The kernel as Keras stores it, [k..., c_in / groups, c_out], described to oneDNN by its strides.
memory::desc user_weights_desc(const ConvDims& d) {
    const std::int64_t cig = d.c_in_per_group(), cog = d.c_out_per_group();
    memory::dims k = spatial_of(d, d.k);
    memory::dims spatial_strides(k.size());
    std::int64_t stride = cig * d.c_out;
    for (std::size_t i = k.size(); i-- > 0;) {
        spatial_strides[i] = stride;
        stride *= k[i];
    }
    memory::dims dims, strides;
    if (d.groups == 1) {
        dims = {d.c_out, cig};
        strides = {1, d.c_out};
    } else {
        dims = {d.groups, cog, cig};
        strides = {cog, 1, d.c_out};
    }
    dims.insert(dims.end(), k.begin(), k.end());
    strides.insert(strides.end(), spatial_strides.begin(), spatial_strides.end());
    return memory::desc(dims, memory::data_type::f32, strides);
}

memory::desc any_weights_desc(const ConvDims& d) {
    memory::dims dims = d.groups == 1 ? memory::dims{d.c_out, d.c_in_per_group()}
                                      : memory::dims{d.groups, d.c_out_per_group(), d.c_in_per_group()};
    for (auto e : spatial_of(d, d.k)) dims.push_back(e);
    return memory::desc(dims, memory::data_type::f32, memory::format_tag::any);
}

memory::desc bias_desc(const ConvDims& d) {
    return memory::desc({d.c_out}, memory::data_type::f32, memory::format_tag::a);
}

// One cached primitive with its descriptors, and the reorder between the kernel's Keras layout and the
// layout the primitive chose.
struct Entry {
    dnnl::primitive primitive;
    memory::desc weights, scratchpad;
    dnnl::reorder weights_reorder;  // user -> primitive (forward, backward data); primitive -> user (weights)
    memory::desc reorder_scratchpad;
};

const Entry& entry_for(const ConvDims& d, std::int64_t n, Pass pass, bool bias, Epilogue epilogue) {
    ConvKey key{pass, n, d.c_in, d.c_out, d.groups, d.in, d.out, d.k, d.stride, d.dilation, d.pad_begin, d.pad_end,
                d.spatial, bias, epilogue};
    static std::mutex mutex;
    static std::map<ConvKey, Entry> cache;
    std::lock_guard lock(mutex);
    auto it = cache.find(key);
    if (it != cache.end()) return it->second;

    OneThreadScope one_thread;
    memory::desc src = activations_desc(d, n, d.c_in, d.in), dst = activations_desc(d, n, d.c_out, d.out);
    memory::dims strides = spatial_of(d, d.stride), dilates = spatial_of(d, d.dilation, -1);
    memory::dims pad_l = spatial_of(d, d.pad_begin), pad_r = spatial_of(d, d.pad_end);
    auto algo = dnnl::algorithm::convolution_direct;

    dnnl::post_ops ops;
    switch (epilogue) {
        case Epilogue::none: break;
        case Epilogue::relu: ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f); break;
        case Epilogue::sigmoid: ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_logistic, 0.0f, 0.0f); break;
        case Epilogue::tanh: ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_tanh, 0.0f, 0.0f); break;
    }
    dnnl::primitive_attr attr;
    attr.set_post_ops(ops);
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);  // slices run at once: each brings its own
    auto fwd_desc = bias ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, algo, src,
                                                           any_weights_desc(d), bias_desc(d), dst, strides, dilates,
                                                           pad_l, pad_r)
                         : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, algo, src,
                                                           any_weights_desc(d), dst, strides, dilates, pad_l, pad_r);
    dnnl::convolution_forward::primitive_desc fwd(fwd_desc, attr, engine());
    memory::desc user = user_weights_desc(d);
    Entry entry;
    switch (pass) {
        case Pass::forward:
            entry.primitive = dnnl::convolution_forward(fwd);
            entry.weights = fwd.weights_desc();
            entry.scratchpad = fwd.scratchpad_desc();
            break;
        case Pass::backward_data: {
            dnnl::primitive_attr plain;
            plain.set_scratchpad_mode(dnnl::scratchpad_mode::user);
            dnnl::convolution_backward_data::desc desc(algo, src, any_weights_desc(d), dst, strides, dilates, pad_l,
                                                       pad_r);
            dnnl::convolution_backward_data::primitive_desc pd(desc, plain, engine(), fwd);
            entry.primitive = dnnl::convolution_backward_data(pd);
            entry.weights = pd.weights_desc();
            entry.scratchpad = pd.scratchpad_desc();
            break;
        }
        case Pass::backward_weights: {
            dnnl::primitive_attr plain;
            plain.set_scratchpad_mode(dnnl::scratchpad_mode::user);
            auto desc = bias ? dnnl::convolution_backward_weights::desc(algo, src, any_weights_desc(d), bias_desc(d),
                                                                        dst, strides, dilates, pad_l, pad_r)
                             : dnnl::convolution_backward_weights::desc(algo, src, any_weights_desc(d), dst, strides,
                                                                        dilates, pad_l, pad_r);
            dnnl::convolution_backward_weights::primitive_desc pd(desc, plain, engine(), fwd);
            entry.primitive = dnnl::convolution_backward_weights(pd);
            entry.weights = pd.diff_weights_desc();
            entry.scratchpad = pd.scratchpad_desc();
            break;
        }
    }
    dnnl::primitive_attr reorder_attr;
    reorder_attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    auto reorder_pd = pass == Pass::backward_weights
                          ? dnnl::reorder::primitive_desc(engine(), entry.weights, engine(), user, reorder_attr)
                          : dnnl::reorder::primitive_desc(engine(), user, engine(), entry.weights, reorder_attr);
    entry.weights_reorder = dnnl::reorder(reorder_pd);
    entry.reorder_scratchpad = reorder_pd.scratchpad_desc();
    return cache.emplace(key, std::move(entry)).first->second;
}

std::int64_t slice_size(std::int64_t n, std::int64_t slices) { return (n + slices - 1) / slices; }

void execute(const Entry& entry, std::unordered_map<int, memory> args) {
    std::vector<std::uint8_t> scratch(entry.scratchpad.get_size());
    args.emplace(DNNL_ARG_SCRATCHPAD, memory(entry.scratchpad, engine(), scratch.data()));
    entry.primitive.execute(stream(), args);
    stream().wait();
}

// The kernel in the layout `entry` reads, reordered from Keras's.
std::vector<float> prepare_weights(const ConvDims& d, const Entry& entry, const float* kernel) {
    std::vector<float> out(entry.weights.get_size() / sizeof(float) + 1);
    memory user(user_weights_desc(d), engine(), const_cast<float*>(kernel));
    memory mine(entry.weights, engine(), out.data());
    std::vector<std::uint8_t> scratch(entry.reorder_scratchpad.get_size());
    entry.weights_reorder.execute(stream(), {{DNNL_ARG_FROM, user}, {DNNL_ARG_TO, mine},
                                             {DNNL_ARG_SCRATCHPAD, memory(entry.reorder_scratchpad, engine(), scratch.data())}});
    stream().wait();
    return out;
}

// Where pad_end is negative the input's last positions are never read: the kernels see a cropped copy.
bool needs_crop(const ConvDims& d) {
    for (auto p : d.pad_end)
        if (p < 0) return true;
    return false;
}

ConvDims cropped(const ConvDims& d) {
    ConvDims c = d;
    for (std::size_t a = 0; a < 3; ++a)
        if (c.pad_end[a] < 0) {
            c.in[a] += c.pad_end[a];
            c.pad_end[a] = 0;
        }
    return c;
}

// Copies between a full [n, in..., c] tensor and its crop to `small.in`: full -> small, or small -> full
// (whose other positions the caller has zeroed).
void copy_crop(const ConvDims& full, const ConvDims& small, float* full_data, float* small_data, bool to_small) {
    const std::int64_t c = full.c_in, row = small.in[2] * c;
    parallel_for(full.n * small.in[0] * small.in[1], row, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t r = begin; r < end; ++r) {
            std::int64_t b = r / (small.in[0] * small.in[1]), rest = r % (small.in[0] * small.in[1]);
            std::int64_t id = rest / small.in[1], ih = rest % small.in[1];
            float* f = full_data + ((b * full.in[0] + id) * full.in[1] + ih) * full.in[2] * c;
            float* s = small_data + r * row;
            if (to_small) std::copy(f, f + row, s);
            else std::copy(s, s + row, f);
        }
    });
}

void forward_f32(const ConvDims& d, const float* x, const float* kernel, const float* bias, Epilogue epilogue,
                 float* out) {
    std::int64_t slices = kSlices, size = slice_size(d.n, slices);
    const Entry& full = entry_for(d, size, Pass::forward, bias != nullptr, epilogue);
    std::int64_t last = d.n - size * ((d.n + size - 1) / size - 1);
    const Entry& tail = entry_for(d, last, Pass::forward, bias != nullptr, epilogue);
    std::vector<float> w_full = prepare_weights(d, full, kernel);
    std::vector<float> w_tail = &tail == &full ? std::vector<float>() : prepare_weights(d, tail, kernel);
    for_each_slice(d.n, slices, [&](std::int64_t, std::int64_t begin, std::int64_t end) {
        const Entry& e = end - begin == size ? full : tail;
        float* w = (&e == &full ? w_full : w_tail).data();
        std::unordered_map<int, memory> args{
            {DNNL_ARG_SRC, memory(activations_desc(d, end - begin, d.c_in, d.in), engine(),
                                  const_cast<float*>(x) + begin * d.in_pixels() * d.c_in)},
            {DNNL_ARG_WEIGHTS, memory(e.weights, engine(), w)},
            {DNNL_ARG_DST, memory(activations_desc(d, end - begin, d.c_out, d.out), engine(),
                                  out + begin * d.out_pixels() * d.c_out)}};
        if (bias) args.emplace(DNNL_ARG_BIAS, memory(bias_desc(d), engine(), const_cast<float*>(bias)));
        execute(e, std::move(args));
    });
}

void backward_data_f32(const ConvDims& d, const float* grad_out, const float* kernel, float* grad_x) {
    std::int64_t slices = kSlices, size = slice_size(d.n, slices);
    const Entry& full = entry_for(d, size, Pass::backward_data, false, Epilogue::none);
    std::int64_t last = d.n - size * ((d.n + size - 1) / size - 1);
    const Entry& tail = entry_for(d, last, Pass::backward_data, false, Epilogue::none);
    std::vector<float> w_full = prepare_weights(d, full, kernel);
    std::vector<float> w_tail = &tail == &full ? std::vector<float>() : prepare_weights(d, tail, kernel);
    for_each_slice(d.n, slices, [&](std::int64_t, std::int64_t begin, std::int64_t end) {
        const Entry& e = end - begin == size ? full : tail;
        float* w = (&e == &full ? w_full : w_tail).data();
        execute(e, {{DNNL_ARG_DIFF_SRC, memory(activations_desc(d, end - begin, d.c_in, d.in), engine(),
                                               grad_x + begin * d.in_pixels() * d.c_in)},
                    {DNNL_ARG_WEIGHTS, memory(e.weights, engine(), w)},
                    {DNNL_ARG_DIFF_DST, memory(activations_desc(d, end - begin, d.c_out, d.out), engine(),
                                               const_cast<float*>(grad_out) + begin * d.out_pixels() * d.c_out)}});
    });
}

void backward_weights_f32(const ConvDims& d, const float* x, const float* grad_out, float* grad_kernel,
                          float* grad_bias) {
    std::int64_t size = slice_size(d.n, kSlices), slices = (d.n + size - 1) / size;
    std::int64_t last = d.n - size * (slices - 1);
    bool bias = grad_bias != nullptr;
    const Entry& full = entry_for(d, size, Pass::backward_weights, bias, Epilogue::none);
    const Entry& tail = entry_for(d, last, Pass::backward_weights, bias, Epilogue::none);
    const std::int64_t weights = d.k_pixels() * d.c_in_per_group() * d.c_out;
    // Each slice's gradient, in Keras's layout, then their sum in slice order.
    std::vector<float> partial(static_cast<std::size_t>(slices * (weights + d.c_out)));
    memory::desc user = user_weights_desc(d);
    for_each_slice(d.n, slices, [&](std::int64_t s, std::int64_t begin, std::int64_t end) {
        const Entry& e = end - begin == size ? full : tail;
        std::vector<float> mine(e.weights.get_size() / sizeof(float) + 1);
        float* p = partial.data() + s * (weights + d.c_out);
        std::unordered_map<int, memory> args{
            {DNNL_ARG_SRC, memory(activations_desc(d, end - begin, d.c_in, d.in), engine(),
                                  const_cast<float*>(x) + begin * d.in_pixels() * d.c_in)},
            {DNNL_ARG_DIFF_WEIGHTS, memory(e.weights, engine(), mine.data())},
            {DNNL_ARG_DIFF_DST, memory(activations_desc(d, end - begin, d.c_out, d.out), engine(),
                                       const_cast<float*>(grad_out) + begin * d.out_pixels() * d.c_out)}};
        if (bias) args.emplace(DNNL_ARG_DIFF_BIAS, memory(bias_desc(d), engine(), p + weights));
        execute(e, std::move(args));
        std::vector<std::uint8_t> scratch(e.reorder_scratchpad.get_size());
        e.weights_reorder.execute(stream(), {{DNNL_ARG_FROM, memory(e.weights, engine(), mine.data())},
                                             {DNNL_ARG_TO, memory(user, engine(), p)},
                                             {DNNL_ARG_SCRATCHPAD, memory(e.reorder_scratchpad, engine(), scratch.data())}});
        stream().wait();
    });
    const std::int64_t stride = weights + d.c_out;
    parallel_for(weights, slices, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i) {
            float s = partial[static_cast<std::size_t>(i)];
            for (std::int64_t k = 1; k < slices; ++k) s += partial[static_cast<std::size_t>(k * stride + i)];
            grad_kernel[i] = s;
        }
    });
    if (bias)
        for (std::int64_t o = 0; o < d.c_out; ++o) {
            float s = partial[static_cast<std::size_t>(weights + o)];
            for (std::int64_t k = 1; k < slices; ++k) s += partial[static_cast<std::size_t>(k * stride + weights + o)];
            grad_bias[o] = s;
        }
}

}  // namespace

void CpuBackend::conv_forward(const Tensor& x, const Tensor& kernel, const Tensor* bias, const ConvGeometry& geometry,
                              Epilogue epilogue, Tensor& out) const {
    if (out.numel() == 0) return;
    ConvDims d = conv_dims(x.shape(), kernel.shape(), out.shape(), geometry);
    if (x.dtype() == float64) {
        conv_forward_f64(d, x.data<double>(), kernel.data<double>(), bias ? bias->data<double>() : nullptr, epilogue,
                         out.data<double>());
        return;
    }
    const float* b = bias ? bias->data<float>() : nullptr;
    if (!needs_crop(d)) return forward_f32(d, x.data<float>(), kernel.data<float>(), b, epilogue, out.data<float>());
    ConvDims c = cropped(d);
    std::vector<float> small(static_cast<std::size_t>(c.n * c.in_pixels() * c.c_in));
    copy_crop(d, c, const_cast<float*>(x.data<float>()), small.data(), true);
    forward_f32(c, small.data(), kernel.data<float>(), b, epilogue, out.data<float>());
}

void CpuBackend::conv_backward_data(const Tensor& grad_out, const Tensor& kernel, const ConvGeometry& geometry,
                                    Tensor& grad_x) const {
    if (grad_x.numel() == 0) return;
    ConvDims d = conv_dims(grad_x.shape(), kernel.shape(), grad_out.shape(), geometry);
    if (grad_x.dtype() == float64) {
        conv_backward_data_f64(d, grad_out.data<double>(), kernel.data<double>(), grad_x.data<double>());
        return;
    }
    if (grad_out.numel() == 0) return fill(grad_x, 0.0);
    if (!needs_crop(d)) return backward_data_f32(d, grad_out.data<float>(), kernel.data<float>(), grad_x.data<float>());
    ConvDims c = cropped(d);
    std::vector<float> small(static_cast<std::size_t>(c.n * c.in_pixels() * c.c_in));
    backward_data_f32(c, grad_out.data<float>(), kernel.data<float>(), small.data());
    fill(grad_x, 0.0);
    copy_crop(d, c, grad_x.data<float>(), small.data(), false);
}

void CpuBackend::conv_backward_weights(const Tensor& x, const Tensor& grad_out, const ConvGeometry& geometry,
                                       Tensor& grad_kernel, Tensor* grad_bias) const {
    ConvDims d = conv_dims(x.shape(), grad_kernel.shape(), grad_out.shape(), geometry);
    if (x.dtype() == float64) {
        conv_backward_weights_f64(d, x.data<double>(), grad_out.data<double>(), grad_kernel.data<double>(),
                                  grad_bias ? grad_bias->data<double>() : nullptr);
        return;
    }
    if (grad_out.numel() == 0 || x.numel() == 0) {
        fill(grad_kernel, 0.0);
        if (grad_bias) fill(*grad_bias, 0.0);
        return;
    }
    float* gb = grad_bias ? grad_bias->data<float>() : nullptr;
    if (!needs_crop(d))
        return backward_weights_f32(d, x.data<float>(), grad_out.data<float>(), grad_kernel.data<float>(), gb);
    ConvDims c = cropped(d);
    std::vector<float> small(static_cast<std::size_t>(c.n * c.in_pixels() * c.c_in));
    copy_crop(d, c, const_cast<float*>(x.data<float>()), small.data(), true);
    backward_weights_f32(c, small.data(), grad_out.data<float>(), grad_kernel.data<float>(), gb);
}

}  // namespace strata::backend::cpu
