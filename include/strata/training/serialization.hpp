// Optimizers, losses and metrics to and from Keras configs, and the compile config a .keras archive carries.
//
// serialize writes Keras's serialize_keras_object form of a built-in object:
//   {"module": "keras.optimizers", "class_name": "Adam", "config": {...get_config()...}, "registered_name": null}
// and deserialize reads it back (or the short {"class_name", "config"} form), as Keras's deserialize_keras_object:
// the config's keys are the class's constructor arguments; a key the class does not take is a ValueError, as
// Keras's "Argument(s) not recognized"; a missing key keeps the class's default. Custom objects (a
// registered_name, or a module outside keras) are refused: strata never runs code named by a file.
#pragma once

#include <memory>

#include <nlohmann/json.hpp>

#include "strata/training/losses.hpp"
#include "strata/training/metrics.hpp"
#include "strata/training/optimizer.hpp"
#include "strata/training/options.hpp"

namespace strata::optimizers {

// Keras's serialize_keras_object for an optimizer: module "keras.optimizers", the class name and get_config()
// (its learning_rate a number, or a schedule serialized as schedules::serialize writes it).
nlohmann::json serialize(const Optimizer& optimizer);
// Keras's optimizers.deserialize: the serialized form or {"class_name", "config"}; the class name in any case
// ("Adam", "adam"). learning_rate is taken as written (a Keras config holds the float32 value,
// 0.0010000000474974513, and strata keeps it). "decay" is ignored, as Keras 3 ignores it. ValueError naming
// the class and key for an unknown class, a custom object, a key the class does not take or a value of the
// wrong type.
std::shared_ptr<Optimizer> deserialize(const nlohmann::json& config);

}  // namespace strata::optimizers

namespace strata::losses {

// Keras's serialize_keras_object for a Loss: module "keras.losses", the class name and get_config().
// ValueError for a Loss with no Keras class (a LossFunctionWrapper around a C++ function, a subclass that does
// not name its class).
nlohmann::json serialize(const Loss& loss);
// Keras's losses.deserialize: a name ("mse", "binary_crossentropy", "Huber", as losses::get resolves it), a
// serialized Loss object, or a serialized Keras loss function ({"class_name": "function", "config":
// "mean_squared_error"}). ValueError for anything else.
std::shared_ptr<Loss> deserialize(const nlohmann::json& config);

}  // namespace strata::losses

namespace strata::metrics {

// Keras's serialize_keras_object for a Metric: module "keras.metrics", the class name and get_config().
// ValueError for a Metric with no Keras class (a MeanMetricWrapper around a C++ function).
nlohmann::json serialize(const Metric& metric);
// A name string ("accuracy", "mae"...) stays a MetricSpec of that name (Keras resolves it at compile from the
// output's shape); a serialized object becomes that metric; a serialized Keras metric function becomes its
// name. ValueError for an unknown name or class, a custom object, or a bad config.
MetricSpec deserialize(const nlohmann::json& config);

}  // namespace strata::metrics

namespace strata {

// Keras's model.get_compile_config(): the CompileOptions a model was compiled with, as Keras writes them
// (optimizer serialized, loss as its name string when it was given by name, else serialized; metrics likewise;
// loss_weights null when empty; weighted_metrics null, run_eagerly false, steps_per_execution 1, jit_compile
// false). ValueError for a loss or metric given as a C++ function, which a Keras config cannot hold.
nlohmann::json compile_config(const CompileOptions& options, const optimizers::Optimizer& compiled_optimizer);

// The inverse: CompileOptions to compile() a loaded model with, so that fit resumes (Keras's
// compile_from_config). Reads optimizer (serialized or a name; absent: Keras's default "rmsprop"), loss (null,
// a name, a serialized loss, a list with one per output, or a dict with one entry), loss_weights (null, a list,
// or a dict with one entry), metrics (null, a list of names and serialized metrics, or one such list per
// output or per output name when they are all the same, since strata applies one list to every output);
// weighted_metrics must be null or empty; run_eagerly, steps_per_execution, jit_compile and auto_scale_loss are
// accepted and do not change what strata computes. Refuses (ValueError naming the key and the value) an
// unknown optimizer/loss/metric class, a custom (registered_name not null, non-keras module) object, a metric
// form it cannot read, an unknown key.
CompileOptions compile_options_from_config(const nlohmann::json& compile_config);

}  // namespace strata
