// The Loss classes of loss_functions.hpp: Keras's defaults, reductions and sample weights through Loss, the
// Keras docstring examples, get_config, and the names losses::get and LossSpec resolve.
#include <gtest/gtest.h>

#include <algorithm>

#include <strata/strata.hpp>
#include <strata/training/loss_functions.hpp>

#include "more_reference.hpp"

namespace {

using strata::Shape;
using strata::Tensor;
namespace losses = strata::losses;
namespace ref = strata::testing::reference;

Tensor f32(const std::vector<float>& v, const Shape& s) { return Tensor::from_vector(v, s); }
Tensor f64(const std::vector<double>& v, const Shape& s) { return Tensor::from_vector(v, s); }
double scalar(const Tensor& t) { return t.astype(strata::float64).item<double>(); }
std::vector<double> values(const Tensor& t) { return t.astype(strata::float64).to_vector<double>(); }

TEST(MoreLossObjects, KerasDefaults) {
    const std::string sobs = "sum_over_batch_size";
    // Keras 3: Huber(delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None).
    losses::HuberOptions huber;
    EXPECT_EQ(huber.delta, 1.0);
    EXPECT_EQ(huber.reduction, sobs);
    EXPECT_EQ(huber.name, "huber_loss");
    EXPECT_EQ(huber.dtype, strata::float32);  // dtype=None means floatx(), "float32"
    // Keras 3: LogCosh(reduction="sum_over_batch_size", name="log_cosh", dtype=None).
    EXPECT_EQ(losses::LogCoshOptions{}.reduction, sobs);
    EXPECT_EQ(losses::LogCosh().name(), "log_cosh");
    // Keras 3: Poisson(reduction="sum_over_batch_size", name="poisson", dtype=None).
    EXPECT_EQ(losses::PoissonOptions{}.reduction, sobs);
    EXPECT_EQ(losses::Poisson().name(), "poisson");
    // Keras 3: KLDivergence(reduction="sum_over_batch_size", name="kl_divergence", dtype=None).
    EXPECT_EQ(losses::KLDivergenceOptions{}.reduction, sobs);
    EXPECT_EQ(losses::KLDivergence().name(), "kl_divergence");
    // Keras 3: Hinge(reduction="sum_over_batch_size", name="hinge", dtype=None).
    EXPECT_EQ(losses::HingeOptions{}.reduction, sobs);
    EXPECT_EQ(losses::Hinge().name(), "hinge");
    // Keras 3: SquaredHinge(reduction="sum_over_batch_size", name="squared_hinge", dtype=None).
    EXPECT_EQ(losses::SquaredHingeOptions{}.reduction, sobs);
    EXPECT_EQ(losses::SquaredHinge().name(), "squared_hinge");
    // Keras 3: CategoricalHinge(reduction="sum_over_batch_size", name="categorical_hinge", dtype=None).
    EXPECT_EQ(losses::CategoricalHingeOptions{}.reduction, sobs);
    EXPECT_EQ(losses::CategoricalHinge().name(), "categorical_hinge");
    // Keras 3: MeanSquaredLogarithmicError(reduction="sum_over_batch_size", name="mean_squared_logarithmic_error").
    EXPECT_EQ(losses::MeanSquaredLogarithmicErrorOptions{}.reduction, sobs);
    EXPECT_EQ(losses::MeanSquaredLogarithmicError().name(), "mean_squared_logarithmic_error");
    // Keras 3: MeanAbsolutePercentageError(reduction="sum_over_batch_size",
    // name="mean_absolute_percentage_error").
    EXPECT_EQ(losses::MeanAbsolutePercentageErrorOptions{}.reduction, sobs);
    EXPECT_EQ(losses::MeanAbsolutePercentageError().name(), "mean_absolute_percentage_error");
    // Keras 3: CosineSimilarity(axis=-1, reduction="sum_over_batch_size", name="cosine_similarity", dtype=None).
    losses::CosineSimilarityOptions cosine;
    EXPECT_EQ(cosine.axis, -1);
    EXPECT_EQ(cosine.reduction, sobs);
    EXPECT_EQ(cosine.name, "cosine_similarity");
    // Keras 3: CategoricalFocalCrossentropy(alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0,
    // axis=-1, reduction="sum_over_batch_size", name="categorical_focal_crossentropy", dtype=None).
    losses::CategoricalFocalCrossentropyOptions cfce;
    EXPECT_EQ(cfce.alpha, 0.25);
    EXPECT_EQ(cfce.gamma, 2.0);
    EXPECT_FALSE(cfce.from_logits);
    EXPECT_EQ(cfce.label_smoothing, 0.0);
    EXPECT_EQ(cfce.axis, -1);
    EXPECT_EQ(cfce.reduction, sobs);
    EXPECT_EQ(cfce.name, "categorical_focal_crossentropy");
    // Keras 3: BinaryFocalCrossentropy(apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
    // label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size", name="binary_focal_crossentropy").
    losses::BinaryFocalCrossentropyOptions bfce;
    EXPECT_FALSE(bfce.apply_class_balancing);
    EXPECT_EQ(bfce.alpha, 0.25);
    EXPECT_EQ(bfce.gamma, 2.0);
    EXPECT_FALSE(bfce.from_logits);
    EXPECT_EQ(bfce.label_smoothing, 0.0);
    EXPECT_EQ(bfce.axis, -1);
    EXPECT_EQ(bfce.reduction, sobs);
    EXPECT_EQ(bfce.name, "binary_focal_crossentropy");
}

TEST(MoreLossObjects, CategoricalFocalCrossentropyKerasDocExamples) {
    // keras.losses.CategoricalFocalCrossentropy docstring: 0.23315276, 0.1632 with sample_weight [0.3, 0.7],
    // 0.46631 with "sum", [3.2058331e-05, 4.6627346e-01] with "none".
    Tensor y_true = f32({0, 1, 0, 0, 0, 1}, {2, 3});
    Tensor y_pred = f32({0.05f, 0.95f, 0, 0.1f, 0.8f, 0.1f}, {2, 3});
    losses::CategoricalFocalCrossentropy cfce;
    EXPECT_NEAR(scalar(cfce(y_true, y_pred)), 0.23315276, 1e-6);
    EXPECT_NEAR(scalar(cfce(y_true, y_pred, f32({0.3f, 0.7f}, {2}))), 0.1632, 1e-4);
    EXPECT_NEAR(scalar(losses::CategoricalFocalCrossentropy({.reduction = "sum"})(y_true, y_pred)), 0.46631, 1e-5);
    Tensor none = losses::CategoricalFocalCrossentropy({.reduction = "none"})(y_true, y_pred);
    EXPECT_EQ(none.shape(), Shape({2}));
    EXPECT_NEAR(values(none)[0], 3.2058331e-05, 1e-9);
    EXPECT_NEAR(values(none)[1], 4.6627346e-01, 1e-6);
}

TEST(MoreLossObjects, BinaryFocalCrossentropyKerasDocExamples) {
    // keras.losses.BinaryFocalCrossentropy docstring, from_logits=True.
    Tensor t1 = f32({0, 1, 0, 0}, {4});
    Tensor p1 = f32({-18.6f, 0.51f, 2.94f, -12.8f}, {4});
    EXPECT_NEAR(scalar(losses::BinaryFocalCrossentropy({.gamma = 2, .from_logits = true})(t1, p1)), 0.691, 1e-3);
    EXPECT_NEAR(scalar(losses::BinaryFocalCrossentropy(
                    {.apply_class_balancing = true, .gamma = 2, .from_logits = true})(t1, p1)),
                0.51, 1e-2);
    Tensor t2 = f32({0, 1, 0, 0}, {2, 2});
    Tensor p2 = f32({-18.6f, 0.51f, 2.94f, -12.8f}, {2, 2});
    EXPECT_NEAR(scalar(losses::BinaryFocalCrossentropy({.gamma = 3, .from_logits = true})(t2, p2)), 0.647, 1e-3);
    EXPECT_NEAR(scalar(losses::BinaryFocalCrossentropy(
                    {.apply_class_balancing = true, .gamma = 3, .from_logits = true})(t2, p2)),
                0.482, 1e-3);
    EXPECT_NEAR(scalar(losses::BinaryFocalCrossentropy({.gamma = 3, .from_logits = true})(t2, p2,
                                                                                          f32({0.8f, 0.2f}, {2}))),
                0.133, 1e-3);
    EXPECT_NEAR(scalar(losses::BinaryFocalCrossentropy({.gamma = 4, .from_logits = true, .reduction = "sum"})(t2, p2)),
                1.222, 1e-3);
    Tensor none = losses::BinaryFocalCrossentropy({.gamma = 5, .from_logits = true, .reduction = "none"})(t2, p2);
    EXPECT_NEAR(values(none)[0], 0.0017, 1e-4);
    EXPECT_NEAR(values(none)[1], 1.1561, 1e-4);
}

TEST(MoreLossObjects, ReductionsAndSampleWeights) {
    strata::random::seed(7);
    Tensor t = strata::random::uniform({3, 4}, -1, 1, strata::float64);
    Tensor p = strata::random::uniform({3, 4}, -1, 1, strata::float64);
    auto rows = ref::huber(values(t), values(p), 3, 4, 0.5);
    losses::Huber huber({.delta = 0.5, .dtype = strata::float64});
    EXPECT_NEAR(scalar(huber(t, p)), (rows[0] + rows[1] + rows[2]) / 3, 1e-12);
    EXPECT_NEAR(scalar(huber(t, p, f64({1, 2, 3}, {3}))), (rows[0] + 2 * rows[1] + 3 * rows[2]) / 3, 1e-12);
    losses::Huber sum({.delta = 0.5, .reduction = "sum", .dtype = strata::float64});
    EXPECT_NEAR(scalar(sum(t, p)), rows[0] + rows[1] + rows[2], 1e-12);
    // The wrapper brings y_true (batch,) and y_pred (batch, 1) to the same rank, as Keras's does.
    losses::Poisson poisson({.dtype = strata::float64});
    Tensor counts = f64({1, 0, 2}, {3});
    Tensor rates = f64({0.5, 1.0, 2.0}, {3, 1});
    auto want = ref::poisson({1, 0, 2}, {0.5, 1.0, 2.0}, 3, 1);
    EXPECT_NEAR(scalar(poisson(counts, rates)), (want[0] + want[1] + want[2]) / 3, 1e-12);
}

TEST(MoreLossObjects, EveryClassComputesItsFunction) {
    strata::random::seed(11);
    Tensor t = strata::random::uniform({2, 3}, 0.1, 1, strata::float64);
    Tensor p = strata::random::uniform({2, 3}, 0.1, 1, strata::float64);
    auto mean_of = [](const Tensor& x) { return scalar(x.mean()); };
    const strata::DType d = strata::float64;
    EXPECT_NEAR(scalar(losses::Huber({.dtype = d})(t, p)), mean_of(losses::huber(t, p)), 1e-12);
    EXPECT_NEAR(scalar(losses::LogCosh({.dtype = d})(t, p)), mean_of(losses::log_cosh(t, p)), 1e-12);
    EXPECT_NEAR(scalar(losses::Poisson({.dtype = d})(t, p)), mean_of(losses::poisson(t, p)), 1e-12);
    EXPECT_NEAR(scalar(losses::KLDivergence({.dtype = d})(t, p)), mean_of(losses::kl_divergence(t, p)), 1e-12);
    EXPECT_NEAR(scalar(losses::Hinge({.dtype = d})(t, p)), mean_of(losses::hinge(t, p)), 1e-12);
    EXPECT_NEAR(scalar(losses::SquaredHinge({.dtype = d})(t, p)), mean_of(losses::squared_hinge(t, p)), 1e-12);
    EXPECT_NEAR(scalar(losses::CategoricalHinge({.dtype = d})(t, p)), mean_of(losses::categorical_hinge(t, p)),
                1e-12);
    EXPECT_NEAR(scalar(losses::MeanSquaredLogarithmicError({.dtype = d})(t, p)),
                mean_of(losses::mean_squared_logarithmic_error(t, p)), 1e-12);
    EXPECT_NEAR(scalar(losses::MeanAbsolutePercentageError({.dtype = d})(t, p)),
                mean_of(losses::mean_absolute_percentage_error(t, p)), 1e-9);
    EXPECT_NEAR(scalar(losses::CosineSimilarity({.axis = 0, .dtype = d})(t, p)),
                mean_of(losses::cosine_similarity(t, p, 0)), 1e-12);
    EXPECT_NEAR(scalar(losses::CategoricalFocalCrossentropy({.alpha = 0.5, .label_smoothing = 0.1, .dtype = d})(t, p)),
                mean_of(losses::categorical_focal_crossentropy(t, p, 0.5, 2.0, false, 0.1)), 1e-12);
    EXPECT_NEAR(scalar(losses::BinaryFocalCrossentropy({.apply_class_balancing = true, .dtype = d})(t, p)),
                mean_of(losses::binary_focal_crossentropy(t, p, true)), 1e-12);
}

TEST(MoreLossObjects, GetConfig) {
    nlohmann::json huber = losses::Huber({.delta = 2.0}).get_config();
    EXPECT_EQ(huber["name"], "huber_loss");
    EXPECT_EQ(huber["reduction"], "sum_over_batch_size");
    EXPECT_EQ(huber["delta"], 2.0);
    EXPECT_EQ(losses::CosineSimilarity({.axis = 1}).get_config()["axis"], 1);
    nlohmann::json log_cosh = losses::LogCosh().get_config();
    EXPECT_EQ(log_cosh, (nlohmann::json{{"name", "log_cosh"}, {"reduction", "sum_over_batch_size"}}));
    nlohmann::json cfce = losses::CategoricalFocalCrossentropy({.alpha = 0.5, .from_logits = true}).get_config();
    EXPECT_EQ(cfce["alpha"], 0.5);
    EXPECT_EQ(cfce["gamma"], 2.0);
    EXPECT_EQ(cfce["from_logits"], true);
    EXPECT_EQ(cfce["label_smoothing"], 0.0);
    EXPECT_EQ(cfce["axis"], -1);
    nlohmann::json bfce = losses::BinaryFocalCrossentropy({.apply_class_balancing = true}).get_config();
    EXPECT_EQ(bfce["apply_class_balancing"], true);
    EXPECT_EQ(bfce["alpha"], 0.25);
    EXPECT_EQ(bfce["name"], "binary_focal_crossentropy");
    EXPECT_EQ(losses::Hinge().class_name(), "Hinge");
    EXPECT_EQ(losses::KLDivergence().class_name(), "KLDivergence");
}

TEST(MoreLossObjects, InvalidArgumentsThrow) {
    EXPECT_THROW(losses::CategoricalFocalCrossentropy({.label_smoothing = -0.1}), strata::ValueError);
    EXPECT_THROW(losses::BinaryFocalCrossentropy({.label_smoothing = 2.0}), strata::ValueError);
    EXPECT_THROW(losses::Huber({.reduction = "average"}), strata::ValueError);
    EXPECT_THROW(losses::Poisson({.dtype = strata::int32}), strata::TypeError);
}

TEST(MoreLossObjects, NamesAndAliasesResolve) {
    // Keras 3's ALL_OBJECTS_DICT: class names, function names, and the aliases kld/KLD, mape/MAPE, msle/MSLE.
    const std::vector<std::pair<std::string, std::string>> classes = {
        {"Huber", "huber_loss"},
        {"LogCosh", "log_cosh"},
        {"Poisson", "poisson"},
        {"KLDivergence", "kl_divergence"},
        {"Hinge", "hinge"},
        {"SquaredHinge", "squared_hinge"},
        {"CategoricalHinge", "categorical_hinge"},
        {"MeanSquaredLogarithmicError", "mean_squared_logarithmic_error"},
        {"MeanAbsolutePercentageError", "mean_absolute_percentage_error"},
        {"CosineSimilarity", "cosine_similarity"},
        {"CategoricalFocalCrossentropy", "categorical_focal_crossentropy"},
        {"BinaryFocalCrossentropy", "binary_focal_crossentropy"},
    };
    for (const auto& [cls, name] : classes) {
        auto loss = losses::get(cls);
        EXPECT_EQ(loss->class_name(), cls);
        EXPECT_EQ(loss->name(), name);
    }
    const std::vector<std::string> functions = {
        "huber",         "log_cosh",          "poisson", "kl_divergence", "kld", "KLD",
        "hinge",         "squared_hinge",     "categorical_hinge",
        "mean_squared_logarithmic_error",     "msle",    "MSLE",
        "mean_absolute_percentage_error",     "mape",    "MAPE",
        "cosine_similarity", "categorical_focal_crossentropy", "binary_focal_crossentropy",
    };
    auto known = losses::names();
    for (const std::string& name : functions) {
        SCOPED_TRACE(name);
        EXPECT_TRUE(std::find(known.begin(), known.end(), name) != known.end());
        auto loss = losses::get(name);
        EXPECT_EQ(loss->class_name(), "LossFunctionWrapper");
        EXPECT_EQ(loss->name(), name);
    }
    // An alias computes its function.
    Tensor t = f32({0.2f, 0.8f}, {1, 2});
    Tensor p = f32({0.4f, 0.6f}, {1, 2});
    EXPECT_NEAR(scalar((*losses::get("kld"))(t, p)), scalar(losses::kl_divergence(t, p)), 1e-7);
    EXPECT_NEAR(scalar((*losses::get("MAPE"))(t, p)), scalar(losses::mean_absolute_percentage_error(t, p)), 1e-4);
    // A function pointer given to compile() is named after the function.
    EXPECT_EQ(losses::LossSpec(&losses::poisson).name(), "poisson");
    EXPECT_EQ(losses::LossSpec(&losses::poisson).get()->name(), "poisson");
}

}  // namespace
