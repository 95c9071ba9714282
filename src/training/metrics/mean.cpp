// Metric, Mean and MeanMetricWrapper, as Keras 3's keras/src/metrics/{metric,reduction_metrics}.py. The
// per-batch values are brought to the host in float64 (one value per sample, so they are few) and added to
// double totals.
#include <tuple>

#include "strata/autograd/node.hpp"
#include "strata/ops/elementwise.hpp"
#include "strata/ops/reduce.hpp"
#include "strata/ops/shape.hpp"
#include "strata/training/losses.hpp"
#include "strata/training/metrics.hpp"

namespace strata::metrics {

namespace {

std::vector<int> axes_from(int first, int rank) {
    std::vector<int> axes;
    for (int i = first; i < rank; ++i) axes.push_back(i);
    return axes;
}

Tensor host_float64(const std::string& who, const char* arg, const Tensor& t) {
    if (t.is_symbolic())
        throw ValueError(who + ": " + arg + " is a symbolic tensor of shape " + t.shape().to_string() +
                         "; metrics take concrete tensors");
    return ops::cast(t.detach().to(Device::cpu()), float64);
}

// Keras's reduce_to_samplewise_values with reduce_fn = mean: the weights are brought to the values' rank
// and broadcast, the values averaged down to one per sample, and the weights to one per sample.
std::pair<Tensor, Tensor> reduce_to_samplewise_values(Tensor values, Tensor weight, const std::string& who) {
    if (weight.defined()) {
        const Shape given = weight.shape();
        std::tie(values, weight) = losses::squeeze_or_expand_to_same_rank(values, weight);
        const int weight_rank = weight.rank();
        if (values.rank() > weight_rank) values = ops::mean(values, axes_from(weight_rank, values.rank()));
        try {
            weight = ops::broadcast_to(weight, values.shape());
        } catch (const ShapeError&) {
            throw ShapeError(who + ": sample_weight of shape " + given.to_string() +
                             " does not broadcast to the values of shape " + values.shape().to_string());
        }
        values = values * weight;
        if (weight_rank > 1) weight = ops::mean(weight, axes_from(1, weight_rank));
    }
    if (values.rank() > 1) values = ops::mean(values, axes_from(1, values.rank()));
    return {values, weight};
}

}  // namespace

Metric::Metric(std::string name, DType dtype) : name_(std::move(name)), dtype_(dtype) {}

Metric::~Metric() = default;

nlohmann::json Metric::get_config() const { return {{"name", name_}, {"dtype", dtype_name(dtype_)}}; }

Mean::Mean(MeanOptions options) : Metric(std::move(options.name), options.dtype) {}

void Mean::update_state(const Tensor& values_in, const Tensor& sample_weight) {
    if (!values_in.defined()) throw ValueError(name() + ": values is an undefined tensor");
    autograd::NoGradScope no_grad;
    Tensor weight;
    if (sample_weight.defined()) weight = host_float64(name(), "sample_weight", sample_weight);
    auto [values, w] = reduce_to_samplewise_values(host_float64(name(), "values", values_in), weight, name());
    total_ += ops::sum(values).item<double>();
    if (w.defined())
        count_ += ops::sum(w).item<double>();
    else
        count_ += values.rank() >= 1 ? static_cast<double>(values.shape()[0]) : 1.0;
}

void Mean::update_totals(double sum, double count) {
    total_ += sum;
    count_ += count;
}

void Mean::update(double value, double weight) {
    total_ += value * weight;
    count_ += weight;
}

void Mean::update_state(const Tensor&, const Tensor&, const Tensor&) {
    throw ValueError(name() + ": Mean takes update_state(values, sample_weight), not (y_true, y_pred, "
                              "sample_weight); wrap a function of (y_true, y_pred) in a MeanMetricWrapper");
}

// Keras's divide_no_nan(total, count): 0 before any update or when every weight was 0.
double Mean::result() const { return count_ == 0.0 ? 0.0 : total_ / count_; }

void Mean::reset_state() {
    total_ = 0.0;
    count_ = 0.0;
}

MeanMetricWrapper::MeanMetricWrapper(MetricFn fn, MeanMetricWrapperOptions options)
    : Mean(MeanOptions{.name = std::move(options.name), .dtype = options.dtype}), fn_(std::move(fn)) {
    if (!fn_) throw ValueError(name() + ": MeanMetricWrapper needs a function");
}

void MeanMetricWrapper::update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) {
    // A metric only watches: nothing it computes may join the graph the loss is differentiated through.
    autograd::NoGradScope no_grad;
    if (!y_true.defined() || !y_pred.defined())
        throw ValueError(name() + ": update_state got an undefined " + (y_true.defined() ? "y_pred" : "y_true"));
    // Targets often stay on the host while predictions live on the device.
    Tensor t = y_true.device() == y_pred.device() ? y_true.detach() : y_true.detach().to(y_pred.device());
    Mean::update_state(fn_(t, y_pred.detach()), sample_weight);
}

}  // namespace strata::metrics
