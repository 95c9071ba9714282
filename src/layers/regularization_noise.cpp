// GaussianNoise, GaussianDropout and ActivityRegularization (keras/src/layers/regularization/).
#include <cmath>

#include "strata/layers/regularization.hpp"
#include "strata/ops/elementwise.hpp"
#include "strata/ops/shape.hpp"

namespace strata::layers {

namespace {

nlohmann::json seed_json(const std::optional<std::int64_t>& seed) {
    return seed ? nlohmann::json(*seed) : nlohmann::json(nullptr);
}

// Normal draws shaped like x, in x's dtype and on its device.
Tensor normal_like(detail::NoiseSource& noise, const Tensor& x, double mean, double stddev) {
    Tensor t = Tensor::from_vector(noise.normal(x.numel(), mean, stddev), x.shape());
    if (t.dtype() != x.dtype()) t = ops::cast(t, x.dtype());
    if (t.device() != x.device()) t = t.to(x.device());
    return t;
}

}  // namespace

GaussianNoiseImpl::GaussianNoiseImpl(double stddev, GaussianNoiseOptions options)
    : Layer("gaussian_noise", {options.input_shape, options.name, options.trainable, options.dtype}),
      stddev_(stddev),
      seed_(options.seed),
      noise_(std::make_shared<detail::NoiseSource>(options.seed)) {
    // Keras: "Expected a float value between 0 and 1".
    if (!(stddev_ >= 0.0 && stddev_ <= 1.0))
        throw ValueError("layer \"" + name() + "\" (GaussianNoise): invalid value received for argument stddev: "
                         "expected a float value between 0 and 1, got stddev=" + std::to_string(stddev_));
}

Tensor GaussianNoiseImpl::call(const Tensor& x, bool training) {
    if (!training || stddev_ == 0.0) return x;
    return x + normal_like(*noise_, x, 0.0, stddev_);
}

nlohmann::json GaussianNoiseImpl::get_config() const {
    nlohmann::json config = Layer::get_config();
    config["stddev"] = stddev_;
    config["seed"] = seed_json(seed_);
    return config;
}

GaussianDropoutImpl::GaussianDropoutImpl(double rate, GaussianDropoutOptions options)
    : Layer("gaussian_dropout", {options.input_shape, options.name, options.trainable, options.dtype}),
      rate_(rate),
      seed_(options.seed),
      noise_(std::make_shared<detail::NoiseSource>(options.seed)) {
    if (!(rate_ >= 0.0 && rate_ < 1.0))
        throw ValueError("layer \"" + name() + "\" (GaussianDropout): invalid value received for argument rate: "
                         "expected a float value in [0, 1), got rate=" + std::to_string(rate_));
}

Tensor GaussianDropoutImpl::call(const Tensor& x, bool training) {
    if (!training || rate_ == 0.0) return x;
    // Srivastava et al. 2014: multiplicative N(1, rate / (1 - rate)) noise has the variance of dropout.
    return x * normal_like(*noise_, x, 1.0, std::sqrt(rate_ / (1.0 - rate_)));
}

nlohmann::json GaussianDropoutImpl::get_config() const {
    nlohmann::json config = Layer::get_config();
    config["rate"] = rate_;
    config["seed"] = seed_json(seed_);
    return config;
}

ActivityRegularizationImpl::ActivityRegularizationImpl(double l1, double l2, ActivityRegularizationOptions options)
    : Layer("activity_regularization", {options.input_shape, options.name, options.trainable, options.dtype}),
      l1_(l1),
      l2_(l2) {
    set_activity_regularizer(regularizers::L1L2(l1, l2));  // checks the factors as Keras does
}

nlohmann::json ActivityRegularizationImpl::get_config() const {
    // Keras drops the base config's activity_regularizer and writes l1 and l2 instead.
    nlohmann::json config = Layer::get_config();
    config.erase("activity_regularizer");
    config["l1"] = l1_;
    config["l2"] = l2_;
    return config;
}

}  // namespace strata::layers
