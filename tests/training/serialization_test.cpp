// Optimizers, losses and metrics to and from Keras configs, and the compile config of .keras archives.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <strata/strata.hpp>

#include "strata/training/loss_functions.hpp"
#include "strata/training/metrics/confusion.hpp"
#include "strata/training/metrics/f_score.hpp"
#include "strata/training/metrics/iou.hpp"
#include "strata/training/metrics/regression_more.hpp"
#include "strata/training/metrics/top_k.hpp"
#include "strata/training/optimizers/adadelta.hpp"
#include "strata/training/optimizers/adagrad.hpp"
#include "strata/training/optimizers/adam.hpp"
#include "strata/training/optimizers/adamax.hpp"
#include "strata/training/optimizers/adamw.hpp"
#include "strata/training/optimizers/ftrl.hpp"
#include "strata/training/optimizers/lion.hpp"
#include "strata/training/optimizers/nadam.hpp"
#include "strata/training/optimizers/rmsprop.hpp"
#include "strata/training/optimizers/sgd.hpp"
#include "strata/training/serialization.hpp"

namespace strata {
namespace {

using nlohmann::json;

// The compile configs of the Keras 3 archives in the fixtures, as Keras wrote them.
// cnn_fashion_mnist_keras3, config.json["compile_config"]
constexpr const char* k_cnn_fashion_mnist = R"json(
    {"optimizer": {"module": "keras.optimizers", "class_name": "Adam", "config": {"name": "adam",
    "learning_rate": 0.0010000000474974513, "weight_decay": null, "clipnorm": null, "global_clipnorm": null,
    "clipvalue": null, "use_ema": false, "ema_momentum": 0.99, "ema_overwrite_frequency": null,
    "loss_scale_factor": null, "gradient_accumulation_steps": null, "beta_1": 0.9, "beta_2": 0.999,
    "epsilon": 1e-07, "amsgrad": false}, "registered_name": null}, "loss": "sparse_categorical_crossentropy",
    "loss_weights": null, "metrics": ["accuracy"], "weighted_metrics": null, "run_eagerly": false,
    "steps_per_execution": 1, "jit_compile": true})json";

// embedding_simplernn_spam_keras3, config.json["compile_config"]
constexpr const char* k_embedding_simplernn_spam = R"json(
    {"optimizer": {"module": "keras.optimizers", "class_name": "Adam", "config": {"name": "adam",
    "learning_rate": 0.0010000000474974513, "weight_decay": null, "clipnorm": null, "global_clipnorm": null,
    "clipvalue": null, "use_ema": false, "ema_momentum": 0.99, "ema_overwrite_frequency": null,
    "loss_scale_factor": null, "gradient_accumulation_steps": null, "beta_1": 0.9, "beta_2": 0.999,
    "epsilon": 1e-07, "amsgrad": false}, "registered_name": null}, "loss": "binary_crossentropy",
    "loss_weights": null, "metrics": ["accuracy"], "weighted_metrics": null, "run_eagerly": false,
    "steps_per_execution": 1, "jit_compile": false})json";

// functional_bn_dropout_saheart_keras3, config.json["compile_config"]
constexpr const char* k_functional_bn_dropout_saheart = R"json(
    {"optimizer": {"module": "keras.optimizers", "class_name": "Adam", "config": {"name": "adam",
    "learning_rate": 0.0010000000474974513, "weight_decay": null, "clipnorm": null, "global_clipnorm": null,
    "clipvalue": null, "use_ema": false, "ema_momentum": 0.99, "ema_overwrite_frequency": null,
    "loss_scale_factor": null, "gradient_accumulation_steps": null, "beta_1": 0.9, "beta_2": 0.999,
    "epsilon": 1e-07, "amsgrad": false}, "registered_name": null}, "loss": "binary_crossentropy",
    "loss_weights": null, "metrics": [{"module": "keras.metrics", "class_name": "AUC", "config": {"name": "auc",
    "dtype": "float32", "num_thresholds": 200, "curve": "ROC", "summation_method": "interpolation",
    "multi_label": false, "num_labels": null, "label_weights": null, "from_logits": false},
    "registered_name": null}], "weighted_metrics": null, "run_eagerly": false, "steps_per_execution": 1,
    "jit_compile": false})json";

// gru_forecast_keras3, config.json["compile_config"]
constexpr const char* k_gru_forecast = R"json(
    {"optimizer": {"module": "keras.optimizers", "class_name": "Adam", "config": {"name": "adam_1",
    "learning_rate": 0.0015477559063583612, "weight_decay": null, "clipnorm": null, "global_clipnorm": null,
    "clipvalue": null, "use_ema": false, "ema_momentum": 0.99, "ema_overwrite_frequency": null,
    "loss_scale_factor": null, "gradient_accumulation_steps": null, "beta_1": 0.9, "beta_2": 0.999,
    "epsilon": 1e-07, "amsgrad": false}, "registered_name": null}, "loss": "mean_squared_error",
    "loss_weights": null, "metrics": null, "weighted_metrics": null, "run_eagerly": false,
    "steps_per_execution": 1, "jit_compile": false})json";

