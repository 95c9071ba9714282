// keras.losses: the per-sample loss functions, the Loss objects that reduce them (with sample weights) to the
// scalar a training step differentiates, and LossSpec, what compile(loss=...) takes.
//
// The functions reduce the last axis (or `axis`) and are differentiable with respect to y_pred; they are built
// from ops, so their backward runs on every device. The formulas, clipping constants and defaults are Keras 3's
// (keras/src/losses/losses.py, keras/src/losses/loss.py and the backends' nn.py).
#pragma once

#include <concepts>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "strata/core/tensor.hpp"

namespace strata::losses {

// Keras's backend.epsilon(): the clipping bound of the crossentropies.
inline constexpr double kEpsilon = 1e-7;

// ---- Per-sample functions, as keras.losses.<fn>(y_true, y_pred) ----

// mean(square(y_true - y_pred), axis=-1).
Tensor mean_squared_error(const Tensor& y_true, const Tensor& y_pred);
// mean(abs(y_true - y_pred), axis=-1).
Tensor mean_absolute_error(const Tensor& y_true, const Tensor& y_pred);
// -sum(y_true * log(p), axis): p is y_pred normalised to sum 1 over `axis` and clipped to [eps, 1 - eps], or
// log_softmax(y_pred) with from_logits. label_smoothing turns y_true into y_true * (1 - ls) + ls / num_classes.
Tensor categorical_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool from_logits = false,
                                double label_smoothing = 0.0, int axis = -1);
// Integer class labels: y_true has y_pred's shape without `axis` (a trailing axis of 1 is squeezed first); the
// labels may be integers or floats holding whole numbers.
Tensor sparse_categorical_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool from_logits = false,
                                       int axis = -1);
// mean(-(y log p + (1 - y) log(1 - p)), axis) with p clipped to [eps, 1 - eps]; with from_logits the stable
// max(x, 0) - x y + log1p(exp(-|x|)). label_smoothing squeezes y towards 0.5: y * (1 - ls) + 0.5 ls.
Tensor binary_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool from_logits = false,
                           double label_smoothing = 0.0, int axis = -1);

using LossFn = std::function<Tensor(const Tensor&, const Tensor&)>;

// Keras's squeeze_or_expand_to_same_rank: when the ranks differ by one and the longer one ends in 1, that axis
// is squeezed (or, when the shorter one has rank 1 and expand_rank_1 holds, an axis of 1 is added to it).
std::pair<Tensor, Tensor> squeeze_or_expand_to_same_rank(const Tensor& x1, const Tensor& x2,
                                                         bool expand_rank_1 = true);

// The reductions Keras accepts: "sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none".
// Throws ValueError for any other.
const std::string& standardize_reduction(const std::string& reduction);

// Keras's reduce_weighted_values: losses * sample_weight (squeezed or expanded to the same rank, then broadcast),
// then summed, and divided by the number of loss elements for "sum_over_batch_size" and "mean" or by the sum of
// the weights for "mean_with_sample_weight". `mask` (optional) marks the valid elements; `who` names the caller
// in errors.
Tensor reduce_weighted_values(const Tensor& values, const Tensor& sample_weight, const Tensor& mask,
                              const std::string& reduction, const std::string& who = "loss");

// ---- Loss objects ----

class Loss {
public:
    virtual ~Loss();

    // The reduced loss, as Keras's Loss.__call__: y_true and y_pred are cast to dtype(), call() gives the
    // per-sample losses, and sample_weight (optional) weights them before the reduction.
    Tensor operator()(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = {}) const;

    // The per-sample losses, not reduced.
    virtual Tensor call(const Tensor& y_true, const Tensor& y_pred) const = 0;

