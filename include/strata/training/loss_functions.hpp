// The rest of keras.losses: the robust and relative regression losses, the hinges, the probabilistic losses and
// the focal crossentropies, each as the per-sample function and as its Loss class.
//
// As in losses.hpp, the functions reduce the last axis (or `axis`), are built from differentiable ops and follow
// Keras 3's formulas and clipping constants (keras/src/losses/losses.py). Each class is a LossFunctionWrapper
// around its function, with an options struct in Keras's keyword order and with Keras's defaults.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "strata/core/tensor.hpp"
#include "strata/training/losses.hpp"

namespace strata::losses {

// ---- Per-sample functions, as keras.losses.<fn>(y_true, y_pred) ----

// mean(0.5 e^2 where |e| <= delta, else delta |e| - 0.5 delta^2), e = y_pred - y_true.
Tensor huber(const Tensor& y_true, const Tensor& y_pred, double delta = 1.0);
// mean(log(cosh(e))), computed as e + softplus(-2 e) - log 2 so that large errors do not overflow.
Tensor log_cosh(const Tensor& y_true, const Tensor& y_pred);
// mean(y_pred - y_true * log(y_pred + eps)).
Tensor poisson(const Tensor& y_true, const Tensor& y_pred);
// sum(t * log(t / p)) with t and p clipped to [eps, 1].
Tensor kl_divergence(const Tensor& y_true, const Tensor& y_pred);
// mean(maximum(1 - y_true * y_pred, 0)); labels that are all 0 or 1 are first mapped to -1 and 1.
Tensor hinge(const Tensor& y_true, const Tensor& y_pred);
// mean(square(maximum(1 - y_true * y_pred, 0))), with the same label conversion as hinge.
Tensor squared_hinge(const Tensor& y_true, const Tensor& y_pred);
// maximum(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0) over the last axis.
Tensor categorical_hinge(const Tensor& y_true, const Tensor& y_pred);
// mean(square(log(maximum(y_pred, eps) + 1) - log(maximum(y_true, eps) + 1))).
Tensor mean_squared_logarithmic_error(const Tensor& y_true, const Tensor& y_pred);
// 100 * mean(abs((y_true - y_pred) / maximum(abs(y_true), eps))).
Tensor mean_absolute_percentage_error(const Tensor& y_true, const Tensor& y_pred);
// -sum(l2_normalize(y_true) * l2_normalize(y_pred), axis); a norm below eps counts as eps, so a zero vector
// gives 0.
Tensor cosine_similarity(const Tensor& y_true, const Tensor& y_pred, int axis = -1);
// sum(alpha * (1 - p)^gamma * -y_true * log(p), axis): p is y_pred (softmax of it with from_logits) normalised
// to sum 1 over `axis` and clipped to [eps, 1 - eps]. label_smoothing as categorical_crossentropy.
Tensor categorical_focal_crossentropy(const Tensor& y_true, const Tensor& y_pred, double alpha = 0.25,
                                      double gamma = 2.0, bool from_logits = false, double label_smoothing = 0.0,
                                      int axis = -1);
// mean((1 - p_t)^gamma * bce, axis), p_t = y p + (1 - y)(1 - p) with p = y_pred (sigmoid of it with
// from_logits) and bce the clipped binary crossentropy; apply_class_balancing also weights by alpha for y = 1
// and 1 - alpha for y = 0. label_smoothing as binary_crossentropy.
Tensor binary_focal_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool apply_class_balancing = false,
                                 double alpha = 0.25, double gamma = 2.0, bool from_logits = false,
                                 double label_smoothing = 0.0, int axis = -1);

// ---- Loss objects ----

// Keras: Huber(delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None).
struct HuberOptions {
    double delta = 1.0;
    std::string reduction = "sum_over_batch_size";
    std::string name = "huber_loss";
    DType dtype = float32;
};

class Huber : public LossFunctionWrapper {
public:
    explicit Huber(HuberOptions options = {});
    std::string class_name() const override { return "Huber"; }
    nlohmann::json get_config() const override;
    const HuberOptions& options() const { return options_; }

private:
    HuberOptions options_;
};

// Keras: LogCosh(reduction="sum_over_batch_size", name="log_cosh", dtype=None).
struct LogCoshOptions {
    std::string reduction = "sum_over_batch_size";
    std::string name = "log_cosh";
    DType dtype = float32;
};

class LogCosh : public LossFunctionWrapper {
public:
    explicit LogCosh(LogCoshOptions options = {});
    std::string class_name() const override { return "LogCosh"; }
};

// Keras: Poisson(reduction="sum_over_batch_size", name="poisson", dtype=None).
struct PoissonOptions {
    std::string reduction = "sum_over_batch_size";
    std::string name = "poisson";
    DType dtype = float32;
};

class Poisson : public LossFunctionWrapper {
public:
    explicit Poisson(PoissonOptions options = {});
    std::string class_name() const override { return "Poisson"; }
};

// Keras: KLDivergence(reduction="sum_over_batch_size", name="kl_divergence", dtype=None).
struct KLDivergenceOptions {
    std::string reduction = "sum_over_batch_size";
    std::string name = "kl_divergence";
    DType dtype = float32;
};

