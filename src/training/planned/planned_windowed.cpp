// The planned forms of the windowed layers (planned_layers.hpp): Conv1D/2D/3D with bias and relu, sigmoid,
// tanh or no activation fused into the convolution, MaxPooling2D and AveragePooling2D, and
// GlobalAveragePooling1D/2D. Each calls the
// kernels the eager ops call (ops/convolution.cpp, ops/pooling.cpp), with the geometry worked out once from
// the layer's arguments by the same functions (ops/windows.hpp), on the plan's buffers.
#include "planned_windowed.hpp"

#include <algorithm>

#include "backend/cpu/training_kernels.hpp"
#include "ops/windows.hpp"
#include "strata/backend/backend.hpp"

namespace strata::detail {

namespace {

using backend::Epilogue;

const backend::Backend& cpu() { return backend::of(Device::cpu()); }

// Conv on channels-last inputs: forward = conv + bias + activation in one kernel; backward dz = dy * f'(y),
// dW and db from x and dz (the slices' partial sums added in a fixed order), dx = the transposed convolution
// of dz, only where a layer below needs it.
class PlannedConv final : public PlannedKernelLayer<layers::ConvImpl> {
public:
    PlannedConv(std::shared_ptr<layers::ConvImpl> layer, const Shape& input_features, bool training)
        : PlannedKernelLayer(std::move(layer), training) {
        output_features_ = layer_->compute_output_shape(input_features.with_batch(1)).without_batch();
        const int spatial = layer_->rank();
        std::vector<std::int64_t> in, out;
        for (int a = 0; a < spatial; ++a) {
            in.push_back(input_features[a]);
            out.push_back(output_features_[a]);
        }
        input_features_ = input_features;
        input_channels_ = input_features[spatial];
        const std::int64_t groups = input_channels_ / layer_->kernel().shape()[spatial];
        geometry_ = ops::detail::conv_geometry(in, out, layer_->kernel_size(), layer_->strides(),
                                               layer_->dilation_rate(), layer_->padding(), groups);
        epilogue_ = layer_->activation().epilogue();
    }

    bool ends_in_relu() const override { return epilogue_ == Epilogue::relu; }
    void leave_relu_backward_to_next() override { activation_backward_ = false; }

    // Under this many input channels, the input's gradient at the maxima alone, in vectors over those channels,
    // is slower than the dense kernels over the whole output (the weights' gradient is not: it then runs over
    // the output channels).
    static constexpr std::int64_t kChannelsForInputGradient = 16;

    bool take_max_pool_backward(const backend::Backend::PoolWindow& window, bool input_gradient) override {
        if (layer_->rank() != 2 || geometry_.groups != 1) return false;
        if (input_gradient && input_channels_ < kChannelsForInputGradient) return false;
        pool_window_ = window;
        activation_backward_ = false;
        return true;
    }

    void backward_through_max_pool(const Tensor& x, const Tensor& y, const Tensor& pooled, const Tensor& grad_pooled,
                                   const LayerScratch& pool_scratch, Tensor* gx, LayerScratch&) override {
        backend::cpu::conv2d_backward_through_max_pool(
            x, layer_->kernel(), y, geometry_, epilogue_, pooled, grad_pooled, pool_scratch.mask.data<std::uint8_t>(),
            pool_window_, kernel_grad_.defined() ? &kernel_grad_ : nullptr, bias_grad_.defined() ? &bias_grad_ : nullptr,
            gx);
    }

    // An image's first convolution (few input channels) writes the pooling's output itself: its own output,
    // the largest of the model, is then never written nor read.
    bool take_max_pool_forward(const Shape& pooled_features) override {
        return backend::cpu::conv2d_max_pool_forward_covers(input_features_.with_batch(1), layer_->kernel().shape(),
                                                            output_features_.with_batch(1),
                                                            pooled_features.with_batch(1), geometry_, epilogue_,
                                                            pool_window_);
    }

    void forward_through_max_pool(const Tensor& x, const Tensor& y, Tensor& pooled, LayerScratch& pool_scratch) override {
        backend::cpu::conv2d_max_pool_forward(x, layer_->kernel(), bias(), y, geometry_, epilogue_, pool_window_, pooled,
                                              pool_scratch.mask.data<std::uint8_t>());
    }