    const std::string& name() const { return name_; }
    const std::string& reduction() const { return reduction_; }
    DType dtype() const { return dtype_; }
    // The Keras class name ("MeanSquaredError"), as serialisation writes it; "Loss" for a subclass that
    // does not say.
    virtual std::string class_name() const { return "Loss"; }
    // {"name", "reduction"} plus each subclass's own arguments, as Keras's get_config.
    virtual nlohmann::json get_config() const;

protected:
    // Keras: Loss(name=None, reduction="sum_over_batch_size", dtype=None (floatx, float32)). A subclass
    // implements call(), as in Keras.
    explicit Loss(std::string name = "loss", std::string reduction = "sum_over_batch_size", DType dtype = float32);
    Loss(const Loss&) = default;
    Loss& operator=(const Loss&) = default;

    // The elements of call()'s result that count (Keras's mask on the losses), or an undefined Tensor when all
    // do. SparseCategoricalCrossentropy's ignore_class uses it.
    virtual Tensor compute_mask(const Tensor& y_true, const Tensor& y_pred) const;

private:
    std::string name_;
    std::string reduction_;
    DType dtype_;
};

// Keras: LossFunctionWrapper(fn, reduction="sum_over_batch_size", name=None, dtype=None).
struct LossFunctionWrapperOptions {
    std::string reduction = "sum_over_batch_size";
    std::string name = "loss_function_wrapper";
    DType dtype = float32;
};

// A per-sample function as a Loss; call() first brings y_true and y_pred to the same rank as Keras does.
class LossFunctionWrapper : public Loss {
public:
    explicit LossFunctionWrapper(LossFn fn, LossFunctionWrapperOptions options = {});
    Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
    std::string class_name() const override { return "LossFunctionWrapper"; }
    const LossFn& fn() const { return fn_; }

protected:
    LossFunctionWrapper(LossFn fn, std::string name, std::string reduction, DType dtype);

private:
    LossFn fn_;
};

// The Keras function a wrapper computes with its defaults, when it wraps one of the functions strata names
// ("mean_squared_error", "categorical_crossentropy", "sparse_categorical_crossentropy", ...); "custom" for
// any other callable.
std::string wrapped_function_name(const LossFunctionWrapper& loss);

// Keras: MeanSquaredError(reduction="sum_over_batch_size", name="mean_squared_error", dtype=None).
struct MeanSquaredErrorOptions {
    std::string reduction = "sum_over_batch_size";
    std::string name = "mean_squared_error";
    DType dtype = float32;
};

class MeanSquaredError : public LossFunctionWrapper {
public:
    explicit MeanSquaredError(MeanSquaredErrorOptions options = {});
    std::string class_name() const override { return "MeanSquaredError"; }
};

// Keras: MeanAbsoluteError(reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None).
struct MeanAbsoluteErrorOptions {
    std::string reduction = "sum_over_batch_size";
    std::string name = "mean_absolute_error";
    DType dtype = float32;
};

class MeanAbsoluteError : public LossFunctionWrapper {
public:
    explicit MeanAbsoluteError(MeanAbsoluteErrorOptions options = {});
    std::string class_name() const override { return "MeanAbsoluteError"; }
};

// Keras: CategoricalCrossentropy(from_logits=False, label_smoothing=0.0, axis=-1,
// reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None).
struct CategoricalCrossentropyOptions {
    bool from_logits = false;
    double label_smoothing = 0.0;
    int axis = -1;
    std::string reduction = "sum_over_batch_size";
    std::string name = "categorical_crossentropy";
    DType dtype = float32;
};

class CategoricalCrossentropy : public LossFunctionWrapper {
public:
    explicit CategoricalCrossentropy(CategoricalCrossentropyOptions options = {});
    std::string class_name() const override { return "CategoricalCrossentropy"; }
    nlohmann::json get_config() const override;
    const CategoricalCrossentropyOptions& options() const { return options_; }

private:
    CategoricalCrossentropyOptions options_;
};

// Keras: SparseCategoricalCrossentropy(from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
// name="sparse_categorical_crossentropy", dtype=None).
struct SparseCategoricalCrossentropyOptions {
    bool from_logits = false;
    // Labels equal to this class add nothing and do not count in the mean (a segmentation "void" class).
    std::optional<std::int64_t> ignore_class;
    std::string reduction = "sum_over_batch_size";
    std::string name = "sparse_categorical_crossentropy";
    DType dtype = float32;
};

