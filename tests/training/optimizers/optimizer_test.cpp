// What every optimizer gets from the base: global clipping over several variables, slots per variable,
// the step count, dtypes, in-place updates, errors on bad input, copies and clones, and OptimizerSpec.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "optimizer_reference.hpp"
#include "strata/autograd/node.hpp"
#include "strata/training/optimizers/adam.hpp"
#include "strata/training/optimizers/rmsprop.hpp"
#include "strata/training/optimizers/sgd.hpp"

namespace strata::optimizers {
namespace {

using testing::kGrads;
using testing::kShape;
using testing::kStart;
using testing::ReferenceStep;
using testing::Values;
using testing::variable_of;

// A second variable of another shape, with its own gradients, for the tests that need two.
const Values kStartB = {1.0, -1.0, 0.25};
const std::vector<Values> kGradsB = {{0.3, -0.1, 0.2}, {1.0, 0.0, -2.0}, {0.05, 0.5, 0.1}};

void expect_near_values(const Tensor& t, const Values& expected, double tol, const std::string& what) {
    std::vector<double> got = t.astype(float64).to_vector<double>();
    ASSERT_EQ(got.size(), expected.size());
    for (std::size_t i = 0; i < got.size(); ++i)
        EXPECT_NEAR(got[i], expected[i], tol * std::max(1.0, std::abs(expected[i]))) << what << ", element " << i;
}

// Runs two variables together for three steps; each has its own reference (its own slots). With
// `global_clipnorm`, both references see the gradients scaled by Keras's one global factor.
void expect_two_variables_match(Optimizer& optimizer, const std::function<ReferenceStep()>& make_reference,
                                double global_clipnorm = 0.0) {
    Tensor a = variable_of(kStart);
    Tensor b = Tensor::from_vector(kStartB);
    Values wa = kStart, wb = kStartB;
    ReferenceStep ra = make_reference(), rb = make_reference();
    for (std::size_t t = 0; t < kGrads.size(); ++t) {
        optimizer.apply_gradients({Tensor::from_vector(kGrads[t], kShape), Tensor::from_vector(kGradsB[t])}, {a, b});
        Values ga = kGrads[t], gb = kGradsB[t];
        if (global_clipnorm > 0) {
            double sq = 0;
            for (double x : ga) sq += x * x;
            for (double x : gb) sq += x * x;
            double scale = global_clipnorm * std::min(1.0 / std::sqrt(sq), 1.0 / global_clipnorm);
            for (double& x : ga) x *= scale;
            for (double& x : gb) x *= scale;
        }
        ra(wa, ga, static_cast<int>(t) + 1);
        rb(wb, gb, static_cast<int>(t) + 1);
        expect_near_values(a, wa, 1e-12, "variable a, step " + std::to_string(t + 1));
        expect_near_values(b, wb, 1e-12, "variable b, step " + std::to_string(t + 1));
    }
    EXPECT_EQ(optimizer.iterations(), 3);
}

struct ProbeSGD : SGD {
    using SGD::SGD;
    using Optimizer::slot;
};

TEST(OptimizerTest, GlobalClipnormScalesAllGradientsByOneFactor) {
    // The global norms of the three steps are about 0.66, 2.75 and 0.92: all are clipped to 0.5.
    SGD sgd(0.1, {.momentum = 0.9, .global_clipnorm = 0.5});
    expect_two_variables_match(sgd, [] { return testing::sgd_reference(0.1, 0.9); }, 0.5);
    RMSprop rms(0.01, {.momentum = 0.5, .centered = true, .global_clipnorm = 0.5});
    expect_two_variables_match(rms, [] { return testing::rmsprop_reference(0.01, 0.9, 0.5, 1e-7, true); }, 0.5);
    Adam adam(0.01, {.amsgrad = true, .global_clipnorm = 0.5});
    expect_two_variables_match(adam, [] { return testing::adam_reference(0.01, 0.9, 0.999, 1e-7, true); }, 0.5);
}

TEST(OptimizerTest, GlobalClipnormAboveTheNormChangesNothing) {
    Adam adam(0.01, {.global_clipnorm = 100.0});
    expect_two_variables_match(adam, [] { return testing::adam_reference(0.01); });
}

TEST(OptimizerTest, SlotsArePerVariable) {
    SGD sgd(0.1, {.momentum = 0.9});
    expect_two_variables_match(sgd, [] { return testing::sgd_reference(0.1, 0.9); });

    ProbeSGD probe(0.1, {.momentum = 0.9});
    Tensor a = variable_of(kStart), b = variable_of(kStart);
    probe.apply_gradients({Tensor::from_vector(kGrads[0], kShape), Tensor::from_vector(kGrads[1], kShape)}, {a, b});
    Tensor& slot_a = probe.slot(a, "momentum");
    Tensor& slot_b = probe.slot(b, "momentum");
    EXPECT_FALSE(slot_a.same_as(slot_b));
    EXPECT_EQ(slot_a.shape(), kShape);
    // Velocity after one step is -lr * g.
    expect_near_values(slot_a, {-0.01, 0.02, -0.03, -0.04}, 1e-12, "momentum of a");
    // A handle that shares the variable's impl finds the same slot.
    Tensor a_again = a;
    EXPECT_TRUE(probe.slot(a_again, "momentum").same_as(slot_a));
}

TEST(OptimizerTest, SlotsOfAReleasedVariableAreNotReused) {
    SGD sgd(0.1, {.momentum = 0.9});
    {
        Tensor gone = variable_of(kStart);
        sgd.apply_gradients({Tensor::from_vector(kGrads[0], kShape)}, {gone});
    }
    // A new variable (possibly at the released one's address) starts from zero momentum.
    Tensor fresh = variable_of(kStart);
    sgd.apply_gradients({Tensor::from_vector(kGrads[1], kShape)}, {fresh});
    Values w = kStart;
    testing::sgd_reference(0.1, 0.9)(w, kGrads[1], 1);
    expect_near_values(fresh, w, 1e-12, "fresh variable");
}

TEST(OptimizerTest, ClipArgumentsThatAreZeroOrNegativeAreIgnored) {
    // Keras: `if self.clipnorm and self.clipnorm > 0`, and the same for the other two.
    SGD zero(0.1, {.clipnorm = 0.0});
    testing::expect_matches_reference(zero, testing::sgd_reference(0.1));
    SGD negative(0.1, {.clipvalue = -1.0});
    testing::expect_matches_reference(negative, testing::sgd_reference(0.1));
}

TEST(OptimizerTest, AtMostOneClipArgument) {
    // Keras 3: "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set."
    EXPECT_THROW(SGD(0.01, {.clipnorm = 1.0, .clipvalue = 1.0}), ValueError);
    EXPECT_THROW(RMSprop(0.01, {.clipnorm = 1.0, .global_clipnorm = 1.0}), ValueError);
    EXPECT_THROW(Adam(0.01, {.clipvalue = 1.0, .global_clipnorm = 1.0}), ValueError);
    EXPECT_THROW(Adam(0.01, {.clipnorm = 0.0, .clipvalue = 0.0}), ValueError);  // set, even if 0
    try {
        Adam(0.01, {.clipnorm = 1.0, .clipvalue = 2.0});
        FAIL() << "expected a ValueError";
    } catch (const ValueError& e) {
        EXPECT_NE(std::string(e.what()).find("clipnorm"), std::string::npos) << e.what();
    }
}

TEST(OptimizerTest, IterationsCountCalls) {
    Adam adam;
    Tensor a = variable_of(kStart), b = Tensor::from_vector(kStartB);
    EXPECT_EQ(adam.iterations(), 0);
    adam.apply_gradients({Tensor::from_vector(kGrads[0], kShape), Tensor::from_vector(kGradsB[0])}, {a, b});
    EXPECT_EQ(adam.iterations(), 1);  // once per call, not per variable
    adam.apply_gradients({Tensor(), Tensor::from_vector(kGradsB[1])}, {a, b});
    EXPECT_EQ(adam.iterations(), 2);
    adam.apply_gradients({}, {});  // Keras: an empty list is a no-op
    EXPECT_EQ(adam.iterations(), 2);
}

TEST(OptimizerTest, UndefinedGradientsAreSkipped) {
    // Keras filters out None gradients: the variable keeps its value and gets no weight decay.
    SGD sgd(0.1, {.weight_decay = 0.5});
    Tensor a = variable_of(kStart), b = Tensor::from_vector(kStartB);
    sgd.apply_gradients({Tensor(), Tensor::from_vector(kGradsB[0])}, {a, b});
    expect_near_values(a, kStart, 0.0, "skipped variable");
    Values wb = kStartB;
    for (std::size_t i = 0; i < wb.size(); ++i) wb[i] = wb[i] - wb[i] * 0.5 * 0.1 - 0.1 * kGradsB[0][i];
    expect_near_values(b, wb, 1e-12, "updated variable");
}

TEST(OptimizerTest, AllGradientsUndefinedIsValueError) {
    // Keras: "No gradients provided for any variable."
    SGD sgd;
    Tensor a = variable_of(kStart);
    EXPECT_THROW(sgd.apply_gradients({Tensor()}, {a}), ValueError);
    EXPECT_EQ(sgd.iterations(), 0);
}

TEST(OptimizerTest, UpdatesTheVariableInPlace) {
    Adam adam(0.1);
    Tensor variable = variable_of(kStart);
    variable.set_requires_grad(true);
    Tensor same = variable;  // another handle, as a model's weight list holds
    const TensorImpl* impl = variable.impl();
    const void* data = variable.raw_data();
    adam.apply_gradients({Tensor::from_vector(kGrads[0], kShape)}, {variable});
    EXPECT_EQ(variable.impl(), impl);
    EXPECT_EQ(variable.raw_data(), data);
    EXPECT_NE(same.to_vector<double>(), kStart);
    // The update is not recorded: the weight stays a leaf.
    EXPECT_TRUE(variable.requires_grad());
    EXPECT_EQ(variable.impl()->grad_fn, nullptr);
}

TEST(OptimizerTest, Float32VariablesWork) {
    SGD sgd(0.1, {.momentum = 0.9, .nesterov = true});
    RMSprop rms(0.01, {.momentum = 0.5, .centered = true});
    Adam adam(0.01, {.amsgrad = true});
    std::vector<std::pair<Optimizer*, ReferenceStep>> cases = {
        {&sgd, testing::sgd_reference(0.1, 0.9, true)},
        {&rms, testing::rmsprop_reference(0.01, 0.9, 0.5, 1e-7, true)},
        {&adam, testing::adam_reference(0.01, 0.9, 0.999, 1e-7, true)},
    };
    for (auto& [optimizer, reference] : cases) {
        Tensor variable = variable_of(kStart, float32);
        Values w = kStart;
        for (std::size_t t = 0; t < kGrads.size(); ++t) {
            optimizer->apply_gradients({Tensor::from_vector(kGrads[t], kShape).astype(float32)}, {variable});
            reference(w, kGrads[t], static_cast<int>(t) + 1);
            EXPECT_EQ(variable.dtype(), float32);
            expect_near_values(variable, w, 1e-5, optimizer->class_name() + " float32");
        }
    }
}

TEST(OptimizerTest, GradientIsCastToTheVariableDtype) {
    // Keras casts the gradient to the variable's dtype in update_step.
    SGD sgd(0.1);
    Tensor variable = variable_of(kStart);
    sgd.apply_gradients({Tensor::from_vector(kGrads[0], kShape).astype(float32)}, {variable});
    EXPECT_EQ(variable.dtype(), float64);
    Values w = kStart;
    for (std::size_t i = 0; i < w.size(); ++i) w[i] -= 0.1 * kGrads[0][i];
    expect_near_values(variable, w, 1e-7, "float64 variable, float32 gradient");
}

TEST(OptimizerTest, BadInputIsRefusedBeforeAnythingChanges) {
    SGD sgd(0.1, {.momentum = 0.9});
    Tensor a = variable_of(kStart), b = Tensor::from_vector(kStartB);
    Tensor ga = Tensor::from_vector(kGrads[0], kShape);
    EXPECT_THROW(sgd.apply_gradients({ga}, {a, b}), ValueError);
    EXPECT_THROW(sgd.apply_gradients({ga, ga}, {a, b}), ShapeError);  // (2, 2) gradient for a (3,) variable
    EXPECT_THROW(sgd.apply_gradients({ga}, {Tensor()}), ValueError);
    EXPECT_THROW(sgd.apply_gradients({Tensor::from_vector(std::vector<std::int64_t>{1, 2, 3})},
                                     {Tensor::from_vector(std::vector<std::int64_t>{1, 2, 3})}),
                 TypeError);
    try {
        sgd.apply_gradients({ga, ga}, {a, b});
    } catch (const ShapeError& e) {
        std::string message = e.what();
        EXPECT_NE(message.find("SGD.apply_gradients"), std::string::npos) << message;
        EXPECT_NE(message.find("(2, 2)"), std::string::npos) << message;
        EXPECT_NE(message.find("(3,)"), std::string::npos) << message;
    }
    expect_near_values(a, kStart, 0.0, "a after refused calls");
    expect_near_values(b, kStartB, 0.0, "b after refused calls");
    EXPECT_EQ(sgd.iterations(), 0);
}

TEST(OptimizerTest, SetLearningRateTakesEffectOnTheNextStep) {
    SGD sgd(0.1);
    Tensor variable = variable_of(kStart);
    sgd.set_learning_rate(0.5);
    EXPECT_DOUBLE_EQ(sgd.learning_rate(), 0.5);
    sgd.apply_gradients({Tensor::from_vector(kGrads[0], kShape)}, {variable});
    Values w = kStart;
    for (std::size_t i = 0; i < w.size(); ++i) w[i] -= 0.5 * kGrads[0][i];
    expect_near_values(variable, w, 1e-12, "after set_learning_rate");
    EXPECT_DOUBLE_EQ(sgd.get_config()["learning_rate"].get<double>(), 0.5);
}

TEST(OptimizerTest, CloneIsFreshWithTheSameConfig) {
    Adam adam(0.01, {.beta_1 = 0.8, .amsgrad = true, .clipnorm = 2.0, .name = "my_adam"});
    Tensor variable = variable_of(kStart);
    adam.apply_gradients({Tensor::from_vector(kGrads[0], kShape)}, {variable});
    std::shared_ptr<Optimizer> clone = adam.clone();
    EXPECT_EQ(clone->class_name(), "Adam");
    EXPECT_EQ(clone->iterations(), 0);
    EXPECT_EQ(clone->get_config(), adam.get_config());
    // No state carried: the clone's first step on a fresh variable is a first Adam step.
    testing::expect_matches_reference(*clone, testing::adam_reference(0.01, 0.8, 0.999, 1e-7, true),
                                      [](const Values& g) { return testing::clip_norm_reference(g, 2.0); });
}

TEST(OptimizerTest, CopiesHaveTheirOwnSlots) {
    SGD sgd(0.1, {.momentum = 0.9});
    Tensor a = variable_of(kStart), b = variable_of(kStart);
    sgd.apply_gradients({Tensor::from_vector(kGrads[0], kShape)}, {a});
    sgd.apply_gradients({Tensor::from_vector(kGrads[0], kShape)}, {b});
    SGD copy = sgd;
    EXPECT_EQ(copy.iterations(), 2);
    // The same step through each keeps a and b equal only if the copy's momentum did not move the original's.
    copy.apply_gradients({Tensor::from_vector(kGrads[1], kShape)}, {a});
    sgd.apply_gradients({Tensor::from_vector(kGrads[1], kShape)}, {b});
    EXPECT_EQ(a.to_vector<double>(), b.to_vector<double>());
}

TEST(OptimizerSpecTest, NamesGiveKerasDefaults) {
    // keras.optimizers.get: names are Keras's class names in any case.
    std::shared_ptr<Optimizer> sgd = OptimizerSpec("sgd").get();
    EXPECT_EQ(sgd->class_name(), "SGD");
    EXPECT_DOUBLE_EQ(sgd->learning_rate(), 0.01);
    std::shared_ptr<Optimizer> rms = OptimizerSpec(std::string("RMSprop")).get();
    EXPECT_EQ(rms->class_name(), "RMSprop");
    EXPECT_DOUBLE_EQ(rms->learning_rate(), 0.001);
    EXPECT_EQ(rms->name(), "rmsprop");
    std::shared_ptr<Optimizer> adam = get("ADAM");
    EXPECT_EQ(adam->class_name(), "Adam");
    EXPECT_EQ(adam->get_config(), Adam().get_config());
    // Each name lookup makes a new optimizer, as keras.optimizers.get does.
    EXPECT_NE(get("adam"), get("adam"));
}

TEST(OptimizerSpecTest, ObjectsAreCopiedOrShared) {
    Adam adam(0.5, {.beta_1 = 0.7});
    OptimizerSpec copied = adam;
    adam.set_learning_rate(0.25);
    EXPECT_DOUBLE_EQ(copied.get()->learning_rate(), 0.5);
    EXPECT_EQ(copied.get(), copied.get());
    EXPECT_EQ(copied.get()->get_config()["beta_1"], 0.7);

    auto shared = std::make_shared<RMSprop>(0.002);
    OptimizerSpec by_pointer = shared;
    EXPECT_EQ(by_pointer.get(), shared);
    std::shared_ptr<Optimizer> base = shared;
    EXPECT_EQ(OptimizerSpec(base).get(), shared);
}

TEST(OptimizerSpecTest, UnknownNameIsValueErrorListingKnownOnes) {
    try {
        OptimizerSpec("adamax_typo").get();
        FAIL() << "expected a ValueError";
    } catch (const ValueError& e) {
        std::string message = e.what();
        EXPECT_NE(message.find("adamax_typo"), std::string::npos) << message;
        for (const char* known : {"'sgd'", "'rmsprop'", "'adam'"})
            EXPECT_NE(message.find(known), std::string::npos) << message;
    }
    EXPECT_THROW(get(""), ValueError);
    EXPECT_THROW(OptimizerSpec(std::shared_ptr<Optimizer>()).get(), ValueError);
}

}  // namespace
}  // namespace strata::optimizers