// lstm_stock_keras3, config.json["compile_config"]
constexpr const char* k_lstm_stock = R"json(
    {"optimizer": {"module": "keras.optimizers", "class_name": "Adam", "config": {"name": "adam",
    "learning_rate": 0.0010000000474974513, "weight_decay": null, "clipnorm": null, "global_clipnorm": null,
    "clipvalue": null, "use_ema": false, "ema_momentum": 0.99, "ema_overwrite_frequency": null,
    "loss_scale_factor": null, "gradient_accumulation_steps": null, "beta_1": 0.9, "beta_2": 0.999,
    "epsilon": 1e-07, "amsgrad": false}, "registered_name": null}, "loss": "mse", "loss_weights": null,
    "metrics": ["mse", "r2_score"], "weighted_metrics": null, "run_eagerly": false, "steps_per_execution": 1,
    "jit_compile": false})json";

// mlp_bn_dropout_diabetes_keras3, config.json["compile_config"]
constexpr const char* k_mlp_bn_dropout_diabetes = R"json(
    {"optimizer": {"module": "keras.optimizers", "class_name": "Adam", "config": {"name": "adam",
    "learning_rate": {"module": "keras.optimizers.schedules", "class_name": "CosineDecay",
    "config": {"initial_learning_rate": 0.001, "decay_steps": 1000, "alpha": 0.01, "name": "CosineDecay",
    "warmup_target": null, "warmup_steps": 0}, "registered_name": null}, "weight_decay": null, "clipnorm": null,
    "global_clipnorm": null, "clipvalue": null, "use_ema": false, "ema_momentum": 0.99,
    "ema_overwrite_frequency": null, "loss_scale_factor": null, "gradient_accumulation_steps": null, "beta_1": 0.9,
    "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": false}, "registered_name": null},
    "loss": "categorical_crossentropy", "loss_weights": null, "metrics": ["accuracy", "Precision", "Recall"],
    "weighted_metrics": null, "run_eagerly": false, "steps_per_execution": 1, "jit_compile": true})json";

// mlp_churn_keras3, config.json["compile_config"]
constexpr const char* k_mlp_churn = R"json(
    {"optimizer": {"module": "keras.optimizers", "class_name": "Adam", "config": {"name": "adam",
    "learning_rate": 0.009999999776482582, "weight_decay": null, "clipnorm": null, "global_clipnorm": null,
    "clipvalue": null, "use_ema": false, "ema_momentum": 0.99, "ema_overwrite_frequency": null,
    "loss_scale_factor": null, "gradient_accumulation_steps": null, "beta_1": 0.9, "beta_2": 0.999,
    "epsilon": 1e-07, "amsgrad": false}, "registered_name": null}, "loss": {"module": "keras.losses",
    "class_name": "BinaryCrossentropy", "config": {"name": "binary_crossentropy",
    "reduction": "sum_over_batch_size", "from_logits": false, "label_smoothing": 0.0, "axis": -1},
    "registered_name": null}, "loss_weights": null, "metrics": ["accuracy"], "weighted_metrics": null,
    "run_eagerly": false, "steps_per_execution": 1, "jit_compile": false})json";

// evil_npz_pickle, config.json["compile_config"]
constexpr const char* k_evil_npz_pickle = R"json(
    {"optimizer": {"module": "keras.optimizers", "class_name": "RMSprop", "config": {"name": "rmsprop",
    "learning_rate": 0.0010000000474974513, "weight_decay": null, "clipnorm": null, "global_clipnorm": null,
    "clipvalue": null, "use_ema": false, "ema_momentum": 0.99, "ema_overwrite_frequency": null,
    "loss_scale_factor": null, "gradient_accumulation_steps": null, "rho": 0.9, "momentum": 0.0, "epsilon": 1e-07,
    "centered": false}, "registered_name": null}, "loss": null, "loss_weights": null, "metrics": null,
    "weighted_metrics": null, "run_eagerly": false, "steps_per_execution": 1, "jit_compile": false})json";

// Expects `call` to throw ValueError with every piece of `parts` in its message.
void expect_value_error(const std::function<void()>& call, const std::vector<std::string>& parts) {
    try {
        call();
        ADD_FAILURE() << "expected a ValueError";
    } catch (const ValueError& e) {
        const std::string message = e.what();
        for (const auto& part : parts) EXPECT_NE(message.find(part), std::string::npos) << message;
    }
}

// ---- Optimizers ----

// The variable after two steps of `optimizer` on fixed gradients.
std::vector<float> two_steps(optimizers::Optimizer& optimizer) {
    Tensor w = Tensor::from_vector<float>({1.0f, -2.0f, 3.0f, 0.5f}, {4});
    optimizer.apply_gradients({Tensor::from_vector<float>({0.1f, -0.4f, 0.9f, 0.0f}, {4})}, {w});
    optimizer.apply_gradients({Tensor::from_vector<float>({-0.3f, 0.2f, 0.5f, 1.2f}, {4})}, {w});
    return w.to_vector<float>();
}

void expect_optimizer_round_trip(const std::shared_ptr<optimizers::Optimizer>& original) {
    SCOPED_TRACE(original->class_name());
    json serialized = optimizers::serialize(*original);
    EXPECT_EQ(serialized["module"], "keras.optimizers");
    EXPECT_EQ(serialized["class_name"], original->class_name());
    EXPECT_TRUE(serialized["registered_name"].is_null());
    std::shared_ptr<optimizers::Optimizer> copy = optimizers::deserialize(serialized);
    ASSERT_TRUE(copy);
    EXPECT_EQ(optimizers::serialize(*copy), serialized);
    // The same update on the same gradients.
    EXPECT_EQ(two_steps(*copy), two_steps(*original));
}

