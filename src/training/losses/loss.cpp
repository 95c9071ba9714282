// The Loss base: Keras 3's Loss.__call__ and reduce_weighted_values (keras/src/losses/loss.py). Casting,
// sample weights, masks and the reduction are done here once, for every loss.
#include <set>

#include "strata/ops/elementwise.hpp"
#include "strata/ops/reduce.hpp"
#include "strata/ops/shape.hpp"
#include "strata/training/losses.hpp"

namespace strata::losses {

namespace {

// Keras's ops.divide_no_nan: a / b, and 0 where b is 0. Both branches stay finite, so the gradient does too.
Tensor divide_no_nan(const Tensor& a, const Tensor& b) {
    Tensor zero = ops::equal(b, ops::scalar_like(b, 0.0));
    Tensor safe = ops::where(zero, ops::scalar_like(b, 1.0), b);
    return ops::where(zero, ops::scalar_like(a, 0.0), ops::divide(a, safe));
}

void require_concrete(const std::string& who, const char* arg, const Tensor& t) {
    if (!t.defined()) throw ValueError(who + ": " + arg + " is an undefined tensor");
    if (t.is_symbolic())
        throw ValueError(who + ": " + arg + " is a symbolic tensor of shape " + t.shape().to_string() +
                         "; losses take concrete tensors");
}

// Keras's reduce_values.
Tensor reduce_values(const Tensor& values, const Tensor& sample_weight, const std::string& reduction) {
    if (reduction == "none" || values.rank() == 0 || (values.rank() == 1 && values.shape()[0] == 0)) return values;
    Tensor loss = ops::sum(values);
    if (reduction == "sum") return loss;
    if (reduction == "mean_with_sample_weight" && sample_weight.defined())
        return divide_no_nan(loss, ops::sum(sample_weight));
    // "sum_over_batch_size" and "mean": the number of loss elements, whatever the weights.
    std::int64_t n = values.numel();
    return n > 0 ? loss / static_cast<double>(n) : loss * 0.0;
}

}  // namespace

std::pair<Tensor, Tensor> squeeze_or_expand_to_same_rank(const Tensor& x1, const Tensor& x2, bool expand_rank_1) {
    const int r1 = x1.rank();
    const int r2 = x2.rank();
    Tensor a = x1;
    Tensor b = x2;
    if (r1 == r2 + 1 && x1.shape().at(-1) == 1) {
        if (r2 == 1 && expand_rank_1)
            b = ops::expand_dims(x2, -1);
        else
            a = ops::squeeze(x1, -1);
    }
    if (r2 == r1 + 1 && x2.shape().at(-1) == 1) {
        if (r1 == 1 && expand_rank_1)
            a = ops::expand_dims(x1, -1);
        else
            b = ops::squeeze(x2, -1);
    }
    return {a, b};
}

const std::string& standardize_reduction(const std::string& reduction) {
    static const std::set<std::string> allowed = {"sum_over_batch_size", "sum", "none", "mean",
                                                  "mean_with_sample_weight"};
    auto it = allowed.find(reduction);
    if (it == allowed.end()) {
        std::string list;
        for (const std::string& r : allowed) list += (list.empty() ? "\"" : ", \"") + r + "\"";
        throw ValueError("Invalid value for argument `reduction`: expected one of " + list + ", got \"" +
                         reduction + "\"");
    }
    return *it;
}

Tensor reduce_weighted_values(const Tensor& values_in, const Tensor& sample_weight, const Tensor& mask,
                              const std::string& reduction_in, const std::string& who) {
    const std::string& reduction = standardize_reduction(reduction_in);
    Tensor values = values_in;
    const DType dtype = values.dtype();
    Tensor weight;
    if (sample_weight.defined()) {
        require_concrete(who, "sample_weight", sample_weight);
        weight = ops::cast(sample_weight.to(values.device()), dtype);
    }
    // Keras's apply_mask: the mask joins the weights; for the means it is rescaled by total / valid, so that
    // dividing by the number of elements averages over the valid ones only.
    if (mask.defined()) {
        Tensor m = ops::cast(mask, dtype);
        if (reduction == "mean" || reduction == "sum_over_batch_size") {
            Tensor total = ops::scalar_like(m, static_cast<double>(m.numel()));
            m = m * divide_no_nan(total, ops::sum(m));
        }
        if (weight.defined()) {
            auto [mm, ww] = squeeze_or_expand_to_same_rank(m, weight);
            weight = ww * mm;
        } else {
            weight = m;
        }
    }
    if (weight.defined()) {
        auto [v, w] = squeeze_or_expand_to_same_rank(values, weight);
        try {
            broadcast_shapes(v.shape(), w.shape(), who.c_str());
        } catch (const ShapeError&) {
            throw ShapeError(who + ": sample_weight of shape " + sample_weight.shape().to_string() +
                             " does not broadcast to the per-sample losses of shape " +
                             values_in.shape().to_string());
        }
        values = v * w;
    }
    return reduce_values(values, weight, reduction);
}

Loss::Loss(std::string name, std::string reduction, DType dtype)
    : name_(std::move(name)), reduction_(standardize_reduction(reduction)), dtype_(dtype) {
    if (!is_floating(dtype_))
        throw TypeError(name_ + ": a loss computes in float32 or float64, got dtype " + dtype_name(dtype_));
}

Loss::~Loss() = default;

Tensor Loss::operator()(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) const {
    require_concrete(name_, "y_true", y_true);
    require_concrete(name_, "y_pred", y_pred);
    Tensor p = ops::cast(y_pred, dtype_);
    Tensor t = ops::cast(y_true.to(p.device()), dtype_);
    Tensor losses = ops::cast(call(t, p), dtype_);
    return reduce_weighted_values(losses, sample_weight, compute_mask(t, p), reduction_, name_);
}

Tensor Loss::compute_mask(const Tensor&, const Tensor&) const { return {}; }

nlohmann::json Loss::get_config() const { return {{"name", name_}, {"reduction", reduction_}}; }

}  // namespace strata::losses
