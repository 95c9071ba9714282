#include "arrays.hpp"

#include <cmath>

#include "strata/core/error.hpp"
#include "strata/ops/random.hpp"
#include "strata/ops/shape.hpp"

namespace strata::detail {

namespace {
Tensor take_rows(const Tensor& t, const Tensor& order, std::int64_t begin, std::int64_t end) {
    if (!t.defined()) return {};
    if (!order.defined()) return t.slice(begin, end);  // no shuffling: a view, no copy
    return ops::take(t, order.slice(begin, end));
}
}  // namespace

Arrays Arrays::rows(const Tensor& order, std::int64_t begin, std::int64_t end) const {
    Arrays out;
    for (const Tensor& t : x) out.x.push_back(take_rows(t, order, begin, end));
    for (const Tensor& t : y) out.y.push_back(take_rows(t, order, begin, end));
    out.sample_weight = take_rows(sample_weight, order, begin, end);
    return out;
}

void check_arrays(const std::string& method, const Arrays& arrays) {
    if (arrays.x.empty()) throw ValueError(method + ": x is empty");
    for (std::size_t i = 0; i < arrays.x.size(); ++i) {
        const Tensor& t = arrays.x[i];
        if (!t.defined()) throw ValueError(method + ": x[" + std::to_string(i) + "] is undefined");
        if (t.rank() < 1) throw ShapeError(method + ": x must have a batch axis, got shape " + t.shape().to_string());
    }
    std::int64_t n = arrays.size();
    auto same_length = [&](const Tensor& t, const std::string& what) {
        if (t.rank() < 1 || t.shape()[0] != n)
            throw ValueError(method + ": " + what + " must have the same number of samples as x (" + std::to_string(n) +
                             "), got shape " + t.shape().to_string() + " for x of shape " +
                             arrays.x[0].shape().to_string());
    };
    for (std::size_t i = 1; i < arrays.x.size(); ++i) same_length(arrays.x[i], "every input");
    for (const Tensor& t : arrays.y) {
        if (!t.defined()) throw ValueError(method + ": y is undefined");
        same_length(t, "y");
    }
    if (arrays.sample_weight.defined()) same_length(arrays.sample_weight, "sample_weight (one weight per sample)");
}

Tensor class_weight_to_sample_weights(const Tensor& y, const std::map<std::int64_t, double>& class_weight,
                                      std::int64_t classes) {
    for (const auto& [cls, weight] : class_weight) {
        if (cls < 0 || cls >= classes)
            throw ValueError("fit: class_weight has class " + std::to_string(cls) + ", but the model's output tells " +
                             std::to_string(classes) + " classes apart (0 to " + std::to_string(classes - 1) + ")");
        if (!std::isfinite(weight) || weight < 0)
            throw ValueError("fit: class_weight for class " + std::to_string(cls) +
                             " must be a finite weight >= 0, got " + std::to_string(weight));
    }
    Tensor labels;
    if (y.rank() > 1 && y.shape()[y.rank() - 1] != 1) labels = y.argmax(-1);
    else labels = y.reshape({y.shape()[0]});
    std::vector<double> values = labels.astype(float64).to_vector<double>();
    std::vector<float> weights(values.size(), 1.0f);
    for (std::size_t i = 0; i < values.size(); ++i) {
        auto found = class_weight.find(static_cast<std::int64_t>(std::llround(values[i])));
        if (found != class_weight.end()) weights[i] = static_cast<float>(found->second);
    }
    return Tensor::from_vector(weights, {static_cast<std::int64_t>(weights.size())});
}

void BatchCursor::restart() {
    next_ = 0;
    order_ = shuffle_ ? random::permutation(samples_) : Tensor();
}

BatchCursor::Batch BatchCursor::next() {
    Batch b{next_, std::min(samples_, next_ + batch_size_)};
    next_ = b.end;
    return b;
}

}  // namespace strata::detail
