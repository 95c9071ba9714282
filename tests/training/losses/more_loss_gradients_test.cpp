// float64 central-difference gradient checks of the losses of loss_functions.hpp with respect to y_pred, with
// inputs kept away from the kinks and clipping bounds where the derivative is not defined.
#include <gtest/gtest.h>

#include <strata/strata.hpp>
#include <strata/training/loss_functions.hpp>

#include "support/gradcheck.hpp"

namespace {

using strata::Shape;
using strata::Tensor;
using strata::testing::expect_gradients_match;
using strata::testing::random_inputs;
namespace losses = strata::losses;

Tensor binary_targets(const Shape& shape) {
    return strata::ops::greater(strata::random::uniform(shape, 0, 1, strata::float64),
                                Tensor::scalar(0.5, strata::float64))
        .astype(strata::float64);
}

Tensor one_hot_targets(const std::vector<std::int64_t>& labels, std::int64_t classes) {
    return strata::ops::one_hot(Tensor::from_vector(labels), classes, strata::float64);
}

using Fn = std::function<Tensor(const Tensor&, const Tensor&)>;

void check(const Tensor& y_true, const Fn& fn, std::vector<Tensor> y_pred) {
    expect_gradients_match([&](const std::vector<Tensor>& x) { return fn(y_true, x[0]); }, std::move(y_pred));
}

class MoreLossGradients : public ::testing::Test {
protected:
    void SetUp() override { strata::random::seed(4321); }
    const Shape shape{4, 5};
    Tensor uniform(double lo, double hi) { return strata::random::uniform(shape, lo, hi, strata::float64); }
};

TEST_F(MoreLossGradients, Huber) {
    Tensor yt = uniform(-1, 1);
    for (double delta : {1.0, 0.5}) {
        SCOPED_TRACE(delta);
        check(yt, [delta](const Tensor& t, const Tensor& p) { return losses::huber(t, p, delta); },
              random_inputs({shape}, -2, 2));
    }
}

TEST_F(MoreLossGradients, LogCosh) { check(uniform(-1, 1), losses::log_cosh, random_inputs({shape}, -3, 3)); }

TEST_F(MoreLossGradients, Poisson) { check(uniform(0, 3), losses::poisson, random_inputs({shape}, 0.1, 3)); }

TEST_F(MoreLossGradients, KLDivergence) {
    // Inside (eps, 1), where the clip passes gradients.
    check(uniform(0.05, 1), losses::kl_divergence, random_inputs({shape}, 0.05, 0.95));
}

TEST_F(MoreLossGradients, HingeAndSquaredHinge) {
    Tensor yt = binary_targets(shape);
    check(yt, losses::hinge, random_inputs({shape}, -2, 2));
    check(yt, losses::squared_hinge, random_inputs({shape}, -2, 2));
}

TEST_F(MoreLossGradients, CategoricalHinge) {
    check(one_hot_targets({0, 4, 2, 1}, 5), losses::categorical_hinge, random_inputs({shape}, -2, 2));
}

TEST_F(MoreLossGradients, MeanSquaredLogarithmicError) {
    check(uniform(0, 3), losses::mean_squared_logarithmic_error, random_inputs({shape}, 0.1, 3));
}

TEST_F(MoreLossGradients, MeanAbsolutePercentageError) {
    // Targets away from 0, where the eps floor would take over; relative tolerance covers the factor 100.
    check(uniform(0.5, 2), losses::mean_absolute_percentage_error, random_inputs({shape}, -2, 2));
}

TEST_F(MoreLossGradients, CosineSimilarity) {
    Tensor yt = uniform(-1, 1);
    check(yt, [](const Tensor& t, const Tensor& p) { return losses::cosine_similarity(t, p); },
          random_inputs({shape}, -1, 1));
    check(yt, [](const Tensor& t, const Tensor& p) { return losses::cosine_similarity(t, p, 0); },
          random_inputs({shape}, -1, 1));
}

TEST_F(MoreLossGradients, CategoricalFocalCrossentropy) {
    Tensor yt = one_hot_targets({0, 4, 2, 1}, 5);
    for (bool from_logits : {false, true}) {
        for (double ls : {0.0, 0.1}) {
            SCOPED_TRACE(testing::Message() << "from_logits " << from_logits << ", label_smoothing " << ls);
            auto inputs = from_logits ? random_inputs({shape}, -2, 2) : random_inputs({shape}, 0.1, 1.0);
            check(yt,
                  [=](const Tensor& t, const Tensor& p) {
                      return losses::categorical_focal_crossentropy(t, p, 0.25, 2.0, from_logits, ls);
                  },
                  inputs);
        }
    }
}

TEST_F(MoreLossGradients, BinaryFocalCrossentropy) {
    Tensor yt = binary_targets(shape);
    for (bool from_logits : {false, true}) {
        for (bool balance : {false, true}) {
            for (double ls : {0.0, 0.1}) {
                SCOPED_TRACE(testing::Message()
                             << "from_logits " << from_logits << ", balance " << balance << ", ls " << ls);
                auto inputs = from_logits ? random_inputs({shape}, -3, 3) : random_inputs({shape}, 0.05, 0.95);
                check(yt,
                      [=](const Tensor& t, const Tensor& p) {
                          return losses::binary_focal_crossentropy(t, p, balance, 0.25, 2.0, from_logits, ls);
                      },
                      inputs);
            }
        }
    }
}

TEST_F(MoreLossGradients, ZeroVectorCosineHasFiniteGradient) {
    Tensor yt = Tensor::from_vector(std::vector<double>{1, 2}, Shape{1, 2});
    Tensor p = Tensor::from_vector(std::vector<double>{0, 0}, Shape{1, 2});
    p.set_requires_grad(true);
    Tensor loss = losses::cosine_similarity(yt, p).sum();
    auto grads = strata::autograd::gradients(loss, {p});
    for (double g : grads[0].to_vector<double>()) EXPECT_TRUE(std::isfinite(g));
}

}  // namespace
