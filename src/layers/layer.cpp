#include "strata/layers/layer.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>

#include "layers/weight_budget.hpp"
#include "strata/autograd/node.hpp"
#include "strata/backend/backend.hpp"
#include "strata/layers/keras_history.hpp"
#include "strata/ops/elementwise.hpp"
#include "strata/ops/shape.hpp"

namespace strata {

namespace {

std::mutex names_mutex;
std::map<std::string, int>& name_counts() {
    static std::map<std::string, int> counts;
    return counts;
}

std::string layer_label(const std::string& name) { return "layer \"" + name + "\""; }

// The open LayerCallContext of this thread (0: none), and the source of fresh ids.
thread_local std::uint64_t open_call_context = 0;
std::atomic<std::uint64_t> next_call_context{1};

// A layer's call losses and the context they belong to are written by every concrete call, and one model may
// be called from several threads at once (a server's model). They are guarded by one of a fixed set of
// mutexes, chosen by the layer's address: no lock in the layer itself, so the public Layer class keeps its
// layout, and no one lock for every layer of every thread.
std::mutex& call_losses_mutex(const Layer* layer) {
    static std::array<std::mutex, 64> stripes;
    return stripes[(reinterpret_cast<std::uintptr_t>(layer) >> 6) % stripes.size()];
}

}  // namespace

std::string unique_layer_name(const std::string& prefix) {
    std::lock_guard lock(names_mutex);
    int uid = ++name_counts()[prefix];
    return uid == 1 ? prefix : prefix + "_" + std::to_string(uid - 1);
}

void clear_session() {
    std::lock_guard lock(names_mutex);
    name_counts().clear();
}

Layer::Layer(const std::string& class_prefix, const LayerArgs& args)
    : name_(args.name.empty() ? unique_layer_name(class_prefix) : args.name),
      dtype_(args.dtype),
      trainable_(args.trainable),
      declared_input_shape_(args.input_shape) {
    if (!is_floating(dtype_))
        throw TypeError(layer_label(name_) + ": a layer computes in float32 or float64, got dtype " + dtype_name(dtype_));
    for (std::int64_t d : declared_input_shape_)
        if (d < -1 || d == 0)
            throw ValueError(layer_label(name_) + ": input_shape " + declared_input_shape_.to_string() +
                             " has an extent that is not positive");
}

void Layer::set_trainable(bool trainable) {
    trainable_ = trainable;
    for (Weight& w : weights_) w.value.impl()->requires_grad = trainable && w.trainable;
}

Tensor Layer::add_weight(const std::string& name, const Shape& shape, const initializers::InitializerSpec& initializer,
                         bool trainable, const regularizers::RegularizerSpec& regularizer) {
    detail::WeightBudget::charge(name_, name, shape);
    Tensor value = (*initializer.get())(shape, dtype_);
    if (value.shape() != shape)
        throw ShapeError(layer_label(name_) + ": initializer gave shape " + value.shape().to_string() + " for weight \"" +
                         name + "\" of shape " + shape.to_string());
    value = value.detach();
    value.impl()->requires_grad = trainable && trainable_;
    weights_.push_back({name, value, trainable, regularizer});
    return value;
}

std::vector<Tensor> Layer::weights() const {
    std::vector<Tensor> out = trainable_weights();
    for (const Tensor& t : non_trainable_weights()) out.push_back(t);
    return out;
}

std::vector<Tensor> Layer::trainable_weights() const {
    std::vector<Tensor> out;
    if (!trainable_) return out;
    for (const Weight& w : weights_)
        if (w.trainable) out.push_back(w.value);
    return out;
}

std::vector<Tensor> Layer::non_trainable_weights() const {
    std::vector<Tensor> out;
    for (const Weight& w : weights_)
        if (!w.trainable || !trainable_) out.push_back(w.value);
    return out;
}

std::vector<std::string> Layer::weight_names() const {
    std::vector<std::string> trainable, frozen;
    for (const Weight& w : weights_) (w.trainable && trainable_ ? trainable : frozen).push_back(w.name);
    trainable.insert(trainable.end(), frozen.begin(), frozen.end());
    return trainable;
}

std::vector<Tensor> Layer::get_weights() const {
    std::vector<Tensor> out;
    for (const Tensor& w : weights()) out.push_back(w.clone());
    return out;
}

void Layer::set_weights(const std::vector<Tensor>& values) {
    std::vector<Tensor> targets = weights();
    std::vector<std::string> names = weight_names();
    if (values.size() != targets.size()) {
        std::string expected;
        for (std::size_t i = 0; i < targets.size(); ++i)
            expected += (i ? ", " : "") + names[i] + " " + targets[i].shape().to_string();
        throw ValueError(layer_label(name_) + ": set_weights expected " + std::to_string(targets.size()) +
                         " arrays [" + expected + "], got " + std::to_string(values.size()));
    }
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (!values[i].defined() || values[i].shape() != targets[i].shape())
            throw ShapeError(layer_label(name_) + ": weight " + std::to_string(i) + " (" + names[i] + ") expects shape " +
                             targets[i].shape().to_string() + ", got " +
                             (values[i].defined() ? values[i].shape().to_string() : std::string("an undefined tensor")));
    }
    for (std::size_t i = 0; i < values.size(); ++i) {
        Tensor source = ops::cast(values[i].detach(), targets[i].dtype()).to(targets[i].device());
        backend::of(targets[i]).copy(source, targets[i]);
    }
}