TEST(OptimizerSerializationTest, EveryOptimizerRoundTripsAndUpdatesTheSame) {
    using namespace optimizers;
    expect_optimizer_round_trip(
        std::make_shared<SGD>(0.05, SGDOptions{.momentum = 0.9, .nesterov = true, .clipnorm = 1.0, .name = "sgd_a"}));
    expect_optimizer_round_trip(std::make_shared<RMSprop>(
        0.01, RMSpropOptions{.rho = 0.8, .momentum = 0.1, .epsilon = 1e-6, .centered = true, .clipvalue = 0.5}));
    expect_optimizer_round_trip(std::make_shared<Adam>(0.02, AdamOptions{.beta_1 = 0.8,
                                                                         .beta_2 = 0.99,
                                                                         .amsgrad = true,
                                                                         .weight_decay = 0.01,
                                                                         .use_ema = true,
                                                                         .ema_momentum = 0.9,
                                                                         .ema_overwrite_frequency = 2}));
    expect_optimizer_round_trip(std::make_shared<AdamW>(0.01, AdamWOptions{.weight_decay = 0.02, .beta_1 = 0.85}));
    expect_optimizer_round_trip(std::make_shared<Adamax>(0.03, AdamaxOptions{.beta_2 = 0.98, .global_clipnorm = 0.7}));
    expect_optimizer_round_trip(std::make_shared<Nadam>(0.01, NadamOptions{.beta_1 = 0.85, .epsilon = 1e-5}));
    expect_optimizer_round_trip(
        std::make_shared<Adagrad>(0.1, AdagradOptions{.initial_accumulator_value = 0.2, .loss_scale_factor = 4.0}));
    expect_optimizer_round_trip(std::make_shared<Adadelta>(1.0, AdadeltaOptions{.rho = 0.9}));
    expect_optimizer_round_trip(std::make_shared<Ftrl>(0.1, FtrlOptions{.learning_rate_power = -0.6,
                                                                        .l1_regularization_strength = 0.01,
                                                                        .l2_regularization_strength = 0.02,
                                                                        .l2_shrinkage_regularization_strength = 0.03,
                                                                        .beta = 0.1}));
    expect_optimizer_round_trip(std::make_shared<Lion>(0.001, LionOptions{.beta_1 = 0.95}));
    expect_optimizer_round_trip(std::make_shared<SGD>(0.1, SGDOptions{.gradient_accumulation_steps = 2}));
}

TEST(OptimizerSerializationTest, ScheduleRoundTripsAndDecaysTheSame) {
    auto schedule = std::make_shared<optimizers::schedules::CosineDecay>(
        0.1, optimizers::schedules::CosineDecayOptions{.decay_steps = 3, .alpha = 0.01});
    auto adam = std::make_shared<optimizers::Adam>(schedule);
    json serialized = optimizers::serialize(*adam);
    EXPECT_EQ(serialized["config"]["learning_rate"]["class_name"], "CosineDecay");
    expect_optimizer_round_trip(adam);
    EXPECT_TRUE(optimizers::deserialize(serialized)->learning_rate_schedule());
}

TEST(OptimizerSerializationTest, ReadsKerasConfigAsWritten) {
    // Keras 3 writes the float32 learning-rate variable's value; strata keeps it as written.
    std::shared_ptr<optimizers::Optimizer> adam =
        optimizers::deserialize(json::parse(k_cnn_fashion_mnist)["optimizer"]);
    EXPECT_EQ(adam->class_name(), "Adam");
    EXPECT_EQ(adam->name(), "adam");
    EXPECT_EQ(adam->learning_rate(), 0.0010000000474974513);
    EXPECT_EQ(optimizers::serialize(*adam), json::parse(k_cnn_fashion_mnist)["optimizer"]);
    // The short form, any case, missing keys at the class's defaults (Keras: SGD(learning_rate=0.01)).
    auto sgd = optimizers::deserialize(json{{"class_name", "sgd"}, {"config", {{"momentum", 0.5}}}});
    EXPECT_EQ(sgd->class_name(), "SGD");
    EXPECT_DOUBLE_EQ(sgd->learning_rate(), 0.01);
    EXPECT_EQ(sgd->get_config()["momentum"], 0.5);
    EXPECT_EQ(sgd->name(), "SGD");
    // Keras 3: "Argument `decay` is no longer supported and will be ignored."
    EXPECT_NO_THROW(optimizers::deserialize(json{{"class_name", "Adam"}, {"config", {{"decay", 0.01}}}}));
}

