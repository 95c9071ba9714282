// The planned merges: elementwise joins of inputs of one shape, and concatenation. Each computes what the
// eager layer's ops compute (layers/merging.cpp, layers/merging_concatenate.cpp), in the same order of
// operations, on the plan's buffers.
#include "planned_merging.hpp"

#include <cstring>
#include <typeinfo>

#include "strata/layers/merging.hpp"

namespace strata::detail {

namespace {

using layers::MergeKind;

// A layer of several inputs: the plan runs its forward_merge and backward_merge (arity() > 1), never the
// one-input forward and backward.
class PlannedMerge : public PlannedLayer {
public:
    void forward(const Tensor&, Tensor&, bool, LayerScratch&) final {}
    void backward(const Tensor&, const Tensor&, Tensor&, Tensor*, LayerScratch&) final {}
};

// Add, Subtract, Multiply, Average: y = x0 op x1 op ... left to right (Average then divides by the count), as
// the eager layer's ops do; in backward each input's gradient is gy times the derivative of y by it.
class PlannedElementwiseMerge final : public PlannedMerge {
public:
    PlannedElementwiseMerge(MergeKind kind, std::size_t inputs, const Shape& features) : kind_(kind), inputs_(inputs) {
        output_features_ = features;
    }

    std::size_t arity() const override { return inputs_; }

    void forward_merge(const Tensor* const* xs, Tensor& y) override {
        float* out = y.data<float>();
        const std::int64_t n = y.numel();
        const float* first = xs[0]->data<float>();
        std::copy_n(first, n, out);
        for (std::size_t k = 1; k < inputs_; ++k) {
            const float* x = xs[k]->data<float>();
            switch (kind_) {
                case MergeKind::add:
                case MergeKind::average:
#pragma omp simd
                    for (std::int64_t i = 0; i < n; ++i) out[i] += x[i];
                    break;
                case MergeKind::subtract:
#pragma omp simd
                    for (std::int64_t i = 0; i < n; ++i) out[i] -= x[i];
                    break;
                default:  // multiply
#pragma omp simd
                    for (std::int64_t i = 0; i < n; ++i) out[i] *= x[i];
                    break;
            }
        }
        if (kind_ == MergeKind::average) {
            const float count = static_cast<float>(inputs_);
#pragma omp simd
            for (std::int64_t i = 0; i < n; ++i) out[i] /= count;
        }
    }

    void backward_merge(const Tensor* const* xs, const Tensor& gy, Tensor* const* gxs) override {
        const float* g = gy.data<float>();
        const std::int64_t n = gy.numel();
        for (std::size_t k = 0; k < inputs_; ++k) {
            if (!gxs[k]) continue;
            float* out = gxs[k]->data<float>();
            switch (kind_) {
                case MergeKind::add: std::copy_n(g, n, out); break;
                case MergeKind::subtract:
                    if (k == 0) {
                        std::copy_n(g, n, out);
                    } else {
#pragma omp simd
                        for (std::int64_t i = 0; i < n; ++i) out[i] = -g[i];
                    }
                    break;
                case MergeKind::average: {
                    const float count = static_cast<float>(inputs_);
#pragma omp simd
                    for (std::int64_t i = 0; i < n; ++i) out[i] = g[i] / count;
                    break;
                }
                default:  // multiply: gy times the product of the other inputs, in input order
                    std::copy_n(g, n, out);
                    for (std::size_t j = 0; j < inputs_; ++j) {
                        if (j == k) continue;
                        const float* x = xs[j]->data<float>();
#pragma omp simd
                        for (std::int64_t i = 0; i < n; ++i) out[i] *= x[i];
                    }
                    break;
            }
        }
    }

private:
    MergeKind kind_;
    std::size_t inputs_;
};

// Concatenate along `axis` (of the shape without the batch axis): each row of the output (everything before
// the axis) is the inputs' rows one after the other; backward copies each input's part of the gradient out.
class PlannedConcatenate final : public PlannedMerge {
public:
    PlannedConcatenate(const std::vector<Shape>& inputs, int axis) {
        output_features_ = inputs[0];
        output_features_[axis] = 0;
        for (const Shape& s : inputs) {
            std::int64_t run = 1;
            for (int a = axis; a < s.rank(); ++a) run *= s[a];
            runs_.push_back(run);
            row_ += run;
            output_features_[axis] += s[axis];
        }
    }

    std::size_t arity() const override { return runs_.size(); }

    void forward_merge(const Tensor* const* xs, Tensor& y) override {
        const std::int64_t rows = y.numel() / row_;
        float* out = y.data<float>();
        for (std::int64_t r = 0; r < rows; ++r)
            for (std::size_t k = 0, at = 0; k < runs_.size(); at += static_cast<std::size_t>(runs_[k]), ++k)
                std::memcpy(out + r * row_ + static_cast<std::int64_t>(at), xs[k]->data<float>() + r * runs_[k],
                            static_cast<std::size_t>(runs_[k]) * sizeof(float));
    }

    void backward_merge(const Tensor* const*, const Tensor& gy, Tensor* const* gxs) override {
        const std::int64_t rows = gy.numel() / row_;
        const float* g = gy.data<float>();
        for (std::int64_t r = 0; r < rows; ++r)
            for (std::size_t k = 0, at = 0; k < runs_.size(); at += static_cast<std::size_t>(runs_[k]), ++k)
                if (gxs[k])
                    std::memcpy(gxs[k]->data<float>() + r * runs_[k], g + r * row_ + static_cast<std::int64_t>(at),
                                static_cast<std::size_t>(runs_[k]) * sizeof(float));
    }

private:
    std::vector<std::int64_t> runs_;  // per input: the floats of one row (from the axis on)
    std::int64_t row_ = 0;            // of the output
};

}  // namespace

std::unique_ptr<PlannedLayer> plan_merge(const std::shared_ptr<Layer>& layer, const std::vector<Shape>& input_features,
                                         std::string& why) {
    const std::string who = "layer \"" + layer->name() + "\" (" + layer->class_name() + ")";
    if (!layer->activity_regularizer().empty()) {
        why = who + " has an activity regularizer";
        return nullptr;
    }
    const Layer& object = *layer;
    const std::type_info& type = typeid(object);
    if (type == typeid(layers::MergeImpl)) {
        const MergeKind kind = static_cast<const layers::MergeImpl&>(object).kind();
        if (kind == MergeKind::maximum || kind == MergeKind::minimum) {
            why = who + ": the plan takes the Add, Subtract, Multiply and Average merges";
            return nullptr;
        }
        for (const Shape& s : input_features)
            if (s != input_features[0]) {
                why = who + ": the plan takes inputs of one shape (the eager layer broadcasts these)";
                return nullptr;
            }
        return std::make_unique<PlannedElementwiseMerge>(kind, input_features.size(), input_features[0]);
    }
    if (type == typeid(layers::ConcatenateImpl)) {
        const int rank = input_features[0].rank();
        int axis = static_cast<const layers::ConcatenateImpl&>(object).axis();
        // Keras's axis counts the batch axis; the features' shapes do not.
        axis = axis < 0 ? axis + rank : axis - 1;
        if (axis < 0 || axis >= rank) {
            why = who + ": the plan takes concatenation along a feature axis";
            return nullptr;
        }
        return std::make_unique<PlannedConcatenate>(input_features, axis);
    }
    why = who + " is not a layer of several inputs the plan runs (Add, Subtract, Multiply, Average, Concatenate)";
    return nullptr;
}

}  // namespace strata::detail
