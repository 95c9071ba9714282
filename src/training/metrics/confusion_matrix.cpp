// Per-threshold confusion counts on the host, as Keras 3's metrics_utils.update_confusion_matrix_variables.
#include "training/metrics/confusion_matrix.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

#include "strata/training/losses.hpp"
#include "training/metrics/host_array.hpp"

namespace strata::metrics::detail {

void check_thresholds(const std::string& who, const std::vector<double>& thresholds) {
    for (double t : thresholds) {
        if (!(t >= 0.0 && t <= 1.0)) {
            std::ostringstream os;
            os << who << ": threshold values must be in [0, 1], got " << t;
            throw ValueError(os.str());
        }
    }
}

void update_confusion_counts(const std::string& who, ConfusionCounts& counts, const Tensor& y_true_in,
                             const Tensor& y_pred_in, const Tensor& sample_weight,
                             const std::vector<double>& thresholds, std::optional<int> top_k,
                             std::optional<int> class_id, bool from_logits) {
    if (!y_true_in.defined() || !y_pred_in.defined())
        throw ValueError(who + ": update_state got an undefined " + (y_true_in.defined() ? "y_pred" : "y_true"));
    auto [p_in, t_in] = losses::squeeze_or_expand_to_same_rank(y_pred_in.detach(), y_true_in.detach());
    const HostArray t = host_array(who, "y_true", t_in);
    HostArray p = host_array(who, "y_pred", p_in);
    if (t.dims != p.dims)
        throw ShapeError(who + ": y_true " + y_true_in.shape().to_string() + " and y_pred " +
                         y_pred_in.shape().to_string() + " must have the same shape");
    std::vector<double> weight;
    if (sample_weight.defined()) {
        HostArray w = host_array(who, "sample_weight", sample_weight);
        if (w.rank() == p.rank() + 1 && w.last() == 1) w.dims.pop_back();
        while (w.rank() < p.rank()) w.dims.push_back(1);
        weight = broadcast_host(who, w, p.dims);
    }
    if (from_logits)
        for (double& v : p.values) v = 1.0 / (1.0 + std::exp(-v));

    const std::int64_t last = p.last();
    const std::int64_t rows = p.rows();
    if (top_k) {
        // Keras's _filter_top_k: the k largest of each row stay, the rest become NEG_INF (ties: lower index).
        std::vector<std::int64_t> order(static_cast<std::size_t>(last));
        for (std::int64_t r = 0; r < rows; ++r) {
            double* row = p.values.data() + r * last;
            std::iota(order.begin(), order.end(), 0);
            std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) { return row[a] > row[b]; });
            for (std::size_t i = static_cast<std::size_t>(std::min<std::int64_t>(*top_k, last)); i < order.size(); ++i)
                row[order[i]] = neg_inf;
        }
    }
    std::int64_t begin = 0, step = 1;
    if (class_id) {
        if (p.rank() < 2)
            throw ValueError(who + ": when class_id is given, y_pred must have shape (num_samples, num_classes), "
                                   "got " + y_pred_in.shape().to_string());
        if (*class_id < 0 || *class_id >= last)
            throw ValueError(who + ": class_id " + std::to_string(*class_id) + " is out of range for y_pred " +
                             y_pred_in.shape().to_string());
        begin = *class_id;
        step = last;
    }
    const std::size_t n_thresholds = thresholds.size();
    for (auto i = static_cast<std::size_t>(begin); i < p.values.size(); i += static_cast<std::size_t>(step)) {
        const bool label = t.values[i] != 0.0;
        const double pred = p.values[i];
        const double w = weight.empty() ? 1.0 : weight[i];
        for (std::size_t k = 0; k < n_thresholds; ++k) {
            const bool positive = pred > thresholds[k];
            if (label)
                (positive ? counts.tp : counts.fn)[k] += w;
            else
                (positive ? counts.fp : counts.tn)[k] += w;
        }
    }
}

}  // namespace strata::metrics::detail