TEST(OptimizerSerializationTest, Refusals) {
    expect_value_error(
        [] {
            optimizers::deserialize(json{{"class_name", "Yogi"}, {"config", json::object()}});
        },
        {"optimizers.deserialize", "unknown optimizer class \"Yogi\""});
    // Keras: ValueError("Argument(s) not recognized").
    expect_value_error(
        [] {
            optimizers::deserialize(json{{"class_name", "Adam"}, {"config", {{"beta_3", 0.5}}}});
        },
        {"Adam", "not recognized", "beta_3"});
    expect_value_error(
        [] {
            optimizers::deserialize(json{{"class_name", "Adam"}, {"config", {{"beta_1", "high"}}}});
        },
        {"Adam", "beta_1", "a number", "\"high\""});
    expect_value_error(
        [] {
            optimizers::deserialize(json{{"module", "my_optimizers"},
                                         {"class_name", "Fancy"},
                                         {"config", json::object()},
                                         {"registered_name", "Custom>Fancy"}});
        },
        {"Fancy", "my_optimizers", "custom"});
    expect_value_error(
        [] {
            optimizers::deserialize(json{{"module", "keras.optimizers"},
                                         {"class_name", "Adam"},
                                         {"config", json::object()},
                                         {"registered_name", "Custom>Adam"}});
        },
        {"Adam", "registered_name", "Custom>Adam"});
    expect_value_error(
        [] {
            optimizers::deserialize(
                json{{"class_name", "Adam"},
                     {"config", {{"learning_rate", {{"class_name", "WarmUp"}, {"config", json::object()}}}}}});
        },
        {"Adam", "learning_rate", "WarmUp"});
}

// ---- Losses ----

struct LossData {
    Tensor y_true, y_pred, labels;
};

LossData loss_data() {
    return {Tensor::from_vector<float>({0, 1, 0, 1, 0, 0}, {2, 3}),
            Tensor::from_vector<float>({0.2f, 0.7f, 0.1f, 0.5f, 0.3f, 0.2f}, {2, 3}),
            Tensor::from_vector<float>({1, 0}, {2})};
}

void expect_loss_round_trip(const std::shared_ptr<losses::Loss>& original, bool sparse = false) {
    SCOPED_TRACE(original->class_name());
    json serialized = losses::serialize(*original);
    EXPECT_EQ(serialized["module"], "keras.losses");
    EXPECT_EQ(serialized["class_name"], original->class_name());
    std::shared_ptr<losses::Loss> copy = losses::deserialize(serialized);
    ASSERT_TRUE(copy);
    EXPECT_EQ(copy->class_name(), original->class_name());
    EXPECT_EQ(losses::serialize(*copy), serialized);
    LossData d = loss_data();
    const Tensor& t = sparse ? d.labels : d.y_true;
    EXPECT_EQ((*copy)(t, d.y_pred).item<float>(), (*original)(t, d.y_pred).item<float>());
}

TEST(LossSerializationTest, EveryLossRoundTripsAndComputesTheSame) {
    using namespace losses;
    expect_loss_round_trip(
        std::make_shared<MeanSquaredError>(MeanSquaredErrorOptions{.reduction = "sum", .name = "l2"}));
    expect_loss_round_trip(std::make_shared<MeanAbsoluteError>());
    expect_loss_round_trip(std::make_shared<LogCosh>());
    expect_loss_round_trip(std::make_shared<Poisson>(PoissonOptions{.reduction = "mean"}));
    expect_loss_round_trip(std::make_shared<KLDivergence>());
    expect_loss_round_trip(std::make_shared<Hinge>());
    expect_loss_round_trip(std::make_shared<SquaredHinge>());
    expect_loss_round_trip(std::make_shared<CategoricalHinge>());
    expect_loss_round_trip(std::make_shared<MeanSquaredLogarithmicError>());
    expect_loss_round_trip(std::make_shared<MeanAbsolutePercentageError>());
    expect_loss_round_trip(std::make_shared<CategoricalCrossentropy>(
        CategoricalCrossentropyOptions{.from_logits = true, .label_smoothing = 0.1}));
    expect_loss_round_trip(std::make_shared<SparseCategoricalCrossentropy>(
                               SparseCategoricalCrossentropyOptions{.from_logits = true, .ignore_class = 2}),
                           true);
    expect_loss_round_trip(std::make_shared<BinaryCrossentropy>(BinaryCrossentropyOptions{.label_smoothing = 0.2}));
    expect_loss_round_trip(std::make_shared<Huber>(HuberOptions{.delta = 0.3}));
    expect_loss_round_trip(std::make_shared<CosineSimilarity>(CosineSimilarityOptions{.axis = 1}));
    expect_loss_round_trip(std::make_shared<CategoricalFocalCrossentropy>(
        CategoricalFocalCrossentropyOptions{.alpha = 0.5, .gamma = 1.5, .label_smoothing = 0.1}));
    expect_loss_round_trip(std::make_shared<BinaryFocalCrossentropy>(
        BinaryFocalCrossentropyOptions{.apply_class_balancing = true, .alpha = 0.4, .gamma = 3.0}));
}

TEST(LossSerializationTest, ReadsKerasForms) {
    // The serialized BinaryCrossentropy of mlp_churn, as Keras wrote it.
    json bce = json::parse(k_mlp_churn)["loss"];
    std::shared_ptr<losses::Loss> loss = losses::deserialize(bce);
    EXPECT_EQ(loss->class_name(), "BinaryCrossentropy");
    EXPECT_EQ(losses::serialize(*loss), bce);
    // A name, as losses::get resolves it.
    EXPECT_EQ(losses::deserialize("mse")->name(), "mse");
    EXPECT_EQ(losses::deserialize("Huber")->class_name(), "Huber");
    // Keras's serialized public function.
    json fn = {{"module", "keras.losses"},
               {"class_name", "function"},
               {"config", "mean_squared_error"},
               {"registered_name", "mean_squared_error"}};
    EXPECT_EQ(losses::deserialize(fn)->name(), "mean_squared_error");
    // Keras's Huber.get_config leaves delta out: the default 1.0 applies.
    auto huber =
        losses::deserialize(json{{"class_name", "Huber"}, {"config", {{"name", "huber_loss"}, {"reduction", "sum"}}}});
    EXPECT_EQ(huber->get_config()["delta"], 1.0);
    EXPECT_EQ(huber->reduction(), "sum");
    // Keras's reduction=None is "none".
    EXPECT_EQ(losses::deserialize(json{{"class_name", "MeanSquaredError"}, {"config", {{"reduction", nullptr}}}})
                  ->reduction(),
              "none");
}

