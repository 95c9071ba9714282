// Metrics: Keras's defaults and documented examples, accumulation over batches in double, reset_state,
// sample weights, and the functions behind the accuracies.
#include <gtest/gtest.h>

#include <strata/strata.hpp>

namespace {

using strata::Shape;
using strata::Tensor;
namespace metrics = strata::metrics;

Tensor f32(const std::vector<float>& v, const Shape& s) { return Tensor::from_vector(v, s); }
Tensor f64(const std::vector<double>& v, const Shape& s) { return Tensor::from_vector(v, s); }
Tensor i64(const std::vector<std::int64_t>& v, const Shape& s) { return Tensor::from_vector(v, s); }
std::vector<float> values(const Tensor& t) { return t.to_vector<float>(); }

TEST(Metrics, KerasDefaults) {
    // Keras 3: Mean(name="mean"), MeanMetricWrapper(fn, name=None), Accuracy(name="accuracy"),
    // BinaryAccuracy(name="binary_accuracy", dtype=None, threshold=0.5), CategoricalAccuracy(name=
    // "categorical_accuracy"), SparseCategoricalAccuracy(name="sparse_categorical_accuracy"),
    // MeanSquaredError(name="mean_squared_error"), MeanAbsoluteError(name="mean_absolute_error").
    EXPECT_EQ(metrics::Mean().name(), "mean");
    EXPECT_EQ(metrics::Accuracy().name(), "accuracy");
    EXPECT_EQ(metrics::BinaryAccuracy().name(), "binary_accuracy");
    EXPECT_EQ(metrics::BinaryAccuracy().threshold(), 0.5);
    EXPECT_EQ(metrics::CategoricalAccuracy().name(), "categorical_accuracy");
    EXPECT_EQ(metrics::SparseCategoricalAccuracy().name(), "sparse_categorical_accuracy");
    EXPECT_EQ(metrics::MeanSquaredError().name(), "mean_squared_error");
    EXPECT_EQ(metrics::MeanAbsoluteError().name(), "mean_absolute_error");
    // Keras 3: BinaryCrossentropy(name="binary_crossentropy", dtype=None, from_logits=False,
    // label_smoothing=0); CategoricalCrossentropy(..., axis=-1); SparseCategoricalCrossentropy(..., axis=-1).
    metrics::BinaryCrossentropyOptions bce;
    EXPECT_EQ(bce.name, "binary_crossentropy");
    EXPECT_FALSE(bce.from_logits);
    EXPECT_EQ(bce.label_smoothing, 0.0);
    metrics::CategoricalCrossentropyOptions cce;
    EXPECT_EQ(cce.name, "categorical_crossentropy");
    EXPECT_EQ(cce.axis, -1);
    metrics::SparseCategoricalCrossentropyOptions scce;
    EXPECT_EQ(scce.name, "sparse_categorical_crossentropy");
    EXPECT_EQ(scce.axis, -1);
    // dtype=None means floatx(), float32.
    EXPECT_EQ(metrics::Accuracy().dtype(), strata::float32);
}

TEST(Metrics, MeanKerasDocExample) {
    // keras.metrics.Mean docstring: [1, 3, 5, 7] -> 4; with sample_weight [1, 1, 0, 0] -> 2.
    metrics::Mean m;
    EXPECT_EQ(m.result(), 0.0);  // nothing seen: divide_no_nan gives 0
    m.update_state(f32({1, 3, 5, 7}, {4}));
    EXPECT_DOUBLE_EQ(m.result(), 4.0);
    m.reset_state();
    EXPECT_EQ(m.result(), 0.0);
    m.update_state(f32({1, 3, 5, 7}, {4}), f32({1, 1, 0, 0}, {4}));
    EXPECT_DOUBLE_EQ(m.result(), 2.0);
}

TEST(Metrics, MeanAccumulatesAcrossUpdatesInDouble) {
    metrics::Mean m;
    m.update_state(f32({1, 2}, {2}));
    m.update_state(f64({6}, {1}), f64({3}, {1}));
    m.update(10.0, 0.5);
    m.update(2.0);
    // (1 + 2 + 6 * 3 + 10 * 0.5 + 2) / (2 + 3 + 0.5 + 1)
    EXPECT_DOUBLE_EQ(m.total(), 28.0);
    EXPECT_DOUBLE_EQ(m.count(), 6.5);
    EXPECT_DOUBLE_EQ(m.result(), 28.0 / 6.5);
    // Many small float32 batch values summed in double keep full precision.
    metrics::Mean many;
    for (int i = 0; i < 100000; ++i) many.update(0.1);
    EXPECT_NEAR(many.result(), 0.1, 1e-12);
}

TEST(Metrics, MeanReducesValuesToOnePerSample) {
    // Values (2, 2) are averaged per sample before the weighted mean, as Keras's reduce_to_samplewise_values.
    metrics::Mean m;
    m.update_state(f32({1, 3, 10, 20}, {2, 2}), f32({1, 0}, {2}));
    EXPECT_DOUBLE_EQ(m.result(), 2.0);
    EXPECT_DOUBLE_EQ(m.count(), 1.0);
    // Scalar values count as one sample.
    metrics::Mean s;
    s.update_state(Tensor::scalar(3.0));
    s.update_state(Tensor::scalar(5.0), Tensor::scalar(3.0));
    EXPECT_DOUBLE_EQ(s.result(), (3.0 + 15.0) / 4.0);
    // A weight that does not broadcast is a ShapeError naming the metric.
    try {
        m.update_state(f32({1, 2, 3}, {3}), f32({1, 2}, {2}));
        ADD_FAILURE() << "expected a ShapeError";
    } catch (const strata::ShapeError& e) {
        EXPECT_NE(std::string(e.what()).find("mean"), std::string::npos) << e.what();
    }
    // Mean has no (y_true, y_pred) form.
    metrics::Metric& base = m;
    EXPECT_THROW(base.update_state(f32({1}, {1}), f32({1}, {1})), strata::ValueError);
}

TEST(Metrics, AccuracyKerasDocExample) {
    metrics::Accuracy m;
    m.update_state(f32({1, 2, 3, 4}, {4, 1}), f32({0, 2, 3, 4}, {4, 1}));
    EXPECT_DOUBLE_EQ(m.result(), 0.75);
    m.reset_state();
    m.update_state(f32({1, 2, 3, 4}, {4, 1}), f32({0, 2, 3, 4}, {4, 1}), f32({1, 1, 0, 0}, {4}));
    EXPECT_DOUBLE_EQ(m.result(), 0.5);
}

TEST(Metrics, BinaryAccuracyKerasDocExample) {
    metrics::BinaryAccuracy m;
    m.update_state(f32({1, 1, 0, 0}, {4, 1}), f32({0.98f, 1, 0, 0.6f}, {4, 1}));
    EXPECT_DOUBLE_EQ(m.result(), 0.75);
    m.reset_state();
    m.update_state(f32({1, 1, 0, 0}, {4, 1}), f32({0.98f, 1, 0, 0.6f}, {4, 1}), f32({1, 0, 0, 1}, {4}));
    EXPECT_DOUBLE_EQ(m.result(), 0.5);
    // The threshold is strict (y_pred > threshold) and configurable.
    metrics::BinaryAccuracy high({.threshold = 0.7});
    high.update_state(f32({1, 0, 1}, {3, 1}), f32({0.7f, 0.6f, 0.9f}, {3, 1}));
    EXPECT_DOUBLE_EQ(high.result(), 2.0 / 3);
    EXPECT_THROW(metrics::BinaryAccuracy({.threshold = 1.0}), strata::ValueError);
    EXPECT_THROW(metrics::BinaryAccuracy({.threshold = 0.0}), strata::ValueError);
}

TEST(Metrics, CategoricalAccuracyKerasDocExample) {
    metrics::CategoricalAccuracy m;
    Tensor yt = f32({0, 0, 1, 0, 1, 0}, {2, 3}), yp = f32({0.1f, 0.9f, 0.8f, 0.05f, 0.95f, 0}, {2, 3});
    m.update_state(yt, yp);
    EXPECT_DOUBLE_EQ(m.result(), 0.5);
    m.reset_state();
    m.update_state(yt, yp, f32({0.7f, 0.3f}, {2}));
    EXPECT_NEAR(m.result(), 0.3, 1e-7);
}

TEST(Metrics, SparseCategoricalAccuracyKerasDocExample) {
    metrics::SparseCategoricalAccuracy m;
    Tensor yp = f32({0.1f, 0.6f, 0.3f, 0.05f, 0.95f, 0}, {2, 3});
    m.update_state(f32({2, 1}, {2, 1}), yp);
    EXPECT_DOUBLE_EQ(m.result(), 0.5);
    m.reset_state();
    m.update_state(f32({2, 1}, {2, 1}), yp, f32({0.7f, 0.3f}, {2}));
    EXPECT_NEAR(m.result(), 0.3, 1e-7);
    // Integer labels of shape (n,) work the same.
    metrics::SparseCategoricalAccuracy ints;
    ints.update_state(i64({2, 1}, {2}), yp);
    EXPECT_DOUBLE_EQ(ints.result(), 0.5);
}

TEST(Metrics, AccuracyFunctionsGiveOneMatchPerSample) {
    Tensor yp = f32({0.1f, 0.6f, 0.3f, 0.05f, 0.95f, 0, 0.5f, 0.2f, 0.3f}, {3, 3});
    EXPECT_EQ(values(metrics::sparse_categorical_accuracy(i64({1, 0, 0}, {3}), yp)), (std::vector<float>{1, 0, 1}));
    EXPECT_EQ(values(metrics::sparse_categorical_accuracy(i64({1, 0, 0}, {3, 1}), yp)), (std::vector<float>{1, 0, 1}));
    EXPECT_EQ(metrics::sparse_categorical_accuracy(i64({1, 0, 0}, {3, 1}), yp).shape(), Shape({3}));
    Tensor one_hot = f32({0, 1, 0, 1, 0, 0, 1, 0, 0}, {3, 3});
    EXPECT_EQ(values(metrics::categorical_accuracy(one_hot, yp)), (std::vector<float>{1, 0, 1}));
    EXPECT_EQ(values(metrics::binary_accuracy(f32({1, 0}, {2, 1}), f32({0.5f, 0.4f}, {2, 1}))),
              (std::vector<float>{0, 1}));
    EXPECT_EQ(values(metrics::accuracy(f32({1, 2, 1, 2}, {2, 2}), f32({1, 2, 2, 2}, {2, 2}))),
              (std::vector<float>{1, 0.5f}));
    EXPECT_EQ(metrics::accuracy(f32({1, 2}, {2, 1}), f32({1, 2}, {2, 1})).dtype(), strata::float32);
}

TEST(Metrics, AccumulateAcrossBatchesAndReset) {
    metrics::SparseCategoricalAccuracy m;
    Tensor yp = f32({0.9f, 0.1f, 0.2f, 0.8f}, {2, 2});
    m.update_state(i64({0, 1}, {2}), yp);  // 2 of 2
    m.update_state(i64({1, 1}, {2}), yp);  // 1 of 2
    m.update_state(i64({1, 0}, {2}), yp, f32({2, 2}, {2}));  // 0 of 4 weighted
    EXPECT_DOUBLE_EQ(m.result(), 3.0 / 8);
    m.reset_state();
    EXPECT_EQ(m.result(), 0.0);
    m.update_state(i64({0, 0}, {2}), yp);
    EXPECT_DOUBLE_EQ(m.result(), 0.5);
}

TEST(Metrics, RegressionKerasDocExamples) {
    // keras.metrics.MeanSquaredError docstring: 0.25, and 0.5 with sample_weight [1, 0].
    Tensor yt = f32({0, 1, 0, 0}, {2, 2}), yp = f32({1, 1, 0, 0}, {2, 2});
    metrics::MeanSquaredError mse;
    mse.update_state(yt, yp);
    EXPECT_DOUBLE_EQ(mse.result(), 0.25);
    mse.reset_state();
    mse.update_state(yt, yp, f32({1, 0}, {2}));
    EXPECT_DOUBLE_EQ(mse.result(), 0.5);
    metrics::MeanAbsoluteError mae;
    mae.update_state(yt, yp);
    EXPECT_DOUBLE_EQ(mae.result(), 0.25);
}

TEST(Metrics, CrossentropyKerasDocExamples) {
    // keras.metrics.CategoricalCrossentropy docstring: 1.1769392, and 1.6271976 with sample_weight [0.3, 0.7]
    // (a weighted mean, unlike the loss's sum over the batch size).
    Tensor yt = f32({0, 1, 0, 0, 0, 1}, {2, 3}), yp = f32({0.05f, 0.95f, 0, 0.1f, 0.8f, 0.1f}, {2, 3});
    metrics::CategoricalCrossentropy cce;
    cce.update_state(yt, yp);
    EXPECT_NEAR(cce.result(), 1.1769392, 1e-5);
    cce.reset_state();
    cce.update_state(yt, yp, f32({0.3f, 0.7f}, {2}));
    EXPECT_NEAR(cce.result(), 1.6271976, 1e-5);
    metrics::SparseCategoricalCrossentropy scce;
    scce.update_state(f32({1, 2}, {2}), yp);
    EXPECT_NEAR(scce.result(), 1.1769392, 1e-5);
    // keras.metrics.BinaryCrossentropy docstring: 0.81492424, and 0.9162905 with sample_weight [1, 0].
    metrics::BinaryCrossentropy bce;
    Tensor bt = f32({0, 1, 0, 0}, {2, 2}), bp = f32({0.6f, 0.4f, 0.4f, 0.6f}, {2, 2});
    bce.update_state(bt, bp);
    EXPECT_NEAR(bce.result(), 0.81492424, 1e-5);
    bce.reset_state();
    bce.update_state(bt, bp, f32({1, 0}, {2}));
    EXPECT_NEAR(bce.result(), 0.9162905, 1e-5);
}

TEST(Metrics, UpdatingRecordsNoGradient) {
    Tensor yp = f64({0.2, 0.8}, {1, 2});
    yp.set_requires_grad(true);
    metrics::MeanSquaredError m;
    m.update_state(f64({0, 1}, {1, 2}), yp);
    EXPECT_NEAR(m.result(), 0.04, 1e-12);
}

TEST(Metrics, GetConfig) {
    EXPECT_EQ(metrics::Accuracy().get_config(), (nlohmann::json{{"name", "accuracy"}, {"dtype", "float32"}}));
    nlohmann::json b = metrics::BinaryAccuracy({.threshold = 0.3}).get_config();
    EXPECT_DOUBLE_EQ(b["threshold"].get<double>(), 0.3);
    EXPECT_EQ(metrics::CategoricalCrossentropy({.from_logits = true}).get_config()["from_logits"], true);
    EXPECT_EQ(metrics::SparseCategoricalAccuracy().class_name(), "SparseCategoricalAccuracy");
}

TEST(Metrics, ShapeErrorsNameTheMetricAndBothShapes) {
    metrics::Accuracy m;
    try {
        m.update_state(Tensor::zeros({8, 10}), Tensor::zeros({8, 3}));
        ADD_FAILURE() << "expected a ShapeError";
    } catch (const strata::ShapeError& e) {
        std::string s = e.what();
        EXPECT_NE(s.find("accuracy"), std::string::npos) << s;
        EXPECT_NE(s.find("(8, 10)"), std::string::npos) << s;
        EXPECT_NE(s.find("(8, 3)"), std::string::npos) << s;
    }
    metrics::MeanSquaredError mse;
    EXPECT_THROW(mse.update_state(Tensor::zeros({8, 10}), Tensor::zeros({8, 3})), strata::ShapeError);
    EXPECT_EQ(mse.result(), 0.0);  // a failed update adds nothing
}

// ---- compile()'s resolution ----

TEST(MetricSpec, AccuracyResolvesFromShapes) {
    // Keras 3 compile_utils.get_metric: "accuracy" by the shapes of targets and outputs, keeping the name.
    struct Case {
        Shape y_true, y_pred;
        std::string cls;
    };
    const std::int64_t n = 32;
    for (const Case& c : std::vector<Case>{{{n, 10}, {n, 10}, "CategoricalAccuracy"},
                                           {{n}, {n, 10}, "SparseCategoricalAccuracy"},
                                           {{n, 1}, {n, 10}, "SparseCategoricalAccuracy"},
                                           {{n, 1}, {n, 1}, "BinaryAccuracy"},
                                           {{n}, {n, 1}, "BinaryAccuracy"},
                                           {{-1, 10}, {-1, 10}, "CategoricalAccuracy"}}) {
        for (const char* id : {"accuracy", "acc", "Accuracy", "ACC"}) {
            std::shared_ptr<metrics::Metric> m = metrics::get(id, c.y_true, c.y_pred);
            EXPECT_EQ(m->class_name(), c.cls) << id << " " << c.y_true.to_string() << " " << c.y_pred.to_string();
            EXPECT_EQ(m->name(), id);
        }
    }
}

TEST(MetricSpec, NamesResolveAndTakeTheStringAsName) {
    auto m = metrics::get("mse", {4, 1}, {4, 1});
    EXPECT_EQ(m->class_name(), "MeanSquaredError");
    EXPECT_EQ(m->name(), "mse");
    EXPECT_EQ(metrics::get("mean_absolute_error", {4, 1}, {4, 1})->class_name(), "MeanAbsoluteError");
    EXPECT_EQ(metrics::get("MAE", {4, 1}, {4, 1})->name(), "MAE");
    EXPECT_EQ(metrics::get("categorical_accuracy", {4, 3}, {4, 3})->class_name(), "CategoricalAccuracy");
    EXPECT_EQ(metrics::get("SparseCategoricalAccuracy", {4}, {4, 3})->name(), "SparseCategoricalAccuracy");
    EXPECT_EQ(metrics::get("bce", {4, 1}, {4, 1})->class_name(), "BinaryCrossentropy");
    // keras.metrics.get("accuracy") alone is Accuracy.
    EXPECT_EQ(metrics::get("accuracy")->class_name(), "Accuracy");
    try {
        metrics::get("accuracyy", {4, 1}, {4, 1});
        ADD_FAILURE() << "expected a ValueError";
    } catch (const strata::ValueError& e) {
        std::string s = e.what();
        EXPECT_NE(s.find("accuracyy"), std::string::npos) << s;
        EXPECT_NE(s.find("sparse_categorical_accuracy"), std::string::npos) << s;
    }
}

TEST(MetricSpec, EveryForm) {
    // An object is used as it is, keeping its own name.
    auto shared = std::make_shared<metrics::BinaryAccuracy>(metrics::BinaryAccuracyOptions{.name = "acc50"});
    EXPECT_EQ(metrics::get(metrics::MetricSpec(shared), {4, 1}, {4, 1}), shared);
    metrics::MetricSpec copied = metrics::CategoricalAccuracy({.name = "top1"});
    EXPECT_EQ(copied.name(), "top1");
    EXPECT_EQ(metrics::get(copied, {4, 3}, {4, 3})->name(), "top1");
    // Functions are averaged by a MeanMetricWrapper named after them.
    metrics::MetricSpec pointer = strata::losses::mean_absolute_error;
    auto wrapped = metrics::get(pointer, {2, 1}, {2, 1});
    EXPECT_EQ(wrapped->name(), "mean_absolute_error");
    wrapped->update_state(f32({0, 0}, {2, 1}), f32({1, 3}, {2, 1}));
    EXPECT_DOUBLE_EQ(wrapped->result(), 2.0);
    metrics::MetricSpec lambda([](const Tensor& t, const Tensor& p) { return strata::ops::mean(p - t, {-1}); }, "bias");
    EXPECT_EQ(metrics::get(lambda, {2, 1}, {2, 1})->name(), "bias");
    // What compile() receives.
    strata::CompileOptions options{.loss = "mse", .metrics = {"accuracy", metrics::MeanAbsoluteError()}};
    ASSERT_EQ(options.metrics.size(), 2u);
    EXPECT_EQ(options.metrics[0].name(), "accuracy");
    EXPECT_EQ(options.metrics[1].name(), "mean_absolute_error");
}

}  // namespace
