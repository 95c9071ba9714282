// Loss objects: Keras's defaults, reductions, sample weights, masks (ignore_class), get_config, and LossSpec /
// losses::get as compile() uses them.
#include <gtest/gtest.h>

#include <strata/strata.hpp>

namespace {

using strata::Shape;
using strata::Tensor;
namespace losses = strata::losses;

Tensor f32(const std::vector<float>& v, const Shape& s) { return Tensor::from_vector(v, s); }
Tensor f64(const std::vector<double>& v, const Shape& s) { return Tensor::from_vector(v, s); }
double scalar(const Tensor& t) { return t.astype(strata::float64).item<double>(); }
std::vector<double> values(const Tensor& t) { return t.astype(strata::float64).to_vector<double>(); }

// Keras's docstring example for CategoricalCrossentropy and SparseCategoricalCrossentropy.
const Tensor kOneHot = f32({0, 1, 0, 0, 0, 1}, {2, 3});
const Tensor kProbs = f32({0.05f, 0.95f, 0, 0.1f, 0.8f, 0.1f}, {2, 3});
constexpr double kRow0 = 0.05129329438755058;  // -log(0.95)
constexpr double kRow1 = 2.3025850929940455;   // -log(0.1)

TEST(LossObjects, KerasDefaults) {
    // Keras 3: MeanSquaredError(reduction="sum_over_batch_size", name="mean_squared_error", dtype=None).
    losses::MeanSquaredError mse;
    EXPECT_EQ(mse.name(), "mean_squared_error");
    EXPECT_EQ(mse.reduction(), "sum_over_batch_size");
    EXPECT_EQ(mse.dtype(), strata::float32);  // dtype=None means floatx(), "float32"
    // Keras 3: MeanAbsoluteError(..., name="mean_absolute_error").
    EXPECT_EQ(losses::MeanAbsoluteError().name(), "mean_absolute_error");
    // Keras 3: CategoricalCrossentropy(from_logits=False, label_smoothing=0.0, axis=-1,
    // reduction="sum_over_batch_size", name="categorical_crossentropy").
    losses::CategoricalCrossentropyOptions cce;
    EXPECT_FALSE(cce.from_logits);
    EXPECT_EQ(cce.label_smoothing, 0.0);
    EXPECT_EQ(cce.axis, -1);
    EXPECT_EQ(cce.reduction, "sum_over_batch_size");
    EXPECT_EQ(cce.name, "categorical_crossentropy");
    // Keras 3: SparseCategoricalCrossentropy(from_logits=False, ignore_class=None, ...,
    // name="sparse_categorical_crossentropy").
    losses::SparseCategoricalCrossentropyOptions scce;
    EXPECT_FALSE(scce.from_logits);
    EXPECT_FALSE(scce.ignore_class.has_value());
    EXPECT_EQ(scce.reduction, "sum_over_batch_size");
    EXPECT_EQ(scce.name, "sparse_categorical_crossentropy");
    // Keras 3: BinaryCrossentropy(from_logits=False, label_smoothing=0.0, axis=-1, ..., name="binary_crossentropy").
    losses::BinaryCrossentropyOptions bce;
    EXPECT_FALSE(bce.from_logits);
    EXPECT_EQ(bce.label_smoothing, 0.0);
    EXPECT_EQ(bce.axis, -1);
    EXPECT_EQ(bce.reduction, "sum_over_batch_size");
    EXPECT_EQ(bce.name, "binary_crossentropy");
    // Keras 3: LossFunctionWrapper(fn, reduction="sum_over_batch_size", name=None -> auto-named).
    EXPECT_EQ(losses::LossFunctionWrapperOptions{}.reduction, "sum_over_batch_size");
}

TEST(LossObjects, CategoricalCrossentropyKerasDocExamples) {
    // keras.losses.CategoricalCrossentropy docstring: 1.177, 0.814 with sample_weight [0.3, 0.7], 2.354 with
    // "sum", [0.0513, 2.303] with "none".
    losses::CategoricalCrossentropy cce;
    EXPECT_NEAR(scalar(cce(kOneHot, kProbs)), (kRow0 + kRow1) / 2, 1e-6);
    EXPECT_NEAR(scalar(cce(kOneHot, kProbs, f32({0.3f, 0.7f}, {2}))), (0.3 * kRow0 + 0.7 * kRow1) / 2, 1e-6);
    EXPECT_NEAR(scalar(losses::CategoricalCrossentropy({.reduction = "sum"})(kOneHot, kProbs)), kRow0 + kRow1, 1e-6);
    Tensor none = losses::CategoricalCrossentropy({.reduction = "none"})(kOneHot, kProbs);
    EXPECT_EQ(none.shape(), Shape({2}));
    EXPECT_NEAR(values(none)[0], kRow0, 1e-6);
    EXPECT_NEAR(values(none)[1], kRow1, 1e-6);
}

TEST(LossObjects, SparseCategoricalCrossentropyKerasDocExamples) {
    losses::SparseCategoricalCrossentropy scce;
    Tensor labels = Tensor::from_vector(std::vector<std::int64_t>{1, 2});
    EXPECT_NEAR(scalar(scce(labels, kProbs)), 1.1769392, 1e-5);
    EXPECT_NEAR(scalar(scce(labels, kProbs, f32({0.3f, 0.7f}, {2}))), 0.8135988, 1e-5);
}

TEST(LossObjects, BinaryCrossentropyKerasDocExamples) {
    // keras.losses.BinaryCrossentropy(from_logits=True) docstring: 0.8654 for both layouts, 0.243 with
    // sample_weight [0.8, 0.2], 1.730 with "sum", [0.235, 1.496] with "none".
    losses::BinaryCrossentropy bce({.from_logits = true});
    EXPECT_NEAR(scalar(bce(f32({0, 1, 0, 0}, {4}), f32({-18.6f, 0.51f, 2.94f, -12.8f}, {4}))), 0.8654, 1e-4);
    Tensor yt = f32({0, 1, 0, 0}, {2, 2}), yp = f32({-18.6f, 0.51f, 2.94f, -12.8f}, {2, 2});
    EXPECT_NEAR(scalar(bce(yt, yp)), 0.8654, 1e-4);
    EXPECT_NEAR(scalar(bce(yt, yp, f32({0.8f, 0.2f}, {2}))), 0.2430, 1e-3);
    EXPECT_NEAR(scalar(losses::BinaryCrossentropy({.from_logits = true, .reduction = "sum"})(yt, yp)), 1.730, 1e-3);
    std::vector<double> none = values(losses::BinaryCrossentropy({.from_logits = true, .reduction = "none"})(yt, yp));
    EXPECT_NEAR(none[0], 0.235, 1e-3);
    EXPECT_NEAR(none[1], 1.496, 1e-3);
}

TEST(LossObjects, ReductionsOfPerSampleLosses) {
    // Per-sample squared errors [1, 4, 9] with weights [1, 0.5, 0].
    Tensor yt = f64({0, 0, 0}, {3, 1}), yp = f64({1, 2, 3}, {3, 1}), w = f64({1, 0.5, 0}, {3});
    auto loss = [](const char* reduction) {
        return losses::MeanSquaredError({.reduction = reduction, .dtype = strata::float64});
    };
    EXPECT_DOUBLE_EQ(scalar(loss("sum_over_batch_size")(yt, yp)), 14.0 / 3);
    EXPECT_DOUBLE_EQ(scalar(loss("mean")(yt, yp)), 14.0 / 3);
    EXPECT_DOUBLE_EQ(scalar(loss("sum")(yt, yp)), 14.0);
    EXPECT_EQ(values(loss("none")(yt, yp)), (std::vector<double>{1, 4, 9}));
    // Weighted: "sum_over_batch_size" still divides by the number of elements, not by the weights.
    EXPECT_DOUBLE_EQ(scalar(loss("sum_over_batch_size")(yt, yp, w)), 3.0 / 3);
    EXPECT_DOUBLE_EQ(scalar(loss("sum")(yt, yp, w)), 3.0);
    EXPECT_DOUBLE_EQ(scalar(loss("mean_with_sample_weight")(yt, yp, w)), 3.0 / 1.5);
    EXPECT_EQ(values(loss("none")(yt, yp, w)), (std::vector<double>{1, 2, 0}));
    // All weights zero: divide_no_nan gives 0.
    EXPECT_DOUBLE_EQ(scalar(loss("mean_with_sample_weight")(yt, yp, f64({0, 0, 0}, {3}))), 0.0);
    EXPECT_THROW(losses::MeanSquaredError({.reduction = "auto"}), strata::ValueError);
}

TEST(LossObjects, SumOverBatchSizeCountsEveryLossElement) {
    // Sequence losses (2, 3): the mean is over all 6 elements.
    Tensor yt = Tensor::zeros({2, 3, 1}, strata::float64);
    Tensor yp = f64({1, 2, 3, 4, 5, 6}, {2, 3, 1});
    losses::MeanSquaredError loss({.dtype = strata::float64});
    EXPECT_DOUBLE_EQ(scalar(loss(yt, yp)), 91.0 / 6);
    // Weights (2, 3) weight each element.
    Tensor w = f64({1, 1, 1, 0, 0, 0}, {2, 3});
    EXPECT_DOUBLE_EQ(scalar(loss(yt, yp, w)), 14.0 / 6);
    // Weights (2, 1) broadcast over the time axis.
    EXPECT_DOUBLE_EQ(scalar(loss(yt, yp, f64({0, 2}, {2, 1}))), 2.0 * 77 / 6);
}

TEST(LossObjects, SampleWeightShapes) {
    Tensor yt = f64({0, 0, 0, 0}, {4, 1}), yp = f64({1, 1, 2, 2}, {4, 1});
    losses::MeanSquaredError loss({.reduction = "sum", .dtype = strata::float64});
    EXPECT_DOUBLE_EQ(scalar(loss(yt, yp, f64({1, 2, 3, 4}, {4, 1}))), 1 + 2 + 12 + 16);  // (n, 1)
    EXPECT_DOUBLE_EQ(scalar(loss(yt, yp, Tensor::scalar(2.0, strata::float64))), 20.0);  // scalar
    EXPECT_DOUBLE_EQ(scalar(loss(yt, yp, Tensor::from_vector(std::vector<std::int64_t>{1, 0, 1, 0}))), 5.0);  // ints
    try {
        loss(yt, yp, f64({1, 2, 3}, {3}));
        ADD_FAILURE() << "expected a ShapeError";
    } catch (const strata::ShapeError& e) {
        std::string m = e.what();
        EXPECT_NE(m.find("mean_squared_error"), std::string::npos) << m;
        EXPECT_NE(m.find("(3,)"), std::string::npos) << m;
        EXPECT_NE(m.find("(4,)"), std::string::npos) << m;
    }
}

TEST(LossObjects, ComputesInTheLossDtype) {
    // Keras 3: Loss.__call__ converts y_true and y_pred to the loss's dtype (floatx by default).
    Tensor l = losses::MeanSquaredError()(f64({0, 1}, {1, 2}), f64({1, 1}, {1, 2}));
    EXPECT_EQ(l.dtype(), strata::float32);
    EXPECT_EQ(l.rank(), 0);
    EXPECT_EQ(losses::MeanSquaredError({.dtype = strata::float64})(f32({0, 1}, {1, 2}), f32({1, 1}, {1, 2})).dtype(),
              strata::float64);
    EXPECT_THROW(losses::MeanSquaredError({.dtype = strata::int64}), strata::TypeError);
}

TEST(LossObjects, LossFunctionWrapperBringsRanksTogether) {
    // y_true (n,) against y_pred (n, 1): Keras expands y_true, so mse is per sample and not broadcast to (n, n).
    losses::MeanSquaredError loss({.dtype = strata::float64});
    EXPECT_DOUBLE_EQ(scalar(loss(f64({0, 0, 0}, {3}), f64({1, 2, 3}, {3, 1}))), 14.0 / 3);
    losses::SparseCategoricalCrossentropy scce;
    Tensor labels = f32({1, 2}, {2, 1});
    EXPECT_NEAR(scalar(scce(labels, kProbs)), (kRow0 + kRow1) / 2, 1e-6);
}

TEST(LossObjects, IgnoreClassMasksLabelsOutOfTheMean) {
    // Labels -1 add nothing and do not count: the mean is over the 2 valid samples.
    Tensor logits = f64({2, 0, 0, 0, 0, 0, 1, 2, 3, 9, 9, 9}, {4, 3});
    Tensor labels = Tensor::from_vector(std::vector<std::int64_t>{0, -1, 2, -1});
    double l0 = -std::log(std::exp(2.0) / (std::exp(2.0) + 2));
    double l2 = -std::log(std::exp(3.0) / (std::exp(1.0) + std::exp(2.0) + std::exp(3.0)));
    losses::SparseCategoricalCrossentropy loss({.from_logits = true, .ignore_class = -1, .dtype = strata::float64});
    EXPECT_NEAR(scalar(loss(labels, logits)), (l0 + l2) / 2, 1e-12);
    losses::SparseCategoricalCrossentropy sum({.from_logits = true, .ignore_class = -1, .reduction = "sum",
                                               .dtype = strata::float64});
    EXPECT_NEAR(scalar(sum(labels, logits)), l0 + l2, 1e-12);
    std::vector<double> none = values(losses::SparseCategoricalCrossentropy(
        {.from_logits = true, .ignore_class = -1, .reduction = "none", .dtype = strata::float64})(labels, logits));
    EXPECT_NEAR(none[0], l0, 1e-12);
    EXPECT_EQ(none[1], 0.0);
    EXPECT_NEAR(none[2], l2, 1e-12);
    EXPECT_EQ(none[3], 0.0);
    // With sample weights, the valid ones are averaged: (w0 l0 + w2 l2) / 2 valid elements.
    EXPECT_NEAR(scalar(loss(labels, logits, f64({2, 5, 1, 5}, {4}))), (2 * l0 + l2) / 2, 1e-12);
}

TEST(LossObjects, GetConfig) {
    nlohmann::json c = losses::CategoricalCrossentropy({.from_logits = true, .label_smoothing = 0.1}).get_config();
    EXPECT_EQ(c["name"], "categorical_crossentropy");
    EXPECT_EQ(c["reduction"], "sum_over_batch_size");
    EXPECT_EQ(c["from_logits"], true);
    EXPECT_DOUBLE_EQ(c["label_smoothing"].get<double>(), 0.1);
    EXPECT_EQ(c["axis"], -1);
    nlohmann::json s = losses::SparseCategoricalCrossentropy().get_config();
    EXPECT_TRUE(s["ignore_class"].is_null());
    EXPECT_EQ(s["from_logits"], false);
    EXPECT_EQ(losses::MeanSquaredError({.reduction = "sum"}).get_config(),
              (nlohmann::json{{"name", "mean_squared_error"}, {"reduction", "sum"}}));
    EXPECT_EQ(losses::BinaryCrossentropy().class_name(), "BinaryCrossentropy");
}

TEST(LossObjects, ErrorsNameTheLoss) {
    losses::CategoricalCrossentropy cce;
    try {
        cce(Tensor::zeros({8, 10}), Tensor::ones({8, 3}));
        ADD_FAILURE() << "expected a ShapeError";
    } catch (const strata::ShapeError& e) {
        EXPECT_NE(std::string(e.what()).find("(8, 10)"), std::string::npos) << e.what();
    }
    try {
        losses::MeanSquaredError({.name = "my_mse"})(Tensor(), Tensor::ones({2}));
        ADD_FAILURE() << "expected a ValueError";
    } catch (const strata::ValueError& e) {
        EXPECT_NE(std::string(e.what()).find("my_mse"), std::string::npos) << e.what();
    }
    EXPECT_THROW(losses::BinaryCrossentropy({.label_smoothing = -0.1}), strata::ValueError);
}

// A subclass writes only call(), as in Keras; weights and reductions come from the base.
class ScaledSquaredError : public losses::Loss {
public:
    ScaledSquaredError() : Loss("scaled", "sum", strata::float64) {}
    Tensor call(const Tensor& y_true, const Tensor& y_pred) const override {
        return strata::ops::sum(strata::ops::square(y_pred - y_true), {-1}) * 2.0;
    }
};

TEST(LossObjects, SubclassWritesOnlyCall) {
    ScaledSquaredError loss;
    EXPECT_EQ(loss.class_name(), "Loss");
    EXPECT_DOUBLE_EQ(scalar(loss(f64({0, 0}, {2, 1}), f64({1, 2}, {2, 1}), f64({1, 0.5}, {2}))), 2.0 + 4.0);
    losses::LossSpec spec = loss;
    EXPECT_EQ(spec.name(), "scaled");
}

// ---- Names and LossSpec ----

TEST(LossSpec, NamesResolveAsKerasDoes) {
    // A function name or alias: the function wrapped and named after the string.
    for (const char* name : {"mse", "MSE", "mean_squared_error"}) {
        std::shared_ptr<losses::Loss> l = losses::LossSpec(name).get();
        EXPECT_EQ(l->class_name(), "LossFunctionWrapper");
        EXPECT_EQ(l->name(), name);
        EXPECT_DOUBLE_EQ(scalar((*l)(f32({0, 0}, {2, 1}), f32({1, 3}, {2, 1}))), 5.0);
    }
    for (const char* name : {"mae", "MAE", "mean_absolute_error"})
        EXPECT_DOUBLE_EQ(scalar((*losses::get(name))(f32({0, 0}, {2, 1}), f32({1, 3}, {2, 1}))), 2.0);
    for (const char* name : {"bce", "BCE", "binary_crossentropy"}) EXPECT_EQ(losses::get(name)->name(), name);
    EXPECT_NEAR(scalar((*losses::get("categorical_crossentropy"))(kOneHot, kProbs)), (kRow0 + kRow1) / 2, 1e-6);
    EXPECT_NEAR(scalar((*losses::get("sparse_categorical_crossentropy"))(f32({1, 2}, {2}), kProbs)),
                (kRow0 + kRow1) / 2, 1e-6);
    // A class name: that class with its defaults.
    std::shared_ptr<losses::Loss> cls = losses::get("CategoricalCrossentropy");
    EXPECT_EQ(cls->class_name(), "CategoricalCrossentropy");
    EXPECT_EQ(cls->name(), "categorical_crossentropy");
}

TEST(LossSpec, UnknownNameListsTheKnownOnes) {
    try {
        losses::LossSpec("mean_squared_eror").get();
        ADD_FAILURE() << "expected a ValueError";
    } catch (const strata::ValueError& e) {
        std::string m = e.what();
        EXPECT_NE(m.find("mean_squared_eror"), std::string::npos) << m;
        EXPECT_NE(m.find("mean_squared_error"), std::string::npos) << m;
        EXPECT_NE(m.find("sparse_categorical_crossentropy"), std::string::npos) << m;
    }
}

TEST(LossSpec, EveryForm) {
    losses::LossSpec empty;
    EXPECT_TRUE(empty.empty());
    EXPECT_EQ(empty.get(), nullptr);

    losses::LossSpec object = losses::CategoricalCrossentropy({.from_logits = true});
    EXPECT_FALSE(object.empty());
    auto cce = std::dynamic_pointer_cast<losses::CategoricalCrossentropy>(object.get());
    ASSERT_NE(cce, nullptr);
    EXPECT_TRUE(cce->options().from_logits);

    auto shared = std::make_shared<losses::MeanAbsoluteError>();
    EXPECT_EQ(losses::LossSpec(shared).get(), shared);

    losses::LossSpec pointer = losses::mean_squared_error;
    EXPECT_EQ(pointer.get()->name(), "mean_squared_error");
    EXPECT_DOUBLE_EQ(scalar((*pointer.get())(f32({0, 0}, {2, 1}), f32({1, 3}, {2, 1}))), 5.0);

    losses::LossSpec lambda([](const Tensor& t, const Tensor& p) { return strata::ops::mean(p - t, {-1}); }, "diff");
    EXPECT_EQ(lambda.get()->name(), "diff");
    EXPECT_DOUBLE_EQ(scalar((*lambda.get())(f32({0, 0}, {2, 1}), f32({1, 3}, {2, 1}))), 2.0);
    int offset = 1;
    losses::LossSpec capturing([offset](const Tensor& t, const Tensor& p) { return strata::ops::mean(p - t, {-1}) + offset; });
    EXPECT_EQ(capturing.get()->name(), "custom");

    std::function<Tensor(const Tensor&, const Tensor&)> fn = losses::mean_absolute_error;
    EXPECT_EQ(losses::LossSpec(fn, "l1").name(), "l1");

    // What compile() receives.
    strata::CompileOptions options{.loss = "mse"};
    ASSERT_EQ(options.loss.losses().size(), 1u);
    EXPECT_FALSE(options.loss.per_output());
    EXPECT_EQ(options.loss.losses()[0].name(), "mse");
    // A list gives one loss per output, in the order of the model's outputs.
    strata::CompileOptions two{.loss = {"binary_crossentropy", losses::MeanSquaredError()}};
    ASSERT_EQ(two.loss.losses().size(), 2u);
    EXPECT_TRUE(two.loss.per_output());
    EXPECT_EQ(two.loss.losses()[1].get()->name(), "mean_squared_error");
}

TEST(LossSpec, CrossentropyShorthandResolvesFromShapes) {
    // Keras 3 compile_utils.get_loss: "crossentropy"/"ce" pick by the shapes of targets and outputs.
    auto pick = [](const char* id, Shape t, Shape p) { return losses::LossSpec(id).get(t, p); };
    auto binary = pick("crossentropy", {32, 1}, {32, 1});
    EXPECT_EQ(binary->name(), "crossentropy");
    EXPECT_NEAR(scalar((*binary)(f32({1}, {1, 1}), f32({0.25f}, {1, 1}))), -std::log(0.25), 1e-6);
    auto sparse = pick("ce", {2}, {2, 3});
    EXPECT_NEAR(scalar((*sparse)(f32({1, 2}, {2}), kProbs)), (kRow0 + kRow1) / 2, 1e-6);
    EXPECT_NEAR(scalar((*pick("CE", {2, 1}, {2, 3}))(f32({1, 2}, {2, 1}), kProbs)), (kRow0 + kRow1) / 2, 1e-6);
    EXPECT_NEAR(scalar((*pick("crossentropy", {2, 3}, {2, 3}))(kOneHot, kProbs)), (kRow0 + kRow1) / 2, 1e-6);
    // Without shapes it cannot be chosen.
    EXPECT_THROW(losses::LossSpec("crossentropy").get(), strata::ValueError);
    // Other specs ignore the shapes.
    EXPECT_EQ(pick("mse", {2}, {2, 3})->name(), "mse");
}

}  // namespace
