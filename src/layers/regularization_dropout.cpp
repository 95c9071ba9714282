// Dropout and its spatial forms (keras/src/layers/regularization/dropout.py, spatial_dropout.py), and the
// random source the regularization layers share.
#include <cmath>
#include <numbers>

#include "strata/layers/regularization.hpp"
#include "strata/ops/elementwise.hpp"
#include "strata/ops/random.hpp"
#include "strata/ops/shape.hpp"

namespace strata::layers {

namespace detail {

namespace {
// The same transforms as the global stream (strata/ops/random.hpp): 53-bit uniforms, Box-Muller normals.
double unit(std::mt19937_64& e) { return static_cast<double>(e() >> 11) * 0x1.0p-53; }
double standard_normal(std::mt19937_64& e) {
    double u1 = unit(e), u2 = unit(e);
    return std::sqrt(-2.0 * std::log(1.0 - u1)) * std::cos(2.0 * std::numbers::pi * u2);
}
}  // namespace

NoiseSource::NoiseSource(std::optional<std::int64_t> seed) {
    if (seed) engine_.emplace(static_cast<std::uint64_t>(*seed));
}

std::vector<double> NoiseSource::uniform(std::int64_t n) {
    if (!engine_) return random::uniform(Shape{n}, 0.0, 1.0, float64).to_vector<double>();
    std::vector<double> out(static_cast<std::size_t>(n));
    std::lock_guard lock(mutex_);
    for (double& v : out) v = unit(*engine_);
    return out;
}

void NoiseSource::uniform_into(std::span<double> out) {
    if (!engine_) {
        random::fill_uniform(out);
        return;
    }
    std::lock_guard lock(mutex_);
    for (double& v : out) v = unit(*engine_);
}

std::vector<double> NoiseSource::normal(std::int64_t n, double mean, double stddev) {
    if (!engine_) return random::normal(Shape{n}, mean, stddev, float64).to_vector<double>();
    std::vector<double> out(static_cast<std::size_t>(n));
    std::lock_guard lock(mutex_);
    for (double& v : out) v = mean + stddev * standard_normal(*engine_);
    return out;
}

}  // namespace detail

namespace {

void check_rate(double rate, const std::string& layer) {
    // Keras: "Expected a float value between 0 and 1".
    if (!(rate >= 0.0 && rate <= 1.0))
        throw ValueError(layer + ": invalid value received for argument rate: expected a float value between 0 and 1, "
                         "got rate=" + std::to_string(rate));
}

nlohmann::json seed_json(const std::optional<std::int64_t>& seed) {
    return seed ? nlohmann::json(*seed) : nlohmann::json(nullptr);
}

}  // namespace

DropoutImpl::DropoutImpl(double rate, DropoutOptions options, const std::string& prefix)
    : Layer(prefix, {options.input_shape, options.name, options.trainable, options.dtype}),
      rate_(rate),
      noise_shape_(options.noise_shape),
      seed_(options.seed),
      noise_(std::make_shared<detail::NoiseSource>(options.seed)) {
    check_rate(rate_, "layer \"" + name() + "\" (" + (prefix == "dropout" ? "Dropout" : prefix) + ")");
    for (std::int64_t d : noise_shape_)
        if (d == 0 || d < -1)
            throw ValueError("layer \"" + name() + "\" (Dropout): noise_shape " + noise_shape_.to_string() +
                             " must hold positive extents or -1 (None)");
}

Shape DropoutImpl::noise_shape_for(const Shape& input_shape) const {
    if (noise_shape_.rank() == 0) return input_shape;
    if (noise_shape_.rank() != input_shape.rank())
        throw ShapeError("layer \"" + name() + "\" (Dropout): noise_shape " + noise_shape_.to_string() +
                         " must have the input's rank, got input shape " + input_shape.to_string());
    Shape out = noise_shape_;
    for (int axis = 0; axis < out.rank(); ++axis) {
        if (out[axis] == -1) out[axis] = input_shape[axis];
        if (out[axis] != 1 && out[axis] != input_shape[axis])
            throw ShapeError("layer \"" + name() + "\" (Dropout): noise_shape " + noise_shape_.to_string() +
                             " does not broadcast to the input shape " + input_shape.to_string());
    }
    return out;
}

Tensor DropoutImpl::apply_mask(const Tensor& x, const Shape& noise_shape) {
    std::vector<double> u = noise_->uniform(noise_shape.numel());
    // Keep a cell when its uniform draw is at least `rate` (probability 1 - rate); kept cells are scaled so
    // the expectation is unchanged. With rate 1 nothing is kept and the scale is never used.
    double scale = rate_ < 1.0 ? 1.0 / (1.0 - rate_) : 0.0;
    for (double& v : u) v = v >= rate_ ? scale : 0.0;
    Tensor mask = Tensor::from_vector(u, noise_shape);
    if (mask.dtype() != x.dtype()) mask = ops::cast(mask, x.dtype());
    if (mask.device() != x.device()) mask = mask.to(x.device());
    return x * mask;
}

Tensor DropoutImpl::call(const Tensor& x, bool training) {
    if (!training || rate_ == 0.0) return x;
    return apply_mask(x, noise_shape_for(x.shape()));
}

nlohmann::json DropoutImpl::get_config() const {
    nlohmann::json config = Layer::get_config();
    config["rate"] = rate_;
    config["seed"] = seed_json(seed_);
    if (noise_shape_.rank() == 0) {
        config["noise_shape"] = nullptr;
    } else {
        nlohmann::json shape = nlohmann::json::array();
        for (std::int64_t d : noise_shape_) shape.push_back(d < 0 ? nlohmann::json(nullptr) : nlohmann::json(d));
        config["noise_shape"] = shape;
    }
    return config;
}

// ---- Spatial dropout ----

SpatialDropout1DImpl::SpatialDropout1DImpl(double rate, SpatialDropout1DOptions options)
    : DropoutImpl(rate, DropoutOptions{.noise_shape = {}, .seed = options.seed, .input_shape = {}, .name = options.name,
                                  .trainable = true, .dtype = options.dtype}, "spatial_dropout1d") {
    input_spec_ = InputSpec{.ndim = 3};
}

Shape SpatialDropout1DImpl::noise_shape_for(const Shape& input_shape) const {
    return {input_shape[0], 1, input_shape[2]};  // one draw per (sample, channel)
}

nlohmann::json SpatialDropout1DImpl::get_config() const {
    // Keras's BaseSpatialDropout.get_config: exactly rate, seed, name and dtype.
    nlohmann::json base = Layer::get_config();
    return {{"rate", rate()}, {"seed", seed_json(seed())}, {"name", base["name"]}, {"dtype", base["dtype"]}};
}

SpatialDropout2DImpl::SpatialDropout2DImpl(double rate, SpatialDropout2DOptions options)
    : DropoutImpl(rate, DropoutOptions{.noise_shape = {}, .seed = options.seed, .input_shape = {}, .name = options.name,
                                  .trainable = true, .dtype = options.dtype}, "spatial_dropout2d"),
      data_format_(options.data_format) {
    if (data_format_ != "channels_last" && data_format_ != "channels_first")
        throw ValueError("layer \"" + name() + "\" (SpatialDropout2D): data_format must be \"channels_last\" or "
                         "\"channels_first\", got \"" + data_format_ + "\"");
    input_spec_ = InputSpec{.ndim = 4};
}

Shape SpatialDropout2DImpl::noise_shape_for(const Shape& s) const {
    if (data_format_ == "channels_first") return {s[0], s[1], 1, 1};
    return {s[0], 1, 1, s[3]};
}

nlohmann::json SpatialDropout2DImpl::get_config() const {
    nlohmann::json base = Layer::get_config();
    return {{"rate", rate()},
            {"seed", seed_json(seed())},
            {"name", base["name"]},
            {"dtype", base["dtype"]},
            {"data_format", data_format_}};
}

}  // namespace strata::layers