std::int64_t Layer::count_params() const {
    std::int64_t n = 0;
    for (const Weight& w : weights_) n += w.value.numel();
    return n;
}

nlohmann::json Layer::get_config() const {
    // Keras 3 writes the dtype as its DTypePolicy, serialized.
    nlohmann::json dtype_policy = {{"module", "keras"},
                                   {"class_name", "DTypePolicy"},
                                   {"config", {{"name", dtype_name(dtype_)}}},
                                   {"registered_name", nullptr}};
    nlohmann::json config = {{"name", name_}, {"trainable", trainable_}, {"dtype", dtype_policy}};
    // Keras 3's Layer.get_config writes activity_regularizer only when one is set.
    if (activity_regularizer_) config["activity_regularizer"] = activity_regularizer_.to_json();
    return config;
}

std::vector<Tensor> Layer::losses() const {
    // Keras's order: the call losses, then the weight penalties of the trainable weights in creation order.
    std::vector<Tensor> out;
    {
        std::lock_guard lock(call_losses_mutex(this));
        out = call_losses_;
    }
    if (!trainable_) return out;
    for (const Weight& w : weights_)
        if (w.trainable && w.regularizer) out.push_back(w.regularizer(w.value));
    return out;
}

void Layer::add_loss(const Tensor& loss) {
    if (!loss.defined() || loss.is_symbolic())
        throw ValueError(layer_label(name_) + ": add_loss expects a concrete tensor, got " +
                         (loss.defined() ? "a symbolic tensor" : std::string("an undefined tensor")));
    if (loss.numel() != 1)
        throw ShapeError(layer_label(name_) + ": add_loss expects a scalar loss, got shape " + loss.shape().to_string());
    Tensor scalar = loss.rank() == 0 ? loss : ops::reshape(loss, Shape{});
    std::lock_guard lock(call_losses_mutex(this));
    call_losses_.push_back(std::move(scalar));
}

LayerCallContext::LayerCallContext() : outermost_(open_call_context == 0) {
    if (outermost_) open_call_context = next_call_context.fetch_add(1);
}

LayerCallContext::~LayerCallContext() {
    if (outermost_) open_call_context = 0;
}

std::uint64_t LayerCallContext::current() { return open_call_context; }

Shape Layer::compute_output_shape_multi(const std::vector<Shape>& input_shapes) const {
    if (input_shapes.size() != 1)
        throw ValueError(layer_label(name_) + " takes 1 input, got " + std::to_string(input_shapes.size()));
    return compute_output_shape(input_shapes[0]);
}

void Layer::build_multi(const std::vector<Shape>& input_shapes) {
    if (input_shapes.size() != 1)
        throw ValueError(layer_label(name_) + " takes 1 input, got " + std::to_string(input_shapes.size()));
    build(input_shapes[0]);
}

Tensor Layer::call(const Tensor&, bool) {
    throw ValueError(layer_label(name_) + " (" + class_name() + ") takes a list of inputs");
}

Tensor Layer::call_multi(const std::vector<Tensor>& inputs, bool training) {
    if (inputs.size() != 1)
        throw ValueError(layer_label(name_) + " takes 1 input, got " + std::to_string(inputs.size()));
    return call(inputs[0], training);
}

