#include <gtest/gtest.h>

#include <strata/layers/regularization.hpp>
#include <strata/layers/regularizers.hpp>
#include <strata/strata.hpp>

namespace strata {
namespace {

class ModelLossesTest : public ::testing::Test {
protected:
    void SetUp() override {
        clear_session();
        utils::set_random_seed(8);
    }
};

double sum_sq(const Tensor& x) {
    double s = 0;
    for (double v : x.astype(float64).to_vector<double>()) s += v * v;
    return s;
}

double total(const std::vector<Tensor>& losses) {
    double s = 0;
    for (const Tensor& l : losses) s += l.astype(float64).item<double>();
    return s;
}

TEST_F(ModelLossesTest, SequentialGathersEveryLayersLosses) {
    layers::Dense first(8, "relu", {.kernel_regularizer = regularizers::L2(1e-4), .input_shape = {4}});
    layers::Dense second(3, {}, {.bias_initializer = "ones", .bias_regularizer = regularizers::L1(0.5)});
    Sequential model;
    model.add(first);
    model.add(layers::ActivityRegularization(0.0, 0.1));
    model.add(second);
    // Before any call: the weight penalties only.
    std::vector<Tensor> before = model.losses();
    ASSERT_EQ(before.size(), 2u);
    EXPECT_NEAR(total(before), 1e-4 * sum_sq(first->kernel()) + 0.5 * 3, 1e-5);

    Tensor x = random::normal({5, 4});
    Tensor hidden = first(x);
    model(x);
    std::vector<Tensor> after = model.losses();
    ASSERT_EQ(after.size(), 3u);
    EXPECT_NEAR(total(after), 1e-4 * sum_sq(first->kernel()) + 0.1 * sum_sq(hidden) / 5 + 0.5 * 3, 1e-4);
}

TEST_F(ModelLossesTest, ASharedLayerCountsItsWeightPenaltyOnce) {
    layers::Dense shared(4, {}, {.kernel_regularizer = regularizers::L2(0.1)});
    Tensor a = Input({4}), b = Input({4});
    Model model({a, b}, {shared(a), shared(b)});
    std::vector<Tensor> losses = model.losses();
    ASSERT_EQ(losses.size(), 1u);
    EXPECT_NEAR(losses[0].item<float>(), 0.1 * sum_sq(shared->kernel()), 1e-5);
}

TEST_F(ModelLossesTest, LossesAreDifferentiableWithRespectToTheWeights) {
    layers::Dense d(2, {}, {.kernel_regularizer = regularizers::L2(0.25), .input_shape = {3}, .dtype = float64});
    Sequential model;
    model.add(d);
    std::vector<Tensor> losses = model.losses();
    ASSERT_EQ(losses.size(), 1u);
    Tensor g = autograd::gradients(losses[0], {d->kernel()})[0];
    auto k = d->kernel().to_vector<double>(), gv = g.to_vector<double>();
    for (std::size_t i = 0; i < k.size(); ++i) EXPECT_NEAR(gv[i], 0.5 * k[i], 1e-12);
}

}  // namespace
}  // namespace strata