class SparseCategoricalCrossentropy : public LossFunctionWrapper {
public:
    explicit SparseCategoricalCrossentropy(SparseCategoricalCrossentropyOptions options = {});
    std::string class_name() const override { return "SparseCategoricalCrossentropy"; }
    nlohmann::json get_config() const override;
    const SparseCategoricalCrossentropyOptions& options() const { return options_; }

protected:
    Tensor compute_mask(const Tensor& y_true, const Tensor& y_pred) const override;

private:
    SparseCategoricalCrossentropyOptions options_;
};

// Keras: BinaryCrossentropy(from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
// name="binary_crossentropy", dtype=None).
struct BinaryCrossentropyOptions {
    bool from_logits = false;
    double label_smoothing = 0.0;
    int axis = -1;
    std::string reduction = "sum_over_batch_size";
    std::string name = "binary_crossentropy";
    DType dtype = float32;
};

class BinaryCrossentropy : public LossFunctionWrapper {
public:
    explicit BinaryCrossentropy(BinaryCrossentropyOptions options = {});
    std::string class_name() const override { return "BinaryCrossentropy"; }
    nlohmann::json get_config() const override;
    const BinaryCrossentropyOptions& options() const { return options_; }

private:
    BinaryCrossentropyOptions options_;
};

// ---- Names ----

// The Loss a name stands for, as compile() resolves a string: a class name ("CategoricalCrossentropy") gives
// that class with its defaults; a function name or alias ("categorical_crossentropy", "mse", "mae", "bce",
// "MSE"...) gives the function wrapped in a LossFunctionWrapper named after the string. Throws ValueError
// listing the known names for any other.
std::shared_ptr<Loss> get(const std::string& name);
// The names get() knows, sorted.
std::vector<std::string> names();

// What compile(loss=...) takes: a name, a Loss object (copied), a shared Loss, or a C++ function of
// (y_true, y_pred) giving per-sample losses.
class LossSpec {
public:
    LossSpec() = default;
    LossSpec(const char* name) : LossSpec(std::string(name)) {}
    LossSpec(std::string name);
    template <std::derived_from<Loss> L>
    LossSpec(L loss) : loss_(std::make_shared<L>(std::move(loss))) {}
    LossSpec(std::shared_ptr<Loss> loss);
    LossSpec(Tensor (*fn)(const Tensor&, const Tensor&));
    LossSpec(LossFn fn, std::string name = "custom");
    // Lambdas and other callables (a lambda would otherwise match both constructors above).
    template <class F>
        requires(std::is_invocable_r_v<Tensor, F&, const Tensor&, const Tensor&> &&
                 !std::derived_from<std::remove_cvref_t<F>, Loss> &&
                 !std::is_convertible_v<F, std::string> && !std::same_as<std::decay_t<F>, LossFn>)
    LossSpec(F fn, std::string name = "custom") : LossSpec(LossFn(std::move(fn)), std::move(name)) {}

    bool empty() const { return identifier_.empty() && !loss_ && !fn_; }
    // The Loss this spec stands for (null for an empty spec, as Keras's loss=None). A name is resolved by
    // losses::get, except "crossentropy" and "ce", which need the shapes (below); a function is wrapped in a
    // LossFunctionWrapper named after it. Throws ValueError for an unknown name.
    std::shared_ptr<Loss> get() const;
    // As get(), resolving "crossentropy"/"ce" (any case) as Keras's compile does: binary_crossentropy when
    // y_pred's last axis is 1, sparse_categorical_crossentropy when y_true has a lower rank or a last axis of 1,
    // categorical_crossentropy otherwise.
    std::shared_ptr<Loss> get(const Shape& y_true_shape, const Shape& y_pred_shape) const;
    // The string given, or the name of the loss or function.
    std::string name() const;

private:
    std::string identifier_;
    std::shared_ptr<Loss> loss_;
    LossFn fn_;
    std::string fn_name_;
};

}  // namespace strata::losses