void Layer::ensure_built(const std::vector<Shape>& input_shapes) {
    if (built_) return;
    build_multi(input_shapes);
    built_ = true;
    build_input_shapes_ = input_shapes;
}

void Layer::check_input(const Tensor& x, std::size_t index) const {
    const Shape& s = x.shape();
    auto incompatible = [&](const std::string& what) {
        return ShapeError("Input " + std::to_string(index) + " of " + layer_label(name_) +
                          " is incompatible with the layer: " + what + ", but received input with shape " +
                          s.to_string());
    };
    if (input_spec_.ndim && s.rank() != *input_spec_.ndim)
        throw incompatible("expected ndim=" + std::to_string(*input_spec_.ndim) + ", found ndim=" + std::to_string(s.rank()));
    if (input_spec_.min_ndim && s.rank() < *input_spec_.min_ndim)
        throw incompatible("expected min_ndim=" + std::to_string(*input_spec_.min_ndim) +
                           ", found ndim=" + std::to_string(s.rank()));
    for (auto [axis, extent] : input_spec_.axes) {
        int a = axis < 0 ? axis + s.rank() : axis;
        if (a < 0 || a >= s.rank() || (s[a] != extent && s[a] != -1))
            throw incompatible("expected axis " + std::to_string(axis) + " of input shape to have value " +
                               std::to_string(extent));
    }
}

Tensor Layer::operator()(const Tensor& x, CallOptions options) { return (*this)(std::vector<Tensor>{x}, options); }

Tensor Layer::operator()(const std::vector<Tensor>& xs, CallOptions options) {
    if (xs.empty()) throw ValueError(layer_label(name_) + " was called with no inputs");
    bool symbolic = xs[0].defined() && xs[0].is_symbolic();
    for (const Tensor& x : xs) {
        if (!x.defined()) throw ValueError(layer_label(name_) + " was called on an undefined tensor");
        if (x.is_symbolic() != symbolic)
            throw ValueError(layer_label(name_) + " was called on a mix of symbolic and concrete tensors");
    }
    if (symbolic) return symbolic_call(xs);

    LayerCallContext context;
    {
        std::lock_guard lock(call_losses_mutex(this));
        if (call_context_ != LayerCallContext::current()) {
            call_losses_.clear();
            call_context_ = LayerCallContext::current();
        }
    }
    std::vector<Shape> shapes;
    for (const Tensor& x : xs) shapes.push_back(x.shape());
    ensure_built(shapes);
    std::vector<Tensor> inputs;
    for (std::size_t i = 0; i < xs.size(); ++i) {
        check_input(xs[i], i);
        // Keras's autocast: floating inputs take the layer's dtype.
        inputs.push_back(is_floating(xs[i].dtype()) && xs[i].dtype() != dtype_ ? ops::cast(xs[i], dtype_) : xs[i]);
    }
    Tensor output = call_multi(inputs, options.training);
    if (activity_regularizer_) {
        // Keras 3: the penalty of the output divided by its batch size, so that its weight against the
        // weight penalties does not change with the batch size (divide_no_nan: an empty batch adds 0).
        Tensor loss = activity_regularizer_(output);
        if (output.rank() > 0) {
            std::int64_t batch = output.shape()[0];
            loss = batch > 0 ? loss / static_cast<double>(batch) : ops::scalar_like(loss, 0.0);
        }
        add_loss(loss);
    }
    return output;
}

Tensor Layer::symbolic_call(const std::vector<Tensor>& inputs) {
    std::shared_ptr<Layer> self = weak_from_this().lock();
    if (!self)
        throw ValueError(layer_label(name_) + " must be owned by a shared_ptr (create it through its handle, e.g. "
                         "layers::Dense) to join a graph");
    std::vector<Shape> shapes;
    for (const Tensor& x : inputs) shapes.push_back(x.shape());
    ensure_built(shapes);
    for (std::size_t i = 0; i < inputs.size(); ++i) check_input(inputs[i], i);
    Shape out = compute_output_shape_multi(shapes);
    auto history = std::make_shared<KerasHistory>(KerasHistory{self, inputs});
    return Tensor::symbolic(out, dtype_, std::move(history));
}

}  // namespace strata
