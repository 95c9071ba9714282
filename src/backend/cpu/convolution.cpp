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
#include <tuple>
#include <unordered_map>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "convolution.hpp"
#include "parallel.hpp"
#include "scratch.hpp"

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

// An activation the primitive takes in a layout of its own (Winograd's blocked one) rather than channels-last:
// on every slice it is reordered in before the primitive runs, or out after it.
struct Relayout {
    int arg = 0;
    bool output = false;
    memory::desc mine;
    dnnl::reorder reorder;  // channels-last -> mine for an input, mine -> channels-last for an output
    memory::desc reorder_scratchpad;
};

// One cached primitive with its descriptors, the reorder between the kernel's Keras layout and the layout the
// primitive chose, and the activations it takes in other layouts.
struct Entry {
    dnnl::primitive primitive;
    memory::desc weights, scratchpad;
    dnnl::reorder weights_reorder;  // user -> primitive (forward, backward data); primitive -> user (weights)
    memory::desc reorder_scratchpad;
    std::vector<Relayout> relayouts;
};

// Winograd's F(4x4, 3x3) runs a 3x3 stride-1 convolution's forward and weights gradient in about 0.6 of the
// direct kernel's time at 16 or more channels each way (a slice of 8 images, 13x13x32 -> 64, on one AVX-512
// core: 0.19 against 0.31 ms for either pass), but in a blocked layout, reordered from and to channels-last
// on every slice; with few channels the direct kernel wins (one input channel: 0.26 against 0.05 ms), and
// its data gradient is no faster. The choice follows the shape alone, never a timing, so a seed gives the
// same bits on every run and thread count (on one kind of CPU: oneDNN offers Winograd on AVX-512 only).
bool winograd_suits(const ConvDims& d, Pass pass) {
    if (pass == Pass::backward_data || onednn_spatial(d) != 2 || d.groups != 1 || d.c_in < 16 || d.c_out < 16)
        return false;
    for (std::size_t a = 1; a < 3; ++a)
        if (d.k[a] != 3 || d.stride[a] != 1 || d.dilation[a] != 1) return false;
    return true;
}

dnnl::primitive_attr user_scratchpad() {
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);  // slices run at once: each brings its own
    return attr;
}

// The entry for one pass over slices of n images, with the given algorithm; throws dnnl::error where oneDNN
// has no kernel for it.
Entry make_entry(const ConvDims& d, std::int64_t n, Pass pass, bool bias, Epilogue epilogue, dnnl::algorithm algo) {
    const bool blocked = algo == dnnl::algorithm::convolution_winograd;
    memory::desc src_user = activations_desc(d, n, d.c_in, d.in), dst_user = activations_desc(d, n, d.c_out, d.out);
    auto any_of = [](const memory::desc& user) {
        return memory::desc(user.dims(), memory::data_type::f32, memory::format_tag::any);
    };
    memory::desc src = blocked ? any_of(src_user) : src_user, dst = blocked ? any_of(dst_user) : dst_user;
    memory::dims strides = spatial_of(d, d.stride), dilates = spatial_of(d, d.dilation, -1);
    memory::dims pad_l = spatial_of(d, d.pad_begin), pad_r = spatial_of(d, d.pad_end);

    dnnl::post_ops ops;
    switch (epilogue) {
        case Epilogue::none: break;
        case Epilogue::relu: ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f); break;
        case Epilogue::sigmoid: ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_logistic, 0.0f, 0.0f); break;
        case Epilogue::tanh: ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_tanh, 0.0f, 0.0f); break;
    }
    dnnl::primitive_attr attr = user_scratchpad();
    attr.set_post_ops(ops);
    auto fwd_desc = bias ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, algo, src,
                                                           any_weights_desc(d), bias_desc(d), dst, strides, dilates,
                                                           pad_l, pad_r)
                         : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, algo, src,
                                                           any_weights_desc(d), dst, strides, dilates, pad_l, pad_r);
    dnnl::convolution_forward::primitive_desc fwd(fwd_desc, attr, engine());
    Entry entry;
    // (argument, its channels-last layout, the layout the primitive takes, written by the primitive)
    std::vector<std::tuple<int, memory::desc, memory::desc, bool>> activations;
    switch (pass) {
        case Pass::forward:
            entry.primitive = dnnl::convolution_forward(fwd);
            entry.weights = fwd.weights_desc();
            entry.scratchpad = fwd.scratchpad_desc();
            activations = {{DNNL_ARG_SRC, src_user, fwd.src_desc(), false}, {DNNL_ARG_DST, dst_user, fwd.dst_desc(), true}};
            break;
        case Pass::backward_data: {
            dnnl::convolution_backward_data::desc desc(algo, src, any_weights_desc(d), dst, strides, dilates, pad_l,
                                                       pad_r);
            dnnl::convolution_backward_data::primitive_desc pd(desc, user_scratchpad(), engine(), fwd);
            entry.primitive = dnnl::convolution_backward_data(pd);
            entry.weights = pd.weights_desc();
            entry.scratchpad = pd.scratchpad_desc();
            activations = {{DNNL_ARG_DIFF_DST, dst_user, pd.diff_dst_desc(), false},
                           {DNNL_ARG_DIFF_SRC, src_user, pd.diff_src_desc(), true}};
            break;
        }
        case Pass::backward_weights: {
            auto desc = bias ? dnnl::convolution_backward_weights::desc(algo, src, any_weights_desc(d), bias_desc(d),
                                                                        dst, strides, dilates, pad_l, pad_r)
                             : dnnl::convolution_backward_weights::desc(algo, src, any_weights_desc(d), dst, strides,
                                                                        dilates, pad_l, pad_r);
            dnnl::convolution_backward_weights::primitive_desc pd(desc, user_scratchpad(), engine(), fwd);
            entry.primitive = dnnl::convolution_backward_weights(pd);
            entry.weights = pd.diff_weights_desc();
            entry.scratchpad = pd.scratchpad_desc();
            activations = {{DNNL_ARG_SRC, src_user, pd.src_desc(), false},
                           {DNNL_ARG_DIFF_DST, dst_user, pd.diff_dst_desc(), false}};
            break;
        }
    }
    memory::desc user = user_weights_desc(d);
    auto reorder_pd = pass == Pass::backward_weights
                          ? dnnl::reorder::primitive_desc(engine(), entry.weights, engine(), user, user_scratchpad())
                          : dnnl::reorder::primitive_desc(engine(), user, engine(), entry.weights, user_scratchpad());
    entry.weights_reorder = dnnl::reorder(reorder_pd);
    entry.reorder_scratchpad = reorder_pd.scratchpad_desc();
    for (const auto& [arg, user_layout, mine, output] : activations) {
        if (mine == user_layout) continue;
        auto pd = output ? dnnl::reorder::primitive_desc(engine(), mine, engine(), user_layout, user_scratchpad())
                         : dnnl::reorder::primitive_desc(engine(), user_layout, engine(), mine, user_scratchpad());
        entry.relayouts.push_back({arg, output, mine, dnnl::reorder(pd), pd.scratchpad_desc()});
    }
    if (entry.relayouts.size() > 2) throw dnnl::error(dnnl_unimplemented, "more than two activations to reorder");
    return entry;
}