TEST(LossSerializationTest, Refusals) {
    expect_value_error([] { losses::deserialize("squared_distance"); }, {"losses.deserialize", "squared_distance"});
    expect_value_error(
        [] {
            losses::deserialize(json{{"class_name", "Dice"}, {"config", json::object()}});
        },
        {"unknown loss class \"Dice\""});
    expect_value_error(
        [] {
            losses::deserialize(json{{"module", "losses_lib"},
                                     {"class_name", "MyLoss"},
                                     {"config", json::object()},
                                     {"registered_name", "Custom>MyLoss"}});
        },
        {"MyLoss", "custom"});
    expect_value_error(
        [] {
            losses::deserialize(json{{"class_name", "BinaryCrossentropy"}, {"config", {{"pos_weight", 2.0}}}});
        },
        {"BinaryCrossentropy", "not recognized", "pos_weight"});
    expect_value_error(
        [] {
            losses::deserialize(json{{"class_name", "Huber"}, {"config", {{"delta", true}}}});
        },
        {"Huber", "delta", "a number", "true"});
    expect_value_error(
        [] {
            losses::serialize(
                losses::LossFunctionWrapper([](const Tensor& t, const Tensor& p) { return t - p; }, {.name = "diff"}));
        },
        {"losses.serialize", "diff", "LossFunctionWrapper"});
}

// ---- Metrics ----

struct MetricData {
    Tensor y_true, y_pred, labels;
};

MetricData metric_data() {
    return {Tensor::from_vector<float>({0, 1, 0, 1, 0, 0, 0, 0, 1}, {3, 3}),
            Tensor::from_vector<float>({0.2f, 0.7f, 0.1f, 0.5f, 0.3f, 0.2f, 0.1f, 0.6f, 0.3f}, {3, 3}),
            Tensor::from_vector<float>({1, 0, 2}, {3})};
}

void expect_metric_round_trip(const std::shared_ptr<metrics::Metric>& original, bool sparse = false) {
    SCOPED_TRACE(original->class_name());
    json serialized = metrics::serialize(*original);
    EXPECT_EQ(serialized["module"], "keras.metrics");
    EXPECT_EQ(serialized["class_name"], original->class_name());
    metrics::MetricSpec spec = metrics::deserialize(serialized);
    ASSERT_TRUE(spec.metric());
    std::shared_ptr<metrics::Metric> copy = spec.metric();
    EXPECT_EQ(copy->class_name(), original->class_name());
    EXPECT_EQ(metrics::serialize(*copy), serialized);
    MetricData d = metric_data();
    const Tensor& t = sparse ? d.labels : d.y_true;
    if (auto* mean = dynamic_cast<metrics::Mean*>(original.get()); mean && original->class_name() == "Mean") {
        mean->update_state(d.y_pred);
        dynamic_cast<metrics::Mean&>(*copy).update_state(d.y_pred);
    } else {
        original->update_state(t, d.y_pred);
        copy->update_state(t, d.y_pred);
    }
    EXPECT_EQ(copy->result(), original->result());
}

TEST(MetricSerializationTest, EveryMetricRoundTripsAndComputesTheSame) {
    using namespace metrics;
    expect_metric_round_trip(std::make_shared<Mean>(MeanOptions{.name = "avg"}));
    expect_metric_round_trip(std::make_shared<Accuracy>());
    expect_metric_round_trip(std::make_shared<BinaryAccuracy>(BinaryAccuracyOptions{.threshold = 0.4}));
    expect_metric_round_trip(std::make_shared<CategoricalAccuracy>());
    expect_metric_round_trip(std::make_shared<SparseCategoricalAccuracy>(), true);
    expect_metric_round_trip(std::make_shared<MeanSquaredError>(MeanSquaredErrorOptions{.dtype = float64}));
    expect_metric_round_trip(std::make_shared<MeanAbsoluteError>());
    expect_metric_round_trip(std::make_shared<RootMeanSquaredError>());
    expect_metric_round_trip(std::make_shared<BinaryCrossentropy>(BinaryCrossentropyOptions{.label_smoothing = 0.1}));
    expect_metric_round_trip(std::make_shared<CategoricalCrossentropy>(
        CategoricalCrossentropyOptions{.from_logits = true, .label_smoothing = 0.2}));
    expect_metric_round_trip(std::make_shared<SparseCategoricalCrossentropy>(), true);
    expect_metric_round_trip(
        std::make_shared<R2Score>(R2ScoreOptions{.class_aggregation = "variance_weighted_average"}));
    expect_metric_round_trip(std::make_shared<TopKCategoricalAccuracy>(TopKCategoricalAccuracyOptions{.k = 2}));
    expect_metric_round_trip(
        std::make_shared<SparseTopKCategoricalAccuracy>(SparseTopKCategoricalAccuracyOptions{.k = 2}), true);
    expect_metric_round_trip(std::make_shared<TruePositives>(TruePositivesOptions{.thresholds = {0.4}}));
    expect_metric_round_trip(std::make_shared<TrueNegatives>());
    expect_metric_round_trip(std::make_shared<FalsePositives>(FalsePositivesOptions{.thresholds = {0.25}}));
    expect_metric_round_trip(std::make_shared<FalseNegatives>());
    expect_metric_round_trip(std::make_shared<Precision>(PrecisionOptions{.top_k = 2}));
    expect_metric_round_trip(std::make_shared<Recall>(RecallOptions{.thresholds = {0.3}, .class_id = 1}));
    expect_metric_round_trip(std::make_shared<AUC>(AUCOptions{.num_thresholds = 50, .curve = "PR"}));
    expect_metric_round_trip(std::make_shared<AUC>(AUCOptions{.thresholds = {0.25, 0.5, 0.75}}));
    expect_metric_round_trip(std::make_shared<FBetaScore>(FBetaScoreOptions{.average = "macro", .beta = 2.0}));
    expect_metric_round_trip(std::make_shared<F1Score>(F1ScoreOptions{.average = "micro", .threshold = 0.4}));
    expect_metric_round_trip(std::make_shared<MeanIoU>(3, MeanIoUOptions{.ignore_class = 0, .sparse_y_pred = false}),
                             true);
}

