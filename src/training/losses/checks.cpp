#include "checks.hpp"

#include <cmath>
#include <vector>

#include "strata/ops/shape.hpp"

namespace strata::losses::detail {

std::string describe(const Tensor& y_true, const Tensor& y_pred) {
    return "y_true " + y_true.shape().to_string() + " and y_pred " + y_pred.shape().to_string();
}

void require_inputs(const char* who, const Tensor& y_true, const Tensor& y_pred, bool allow_scalar_y_true) {
    for (const auto& [arg, t] : {std::pair{"y_true", &y_true}, std::pair{"y_pred", &y_pred}}) {
        if (!t->defined()) throw ValueError(std::string(who) + ": " + arg + " is an undefined tensor");
        if (t->is_symbolic())
            throw ValueError(std::string(who) + ": " + arg + " is a symbolic tensor of shape " +
                             t->shape().to_string() + "; losses and metrics take concrete tensors");
    }
    if ((y_true.rank() == 0 && !allow_scalar_y_true) || y_pred.rank() == 0)
        throw ShapeError(std::string(who) + ": expected y_true and y_pred of rank >= 1, got " +
                         describe(y_true, y_pred));
}

Tensor floating(const Tensor& y_pred) { return is_floating(y_pred.dtype()) ? y_pred : ops::cast(y_pred, float32); }

void require_broadcastable(const char* who, const Tensor& y_true, const Tensor& y_pred) {
    try {
        broadcast_shapes(y_true.shape(), y_pred.shape(), who);
    } catch (const ShapeError&) {
        throw ShapeError(std::string(who) + ": y_true and y_pred shapes are incompatible, got " +
                         describe(y_true, y_pred));
    }
}

void require_same_shape(const char* who, const Tensor& y_true, const Tensor& y_pred) {
    if (y_true.shape() != y_pred.shape())
        throw ShapeError(std::string(who) + ": expected y_true and y_pred of the same shape, got " +
                         describe(y_true, y_pred));
}

Tensor sparse_labels(const char* who, const Tensor& y_true, const Tensor& y_pred, std::int64_t classes,
                     bool ignore, std::int64_t ignored) {
    // Labels are few (one per sample), so they are checked on the host whatever the device.
    Tensor host = y_true.detach().to(Device::cpu());
    std::vector<std::int64_t> labels(static_cast<std::size_t>(host.numel()));
    if (is_floating(host.dtype())) {
        std::vector<double> v = ops::cast(host, float64).to_vector<double>();
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (!std::isfinite(v[i]) || v[i] != std::floor(v[i]))
                throw ValueError(std::string(who) + ": sparse labels must be whole numbers, got " +
                                 std::to_string(v[i]) + " in " + describe(y_true, y_pred));
            labels[i] = static_cast<std::int64_t>(v[i]);
        }
    } else {
        labels = ops::cast(host, int64).to_vector<std::int64_t>();
    }
    for (std::int64_t& l : labels) {
        if (ignore && l == ignored) {
            l = 0;
            continue;
        }
        if (l < 0 || l >= classes)
            throw ValueError(std::string(who) + ": label " + std::to_string(l) + " is outside the " +
                             std::to_string(classes) + " classes [0, " + std::to_string(classes) + ") of " +
                             describe(y_true, y_pred));
    }
    return Tensor::from_vector(labels, host.shape());
}

}  // namespace strata::losses::detail