    void allocate(std::int64_t batch, bool training, LayerScratch& scratch) const override {
        if (training && epilogue_ != Epilogue::none && activation_backward_)
            scratch.activation_grad = Tensor::empty(output_features_.with_batch(batch), float32, Device::cpu());
    }

    void forward(const Tensor& x, Tensor& y, bool, LayerScratch&) override {
        cpu().conv_forward(x, layer_->kernel(), bias(), geometry_, epilogue_, y);
    }

    void backward(const Tensor& x, const Tensor& y, Tensor& gy, Tensor* gx, LayerScratch& scratch) override {
        Tensor* dz = &gy;
        if (scratch.activation_grad.defined()) {
            backend::cpu::activation_backward(epilogue_, y.data<float>(), gy.data<float>(),
                                              scratch.activation_grad.data<float>(), y.numel());
            dz = &scratch.activation_grad;
        }
        if (kernel_grad_.defined())
            cpu().conv_backward_weights(x, *dz, geometry_, kernel_grad_, bias_grad_.defined() ? &bias_grad_ : nullptr);
        if (gx) cpu().conv_backward_data(*dz, layer_->kernel(), geometry_, *gx);
    }

private:
    backend::Backend::ConvGeometry geometry_;
    Epilogue epilogue_ = Epilogue::none;
    bool activation_backward_ = true;  // false when the next layer runs it
    backend::Backend::PoolWindow pool_window_{};  // of the max pooling above, once its backward is taken
    Shape input_features_;
    std::int64_t input_channels_ = 0;
};

// MaxPooling2D and AveragePooling2D on channels-last inputs. Max pooling over windows that tile the input
// (Keras's default strides) keeps, in training, which position of each window held the maximum, so that its
// backward reads those (a byte per output) rather than the input again (four times as large, for 2 x 2).
class PlannedPooling2D final : public PlannedLayer {
public:
    PlannedPooling2D(bool max, const backend::Backend::PoolWindow& window, Shape output_features)
        : max_(max), window_(window) {
        output_features_ = std::move(output_features);
        keeps_indices_ = max && backend::cpu::pool_windows_tile(window) && window.pool[0] * window.pool[1] <= 256;
    }

    const backend::Backend::PoolWindow* max_pool_with_indices() const override {
        return keeps_indices_ ? &window_ : nullptr;
    }

    bool take_relu_backward_of_input() override {
        through_relu_ = max_;
        return through_relu_;
    }

    void allocate(std::int64_t batch, bool training, LayerScratch& scratch) const override {
        if (training && keeps_indices_) scratch.mask = Tensor::empty(output_features_.with_batch(batch), uint8, Device::cpu());
    }

    void forward(const Tensor& x, Tensor& y, bool training, LayerScratch& scratch) override {
        if (training && keeps_indices_)
            backend::cpu::max_pool2d_with_indices(x, window_, y, scratch.mask.data<std::uint8_t>());
        else
            cpu().pool2d(max_, x, window_, y);
    }

    void backward(const Tensor& x, const Tensor& y, Tensor& gy, Tensor* gx, LayerScratch& scratch) override {
        if (!gx) return;
        if (keeps_indices_)
            backend::cpu::max_pool2d_backward_from_indices(gy, through_relu_ ? &y : nullptr,
                                                           scratch.mask.data<std::uint8_t>(), window_, *gx);
        else if (through_relu_)
            backend::cpu::max_pool2d_backward_through_relu(x, gy, window_, *gx);
        else
            cpu().pool2d_backward(max_, x, gy, window_, *gx);
    }

private:
    bool max_;
    backend::Backend::PoolWindow window_;
    bool keeps_indices_ = false;
    bool through_relu_ = false;  // also runs the relu backward of the layer below
};

// GlobalAveragePooling1D/2D on channels-last inputs: each row's mean over its positions, per channel, summed
// in double and divided in float32 as the eager ops (ops::mean) do; backward spreads gy / count over the
// positions.
class PlannedGlobalAveragePooling final : public PlannedLayer {
public:
    PlannedGlobalAveragePooling(const Shape& input_features, Shape output_features)
        : channels_(input_features[input_features.rank() - 1]),
          positions_(input_features.numel() / input_features[input_features.rank() - 1]) {
        output_features_ = std::move(output_features);
    }