class KLDivergence : public LossFunctionWrapper {
public:
    explicit KLDivergence(KLDivergenceOptions options = {});
    std::string class_name() const override { return "KLDivergence"; }
};

// Keras: Hinge(reduction="sum_over_batch_size", name="hinge", dtype=None).
struct HingeOptions {
    std::string reduction = "sum_over_batch_size";
    std::string name = "hinge";
    DType dtype = float32;
};

class Hinge : public LossFunctionWrapper {
public:
    explicit Hinge(HingeOptions options = {});
    std::string class_name() const override { return "Hinge"; }
};

// Keras: SquaredHinge(reduction="sum_over_batch_size", name="squared_hinge", dtype=None).
struct SquaredHingeOptions {
    std::string reduction = "sum_over_batch_size";
    std::string name = "squared_hinge";
    DType dtype = float32;
};

class SquaredHinge : public LossFunctionWrapper {
public:
    explicit SquaredHinge(SquaredHingeOptions options = {});
    std::string class_name() const override { return "SquaredHinge"; }
};

// Keras: CategoricalHinge(reduction="sum_over_batch_size", name="categorical_hinge", dtype=None).
struct CategoricalHingeOptions {
    std::string reduction = "sum_over_batch_size";
    std::string name = "categorical_hinge";
    DType dtype = float32;
};

class CategoricalHinge : public LossFunctionWrapper {
public:
    explicit CategoricalHinge(CategoricalHingeOptions options = {});
    std::string class_name() const override { return "CategoricalHinge"; }
};

// Keras: MeanSquaredLogarithmicError(reduction="sum_over_batch_size", name="mean_squared_logarithmic_error",
// dtype=None).
struct MeanSquaredLogarithmicErrorOptions {
    std::string reduction = "sum_over_batch_size";
    std::string name = "mean_squared_logarithmic_error";
    DType dtype = float32;
};

class MeanSquaredLogarithmicError : public LossFunctionWrapper {
public:
    explicit MeanSquaredLogarithmicError(MeanSquaredLogarithmicErrorOptions options = {});
    std::string class_name() const override { return "MeanSquaredLogarithmicError"; }
};

// Keras: MeanAbsolutePercentageError(reduction="sum_over_batch_size", name="mean_absolute_percentage_error",
// dtype=None).
struct MeanAbsolutePercentageErrorOptions {
    std::string reduction = "sum_over_batch_size";
    std::string name = "mean_absolute_percentage_error";
    DType dtype = float32;
};

class MeanAbsolutePercentageError : public LossFunctionWrapper {
public:
    explicit MeanAbsolutePercentageError(MeanAbsolutePercentageErrorOptions options = {});
    std::string class_name() const override { return "MeanAbsolutePercentageError"; }
};

// Keras: CosineSimilarity(axis=-1, reduction="sum_over_batch_size", name="cosine_similarity", dtype=None).
struct CosineSimilarityOptions {
    int axis = -1;
    std::string reduction = "sum_over_batch_size";
    std::string name = "cosine_similarity";
    DType dtype = float32;
};

class CosineSimilarity : public LossFunctionWrapper {
public:
    explicit CosineSimilarity(CosineSimilarityOptions options = {});
    std::string class_name() const override { return "CosineSimilarity"; }
    nlohmann::json get_config() const override;
    const CosineSimilarityOptions& options() const { return options_; }

private:
    CosineSimilarityOptions options_;
};

// Keras: CategoricalFocalCrossentropy(alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
// reduction="sum_over_batch_size", name="categorical_focal_crossentropy", dtype=None).
struct CategoricalFocalCrossentropyOptions {
    double alpha = 0.25;
    double gamma = 2.0;
    bool from_logits = false;
    double label_smoothing = 0.0;
    int axis = -1;
    std::string reduction = "sum_over_batch_size";
    std::string name = "categorical_focal_crossentropy";
    DType dtype = float32;
};

class CategoricalFocalCrossentropy : public LossFunctionWrapper {
public:
    explicit CategoricalFocalCrossentropy(CategoricalFocalCrossentropyOptions options = {});
    std::string class_name() const override { return "CategoricalFocalCrossentropy"; }
    nlohmann::json get_config() const override;
    const CategoricalFocalCrossentropyOptions& options() const { return options_; }

private:
    CategoricalFocalCrossentropyOptions options_;
};

// Keras: BinaryFocalCrossentropy(apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
// label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size", name="binary_focal_crossentropy", dtype=None).
struct BinaryFocalCrossentropyOptions {
    bool apply_class_balancing = false;
    double alpha = 0.25;
    double gamma = 2.0;
    bool from_logits = false;
    double label_smoothing = 0.0;
    int axis = -1;
    std::string reduction = "sum_over_batch_size";
    std::string name = "binary_focal_crossentropy";
    DType dtype = float32;
};

class BinaryFocalCrossentropy : public LossFunctionWrapper {
public:
    explicit BinaryFocalCrossentropy(BinaryFocalCrossentropyOptions options = {});
    std::string class_name() const override { return "BinaryFocalCrossentropy"; }
    nlohmann::json get_config() const override;
    const BinaryFocalCrossentropyOptions& options() const { return options_; }

private:
    BinaryFocalCrossentropyOptions options_;
};

}  // namespace strata::losses