const Entry& entry_for(const ConvDims& d, std::int64_t n, Pass pass, bool bias, Epilogue epilogue) {
    ConvKey key{pass, n, d.c_in, d.c_out, d.groups, d.in, d.out, d.k, d.stride, d.dilation, d.pad_begin, d.pad_end,
                d.spatial, bias, epilogue};
    static std::mutex mutex;
    static std::map<ConvKey, Entry> cache;
    std::lock_guard lock(mutex);
    auto it = cache.find(key);
    if (it != cache.end()) return it->second;

    OneThreadScope one_thread;
    if (winograd_suits(d, pass)) {
        try {
            return cache.emplace(key, make_entry(d, n, pass, bias, epilogue, dnnl::algorithm::convolution_winograd))
                .first->second;
        } catch (const dnnl::error&) {
            // No Winograd kernel on this CPU or for these options: the direct one below.
        }
    }
    return cache.emplace(key, make_entry(d, n, pass, bias, epilogue, dnnl::algorithm::convolution_direct))
        .first->second;
}

std::int64_t slice_size(std::int64_t n, std::int64_t slices) { return (n + slices - 1) / slices; }

void* scratch_for(Scratch purpose, const memory::desc& desc) { return thread_scratch(purpose, desc.get_size()); }

// Runs one slice: `args` hold the channels-last activations, the weights and the bias; activations the
// primitive takes in another layout are reordered through this thread's scratch.
void execute(const Entry& entry, std::unordered_map<int, memory> args) {
    // Reorders relayout i between the caller's memory and the primitive's: `to_primitive` for an input.
    auto reorder = [&](std::size_t i, const memory& user, const memory& mine, bool to_primitive) {
        const Relayout& r = entry.relayouts[i];
        memory scratch(r.reorder_scratchpad, engine(), scratch_for(Scratch::reorder, r.reorder_scratchpad));
        r.reorder.execute(stream(), {{DNNL_ARG_FROM, to_primitive ? user : mine},
                                     {DNNL_ARG_TO, to_primitive ? mine : user},
                                     {DNNL_ARG_SCRATCHPAD, scratch}});
    };
    memory users[2];  // make_entry allows two relayouts at most
    for (std::size_t i = 0; i < entry.relayouts.size(); ++i) {
        const Relayout& r = entry.relayouts[i];
        users[i] = args.at(r.arg);
        memory mine(r.mine, engine(), scratch_for(i == 0 ? Scratch::relayout0 : Scratch::relayout1, r.mine));
        if (!r.output) reorder(i, users[i], mine, true);
        args[r.arg] = mine;
    }
    args.emplace(DNNL_ARG_SCRATCHPAD, memory(entry.scratchpad, engine(), scratch_for(Scratch::primitive, entry.scratchpad)));
    entry.primitive.execute(stream(), args);
    for (std::size_t i = 0; i < entry.relayouts.size(); ++i)
        if (entry.relayouts[i].output) reorder(i, users[i], args.at(entry.relayouts[i].arg), false);
    stream().wait();
}

