// MeanIoU, as Keras 3's keras/src/metrics/iou_metrics.py (_IoUBase.update_state, MeanIoU.result).
#include "strata/training/metrics/iou.hpp"

#include <algorithm>
#include <cmath>

#include "strata/autograd/node.hpp"
#include "training/metrics/host_array.hpp"

namespace strata::metrics {

namespace {

// Keras's backend.epsilon().
constexpr double epsilon = 1e-7;

// argmax along `axis` (first of equal maxima), flattened in the order of the remaining axes.
std::vector<double> argmax_along(const std::string& who, const detail::HostArray& a, int axis) {
    const int rank = a.rank();
    if (axis < -rank || axis >= rank)
        throw ValueError(who + ": axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
    if (axis < 0) axis += rank;
    std::int64_t outer = 1, inner = 1;
    for (int i = 0; i < axis; ++i) outer *= a.dims[static_cast<std::size_t>(i)];
    for (int i = axis + 1; i < rank; ++i) inner *= a.dims[static_cast<std::size_t>(i)];
    const std::int64_t n = a.dims[static_cast<std::size_t>(axis)];
    std::vector<double> out(static_cast<std::size_t>(outer * inner));
    for (std::int64_t o = 0; o < outer; ++o)
        for (std::int64_t i = 0; i < inner; ++i) {
            std::int64_t best = 0;
            for (std::int64_t k = 1; k < n; ++k)
                if (a.values[static_cast<std::size_t>((o * n + k) * inner + i)] >
                    a.values[static_cast<std::size_t>((o * n + best) * inner + i)])
                    best = k;
            out[static_cast<std::size_t>(o * inner + i)] = static_cast<double>(best);
        }
    return out;
}

}  // namespace

MeanIoU::MeanIoU(std::int64_t num_classes, MeanIoUOptions o)
    : Metric(o.name, o.dtype), num_classes_(num_classes), options_(std::move(o)) {
    if (num_classes_ < 1)
        throw ValueError(name() + ": num_classes must be >= 1, got " + std::to_string(num_classes_));
    total_cm_.assign(static_cast<std::size_t>(num_classes_ * num_classes_), 0.0);
}

void MeanIoU::update_state(const Tensor& y_true_in, const Tensor& y_pred_in, const Tensor& sample_weight) {
    autograd::NoGradScope no_grad;
    const detail::HostArray t = detail::host_array(name(), "y_true", y_true_in);
    const detail::HostArray p = detail::host_array(name(), "y_pred", y_pred_in);
    const std::vector<double> truth = options_.sparse_y_true ? t.values : argmax_along(name(), t, options_.axis);
    const std::vector<double> pred = options_.sparse_y_pred ? p.values : argmax_along(name(), p, options_.axis);
    if (truth.size() != pred.size())
        throw ShapeError(name() + ": y_true " + y_true_in.shape().to_string() + " and y_pred " +
                         y_pred_in.shape().to_string() + " hold different numbers of labels");
    std::vector<double> weight(truth.size(), 1.0);
    if (sample_weight.defined()) {
        detail::HostArray w = detail::host_array(name(), "sample_weight", sample_weight);
        if (w.rank() > 1) w.dims = {static_cast<std::int64_t>(w.values.size())};  // flattened, as Keras
        weight = detail::broadcast_host(name(), w, {static_cast<std::int64_t>(truth.size())});
    }
    auto index = [&](double v, const char* what) {
        if (!(v >= 0.0) || v >= static_cast<double>(num_classes_) || v != std::floor(v))
            throw ValueError(name() + ": " + what + " " + std::to_string(v) + " is not a class in [0, " +
                             std::to_string(num_classes_) + ")");
        return static_cast<std::int64_t>(v);
    };
    for (std::size_t i = 0; i < truth.size(); ++i) {
        // Keras zeroes the weight of samples whose true class is ignore_class.
        if (options_.ignore_class && truth[i] == static_cast<double>(*options_.ignore_class)) continue;
        const std::int64_t r = index(truth[i], "y_true"), c = index(pred[i], "y_pred");
        total_cm_[static_cast<std::size_t>(r * num_classes_ + c)] += weight[i];
    }
}

double MeanIoU::result() const {
    const std::int64_t n = num_classes_;
    double iou_sum = 0.0, num_valid = 0.0;
    for (std::int64_t c = 0; c < n; ++c) {
        double predicted = 0.0, actual = 0.0;  // column and row sums
        for (std::int64_t k = 0; k < n; ++k) {
            predicted += total_cm_[static_cast<std::size_t>(k * n + c)];
            actual += total_cm_[static_cast<std::size_t>(c * n + k)];
        }
        const double tp = total_cm_[static_cast<std::size_t>(c * n + c)];
        const double denominator = predicted + actual - tp;
        if (denominator > 1e-9) num_valid += 1.0;
        iou_sum += tp / (denominator + epsilon);
    }
    return iou_sum / (num_valid + epsilon);
}

void MeanIoU::reset_state() { std::fill(total_cm_.begin(), total_cm_.end(), 0.0); }

nlohmann::json MeanIoU::get_config() const {
    nlohmann::json config = Metric::get_config();
    config["num_classes"] = num_classes_;
    config["ignore_class"] = options_.ignore_class ? nlohmann::json(*options_.ignore_class) : nlohmann::json(nullptr);
    config["sparse_y_true"] = options_.sparse_y_true;
    config["sparse_y_pred"] = options_.sparse_y_pred;
    config["axis"] = options_.axis;
    return config;
}

}  // namespace strata::metrics
