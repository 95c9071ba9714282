// Reads the config dict of a Keras layer being deserialized, field by field, in the forms Keras accepts (an
// integer or a list for a window, a name or a serialized dict for an activation, an initializer or a
// regularizer, a dtype string or a DTypePolicy dict) and refuses, with a ValueError naming the class, the layer
// and the field, what strata would otherwise drop or misread: a value of the wrong type, a constraint, a key
// the layer does not take (Keras raises for unexpected keyword arguments too).
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "strata/core/error.hpp"
#include "strata/layers/activations.hpp"
#include "strata/layers/initializers.hpp"
#include "strata/layers/int_tuple.hpp"
#include "strata/layers/layer.hpp"
#include "strata/layers/regularizers.hpp"

namespace strata::saving::detail {

// The keyword arguments every Keras layer takes, read once for every class.
struct CommonArgs {
    Shape input_shape;  // from input_shape, input_dim or Keras 2's batch_input_shape; empty when absent
    std::string name;
    bool trainable = true;
    DType dtype = float32;
    regularizers::RegularizerSpec activity_regularizer;
};

// A DType from a Keras dtype: "float32", or {"class_name": "DTypePolicy", "config": {"name": "float32"}}.
// `floating_only`: a layer's dtype (float32 or float64), not an input's. `who` opens the error messages.
DType parse_dtype(const nlohmann::json& value, bool floating_only, const std::string& who);

// A shape from a Keras list of extents, null meaning unknown (-1).
Shape parse_shape(const nlohmann::json& value, const std::string& who);

// A shape as Keras writes it: unknown extents as null.
nlohmann::json shape_json(const Shape& shape);

// The classes whose configs are models (Keras's Sequential and Functional, and Model, which Keras 2 wrote for
// a functional model): the model configs rebuild them, not the layer registry.
inline bool is_model_class(const std::string& class_name) {
    return class_name == "Sequential" || class_name == "Functional" || class_name == "Model";
}

class LayerConfig {
public:
    LayerConfig(const nlohmann::json& config, std::string class_name);

    const std::string& class_name() const { return class_name_; }
    // `deserialize_layer: Dense "dense_6"`, the start of every message.
    std::string who() const;
    // `who: field "key" <what>`.
    ValueError field_error(const std::string& key, const std::string& what) const;

    // Each reader marks its key as read; a missing or null value gives the fallback, or a ValueError where
    // the field is required (no fallback).
    std::int64_t integer(const std::string& key);
    std::int64_t integer(const std::string& key, std::int64_t fallback);
    std::optional<std::int64_t> optional_integer(const std::string& key);
    double number(const std::string& key);
    double number(const std::string& key, double fallback);
    bool boolean(const std::string& key, bool fallback);
    std::string string(const std::string& key, const std::string& fallback);
    // An integer or a list of integers (Keras's kernel_size, strides, pool_size, ...).
    layers::IntTuple int_tuple(const std::string& key, layers::IntTuple fallback);
    // A list of integers, required.
    std::vector<std::int64_t> integers(const std::string& key);
    // A list of extents, null meaning unknown; empty when absent or null.
    Shape shape(const std::string& key);
    // The raw value (null when absent), for fields of a shape of their own.
    const nlohmann::json& raw(const std::string& key);

    activations::ActivationSpec activation(const std::string& key);
    initializers::InitializerSpec initializer(const std::string& key, const std::string& fallback);
    regularizers::RegularizerSpec regularizer(const std::string& key);
    // Keras's *_constraint fields: strata has no constraints, so only null is accepted.
    void no_constraint(const std::string& key);
    // "channels_last" when absent or null (Keras's image_data_format() default); the layer checks the value.
    std::string data_format(const std::string& key);
    // A key Keras writes that strata ignores: accepted when absent, null or equal to `harmless`; refused
    // otherwise, saying `why`.
    void ignored(const std::string& key, const nlohmann::json& harmless, const std::string& why);

    // name, trainable, dtype, input_shape / input_dim / batch_input_shape and activity_regularizer.
    CommonArgs common();

    // Refuses every key nobody read.
    void finish() const;

    // Checks that every key was read, then constructs the layer and gives it the common arguments its
    // options struct may lack (activity_regularizer, trainable). `c.make<DenseImpl>(common, units, ...)`
    // reads the arguments first, so an unknown key is reported before the layer's own checks run.
    template <class Impl, class... Args>
    std::shared_ptr<Layer> make(const CommonArgs& common, Args&&... args) {
        finish();
        std::shared_ptr<Layer> layer = std::make_shared<Impl>(std::forward<Args>(args)...);
        if (common.activity_regularizer) layer->set_activity_regularizer(common.activity_regularizer);
        if (!common.trainable) layer->set_trainable(false);
        return layer;
    }

private:
    const nlohmann::json* read(const std::string& key);
    const nlohmann::json* required(const std::string& key);

    const nlohmann::json& config_;
    std::string class_name_;
    std::string layer_name_;
    std::set<std::string> used_;
};

// Copies the common arguments into a layer's options struct, for the fields it has; refuses an input_shape
// for options that take none (Keras's SpatialDropout layers take no **kwargs).
template <class Options>
Options with_common(Options options, const CommonArgs& args, const LayerConfig& c) {
    if constexpr (requires { options.input_shape; }) {
        options.input_shape = args.input_shape;
    } else if (!args.input_shape.empty()) {
        throw c.field_error("input_shape", "is not an argument of " + c.class_name());
    }
    options.name = args.name;
    if constexpr (requires { options.trainable; }) options.trainable = args.trainable;
    options.dtype = args.dtype;
    return options;
}

}  // namespace strata::saving::detail