TEST(MetricSerializationTest, AUCConfigIsKeras) {
    // Keras 3's AUC().get_config(), as functional_bn_dropout_saheart wrote it: num_labels null, and no
    // thresholds when num_thresholds made them.
    json keras_auc = json::parse(k_functional_bn_dropout_saheart)["metrics"][0];
    EXPECT_EQ(metrics::serialize(metrics::AUC()), keras_auc);
    metrics::MetricSpec spec = metrics::deserialize(keras_auc);
    ASSERT_TRUE(spec.metric());
    EXPECT_EQ(dynamic_cast<metrics::AUC&>(*spec.metric()).num_thresholds(), 200);
}

TEST(MetricSerializationTest, NamesStayNames) {
    // Keras resolves a metric name at compile, from the output's shape ("accuracy" is binary, sparse or
    // categorical accuracy), so a name stays one.
    for (const char* name : {"accuracy", "acc", "mse", "r2_score", "Precision", "AUC"}) {
        metrics::MetricSpec spec = metrics::deserialize(name);
        EXPECT_EQ(spec.identifier(), name);
        EXPECT_FALSE(spec.metric());
    }
    json fn = {{"module", "keras.metrics"},
               {"class_name", "function"},
               {"config", "mean_absolute_error"},
               {"registered_name", "mean_absolute_error"}};
    EXPECT_EQ(metrics::deserialize(fn).identifier(), "mean_absolute_error");
}

TEST(MetricSerializationTest, Refusals) {
    expect_value_error([] { metrics::deserialize("f2_score"); }, {"metrics.deserialize", "f2_score"});
    expect_value_error(
        [] {
            metrics::deserialize(json{{"class_name", "Hits"}, {"config", json::object()}});
        },
        {"unknown metric class \"Hits\""});
    expect_value_error(
        [] {
            metrics::deserialize(json{{"module", "keras.metrics"},
                                      {"class_name", "AUC"},
                                      {"config", {{"multi_label", true}, {"num_labels", 3}}}});
        },
        {"AUC", "multi_label", "true"});
    expect_value_error(
        [] {
            metrics::deserialize(json{{"class_name", "MeanIoU"}, {"config", json::object()}});
        },
        {"MeanIoU", "num_classes", "required"});
    expect_value_error(
        [] {
            metrics::deserialize(json{{"module", "__main__"},
                                      {"class_name", "MyMetric"},
                                      {"config", json::object()},
                                      {"registered_name", "Custom>MyMetric"}});
        },
        {"MyMetric", "custom"});
    expect_value_error(
        [] {
            metrics::deserialize(json{{"class_name", "Accuracy"}, {"config", {{"dtype", 32}}}});
        },
        {"Accuracy", "dtype"});
    expect_value_error(
        [] {
            metrics::serialize(
                metrics::MeanMetricWrapper([](const Tensor& t, const Tensor&) { return t; }, {.name = "ident"}));
        },
        {"metrics.serialize", "ident"});
}

// ---- The compile config ----

class CompileConfigTest : public ::testing::Test {
protected:
    void SetUp() override {
        clear_session();
        utils::set_random_seed(11);
    }

    // A model with the fixture's output shape: `units` outputs with `activation`, from 4 features.
    static Sequential model(std::int64_t units, const std::string& activation) {
        Sequential m;
        m.add(layers::Dense(8, "relu", {.input_shape = {4}}));
        m.add(layers::Dense(units, activation));
        return m;
    }

    // Compiles a model from the fixture's compile config, trains it one epoch, and checks that the config
    // strata writes back is Keras's (but for jit_compile, which strata writes as false).
    static History compile_and_fit(const char* fixture, Sequential m, const Tensor& y) {
        json keras = json::parse(fixture);
        CompileOptions options = compile_options_from_config(keras);
        m.compile(options);
        json expected = keras;
        expected["jit_compile"] = false;
        EXPECT_EQ(compile_config(options, *m.optimizer()), expected);
        Tensor x = random::normal({y.shape()[0], 4});
        return m.fit(x, y, {.batch_size = 8, .epochs = 1, .verbose = 0});
    }

