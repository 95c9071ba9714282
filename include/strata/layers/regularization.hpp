// The regularization layers of keras/src/layers/regularization/: Dropout, SpatialDropout1D/2D,
// GaussianNoise, GaussianDropout (active only when called with training = true, the identity otherwise) and
// ActivityRegularization (adds l1/l2 penalties of its input to the layer's losses).
//
// Random draws come from the one global stream (strata/ops/random.hpp, seeded by utils::set_random_seed)
// unless the layer is given a seed, in which case it draws from a stream of its own started from that seed,
// as Keras's SeedGenerator(seed): two layers with the same seed draw the same masks, call after call.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <random>

#include <span>

#include "strata/layers/layer.hpp"

namespace strata::layers {

namespace detail {
// A layer's source of random numbers: its own engine when seeded, the global stream otherwise.
class NoiseSource {
public:
    explicit NoiseSource(std::optional<std::int64_t> seed);
    // `n` doubles in [0, 1), and `n` normal draws.
    std::vector<double> uniform(std::int64_t n);
    // The same draws as uniform(out.size()), written into `out`.
    void uniform_into(std::span<double> out);
    std::vector<double> normal(std::int64_t n, double mean, double stddev);

private:
    std::optional<std::mt19937_64> engine_;
    std::mutex mutex_;
};
}  // namespace detail

// Keras: Dropout(rate, noise_shape=None, seed=None, **kwargs). noise_shape: the shape of the mask, of the
// input's rank; an extent of -1 (Keras's None) takes the input's, an extent of 1 shares one draw along
// that axis. Empty: the input's shape.
struct DropoutOptions {
    Shape noise_shape;
    std::optional<std::int64_t> seed = std::nullopt;
    // Keras's layer keyword arguments.
    Shape input_shape;
    std::string name;
    bool trainable = true;
    DType dtype = float32;
};

// Inverted dropout: in training each element (each mask cell) is kept with probability 1 - rate and scaled
// by 1 / (1 - rate), so the expected output equals the input; rate in [0, 1] as Keras (1 drops everything).
class DropoutImpl : public Layer {
public:
    DropoutImpl(double rate, DropoutOptions options, const std::string& prefix = "dropout");
    std::string class_name() const override { return "Dropout"; }
    nlohmann::json get_config() const override;
    double rate() const { return rate_; }
    const std::optional<std::int64_t>& seed() const { return seed_; }
    // The noise_shape argument (empty: the input's shape), and the source the masks are drawn from.
    const Shape& noise_shape() const { return noise_shape_; }
    detail::NoiseSource& noise() const { return *noise_; }

protected:
    Tensor call(const Tensor& x, bool training) override;
    // The mask's shape for an input of this shape.
    virtual Shape noise_shape_for(const Shape& input_shape) const;
    // x times a mask of `noise_shape` (broadcast), each cell 0 or 1 / (1 - rate).
    Tensor apply_mask(const Tensor& x, const Shape& noise_shape);

private:
    double rate_;
    Shape noise_shape_;
    std::optional<std::int64_t> seed_;
    std::shared_ptr<detail::NoiseSource> noise_;
};

class Dropout : public LayerHandle<DropoutImpl> {
public:
    explicit Dropout(double rate, DropoutOptions options = {})
        : LayerHandle(std::make_shared<DropoutImpl>(rate, std::move(options))) {}
};

// Keras: SpatialDropout1D(rate, seed=None, name=None, dtype=None): drops whole channels of (batch, steps,
// channels) inputs, one draw per sample and channel (Tompson et al. 2014).
struct SpatialDropout1DOptions {
    std::optional<std::int64_t> seed = std::nullopt;
    std::string name;
    DType dtype = float32;
};

class SpatialDropout1DImpl : public DropoutImpl {
public:
    SpatialDropout1DImpl(double rate, SpatialDropout1DOptions options);
    std::string class_name() const override { return "SpatialDropout1D"; }
    nlohmann::json get_config() const override;

protected:
    Shape noise_shape_for(const Shape& input_shape) const override;
};

class SpatialDropout1D : public LayerHandle<SpatialDropout1DImpl> {
public:
    explicit SpatialDropout1D(double rate, SpatialDropout1DOptions options = {})
        : LayerHandle(std::make_shared<SpatialDropout1DImpl>(rate, std::move(options))) {}
};

// Keras: SpatialDropout2D(rate, data_format=None ("channels_last"), seed=None, name=None, dtype=None): drops
// whole feature maps of 4-D inputs, one draw per sample and channel.
struct SpatialDropout2DOptions {
    std::string data_format = "channels_last";
    std::optional<std::int64_t> seed = std::nullopt;
    std::string name;
    DType dtype = float32;
};

class SpatialDropout2DImpl : public DropoutImpl {
public:
    SpatialDropout2DImpl(double rate, SpatialDropout2DOptions options);
    std::string class_name() const override { return "SpatialDropout2D"; }
    nlohmann::json get_config() const override;
    const std::string& data_format() const { return data_format_; }

protected:
    Shape noise_shape_for(const Shape& input_shape) const override;

private:
    std::string data_format_;
};

class SpatialDropout2D : public LayerHandle<SpatialDropout2DImpl> {
public:
    explicit SpatialDropout2D(double rate, SpatialDropout2DOptions options = {})
        : LayerHandle(std::make_shared<SpatialDropout2DImpl>(rate, std::move(options))) {}
};

// Keras: GaussianNoise(stddev, seed=None, **kwargs): adds N(0, stddev^2) noise in training; stddev in [0, 1]
// as Keras checks.
struct GaussianNoiseOptions {
    std::optional<std::int64_t> seed = std::nullopt;
    Shape input_shape;
    std::string name;
    bool trainable = true;
    DType dtype = float32;
};

class GaussianNoiseImpl : public Layer {
public:
    GaussianNoiseImpl(double stddev, GaussianNoiseOptions options);
    std::string class_name() const override { return "GaussianNoise"; }
    nlohmann::json get_config() const override;
    double stddev() const { return stddev_; }

protected:
    Tensor call(const Tensor& x, bool training) override;

private:
    double stddev_;
    std::optional<std::int64_t> seed_;
    std::shared_ptr<detail::NoiseSource> noise_;
};

class GaussianNoise : public LayerHandle<GaussianNoiseImpl> {
public:
    explicit GaussianNoise(double stddev, GaussianNoiseOptions options = {})
        : LayerHandle(std::make_shared<GaussianNoiseImpl>(stddev, std::move(options))) {}
};

// Keras: GaussianDropout(rate, seed=None, **kwargs): multiplies by N(1, rate / (1 - rate)) noise in
// training. rate in [0, 1); Keras accepts 1 but its noise would have an infinite deviation.
struct GaussianDropoutOptions {
    std::optional<std::int64_t> seed = std::nullopt;
    Shape input_shape;
    std::string name;
    bool trainable = true;
    DType dtype = float32;
};

class GaussianDropoutImpl : public Layer {
public:
    GaussianDropoutImpl(double rate, GaussianDropoutOptions options);
    std::string class_name() const override { return "GaussianDropout"; }
    nlohmann::json get_config() const override;
    double rate() const { return rate_; }

protected:
    Tensor call(const Tensor& x, bool training) override;

private:
    double rate_;
    std::optional<std::int64_t> seed_;
    std::shared_ptr<detail::NoiseSource> noise_;
};

class GaussianDropout : public LayerHandle<GaussianDropoutImpl> {
public:
    explicit GaussianDropout(double rate, GaussianDropoutOptions options = {})
        : LayerHandle(std::make_shared<GaussianDropoutImpl>(rate, std::move(options))) {}
};

// Keras: ActivityRegularization(l1=0.0, l2=0.0, **kwargs): the identity, with the activity regularizer
// L1L2(l1, l2) (its penalty of the input, divided by the batch size, joins losses()).
struct ActivityRegularizationOptions {
    Shape input_shape;
    std::string name;
    bool trainable = true;
    DType dtype = float32;
};

class ActivityRegularizationImpl : public Layer {
public:
    ActivityRegularizationImpl(double l1, double l2, ActivityRegularizationOptions options);
    std::string class_name() const override { return "ActivityRegularization"; }
    nlohmann::json get_config() const override;
    double l1() const { return l1_; }
    double l2() const { return l2_; }

protected:
    Tensor call(const Tensor& x, bool training) override { return x; }

private:
    double l1_, l2_;
};

class ActivityRegularization : public LayerHandle<ActivityRegularizationImpl> {
public:
    explicit ActivityRegularization(double l1 = 0.0, double l2 = 0.0, ActivityRegularizationOptions options = {})
        : LayerHandle(std::make_shared<ActivityRegularizationImpl>(l1, l2, std::move(options))) {}
};

}  // namespace strata::layers