    void allocate(std::int64_t, bool, LayerScratch& scratch) const override {
        scratch.sums.resize(static_cast<std::size_t>(channels_));
    }

    void forward(const Tensor& x, Tensor& y, bool, LayerScratch& scratch) override {
        const std::int64_t rows = x.shape()[0];
        const float* in = x.data<float>();
        float* out = y.data<float>();
        double* sums = scratch.sums.data();
        const float count = static_cast<float>(positions_);
        for (std::int64_t r = 0; r < rows; ++r) {
            std::fill_n(sums, channels_, 0.0);
            // Whole rows of channels at a time, in the order of the positions.
            for (std::int64_t p = 0; p < positions_; ++p) {
                const float* at = in + (r * positions_ + p) * channels_;
#pragma omp simd
                for (std::int64_t c = 0; c < channels_; ++c) sums[c] += static_cast<double>(at[c]);
            }
            for (std::int64_t c = 0; c < channels_; ++c) out[r * channels_ + c] = static_cast<float>(sums[c]) / count;
        }
    }

    void backward(const Tensor&, const Tensor&, Tensor& gy, Tensor* gx, LayerScratch&) override {
        if (!gx) return;
        const std::int64_t rows = gy.shape()[0];
        const float count = static_cast<float>(positions_);
        float* g = gy.data<float>();
        float* out = gx->data<float>();
        for (std::int64_t i = 0; i < rows * channels_; ++i) g[i] /= count;  // gy may be overwritten
        for (std::int64_t r = 0; r < rows; ++r)
            for (std::int64_t p = 0; p < positions_; ++p)
                std::copy_n(g + r * channels_, channels_, out + (r * positions_ + p) * channels_);
    }

private:
    std::int64_t channels_, positions_;
};

}  // namespace

std::unique_ptr<PlannedLayer> plan_conv(std::shared_ptr<layers::ConvImpl> layer, const Shape& input_features,
                                        bool training, std::string& why) {
    const std::string who = "layer \"" + layer->name() + "\" (" + layer->class_name() + ")";
    if (input_features.rank() != layer->rank() + 1 || !layer->activation().from_name() ||
        !layer->activation().fusable()) {
        why = who + ": the plan takes convolutions with a linear, relu, sigmoid or tanh activation";
        return nullptr;
    }
    return std::make_unique<PlannedConv>(std::move(layer), input_features, training);
}

std::unique_ptr<PlannedLayer> plan_pooling(const std::shared_ptr<layers::PoolingImpl>& layer,
                                           const Shape& input_features, std::string& why) {
    const std::string who = "layer \"" + layer->name() + "\" (" + layer->class_name() + ")";
    backend::Backend::PoolWindow window{};
    std::int64_t out_extent[2];
    if (input_features.rank() != 3 || layer->pool_size().size() != 2) {
        why = who + ": the plan takes 2-D pooling";
        return nullptr;
    }
    const std::int64_t length[2] = {input_features[0], input_features[1]};
    if (!ops::detail::pool_window(length, layer->pool_size(), layer->strides(), layer->padding(), window, out_extent)) {
        why = who + ": the pool does not fit the input " + input_features.to_string();
        return nullptr;
    }
    return std::make_unique<PlannedPooling2D>(layer->is_max(), window,
                                              Shape{out_extent[0], out_extent[1], input_features[2]});
}

std::unique_ptr<PlannedLayer> plan_global_pooling(const std::shared_ptr<layers::GlobalPoolingImpl>& layer,
                                                  const Shape& input_features, std::string& why) {
    const std::string who = "layer \"" + layer->name() + "\" (" + layer->class_name() + ")";
    if (layer->is_max() || layer->data_format() != "channels_last" || input_features.rank() < 2 ||
        input_features.numel() == 0) {
        why = who + ": the plan takes global average pooling of channels-last data, not empty";
        return nullptr;
    }
    const std::int64_t channels = input_features[input_features.rank() - 1];
    Shape out{channels};
    if (layer->keepdims()) {
        out = input_features;
        for (int axis = 0; axis + 1 < out.rank(); ++axis) out[axis] = 1;
    }
    return std::make_unique<PlannedGlobalAveragePooling>(input_features, std::move(out));
}

}  // namespace strata::detail