    static Tensor binary_targets(std::int64_t n) {
        std::vector<float> v;
        for (std::int64_t i = 0; i < n; ++i) v.push_back(static_cast<float>(i % 2));
        return Tensor::from_vector<float>(v, {n, 1});
    }
};

TEST_F(CompileConfigTest, CnnFashionMnist) {
    std::vector<std::int64_t> labels = {0, 3, 9, 1, 2, 7, 5, 4, 8, 6, 1, 0, 3, 9, 2, 5};
    History h =
        compile_and_fit(k_cnn_fashion_mnist, model(10, "softmax"), Tensor::from_vector<std::int64_t>(labels, {16}));
    EXPECT_EQ(h.history.count("loss"), 1u);
    EXPECT_EQ(h.history.count("accuracy"), 1u);
}

TEST_F(CompileConfigTest, EmbeddingSimpleRnnSpam) {
    History h = compile_and_fit(k_embedding_simplernn_spam, model(1, "sigmoid"), binary_targets(16));
    EXPECT_EQ(h.history.count("accuracy"), 1u);
}

TEST_F(CompileConfigTest, FunctionalSaheartWithAUC) {
    History h = compile_and_fit(k_functional_bn_dropout_saheart, model(1, "sigmoid"), binary_targets(16));
    EXPECT_EQ(h.history.count("auc"), 1u);
}

TEST_F(CompileConfigTest, GruForecast) {
    json keras = json::parse(k_gru_forecast);
    CompileOptions options = compile_options_from_config(keras);
    std::shared_ptr<optimizers::Optimizer> adam = options.optimizer.get();
    EXPECT_EQ(adam->name(), "adam_1");
    EXPECT_EQ(adam->learning_rate(), 0.0015477559063583612);
    History h = compile_and_fit(k_gru_forecast, model(1, "linear"), random::normal({16, 1}));
    EXPECT_EQ(h.history.count("loss"), 1u);
}

TEST_F(CompileConfigTest, LstmStockWithR2Score) {
    History h = compile_and_fit(k_lstm_stock, model(1, "relu"), random::uniform({16, 1}));
    EXPECT_EQ(h.history.count("mse"), 1u);
    EXPECT_EQ(h.history.count("r2_score"), 1u);
}

TEST_F(CompileConfigTest, DiabetesWithCosineDecayPrecisionRecall) {
    CompileOptions options = compile_options_from_config(json::parse(k_mlp_bn_dropout_diabetes));
    auto schedule = options.optimizer.get()->learning_rate_schedule();
    ASSERT_TRUE(schedule);
    EXPECT_EQ(schedule->class_name(), "CosineDecay");
    // Keras: CosineDecay(0.001, 1000, alpha=0.01) at step 1000 is alpha * initial.
    EXPECT_NEAR((*schedule)(1000), 1e-5, 1e-12);
    History h = compile_and_fit(k_mlp_bn_dropout_diabetes, model(1, "sigmoid"), binary_targets(16));
    // Keras names a metric given by name after the string: "Precision", not "precision".
    for (const char* key : {"accuracy", "Precision", "Recall"}) EXPECT_EQ(h.history.count(key), 1u) << key;
}

TEST_F(CompileConfigTest, MlpChurnWithSerializedLoss) {
    CompileOptions options = compile_options_from_config(json::parse(k_mlp_churn));
    EXPECT_EQ(options.loss.losses().front().get()->class_name(), "BinaryCrossentropy");
    History h = compile_and_fit(k_mlp_churn, model(1, "sigmoid"), binary_targets(16));
    EXPECT_EQ(h.history.count("accuracy"), 1u);
}

TEST_F(CompileConfigTest, NoLossNoMetrics) {
    // evil_npz_pickle's config is benign: RMSprop, loss null, metrics null.
    json keras = json::parse(k_evil_npz_pickle);
    CompileOptions options = compile_options_from_config(keras);
    EXPECT_TRUE(options.loss.empty());
    EXPECT_TRUE(options.metrics.empty());
    EXPECT_EQ(options.optimizer.get()->class_name(), "RMSprop");
    Sequential m = model(1, "linear");
    m.compile(options);
    EXPECT_EQ(compile_config(options, *m.optimizer()), keras);
}

