// The Loss classes: each is a LossFunctionWrapper around its per-sample function, with Keras's constructor
// arguments and get_config (keras/src/losses/losses.py).
#include "crossentropy.hpp"
#include "strata/ops/shape.hpp"
#include "strata/training/losses.hpp"

namespace strata::losses {

namespace {

void check_label_smoothing(const std::string& who, double label_smoothing) {
    if (!(label_smoothing >= 0.0 && label_smoothing <= 1.0))
        throw ValueError(who + ": label_smoothing must lie in [0, 1], got " + std::to_string(label_smoothing));
}

}  // namespace

LossFunctionWrapper::LossFunctionWrapper(LossFn fn, LossFunctionWrapperOptions options)
    : LossFunctionWrapper(std::move(fn), std::move(options.name), std::move(options.reduction), options.dtype) {}

LossFunctionWrapper::LossFunctionWrapper(LossFn fn, std::string name, std::string reduction, DType dtype)
    : Loss(std::move(name), std::move(reduction), dtype), fn_(std::move(fn)) {
    if (!fn_) throw ValueError(this->name() + ": LossFunctionWrapper needs a function");
}

Tensor LossFunctionWrapper::call(const Tensor& y_true, const Tensor& y_pred) const {
    auto [t, p] = squeeze_or_expand_to_same_rank(y_true, y_pred);
    return fn_(t, p);
}

MeanSquaredError::MeanSquaredError(MeanSquaredErrorOptions o)
    : LossFunctionWrapper(mean_squared_error, std::move(o.name), std::move(o.reduction), o.dtype) {}

MeanAbsoluteError::MeanAbsoluteError(MeanAbsoluteErrorOptions o)
    : LossFunctionWrapper(mean_absolute_error, std::move(o.name), std::move(o.reduction), o.dtype) {}

CategoricalCrossentropy::CategoricalCrossentropy(CategoricalCrossentropyOptions o)
    : LossFunctionWrapper(
          [o](const Tensor& t, const Tensor& p) {
              return categorical_crossentropy(t, p, o.from_logits, o.label_smoothing, o.axis);
          },
          o.name, o.reduction, o.dtype),
      options_(std::move(o)) {
    check_label_smoothing(name(), options_.label_smoothing);
}

nlohmann::json CategoricalCrossentropy::get_config() const {
    nlohmann::json config = Loss::get_config();
    config["from_logits"] = options_.from_logits;
    config["label_smoothing"] = options_.label_smoothing;
    config["axis"] = options_.axis;
    return config;
}

SparseCategoricalCrossentropy::SparseCategoricalCrossentropy(SparseCategoricalCrossentropyOptions o)
    : LossFunctionWrapper(
          [o](const Tensor& t, const Tensor& p) {
              return detail::sparse_categorical_crossentropy(t, p, o.from_logits, o.ignore_class, -1);
          },
          o.name, o.reduction, o.dtype),
      options_(std::move(o)) {}

Tensor SparseCategoricalCrossentropy::compute_mask(const Tensor& y_true, const Tensor& y_pred) const {
    if (!options_.ignore_class) return {};
    // Ignored labels count neither in the sum nor in the number the mean divides by.
    auto [t, p] = squeeze_or_expand_to_same_rank(y_true, y_pred);
    return detail::sparse_valid_mask(t, p, *options_.ignore_class);
}

nlohmann::json SparseCategoricalCrossentropy::get_config() const {
    nlohmann::json config = Loss::get_config();
    config["from_logits"] = options_.from_logits;
    config["ignore_class"] = options_.ignore_class ? nlohmann::json(*options_.ignore_class) : nlohmann::json(nullptr);
    return config;
}

BinaryCrossentropy::BinaryCrossentropy(BinaryCrossentropyOptions o)
    : LossFunctionWrapper(
          [o](const Tensor& t, const Tensor& p) {
              return binary_crossentropy(t, p, o.from_logits, o.label_smoothing, o.axis);
          },
          o.name, o.reduction, o.dtype),
      options_(std::move(o)) {
    check_label_smoothing(name(), options_.label_smoothing);
}

nlohmann::json BinaryCrossentropy::get_config() const {
    nlohmann::json config = Loss::get_config();
    config["from_logits"] = options_.from_logits;
    config["label_smoothing"] = options_.label_smoothing;
    config["axis"] = options_.axis;
    return config;
}

}  // namespace strata::losses
