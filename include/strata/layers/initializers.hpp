// keras.initializers: how a layer fills a new weight. Every initializer draws from the one global random
// stream (strata/ops/random.hpp, seeded by utils::set_random_seed), so one seed fixes every weight; Keras's
// per-initializer `seed` argument is therefore absent and always serialized as null.
//
// Layers take an InitializerSpec: a name as Keras accepts it ("glorot_uniform", "GlorotUniform", "zeros",
// "he_normal", ...) or an initializer object, e.g.
//     layers::Dense(32, "relu", {.kernel_initializer = initializers::RandomNormal({.stddev = 0.01})});
#pragma once

#include <concepts>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "strata/core/tensor.hpp"

namespace strata::initializers {

class Initializer {
public:
    virtual ~Initializer();
    // A new tensor of `shape` and `dtype`. Random initializers take float32 or float64 (TypeError otherwise);
    // an extent that is unknown or negative is a ValueError naming the initializer.
    virtual Tensor operator()(const Shape& shape, DType dtype = float32) const = 0;
    // Keras's class name: "GlorotUniform", "Zeros", ...
    virtual std::string class_name() const = 0;
    // The dict Keras's get_config returns, with the same keys and values ({} here, as Keras's base class).
    virtual nlohmann::json get_config() const;
};

// (fan_in, fan_out) of a weight shape, as Keras's compute_fans: a scalar counts 1 and 1, a vector its length
// twice, a matrix (rows, cols); a convolution kernel (..., input_depth, depth) multiplies both by the
// receptive field, the product of the leading extents.
std::pair<std::int64_t, std::int64_t> compute_fans(const Shape& shape);

// ---- Constant initializers (keras/src/initializers/constant_initializers.py) ----

class Zeros : public Initializer {
public:
    Tensor operator()(const Shape& shape, DType dtype = float32) const override;
    std::string class_name() const override { return "Zeros"; }
};

class Ones : public Initializer {
public:
    Tensor operator()(const Shape& shape, DType dtype = float32) const override;
    std::string class_name() const override { return "Ones"; }
};

// Keras: Constant(value=0.0).
class Constant : public Initializer {
public:
    explicit Constant(double value = 0.0) : value_(value) {}
    Tensor operator()(const Shape& shape, DType dtype = float32) const override;
    std::string class_name() const override { return "Constant"; }
    nlohmann::json get_config() const override;
    double value() const { return value_; }

private:
    double value_;
};

// Keras: Identity(gain=1.0): gain times the (possibly rectangular) identity matrix; 2-D shapes only.
// Keras's Identity writes no config ({}), which loses a gain other than 1; strata writes {} for the default,
// as Keras does, and {"gain": g} otherwise, which Keras reads back.
class Identity : public Initializer {
public:
    explicit Identity(double gain = 1.0) : gain_(gain) {}
    Tensor operator()(const Shape& shape, DType dtype = float32) const override;
    std::string class_name() const override { return "Identity"; }
    nlohmann::json get_config() const override;
    double gain() const { return gain_; }

private:
    double gain_;
};

// ---- Random initializers (keras/src/initializers/random_initializers.py) ----

// Keras: RandomNormal(mean=0.0, stddev=0.05, seed=None).
struct RandomNormalOptions {
    double mean = 0.0;
    double stddev = 0.05;
};

class RandomNormal : public Initializer {
public:
    explicit RandomNormal(RandomNormalOptions options = {});
    Tensor operator()(const Shape& shape, DType dtype = float32) const override;
    std::string class_name() const override { return "RandomNormal"; }
    nlohmann::json get_config() const override;
    const RandomNormalOptions& options() const { return options_; }

private:
    RandomNormalOptions options_;
};

// Keras: RandomUniform(minval=-0.05, maxval=0.05, seed=None); values in [minval, maxval).
struct RandomUniformOptions {
    double minval = -0.05;
    double maxval = 0.05;
};

class RandomUniform : public Initializer {
public:
    explicit RandomUniform(RandomUniformOptions options = {});
    Tensor operator()(const Shape& shape, DType dtype = float32) const override;
    std::string class_name() const override { return "RandomUniform"; }
    nlohmann::json get_config() const override;
    const RandomUniformOptions& options() const { return options_; }

private:
    RandomUniformOptions options_;
};

// Keras: TruncatedNormal(mean=0.0, stddev=0.05, seed=None); draws further than 2 stddev from the mean are
// redrawn.
struct TruncatedNormalOptions {
    double mean = 0.0;
    double stddev = 0.05;
};

class TruncatedNormal : public Initializer {
public:
    explicit TruncatedNormal(TruncatedNormalOptions options = {});
    Tensor operator()(const Shape& shape, DType dtype = float32) const override;
    std::string class_name() const override { return "TruncatedNormal"; }
    nlohmann::json get_config() const override;
    const TruncatedNormalOptions& options() const { return options_; }

private:
    TruncatedNormalOptions options_;
};

// Keras: VarianceScaling(scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None).
// mode: "fan_in", "fan_out" or "fan_avg"; distribution: "truncated_normal", "untruncated_normal" or "uniform"
// (case-insensitive; "normal" means "truncated_normal", as in Keras).
struct VarianceScalingOptions {
    double scale = 1.0;
    std::string mode = "fan_in";
    std::string distribution = "truncated_normal";
};

class VarianceScaling : public Initializer {
public:
    explicit VarianceScaling(VarianceScalingOptions options = {});
    Tensor operator()(const Shape& shape, DType dtype = float32) const override;
    std::string class_name() const override { return "VarianceScaling"; }
    nlohmann::json get_config() const override;
    double scale() const { return options_.scale; }
    const std::string& mode() const { return options_.mode; }
    const std::string& distribution() const { return options_.distribution; }

private:
    VarianceScalingOptions options_;
};

// The named variance-scaling presets, Keras subclasses of VarianceScaling whose config is {"seed": null}
// only, as in Keras.

// Keras: GlorotUniform() = VarianceScaling(scale=1.0, mode="fan_avg", distribution="uniform");
// Glorot & Bengio 2010: limit sqrt(6 / (fan_in + fan_out)).
class GlorotUniform : public VarianceScaling {
public:
    GlorotUniform() : VarianceScaling({.scale = 1.0, .mode = "fan_avg", .distribution = "uniform"}) {}
    std::string class_name() const override { return "GlorotUniform"; }
    nlohmann::json get_config() const override { return {{"seed", nullptr}}; }
};

// Keras: GlorotNormal() = VarianceScaling(scale=1.0, mode="fan_avg", distribution="truncated_normal");
// stddev sqrt(2 / (fan_in + fan_out)).
class GlorotNormal : public VarianceScaling {
public:
    GlorotNormal() : VarianceScaling({.scale = 1.0, .mode = "fan_avg", .distribution = "truncated_normal"}) {}
    std::string class_name() const override { return "GlorotNormal"; }
    nlohmann::json get_config() const override { return {{"seed", nullptr}}; }
};

// Keras: HeUniform() = VarianceScaling(scale=2.0, mode="fan_in", distribution="uniform");
// He et al. 2015: limit sqrt(6 / fan_in).
class HeUniform : public VarianceScaling {
public:
    HeUniform() : VarianceScaling({.scale = 2.0, .mode = "fan_in", .distribution = "uniform"}) {}
    std::string class_name() const override { return "HeUniform"; }
    nlohmann::json get_config() const override { return {{"seed", nullptr}}; }
};

// Keras: HeNormal() = VarianceScaling(scale=2.0, mode="fan_in", distribution="truncated_normal");
// stddev sqrt(2 / fan_in).
class HeNormal : public VarianceScaling {
public:
    HeNormal() : VarianceScaling({.scale = 2.0, .mode = "fan_in", .distribution = "truncated_normal"}) {}
    std::string class_name() const override { return "HeNormal"; }
    nlohmann::json get_config() const override { return {{"seed", nullptr}}; }
};

// Keras: LecunUniform() = VarianceScaling(scale=1.0, mode="fan_in", distribution="uniform");
// Klambauer et al. 2017: limit sqrt(3 / fan_in).
class LecunUniform : public VarianceScaling {
public:
    LecunUniform() : VarianceScaling({.scale = 1.0, .mode = "fan_in", .distribution = "uniform"}) {}
    std::string class_name() const override { return "LecunUniform"; }
    nlohmann::json get_config() const override { return {{"seed", nullptr}}; }
};

// Keras: LecunNormal() = VarianceScaling(scale=1.0, mode="fan_in", distribution="truncated_normal");
// stddev sqrt(1 / fan_in).
class LecunNormal : public VarianceScaling {
public:
    LecunNormal() : VarianceScaling({.scale = 1.0, .mode = "fan_in", .distribution = "truncated_normal"}) {}
    std::string class_name() const override { return "LecunNormal"; }
    nlohmann::json get_config() const override { return {{"seed", nullptr}}; }
};

// Keras: Orthogonal(gain=1.0, seed=None): the Q of the QR decomposition of a normal matrix of
// (prod(shape[:-1]), shape[-1]), sign-corrected so R has a positive diagonal, times gain. Orthonormal columns
// when there are at least as many rows as columns, orthonormal rows otherwise. Shapes of rank 2 or more.
class Orthogonal : public Initializer {
public:
    explicit Orthogonal(double gain = 1.0) : gain_(gain) {}
    Tensor operator()(const Shape& shape, DType dtype = float32) const override;
    std::string class_name() const override { return "Orthogonal"; }
    nlohmann::json get_config() const override;
    double gain() const { return gain_; }

private:
    double gain_;
};

// ---- Lookup and serialization (keras/src/initializers/__init__.py) ----

// A new initializer for a name, case-sensitively as Keras: the class name ("GlorotUniform"), its snake_case
// ("glorot_uniform") or an alias ("uniform", "normal", "one", "zero", "orthogonal"). ValueError naming it and
// listing the known names otherwise.
std::shared_ptr<Initializer> get(const std::string& name);
std::vector<std::string> names();

// Keras's serialize: {"module": "keras.initializers", "class_name": ..., "config": ..., "registered_name": null}.
nlohmann::json serialize(const Initializer& initializer);
// Keras's deserialize: a name, or a dict with "class_name" and "config" as Keras writes it in a .keras file.
// Config keys are the constructor's; an integer "seed" is accepted and ignored (the global stream decides).
std::shared_ptr<Initializer> deserialize(const nlohmann::json& config);

// What a layer's initializer argument takes: a name or an initializer object.
class InitializerSpec {
public:
    InitializerSpec(const char* name);
    InitializerSpec(std::string name);
    template <std::derived_from<Initializer> I>
    InitializerSpec(I initializer) : initializer_(std::make_shared<I>(std::move(initializer))) {}
    InitializerSpec(std::shared_ptr<Initializer> initializer);
    template <std::derived_from<Initializer> I>
    InitializerSpec(std::shared_ptr<I> initializer)
        : InitializerSpec(std::shared_ptr<Initializer>(std::move(initializer))) {}

    // Resolved in the constructor, never null.
    const std::shared_ptr<Initializer>& get() const { return initializer_; }

private:
    std::shared_ptr<Initializer> initializer_;
};

}  // namespace strata::initializers