TEST_F(CompileConfigTest, WritesWhatCompileWasGiven) {
    Sequential m = model(3, "softmax");
    CompileOptions options{.optimizer = "adam",
                           .loss = losses::CategoricalCrossentropy({.label_smoothing = 0.1}),
                           .metrics = {"accuracy", metrics::TopKCategoricalAccuracy({.k = 2})}};
    m.compile(options);
    json config = compile_config(options, *m.optimizer());
    EXPECT_EQ(config["optimizer"]["class_name"], "Adam");
    EXPECT_EQ(config["optimizer"]["config"]["name"], "adam");
    EXPECT_EQ(config["loss"]["class_name"], "CategoricalCrossentropy");
    EXPECT_EQ(config["loss"]["config"]["label_smoothing"], 0.1);
    EXPECT_EQ(config["metrics"][0], "accuracy");
    EXPECT_EQ(config["metrics"][1]["class_name"], "TopKCategoricalAccuracy");
    EXPECT_TRUE(config["loss_weights"].is_null());
    EXPECT_TRUE(config["weighted_metrics"].is_null());
    EXPECT_EQ(config["run_eagerly"], false);
    EXPECT_EQ(config["steps_per_execution"], 1);
    EXPECT_EQ(config["jit_compile"], false);
    // And back.
    CompileOptions back = compile_options_from_config(config);
    EXPECT_EQ(compile_config(back, *back.optimizer.get()), config);

    // A loss given by name is written as that name; a list per output as a list; loss_weights as a list.
    CompileOptions named{.optimizer = optimizers::SGD(0.1),
                         .loss = {"mse", "binary_crossentropy"},
                         .loss_weights = {1.0, 0.5},
                         .metrics = {"mae"}};
    json named_config = compile_config(named, *named.optimizer.get());
    EXPECT_EQ(named_config["loss"], json({"mse", "binary_crossentropy"}));
    EXPECT_EQ(named_config["loss_weights"], json({1.0, 0.5}));
    EXPECT_EQ(named_config["metrics"], json({"mae"}));
    CompileOptions named_back = compile_options_from_config(named_config);
    EXPECT_TRUE(named_back.loss.per_output());
    EXPECT_EQ(named_back.loss.losses()[1].name(), "binary_crossentropy");
    EXPECT_EQ(named_back.loss_weights, (std::vector<double>{1.0, 0.5}));
    EXPECT_EQ(compile_config(named_back, *named_back.optimizer.get()), named_config);
}

TEST_F(CompileConfigTest, ReadsPerOutputMetricsWhenTheyAgree) {
    json config = json::parse(k_cnn_fashion_mnist);
    config["metrics"] = json::array({json::array({"accuracy"}), json::array({"accuracy"})});
    EXPECT_EQ(compile_options_from_config(config).metrics.size(), 1u);
    config["metrics"] = {{"dense_1", json::array({"mae"})}};
    EXPECT_EQ(compile_options_from_config(config).metrics.front().identifier(), "mae");
    config["loss"] = {{"dense_1", "mse"}};
    config["loss_weights"] = {{"dense_1", 2.0}};
    CompileOptions options = compile_options_from_config(config);
    EXPECT_EQ(options.loss.losses().front().name(), "mse");
    EXPECT_EQ(options.loss_weights, std::vector<double>{2.0});
    // Keras's compile(optimizer="rmsprop") when the config names none; a name is read as one.
    config.erase("optimizer");
    EXPECT_EQ(compile_options_from_config(config).optimizer.get()->class_name(), "RMSprop");
    config["optimizer"] = "Adagrad";
    EXPECT_EQ(compile_options_from_config(config).optimizer.get()->class_name(), "Adagrad");
}

TEST_F(CompileConfigTest, Refusals) {
    json base = json::parse(k_cnn_fashion_mnist);
    auto with = [&](const char* key, json value) {
        json config = base;
        config[key] = std::move(value);
        return config;
    };
    expect_value_error(
        [&] {
            compile_options_from_config(with("optimizer", {{"class_name", "Sophia"}, {"config", json::object()}}));
        },
        {"\"optimizer\"", "Sophia"});
    expect_value_error([&] { compile_options_from_config(with("optimizer", "adamq")); }, {"\"optimizer\"", "adamq"});
    expect_value_error([&] { compile_options_from_config(with("loss", "hamming")); }, {"\"loss\"", "hamming"});
    expect_value_error(
        [&] {
            compile_options_from_config(with("loss", {{"module", "train"},
                                                      {"class_name", "FocalDice"},
                                                      {"config", json::object()},
                                                      {"registered_name", "Custom>FocalDice"}}));
        },
        {"\"loss\"", "FocalDice", "custom"});
    expect_value_error(
        [&] {
            compile_options_from_config(with("loss", {{"a", "mse"}, {"b", "mae"}}));
        },
        {"\"loss\"", "2 entries"});
    expect_value_error(
        [&] {
            compile_options_from_config(with("metrics", json::array({"accuracy", "top_3"})));
        },
        {"\"metrics\"", "top_3"});
    expect_value_error(
        [&] {
            compile_options_from_config(
                with("metrics", json::array({json::array({"accuracy"}), json::array({"mae"})})));
        },
        {"\"metrics\"", "different metrics"});
    expect_value_error([&] { compile_options_from_config(with("metrics", "accuracy")); },
                       {"\"metrics\"", "expected null, a list"});
    expect_value_error([&] { compile_options_from_config(with("weighted_metrics", json::array({"accuracy"}))); },
                       {"\"weighted_metrics\"", "accuracy"});
    expect_value_error([&] { compile_options_from_config(with("loss_weights", json::array({"high"}))); },
                       {"\"loss_weights\"", "high"});
    expect_value_error([&] { compile_options_from_config(with("sample_weight_mode", "temporal")); },
                       {"unknown key \"sample_weight_mode\"", "temporal"});
    expect_value_error([&] { compile_options_from_config(json::array()); }, {"compile_options_from_config", "object"});

    // A C++ function has no Keras config.
    CompileOptions custom{.optimizer = "sgd", .loss = [](const Tensor& t, const Tensor& p) { return t - p; }};
    expect_value_error([&] { compile_config(custom, *custom.optimizer.get()); }, {"compile_config", "custom"});
}

}  // namespace
}  // namespace strata