// The kernel in the layout `entry` reads, reordered from Keras's into this thread's scratch for `purpose`.
float* prepare_weights(const ConvDims& d, const Entry& entry, const float* kernel, Scratch purpose) {
    auto* out = static_cast<float*>(scratch_for(purpose, entry.weights));
    memory user(user_weights_desc(d), engine(), const_cast<float*>(kernel));
    memory mine(entry.weights, engine(), out);
    memory scratch(entry.reorder_scratchpad, engine(), scratch_for(Scratch::reorder, entry.reorder_scratchpad));
    entry.weights_reorder.execute(stream(), {{DNNL_ARG_FROM, user}, {DNNL_ARG_TO, mine}, {DNNL_ARG_SCRATCHPAD, scratch}});
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
    float* w_full = prepare_weights(d, full, kernel, Scratch::weights);
    float* w_tail = &tail == &full ? w_full : prepare_weights(d, tail, kernel, Scratch::weights_tail);
    for_each_slice(d.n, slices, [&](std::int64_t, std::int64_t begin, std::int64_t end) {
        const Entry& e = end - begin == size ? full : tail;
        std::unordered_map<int, memory> args{
            {DNNL_ARG_SRC, memory(activations_desc(d, end - begin, d.c_in, d.in), engine(),
                                  const_cast<float*>(x) + begin * d.in_pixels() * d.c_in)},
            {DNNL_ARG_WEIGHTS, memory(e.weights, engine(), &e == &full ? w_full : w_tail)},
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
    float* w_full = prepare_weights(d, full, kernel, Scratch::weights);
    float* w_tail = &tail == &full ? w_full : prepare_weights(d, tail, kernel, Scratch::weights_tail);
    for_each_slice(d.n, slices, [&](std::int64_t, std::int64_t begin, std::int64_t end) {
        const Entry& e = end - begin == size ? full : tail;
        execute(e, {{DNNL_ARG_DIFF_SRC, memory(activations_desc(d, end - begin, d.c_in, d.in), engine(),
                                               grad_x + begin * d.in_pixels() * d.c_in)},
                    {DNNL_ARG_WEIGHTS, memory(e.weights, engine(), &e == &full ? w_full : w_tail)},
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
    const std::int64_t stride = weights + d.c_out;
    // Each slice's gradient, in Keras's layout, then their sum in slice order.
    auto* partial = static_cast<float*>(
        thread_scratch(Scratch::partial, static_cast<std::size_t>(slices * stride) * sizeof(float)));
    memory::desc user = user_weights_desc(d);
    for_each_slice(d.n, slices, [&](std::int64_t s, std::int64_t begin, std::int64_t end) {
        const Entry& e = end - begin == size ? full : tail;
        void* mine = scratch_for(Scratch::diff_weights, e.weights);
        float* p = partial + s * stride;
        std::unordered_map<int, memory> args{
            {DNNL_ARG_SRC, memory(activations_desc(d, end - begin, d.c_in, d.in), engine(),
                                  const_cast<float*>(x) + begin * d.in_pixels() * d.c_in)},
            {DNNL_ARG_DIFF_WEIGHTS, memory(e.weights, engine(), mine)},
            {DNNL_ARG_DIFF_DST, memory(activations_desc(d, end - begin, d.c_out, d.out), engine(),
                                       const_cast<float*>(grad_out) + begin * d.out_pixels() * d.c_out)}};
        if (bias) args.emplace(DNNL_ARG_DIFF_BIAS, memory(bias_desc(d), engine(), p + weights));
        execute(e, std::move(args));
        memory reorder_scratch(e.reorder_scratchpad, engine(), scratch_for(Scratch::reorder, e.reorder_scratchpad));
        e.weights_reorder.execute(stream(), {{DNNL_ARG_FROM, memory(e.weights, engine(), mine)},
                                             {DNNL_ARG_TO, memory(user, engine(), p)},
                                             {DNNL_ARG_SCRATCHPAD, reorder_scratch}});
        stream().wait();
    });
    parallel_for(weights, slices, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i) {
            float s = partial[i];
            for (std::int64_t k = 1; k < slices; ++k) s += partial[k * stride + i];
            grad_kernel[i] = s;
        }
    });
    if (bias)
        for (std::int64_t o = 0; o < d.c_out; ++o) {
            float s = partial[weights + o];
            for (std::int64_t k = 1; k < slices; ++k) s += partial[k * stride + weights + o];
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
