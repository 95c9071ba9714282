// A model used as a layer of another: called on symbolic tensors, added to a Sequential, frozen for transfer
// learning, saved in Keras 3's nested layout.
#include <gtest/gtest.h>

#include <sstream>

#include <strata/strata.hpp>

#include "saving/hdf5.hpp"
#include "support/gradcheck.hpp"
#include "support/layer_gradcheck.hpp"

namespace strata {
namespace {

using layers::Dense;

class NestedModelTest : public ::testing::Test {
protected:
    void SetUp() override {
        clear_session();
        random::seed(5);
    }
};

// A small functional block: 4 -> 6 (tanh) -> 3.
Model block(DType dtype = float32) {
    Tensor x = Input({4}, {.dtype = dtype});
    Tensor h = Dense(6, "tanh", {.dtype = dtype})(x);
    return Model(x, Dense(3, {}, {.dtype = dtype})(h));
}

TEST_F(NestedModelTest, FunctionalModelCalledOnSymbolicTensorsJoinsTheGraph) {
    Model inner = block();
    Tensor x = Input({4});
    Tensor y = Dense(2)(inner(x));
    Model outer(x, y);

    // Keras 3: the inner model is one entry of outer.layers, of class "Functional", under its own name.
    ASSERT_EQ(outer.layers().size(), 3u);
    EXPECT_EQ(outer.layers()[1]->name(), inner.name());
    EXPECT_EQ(outer.layers()[1]->class_name(), "Functional");
    EXPECT_EQ(y.shape(), (Shape{-1, 2}));

    // The outer model's weights are the inner model's (the very same tensors) and then the head's.
    std::vector<Tensor> inner_weights = inner.weights(), outer_weights = outer.weights();
    ASSERT_EQ(outer_weights.size(), inner_weights.size() + 2);
    for (std::size_t i = 0; i < inner_weights.size(); ++i)
        EXPECT_EQ(outer_weights[i].impl(), inner_weights[i].impl()) << "weight " << i;
    EXPECT_EQ(outer.count_params(), inner.count_params() + 3 * 2 + 2);
    EXPECT_EQ(outer.layers()[1]->count_params(), inner.count_params());

    // Values: the outer model computes head(inner(x)).
    Tensor data = random::normal({5, 4});
    Tensor expected = outer.layers()[2]->operator()(inner(data));
    EXPECT_EQ(outer(data).to_vector<float>(), expected.to_vector<float>());
}

TEST_F(NestedModelTest, TheSameModelTwiceSharesOneLayerAndSumsItsGradients) {
    Model inner = block(float64);
    Tensor a = Input({4}, {.dtype = float64}), b = Input({4}, {.dtype = float64});
    Tensor sum = layers::Add({.dtype = float64})({inner(a), inner(b)});
    Model outer({a, b}, {sum});
    // One layer for both calls: the weights are counted once.
    EXPECT_EQ(outer.weights().size(), inner.weights().size());
    EXPECT_EQ(outer.count_params(), inner.count_params());

    // d/dw of f(a) + f(b) is the sum of both calls' gradients, checked against central differences.
    Tensor xa = random::normal({3, 4}, 0.0, 1.0, float64), xb = random::normal({3, 4}, 0.0, 1.0, float64);
    std::vector<Tensor> weights = inner.trainable_weights();
    testing::expect_layer_gradients_match(
        [&](const Tensor& x) { return outer(std::vector<Tensor>{x, xb})[0]; }, xa, weights);
}

TEST_F(NestedModelTest, GradientsFlowThroughANestedSequentialInFloat64) {
    Sequential inner{Dense(5, "tanh", {.dtype = float64}), Dense(3, "sigmoid", {.dtype = float64})};
    Sequential outer;
    outer.add(Dense(4, "relu", {.input_shape = {2}, .dtype = float64}));
    outer.add(inner);
    outer.add(Dense(2, {}, {.dtype = float64}));
    ASSERT_EQ(outer.layers().size(), 3u);
    EXPECT_EQ(outer.layers()[1]->class_name(), "Sequential");
    // Keras 3's Sequential.build: the InputLayer takes the first layer's dtype (float64 here, not float32).
    EXPECT_EQ(outer.inputs()[0].dtype(), float64);
    // The inner Sequential had no input shape: the outer one built it with its own.
    EXPECT_EQ(inner.weights().size(), 4u);
    EXPECT_EQ(inner.weights()[0].shape(), (Shape{4, 5}));
    testing::expect_layer_gradients_match([&](const Tensor& x) { return outer(x); },
                                          random::normal({3, 2}, 0.0, 1.0, float64), outer.trainable_weights());
}

TEST_F(NestedModelTest, FrozenBaseModelIsLeftAloneByFit) {
    // Keras's transfer-learning recipe: base.trainable = False freezes every layer of the base model.
    Model base = block();
    Sequential model;
    model.add(Input({4}));
    model.add(base);
    model.add(Dense(1));
    base.set_trainable(false);
    EXPECT_FALSE(base.trainable());
    EXPECT_FALSE(model.layers()[0]->trainable());
    for (const auto& layer : base.layers()) EXPECT_FALSE(layer->trainable()) << layer->name();
    EXPECT_EQ(model.trainable_weights().size(), 2u);  // the head's kernel and bias
    EXPECT_EQ(model.non_trainable_weights().size(), 4u);

    std::vector<Tensor> base_before = base.get_weights();
    Tensor head_before = model.layers()[1]->get_weights()[0];
    model.compile({.optimizer = optimizers::Adam(0.01), .loss = "mse"});
    model.fit(random::normal({32, 4}), random::normal({32, 1}), {.batch_size = 8, .epochs = 2, .verbose = 0});
    std::vector<Tensor> base_after = base.get_weights();
    for (std::size_t i = 0; i < base_before.size(); ++i)
        EXPECT_EQ(base_after[i].to_vector<float>(), base_before[i].to_vector<float>()) << "base weight " << i;
    EXPECT_NE(model.layers()[1]->get_weights()[0].to_vector<float>(), head_before.to_vector<float>());

    // Unfrozen through the layer handle, as `model.layers[0].trainable = True`: the base trains again.
    model.layers()[0]->set_trainable(true);
    EXPECT_TRUE(base.trainable());
    EXPECT_EQ(model.trainable_weights().size(), 6u);
}

TEST_F(NestedModelTest, TrainingReachesBatchNormalizationInsideANestedModel) {
    Sequential inner{layers::BatchNormalization()};
    Sequential outer;
    outer.add(Input({3}));
    outer.add(inner);
    outer.add(Dense(1));
    outer.compile({.optimizer = optimizers::SGD(0.01), .loss = "mse"});
    Tensor x = random::normal({16, 3}, 4.0, 1.0);
    outer.fit(x, random::normal({16, 1}), {.batch_size = 16, .epochs = 1, .verbose = 0});
    // One training step: moving_mean = 0.99 * 0 + 0.01 * batch mean (about 4), so far from 0.
    std::vector<float> moving_mean = inner.layers()[0]->weights()[2].to_vector<float>();
    for (float m : moving_mean) EXPECT_GT(m, 0.02f);
}

TEST_F(NestedModelTest, SummaryShowsTheNestedModelAsOneRow) {
    Model inner = block();
    Tensor x = Input({4});
    Model outer(x, Dense(2)(inner(x)));
    std::ostringstream out;
    outer.summary(out);
    std::string text = out.str();
    EXPECT_NE(text.find(inner.name() + " (Functional)"), std::string::npos) << text;
    EXPECT_NE(text.find(std::to_string(inner.count_params())), std::string::npos) << text;
    EXPECT_NE(text.find("Total params: " + std::to_string(outer.count_params())), std::string::npos) << text;
}

TEST_F(NestedModelTest, WeightsFileUsesKerasNestedLayoutAndRoundTrips) {
    // Keras 3's _save_state recurses into a nested model: layers/functional/vars (empty), then its own
    // model.layers under layers/functional/layers/<key>/vars.
    std::string file = (std::filesystem::temp_directory_path() / "strata_nested_test.weights.h5").string();
    auto make = [] {
        clear_session();
        Model inner = block();
        Tensor x = Input({4});
        return Model(x, Dense(2)(inner(x)));
    };
    random::seed(1);
    Model saved = make();
    saved.save_weights(file);
    {
        saving::h5::File h5 = saving::h5::File::open(file);
        saving::h5::Group layers = h5.root().open_group("layers");
        EXPECT_EQ(layers.children(), (std::vector<std::string>{"dense", "functional", "input_layer"}));
        saving::h5::Group nested = layers.open_group("functional");
        EXPECT_EQ(nested.children(), (std::vector<std::string>{"layers", "vars"}));
        EXPECT_TRUE(nested.open_group("vars").children().empty());
        EXPECT_EQ(nested.open_group("layers").children(),
                  (std::vector<std::string>{"dense", "dense_1", "input_layer"}));
        EXPECT_EQ(nested.open_group("layers").open_group("dense").open_group("vars").dataset_info("0").shape,
                  (Shape{4, 6}));
    }
    random::seed(2);
    Model loaded = make();
    ASSERT_NE(loaded.get_weights()[0].to_vector<float>(), saved.get_weights()[0].to_vector<float>());
    loaded.load_weights(file);
    std::vector<Tensor> a = loaded.get_weights(), b = saved.get_weights();
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].to_vector<float>(), b[i].to_vector<float>()) << i;
    std::filesystem::remove(file);
}

TEST_F(NestedModelTest, BadUsesAreRefusedNamingTheModel) {
    Tensor x = Input({4});
    Model two_outputs(std::vector<Tensor>{x}, {Dense(1)(x), Dense(2)(x)}, {.name = "two_heads"});
    Tensor z = Input({4});
    try {
        two_outputs(z);
        FAIL() << "no exception";
    } catch (const ValueError& e) {
        EXPECT_NE(std::string(e.what()).find("\"two_heads\" has 2 outputs"), std::string::npos) << e.what();
    }

    Model inner = block();
    Tensor wrong = Input({5});
    try {
        inner(wrong);
        FAIL() << "no exception";
    } catch (const ShapeError& e) {
        std::string message = e.what();
        EXPECT_NE(message.find(inner.name()), std::string::npos) << message;
        EXPECT_NE(message.find("(None, 4)"), std::string::npos) << message;
        EXPECT_NE(message.find("(None, 5)"), std::string::npos) << message;
    }

    Sequential a{Dense(2)}, b{Dense(2)};
    a.add(b);
    EXPECT_THROW(b.add(a), ValueError);  // b inside a inside b
    EXPECT_THROW(a.add(a), ValueError);
}

}  // namespace
}  // namespace strata
