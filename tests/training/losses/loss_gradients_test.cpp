// float64 central-difference gradient checks of every loss with respect to y_pred, in each mode.
#include <gtest/gtest.h>

#include <strata/strata.hpp>

#include "support/gradcheck.hpp"

namespace {

using strata::Shape;
using strata::Tensor;
using strata::testing::expect_gradients_match;
using strata::testing::random_inputs;
namespace losses = strata::losses;

Tensor one_hot_targets(const std::vector<std::int64_t>& labels, std::int64_t classes) {
    return strata::ops::one_hot(Tensor::from_vector(labels), classes, strata::float64);
}

Tensor binary_targets(const Shape& shape) {
    return strata::ops::greater(strata::random::uniform(shape, 0, 1, strata::float64), Tensor::scalar(0.5, strata::float64))
        .astype(strata::float64);
}

class LossGradients : public ::testing::Test {
protected:
    void SetUp() override { strata::random::seed(1234); }
    const std::vector<std::int64_t> labels = {0, 3, 2, 1};
};

TEST_F(LossGradients, MeanSquaredError) {
    Tensor yt = strata::random::uniform({4, 5}, -1, 1, strata::float64);
    expect_gradients_match([&](const std::vector<Tensor>& x) { return losses::mean_squared_error(yt, x[0]); },
                           random_inputs({{4, 5}}));
}

TEST_F(LossGradients, MeanAbsoluteError) {
    Tensor yt = strata::random::uniform({4, 5}, -1, 1, strata::float64);
    expect_gradients_match([&](const std::vector<Tensor>& x) { return losses::mean_absolute_error(yt, x[0]); },
                           random_inputs({{4, 5}}));
}

TEST_F(LossGradients, CategoricalCrossentropyFromLogitsAndProbabilities) {
    Tensor yt = one_hot_targets(labels, 4);
    for (bool from_logits : {false, true}) {
        for (double ls : {0.0, 0.1}) {
            SCOPED_TRACE(testing::Message() << "from_logits " << from_logits << ", label_smoothing " << ls);
            // Probabilities stay inside (eps, 1 - eps) after normalising, where the clip passes gradients.
            auto inputs = from_logits ? random_inputs({{4, 4}}, -2, 2) : random_inputs({{4, 4}}, 0.1, 1.0);
            expect_gradients_match(
                [&](const std::vector<Tensor>& x) {
                    return losses::categorical_crossentropy(yt, x[0], from_logits, ls);
                },
                inputs);
        }
    }
}

TEST_F(LossGradients, CategoricalCrossentropyOverAxisZero) {
    Tensor yt = one_hot_targets(labels, 4).transpose();
    expect_gradients_match(
        [&](const std::vector<Tensor>& x) { return losses::categorical_crossentropy(yt, x[0], true, 0.0, 0); },
        random_inputs({{4, 4}}, -2, 2));
}

TEST_F(LossGradients, SparseCategoricalCrossentropyFromLogitsAndProbabilities) {
    Tensor yt = Tensor::from_vector(labels);
    Tensor yt_column = yt.reshape({4, 1}).astype(strata::float32);
    for (bool from_logits : {false, true}) {
        SCOPED_TRACE(testing::Message() << "from_logits " << from_logits);
        auto inputs = from_logits ? random_inputs({{4, 4}}, -2, 2) : random_inputs({{4, 4}}, 0.1, 1.0);
        expect_gradients_match(
            [&](const std::vector<Tensor>& x) { return losses::sparse_categorical_crossentropy(yt, x[0], from_logits); },
            inputs);
        expect_gradients_match(
            [&](const std::vector<Tensor>& x) {
                return losses::sparse_categorical_crossentropy(yt_column, x[0], from_logits);
            },
            inputs);
    }
}

TEST_F(LossGradients, BinaryCrossentropyFromLogitsAndProbabilities) {
    Tensor yt = binary_targets({4, 3});
    for (bool from_logits : {false, true}) {
        for (double ls : {0.0, 0.2}) {
            SCOPED_TRACE(testing::Message() << "from_logits " << from_logits << ", label_smoothing " << ls);
            auto inputs = from_logits ? random_inputs({{4, 3}}, -3, 3) : random_inputs({{4, 3}}, 0.05, 0.95);
            expect_gradients_match(
                [&](const std::vector<Tensor>& x) { return losses::binary_crossentropy(yt, x[0], from_logits, ls); },
                inputs);
        }
    }
}

TEST_F(LossGradients, LossObjectsInEveryReductionWithSampleWeights) {
    Tensor yt = one_hot_targets(labels, 4);
    Tensor weights = Tensor::from_vector(std::vector<double>{0.5, 2.0, 0.0, 1.5});
    for (const char* reduction : {"sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none"}) {
        for (bool weighted : {false, true}) {
            SCOPED_TRACE(testing::Message() << reduction << (weighted ? " with" : " without") << " sample_weight");
            losses::CategoricalCrossentropy loss(
                {.from_logits = true, .label_smoothing = 0.1, .reduction = reduction, .dtype = strata::float64});
            expect_gradients_match(
                [&](const std::vector<Tensor>& x) { return loss(yt, x[0], weighted ? weights : Tensor()); },
                random_inputs({{4, 4}}, -2, 2));
        }
    }
}

TEST_F(LossGradients, EveryLossObjectThroughItsCall) {
    Tensor sparse = Tensor::from_vector(labels);
    Tensor one_hot = one_hot_targets(labels, 4);
    Tensor binary = binary_targets({4, 4});
    Tensor weights = Tensor::from_vector(std::vector<double>{1.0, 0.5, 2.0, 1.0}).reshape({4, 1});
    struct Case {
        std::shared_ptr<losses::Loss> loss;
        Tensor y_true;
        double lo, hi;
    };
    std::vector<Case> cases = {
        {std::make_shared<losses::MeanSquaredError>(losses::MeanSquaredErrorOptions{.dtype = strata::float64}), binary, -1, 1},
        {std::make_shared<losses::MeanAbsoluteError>(losses::MeanAbsoluteErrorOptions{.dtype = strata::float64}), binary, -1, 1},
        {std::make_shared<losses::SparseCategoricalCrossentropy>(
             losses::SparseCategoricalCrossentropyOptions{.dtype = strata::float64}),
         sparse, 0.1, 1.0},
        {std::make_shared<losses::BinaryCrossentropy>(
             losses::BinaryCrossentropyOptions{.from_logits = true, .label_smoothing = 0.1, .dtype = strata::float64}),
         binary, -2, 2},
        {std::make_shared<losses::CategoricalCrossentropy>(losses::CategoricalCrossentropyOptions{.dtype = strata::float64}),
         one_hot, 0.1, 1.0},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.loss->name());
        expect_gradients_match([&](const std::vector<Tensor>& x) { return (*c.loss)(c.y_true, x[0], weights); },
                               random_inputs({{4, 4}}, c.lo, c.hi));
    }
}

TEST_F(LossGradients, SparseCategoricalCrossentropyWithIgnoreClass) {
    Tensor yt = Tensor::from_vector(std::vector<std::int64_t>{0, -1, 2, 1});
    losses::SparseCategoricalCrossentropy loss({.from_logits = true, .ignore_class = -1, .dtype = strata::float64});
    expect_gradients_match([&](const std::vector<Tensor>& x) { return loss(yt, x[0]); },
                           random_inputs({{4, 3}}, -2, 2));
}

}  // namespace
