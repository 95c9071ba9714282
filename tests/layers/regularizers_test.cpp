#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include <strata/layers/regularizers.hpp>
#include <strata/strata.hpp>

#include "support/gradcheck.hpp"

namespace strata {
namespace {

using namespace regularizers;

class RegularizersTest : public ::testing::Test {
protected:
    void SetUp() override {
        clear_session();
        random::seed(11);
    }
};

double sum_abs(const Tensor& x) {
    double s = 0;
    for (double v : x.astype(float64).to_vector<double>()) s += std::abs(v);
    return s;
}

double sum_sq(const Tensor& x) {
    double s = 0;
    for (double v : x.astype(float64).to_vector<double>()) s += v * v;
    return s;
}

TEST_F(RegularizersTest, KerasDefaults) {
    // Keras 3: L1(l1=0.01), L2(l2=0.01), L1L2(l1=0.0, l2=0.0), OrthogonalRegularizer(factor=0.01, mode="rows").
    EXPECT_DOUBLE_EQ(L1().l1(), 0.01);
    EXPECT_DOUBLE_EQ(L2().l2(), 0.01);
    EXPECT_DOUBLE_EQ(L1L2().l1(), 0.0);
    EXPECT_DOUBLE_EQ(L1L2().l2(), 0.0);
    EXPECT_DOUBLE_EQ(OrthogonalRegularizer().factor(), 0.01);
    EXPECT_EQ(OrthogonalRegularizer().mode(), "rows");
}

TEST_F(RegularizersTest, NamesResolveAsKerasGetWithTheClassDefaults) {
    // Keras 3's get: the class name or its snake_case, constructed with no arguments ("l1l2" has 0 and 0).
    auto l2 = std::dynamic_pointer_cast<L2>(get("l2"));
    ASSERT_TRUE(l2);
    EXPECT_DOUBLE_EQ(l2->l2(), 0.01);
    auto l1 = std::dynamic_pointer_cast<L1>(get("L1"));
    ASSERT_TRUE(l1);
    EXPECT_DOUBLE_EQ(l1->l1(), 0.01);
    auto both = std::dynamic_pointer_cast<L1L2>(get("l1l2"));
    ASSERT_TRUE(both);
    EXPECT_DOUBLE_EQ(both->l1(), 0.0);
    EXPECT_DOUBLE_EQ(both->l2(), 0.0);
    EXPECT_TRUE(std::dynamic_pointer_cast<OrthogonalRegularizer>(get("orthogonal_regularizer")));
    EXPECT_THROW(get("l3"), ValueError);
    EXPECT_THROW(RegularizerSpec("ridge"), ValueError);
    EXPECT_TRUE(RegularizerSpec().empty());
    EXPECT_FALSE(RegularizerSpec("l2").empty());
}

TEST_F(RegularizersTest, PenaltiesMatchTheirFormulas) {
    Tensor x = random::normal({4, 3});
    EXPECT_NEAR(L1(0.3)(x).item<float>(), 0.3 * sum_abs(x), 1e-5);
    EXPECT_NEAR(L2(0.2)(x).item<float>(), 0.2 * sum_sq(x), 1e-5);
    EXPECT_NEAR(L1L2(0.3, 0.2)(x).item<float>(), 0.3 * sum_abs(x) + 0.2 * sum_sq(x), 1e-5);
    EXPECT_EQ(L1L2()(x).item<float>(), 0.0f);
    // Keras's docstring: L2(2.)(ones((5, 5))) == 50.
    EXPECT_FLOAT_EQ(L2(2.0)(Tensor::ones({5, 5})).item<float>(), 50.0f);
    EXPECT_EQ(L2()(x).dtype(), float32);
    EXPECT_EQ(L2()(x.astype(float64)).dtype(), float64);
    EXPECT_EQ(L2()(x).rank(), 0);
}

// OrthogonalRegularizer computed independently: normalise each row (column), then the mean over pairs of
// |dot products|, times factor / 2 ... as Keras: factor * 0.5 * sum_{i != j} |<u_i, u_j>| / (n (n - 1) / 2).
double orthogonal_reference(const Tensor& x, double factor, bool rows) {
    auto v = x.astype(float64).to_vector<double>();
    std::int64_t r = x.shape()[0], c = x.shape()[1];
    std::int64_t n = rows ? r : c, len = rows ? c : r;
    auto at = [&](std::int64_t vec, std::int64_t k) {
        return rows ? v[static_cast<std::size_t>(vec * c + k)] : v[static_cast<std::size_t>(k * c + vec)];
    };
    std::vector<double> norm(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) {
        double s = 0;
        for (std::int64_t k = 0; k < len; ++k) s += at(i, k) * at(i, k);
        norm[static_cast<std::size_t>(i)] = std::sqrt(s);
    }
    double total = 0;
    for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t j = 0; j < n; ++j) {
            if (i == j) continue;
            double d = 0;
            for (std::int64_t k = 0; k < len; ++k) d += at(i, k) * at(j, k);
            total += std::abs(d / (norm[static_cast<std::size_t>(i)] * norm[static_cast<std::size_t>(j)]));
        }
    return factor * 0.5 * total / (static_cast<double>(n) * (n - 1) / 2.0);
}

TEST_F(RegularizersTest, OrthogonalMatchesAnIndependentReference) {
    Tensor x = random::normal({5, 3}, 0.0, 1.0, float64);
    EXPECT_NEAR(OrthogonalRegularizer(0.1)(x).item<double>(), orthogonal_reference(x, 0.1, true), 1e-12);
    EXPECT_NEAR(OrthogonalRegularizer(0.1, "columns")(x).item<double>(), orthogonal_reference(x, 0.1, false), 1e-12);
    // Orthonormal rows cost nothing.
    Tensor eye = Tensor::from_vector(std::vector<double>{1, 0, 0, 0, 1, 0}, {2, 3});
    EXPECT_NEAR(OrthogonalRegularizer()(eye).item<double>(), 0.0, 1e-15);
    EXPECT_THROW(OrthogonalRegularizer()(random::normal({4})), ValueError);
    EXPECT_THROW(OrthogonalRegularizer(0.01, "diagonal"), ValueError);
}

TEST_F(RegularizersTest, GradientsMatchCentralDifferences) {
    // L1 is checked away from 0, where |x| has a derivative.
    testing::expect_gradients_match([](const std::vector<Tensor>& in) { return L1(0.3)(in[0]); },
                                    testing::random_inputs({{3, 4}}, 0.2, 1.0));
    testing::expect_gradients_match([](const std::vector<Tensor>& in) { return L2(0.7)(in[0]); },
                                    testing::random_inputs({{3, 4}}));
    testing::expect_gradients_match([](const std::vector<Tensor>& in) { return L1L2(0.2, 0.5)(in[0]); },
                                    testing::random_inputs({{2, 5}}, 0.2, 1.0));
    testing::expect_gradients_match([](const std::vector<Tensor>& in) { return OrthogonalRegularizer(0.5)(in[0]); },
                                    testing::random_inputs({{4, 3}}, 0.1, 1.0));
    testing::expect_gradients_match(
        [](const std::vector<Tensor>& in) { return OrthogonalRegularizer(0.5, "columns")(in[0]); },
        testing::random_inputs({{4, 3}}, 0.1, 1.0));
}

TEST_F(RegularizersTest, NegativeOrNonFiniteFactorsAreRefused) {
    // Keras's validate_float_arg: "expected a non-negative float".
    EXPECT_THROW(L1(-0.1), ValueError);
    EXPECT_THROW((L2(std::numeric_limits<double>::quiet_NaN())), ValueError);  // parenthesised: not a declaration
    EXPECT_THROW(L1L2(0.0, std::numeric_limits<double>::infinity()), ValueError);
    EXPECT_THROW(OrthogonalRegularizer(-1.0), ValueError);
    EXPECT_THROW(L2()(Tensor::from_vector(std::vector<std::int64_t>{1, 2})), TypeError);
}

TEST_F(RegularizersTest, ConfigsAndSerializationAsKeras) {
    EXPECT_EQ(L1(0.5).get_config(), (nlohmann::json{{"l1", 0.5}}));
    EXPECT_EQ(L2(0.25).get_config(), (nlohmann::json{{"l2", 0.25}}));
    EXPECT_EQ(L1L2(0.5, 0.25).get_config(), (nlohmann::json{{"l1", 0.5}, {"l2", 0.25}}));
    EXPECT_EQ(OrthogonalRegularizer(0.5, "columns").get_config(), (nlohmann::json{{"factor", 0.5}, {"mode", "columns"}}));
    nlohmann::json s = serialize(L2(1e-4));
    EXPECT_EQ(s["module"], "keras.regularizers");
    EXPECT_EQ(s["class_name"], "L2");
    EXPECT_TRUE(s["registered_name"].is_null());
    auto back = std::dynamic_pointer_cast<L2>(deserialize(s));
    ASSERT_TRUE(back);
    EXPECT_DOUBLE_EQ(back->l2(), 1e-4);
    auto both = std::dynamic_pointer_cast<L1L2>(deserialize(nlohmann::json{{"class_name", "L1L2"}, {"config", {{"l2", 0.5}}}}));
    ASSERT_TRUE(both);
    EXPECT_DOUBLE_EQ(both->l1(), 0.0);
    EXPECT_DOUBLE_EQ(both->l2(), 0.5);
    EXPECT_THROW(deserialize(nlohmann::json{{"class_name", "L2"}, {"config", {{"l3", 0.5}}}}), ValueError);
    EXPECT_THROW(deserialize(nlohmann::json{{"class_name", "L2"}, {"config", {{"l2", "big"}}}}), ValueError);
    EXPECT_TRUE(RegularizerSpec().to_json().is_null());
}

// ---- Layer losses ----

TEST_F(RegularizersTest, KerasDocstringExampleKernelL1AndActivityL2) {
    // Keras's Regularizer docstring: Dense(5, kernel_initializer="ones", kernel_regularizer=L1(0.01),
    // activity_regularizer=L2(0.01)) on ones((5, 5)) * 2: the kernel term is 0.25, the activity term (after
    // dividing by the batch size of 5) is 5.0; sum(layer.losses) == 5.25.
    layers::Dense d(5, {}, {.kernel_initializer = "ones", .kernel_regularizer = L1(0.01), .activity_regularizer = L2(0.01)});
    d(Tensor::ones({5, 5}) * 2.0);
    std::vector<Tensor> losses = d->losses();
    ASSERT_EQ(losses.size(), 2u);
    EXPECT_NEAR(losses[0].item<float>(), 5.0, 1e-4);   // the call's activity loss first, as Keras
    EXPECT_NEAR(losses[1].item<float>(), 0.25, 1e-6);  // then the kernel's penalty
}

TEST_F(RegularizersTest, DenseKernelL2ContributesL2TimesSumOfSquaresOfTheCurrentKernel) {
    layers::Dense d(3, "relu", {.kernel_regularizer = L2(1e-4), .input_shape = {4}});
    EXPECT_TRUE(d->losses().empty());  // not built: no weights yet
    d(random::normal({2, 4}));
    ASSERT_EQ(d->losses().size(), 1u);
    EXPECT_NEAR(d->losses()[0].item<float>(), 1e-4 * sum_sq(d->kernel()), 1e-9);
    // Computed from the weights as they are now, not as they were at the call.
    d->set_weights({Tensor::full({4, 3}, 2.0), Tensor::zeros({3})});
    EXPECT_NEAR(d->losses()[0].item<float>(), 1e-4 * 4.0 * 12, 1e-7);
}

TEST_F(RegularizersTest, WeightPenaltiesAreDifferentiable) {
    layers::Dense d(3, {}, {.kernel_regularizer = L2(0.5), .bias_regularizer = L1(0.25), .dtype = float64});
    d(random::normal({2, 4}, 0.0, 1.0, float64));
    d->set_weights({random::normal({4, 3}, 0.0, 1.0, float64), Tensor::full({3}, 0.5, float64)});
    std::vector<Tensor> losses = d->losses();
    ASSERT_EQ(losses.size(), 2u);
    std::vector<Tensor> g = autograd::gradients(losses[0] + losses[1], {d->kernel(), d->bias()});
    auto kernel = d->kernel().to_vector<double>();
    auto gk = g[0].to_vector<double>();
    for (std::size_t i = 0; i < kernel.size(); ++i) EXPECT_NEAR(gk[i], 2 * 0.5 * kernel[i], 1e-12);  // d(l2 w^2) = 2 l2 w
    for (double v : g[1].to_vector<double>()) EXPECT_NEAR(v, 0.25, 1e-12);                          // d(l1 |b|) = l1 sign(b)
}

TEST_F(RegularizersTest, ActivityLossesAreReplacedAtEachCall) {
    layers::Dense d(2, {}, {.activity_regularizer = L1(0.1)});
    d(Tensor::ones({4, 3}));
    ASSERT_EQ(d->losses().size(), 1u);
    Tensor y = d(Tensor::ones({2, 3}) * 3.0);
    ASSERT_EQ(d->losses().size(), 1u);
    EXPECT_NEAR(d->losses()[0].item<float>(), 0.1 * sum_abs(y) / 2.0, 1e-5);
}

TEST_F(RegularizersTest, CallsInsideOneContextKeepEveryActivityLoss) {
    // Keras clears losses only at the outermost call: a layer used twice in one forward keeps both.
    layers::Dense d(2, {}, {.activity_regularizer = L1(0.1)});
    {
        LayerCallContext context;
        d(Tensor::ones({4, 3}));
        d(Tensor::ones({4, 3}));
        EXPECT_EQ(d->losses().size(), 2u);
    }
    d(Tensor::ones({4, 3}));
    EXPECT_EQ(d->losses().size(), 1u);
}

TEST_F(RegularizersTest, FrozenLayersHaveNoWeightPenalties) {
    // Keras's _get_regularization_losses walks the trainable weights only.
    layers::Dense d(2, {}, {.kernel_regularizer = L2(0.1), .bias_regularizer = L2(0.1)});
    d(Tensor::ones({1, 3}));
    EXPECT_EQ(d->losses().size(), 2u);
    d->set_trainable(false);
    EXPECT_TRUE(d->losses().empty());
}

TEST_F(RegularizersTest, DenseConfigWritesRegularizersAsKeras) {
    layers::Dense plain(2);
    nlohmann::json c = plain->get_config();
    EXPECT_TRUE(c["kernel_regularizer"].is_null());
    EXPECT_TRUE(c["bias_regularizer"].is_null());
    EXPECT_FALSE(c.contains("activity_regularizer"));  // Keras 3's Layer writes it only when set

    layers::Dense reg(2, {}, {.kernel_regularizer = "l2", .bias_regularizer = L1(0.5), .activity_regularizer = L1L2(0.0, 0.5)});
    c = reg->get_config();
    EXPECT_EQ(c["kernel_regularizer"]["class_name"], "L2");
    EXPECT_EQ(c["kernel_regularizer"]["config"]["l2"], 0.01);
    EXPECT_EQ(c["bias_regularizer"]["config"]["l1"], 0.5);
    EXPECT_EQ(c["activity_regularizer"]["class_name"], "L1L2");
}

TEST_F(RegularizersTest, AddLossRefusesNonScalars) {
    layers::Dense d(2);
    EXPECT_THROW(d->add_loss(Tensor::ones({2})), ShapeError);
    EXPECT_THROW(d->add_loss(Tensor()), ValueError);
    d->add_loss(Tensor::scalar(1.5));
    EXPECT_EQ(d->losses().size(), 1u);
}

}  // namespace
}  // namespace strata
