// RandomNormal, RandomUniform, TruncatedNormal and VarianceScaling (with its Glorot, He and Lecun presets),
// as keras/src/initializers/random_initializers.py. Arguments are checked in the constructor, as Keras does,
// so a bad one fails where it is written rather than when a layer builds.
#include <algorithm>
#include <cctype>
#include <cmath>

#include "core/text.hpp"
#include "common.hpp"
#include "strata/layers/initializers.hpp"
#include "strata/ops/random.hpp"

namespace strata::initializers {

namespace {

void check_normal_arguments(double mean, double stddev, const std::string& who) {
    if (!std::isfinite(mean)) throw ValueError(who + ": expected a finite mean, got " + detail::format_number(mean));
    if (!std::isfinite(stddev) || stddev < 0.0)
        throw ValueError(who + ": expected a finite, non-negative stddev, got " + detail::format_number(stddev));
}

// The standard deviation of a standard normal truncated to [-2, 2] (Keras's constant): dividing by it makes
// the truncated draws have the variance asked for.
constexpr double truncated_normal_stddev = 0.87962566103423978;

}  // namespace

RandomNormal::RandomNormal(RandomNormalOptions options) : options_(options) {
    check_normal_arguments(options_.mean, options_.stddev, "RandomNormal");
}

Tensor RandomNormal::operator()(const Shape& shape, DType dtype) const {
    detail::check_shape(shape, "RandomNormal");
    detail::check_floating(dtype, "RandomNormal");
    return random::normal(shape, options_.mean, options_.stddev, dtype);
}

nlohmann::json RandomNormal::get_config() const {
    return {{"seed", nullptr}, {"mean", options_.mean}, {"stddev", options_.stddev}};
}

RandomUniform::RandomUniform(RandomUniformOptions options) : options_(options) {
    if (!std::isfinite(options_.minval) || !std::isfinite(options_.maxval) || options_.minval > options_.maxval)
        throw ValueError("RandomUniform: expected finite minval <= maxval, got minval=" +
                         detail::format_number(options_.minval) + " and maxval=" +
                         detail::format_number(options_.maxval));
}

Tensor RandomUniform::operator()(const Shape& shape, DType dtype) const {
    detail::check_shape(shape, "RandomUniform");
    detail::check_floating(dtype, "RandomUniform");
    // An empty interval has one value; random::uniform wants minval < maxval.
    if (options_.minval == options_.maxval) return Tensor::full(shape, options_.minval, dtype);
    return random::uniform(shape, options_.minval, options_.maxval, dtype);
}

nlohmann::json RandomUniform::get_config() const {
    return {{"seed", nullptr}, {"minval", options_.minval}, {"maxval", options_.maxval}};
}

TruncatedNormal::TruncatedNormal(TruncatedNormalOptions options) : options_(options) {
    check_normal_arguments(options_.mean, options_.stddev, "TruncatedNormal");
}

Tensor TruncatedNormal::operator()(const Shape& shape, DType dtype) const {
    detail::check_shape(shape, "TruncatedNormal");
    detail::check_floating(dtype, "TruncatedNormal");
    return random::truncated_normal(shape, options_.mean, options_.stddev, dtype);
}

nlohmann::json TruncatedNormal::get_config() const {
    return {{"seed", nullptr}, {"mean", options_.mean}, {"stddev", options_.stddev}};
}

VarianceScaling::VarianceScaling(VarianceScalingOptions options) : options_(std::move(options)) {
    if (!(options_.scale > 0.0) || !std::isfinite(options_.scale))
        throw ValueError("VarianceScaling: argument `scale` must be a positive float, got scale=" +
                         detail::format_number(options_.scale));
    // Keras compares the mode as written but lower-cases the distribution and reads "normal" as truncated.
    if (options_.mode != "fan_in" && options_.mode != "fan_out" && options_.mode != "fan_avg")
        throw ValueError("VarianceScaling: invalid mode \"" + options_.mode +
                         "\"; expected one of \"fan_in\", \"fan_out\", \"fan_avg\"");
    std::string& distribution = options_.distribution;
    distribution = text::to_lower(distribution);
    if (distribution == "normal") distribution = "truncated_normal";
    if (distribution != "uniform" && distribution != "truncated_normal" && distribution != "untruncated_normal")
        throw ValueError("VarianceScaling: invalid distribution \"" + distribution +
                         "\"; expected one of \"uniform\", \"truncated_normal\", \"untruncated_normal\"");
}

Tensor VarianceScaling::operator()(const Shape& shape, DType dtype) const {
    std::string who = class_name();
    detail::check_shape(shape, who);
    detail::check_floating(dtype, who);
    auto [fan_in, fan_out] = compute_fans(shape);
    double scale = options_.scale;
    if (options_.mode == "fan_in") scale /= std::max(1.0, static_cast<double>(fan_in));
    else if (options_.mode == "fan_out") scale /= std::max(1.0, static_cast<double>(fan_out));
    else scale /= std::max(1.0, (static_cast<double>(fan_in) + static_cast<double>(fan_out)) / 2.0);

    if (options_.distribution == "truncated_normal")
        return random::truncated_normal(shape, 0.0, std::sqrt(scale) / truncated_normal_stddev, dtype);
    if (options_.distribution == "untruncated_normal") return random::normal(shape, 0.0, std::sqrt(scale), dtype);
    double limit = std::sqrt(3.0 * scale);  // a uniform on [-limit, limit] has variance limit^2 / 3 = scale
    return random::uniform(shape, -limit, limit, dtype);
}

nlohmann::json VarianceScaling::get_config() const {
    return {{"seed", nullptr},
            {"scale", options_.scale},
            {"mode", options_.mode},
            {"distribution", options_.distribution}};
}

}  // namespace strata::initializers
