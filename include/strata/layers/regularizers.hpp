// keras.regularizers: penalties on a layer's weights or outputs, added to the loss that fit minimises
// (keras/src/regularizers/regularizers.py). A regularizer maps a tensor to a scalar of the same dtype,
// differentiably, so the penalty's gradient reaches the weight it was computed from.
//
// Layers take a RegularizerSpec: nothing (no penalty), a name as Keras accepts it ("l1", "l2", "l1l2",
// "L2", ...) or a regularizer object, e.g.
//     layers::Dense(64, "relu", {.kernel_regularizer = regularizers::L2(1e-4)});
#pragma once

#include <concepts>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "strata/core/tensor.hpp"

namespace strata::regularizers {

class Regularizer {
public:
    virtual ~Regularizer();
    // The penalty of x: a scalar tensor with x's dtype and device.
    virtual Tensor operator()(const Tensor& x) const = 0;
    // Keras's class name: "L1", "L2", "L1L2", "OrthogonalRegularizer".
    virtual std::string class_name() const = 0;
    // The dict Keras's get_config returns, with the same keys.
    virtual nlohmann::json get_config() const = 0;
};

// Keras: L1(l1=0.01): l1 * sum(abs(x)).
class L1 : public Regularizer {
public:
    explicit L1(double l1 = 0.01);
    Tensor operator()(const Tensor& x) const override;
    std::string class_name() const override { return "L1"; }
    nlohmann::json get_config() const override { return {{"l1", l1_}}; }
    double l1() const { return l1_; }

private:
    double l1_;
};

// Keras: L2(l2=0.01): l2 * sum(square(x)).
class L2 : public Regularizer {
public:
    explicit L2(double l2 = 0.01);
    Tensor operator()(const Tensor& x) const override;
    std::string class_name() const override { return "L2"; }
    nlohmann::json get_config() const override { return {{"l2", l2_}}; }
    double l2() const { return l2_; }

private:
    double l2_;
};

// Keras: L1L2(l1=0.0, l2=0.0): l1 * sum(abs(x)) + l2 * sum(square(x)); a factor of 0 adds no term.
class L1L2 : public Regularizer {
public:
    explicit L1L2(double l1 = 0.0, double l2 = 0.0);
    Tensor operator()(const Tensor& x) const override;
    std::string class_name() const override { return "L1L2"; }
    nlohmann::json get_config() const override { return {{"l1", l1_}, {"l2", l2_}}; }
    double l1() const { return l1_; }
    double l2() const { return l2_; }

private:
    double l1_, l2_;
};

// Keras: OrthogonalRegularizer(factor=0.01, mode="rows"), for rank-2 inputs: the rows (or columns) are
// L2-normalised, and the penalty is factor * 0.5 * sum(|off-diagonal dot products|) / (n (n - 1) / 2) over
// the n rows (columns).
class OrthogonalRegularizer : public Regularizer {
public:
    explicit OrthogonalRegularizer(double factor = 0.01, std::string mode = "rows");
    Tensor operator()(const Tensor& x) const override;
    std::string class_name() const override { return "OrthogonalRegularizer"; }
    nlohmann::json get_config() const override { return {{"factor", factor_}, {"mode", mode_}}; }
    double factor() const { return factor_; }
    const std::string& mode() const { return mode_; }

private:
    double factor_;
    std::string mode_;
};

// ---- Lookup and serialization (keras/src/regularizers/__init__.py) ----

// A new regularizer for a name, with the class's defaults: the class name ("L2") or its snake_case ("l2",
// "l1l2", "orthogonal_regularizer"), as Keras's get. ValueError naming it and listing the known names.
std::shared_ptr<Regularizer> get(const std::string& name);
std::vector<std::string> names();

// Keras's serialize: {"module": "keras.regularizers", "class_name": ..., "config": ..., "registered_name": null}.
nlohmann::json serialize(const Regularizer& regularizer);
// Keras's deserialize: a name, or a dict with "class_name" and "config".
std::shared_ptr<Regularizer> deserialize(const nlohmann::json& config);

// What a layer's regularizer argument takes: nothing, a name, or a regularizer object.
class RegularizerSpec {
public:
    RegularizerSpec() = default;
    RegularizerSpec(const char* name);
    RegularizerSpec(std::string name);
    template <std::derived_from<Regularizer> R>
    RegularizerSpec(R regularizer) : regularizer_(std::make_shared<R>(std::move(regularizer))) {}
    RegularizerSpec(std::shared_ptr<Regularizer> regularizer) : regularizer_(std::move(regularizer)) {}
    template <std::derived_from<Regularizer> R>
    RegularizerSpec(std::shared_ptr<R> regularizer) : regularizer_(std::move(regularizer)) {}

    bool empty() const { return regularizer_ == nullptr; }
    explicit operator bool() const { return regularizer_ != nullptr; }
    // Null when empty.
    const std::shared_ptr<Regularizer>& get() const { return regularizer_; }
    // The penalty of x (ValueError when empty).
    Tensor operator()(const Tensor& x) const;
    // serialize(*get()), or null when empty, as Keras writes a missing regularizer in a config.
    nlohmann::json to_json() const;

private:
    std::shared_ptr<Regularizer> regularizer_;
};

}  // namespace strata::regularizers
