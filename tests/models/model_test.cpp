#include <gtest/gtest.h>

#include <sstream>

#include "support/layer_gradcheck.hpp"

namespace strata {
namespace {

using layers::Dense;

class ModelTest : public ::testing::Test {
protected:
    void SetUp() override {
        clear_session();
        random::seed(11);
    }
};

TEST_F(ModelTest, SequentialWithInputShapeIsBuiltAtAdd) {
    Sequential model;
    model.add(Dense(32, "relu", {.input_shape = {784}}));
    model.add(Dense(10, "softmax"));
    EXPECT_EQ(model.name(), "sequential");
    ASSERT_EQ(model.layers().size(), 2u);  // Keras 3's Sequential.layers leaves out the InputLayer
    EXPECT_EQ(model.layers()[0]->name(), "dense");
    EXPECT_EQ(model.layers()[1]->name(), "dense_1");
    EXPECT_EQ(model.count_params(), 784 * 32 + 32 + 32 * 10 + 10);
    std::vector<Tensor> w = model.get_weights();
    ASSERT_EQ(w.size(), 4u);
    EXPECT_EQ(w[0].shape(), (Shape{784, 32}));
    EXPECT_EQ(w[3].shape(), (Shape{10}));
}

TEST_F(ModelTest, SequentialWithoutInputShapeBuildsOnFirstCall) {
    Sequential model{Dense(4, "relu"), Dense(2)};
    EXPECT_TRUE(model.weights().empty());
    Tensor y = model(random::normal({3, 5}));
    EXPECT_EQ(y.shape(), (Shape{3, 2}));
    EXPECT_EQ(model.weights().size(), 4u);
    EXPECT_THROW(model(random::normal({3, 6})), ShapeError);
}

TEST_F(ModelTest, SequentialPopRemovesTheLastLayer) {
    Sequential model;
    model.add(Dense(4, "relu", {.input_shape = {3}}));
    model.add(Dense(2));
    std::shared_ptr<Layer> last = model.pop();
    EXPECT_EQ(last->name(), "dense_1");
    ASSERT_EQ(model.layers().size(), 1u);
    EXPECT_EQ(model(random::normal({5, 3})).shape(), (Shape{5, 4}));
    model.pop();
    EXPECT_THROW(model.pop(), ValueError);
}

TEST_F(ModelTest, SequentialRefusesALayerThatDoesNotFit) {
    Sequential model;
    model.add(Dense(4, {}, {.input_shape = {3}}));
    Dense built_for_five(2);
    built_for_five(random::normal({1, 5}));
    EXPECT_THROW(model.add(built_for_five), ShapeError);
    EXPECT_EQ(model.layers().size(), 1u);  // the refused layer is not kept
}

TEST_F(ModelTest, FunctionalModelMatchesLayersCalledByHand) {
    Tensor inputs = Input({6});
    Dense first(5, "tanh"), second(3, "softmax");
    Tensor outputs = second(first(inputs));
    Model model(inputs, outputs);
    EXPECT_EQ(model.name(), "functional");
    ASSERT_EQ(model.layers().size(), 3u);  // Keras 3 lists the InputLayer of a functional model
    EXPECT_EQ(model.layers()[0]->class_name(), "InputLayer");
    EXPECT_EQ(inputs.shape(), (Shape{-1, 6}));
    EXPECT_EQ(outputs.shape(), (Shape{-1, 3}));
    Tensor x = random::normal({4, 6});
    EXPECT_EQ(model(x).to_vector<float>(), second(first(x)).to_vector<float>());
    EXPECT_EQ(model.predict(x, {.verbose = 0}).to_vector<float>(), model(x).to_vector<float>());
}

TEST_F(ModelTest, SeveralInputsAndOutputs) {
    Tensor a = Input({3}), b = Input({2});
    Tensor shared_hidden = Dense(4, "relu")(a);
    Tensor out1 = Dense(1)(shared_hidden), out2 = Dense(2)(shared_hidden), out3 = Dense(5)(b);
    Model model({a, b}, {out1, out2, out3});
    std::vector<Tensor> y = model({random::normal({7, 3}), random::normal({7, 2})});
    ASSERT_EQ(y.size(), 3u);
    EXPECT_EQ(y[0].shape(), (Shape{7, 1}));
    EXPECT_EQ(y[1].shape(), (Shape{7, 2}));
    EXPECT_EQ(y[2].shape(), (Shape{7, 5}));
    EXPECT_THROW(model(random::normal({7, 3})), ValueError);  // one input for a two-input model
}

TEST_F(ModelTest, SharedLayerSumsGradientsOfBothUses) {
    // One Dense applied twice: its kernel gets the gradient of both calls.
    Dense shared(4, "tanh", {.dtype = float64});
    Tensor inputs = Input({4}, {.dtype = float64});
    Model model(inputs, shared(shared(inputs)));
    Tensor x = random::uniform({3, 4}, -1, 1, float64);
    testing::expect_layer_gradients_match([&](const Tensor& in) { return model(in); }, x, model.trainable_weights());
    EXPECT_EQ(model.trainable_weights().size(), 2u);  // one set of weights
}

TEST_F(ModelTest, DisconnectedGraphIsRefused) {
    Tensor a = Input({3}), b = Input({3});
    Tensor out = Dense(2)(b);
    try {
        Model model(a, out);
        FAIL() << "expected ValueError";
    } catch (const ValueError& e) {
        EXPECT_NE(std::string(e.what()).find("disconnected"), std::string::npos) << e.what();
    }
    EXPECT_THROW(Model(a, random::normal({2, 3})), ValueError);  // a concrete tensor is not a graph output
}

TEST_F(ModelTest, WrongInputShapeNamesModelAndShapes) {
    Sequential model;
    model.add(Dense(4, "relu", {.input_shape = {3}}));
    try {
        model.predict(random::normal({8, 5}), {.verbose = 0});
        FAIL() << "expected ShapeError";
    } catch (const ShapeError& e) {
        std::string m = e.what();
        EXPECT_NE(m.find("sequential"), std::string::npos) << m;
        EXPECT_NE(m.find("(None, 3)"), std::string::npos) << m;
        EXPECT_NE(m.find("(8, 5)"), std::string::npos) << m;
    }
}

TEST_F(ModelTest, SetWeightsOnTheModel) {
    Sequential model;
    model.add(Dense(2, {}, {.input_shape = {3}}));
    std::vector<Tensor> w = model.get_weights();
    w[0] = Tensor::ones({3, 2});
    model.set_weights(w);
    EXPECT_EQ(model.get_weights()[0].to_vector<float>(), std::vector<float>(6, 1.0f));
    EXPECT_THROW(model.set_weights({w[0]}), ValueError);
}

TEST_F(ModelTest, SummaryPrintsKerasTable) {
    Sequential model;
    model.add(Dense(32, "relu", {.input_shape = {784}}));
    model.add(Dense(10, "softmax"));
    std::ostringstream out;
    model.summary(out);
    // Keras 3's summary of the walk-through model.
    const char* expected =
        "Model: \"sequential\"\n"
        "┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓\n"
        "┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃\n"
        "┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩\n"
        "│ dense (Dense)                   │ (None, 32)             │        25,120 │\n"
        "├─────────────────────────────────┼────────────────────────┼───────────────┤\n"
        "│ dense_1 (Dense)                 │ (None, 10)             │           330 │\n"
        "└─────────────────────────────────┴────────────────────────┴───────────────┘\n"
        " Total params: 25,450 (99.41 KB)\n"
        " Trainable params: 25,450 (99.41 KB)\n"
        " Non-trainable params: 0 (0.00 B)\n";
    EXPECT_EQ(out.str(), expected);
}

TEST_F(ModelTest, FunctionalSummaryListsTheInputLayer) {
    Tensor inputs = Input({784});
    Model model(inputs, Dense(10)(inputs));
    std::ostringstream out;
    model.summary(out);
    EXPECT_NE(out.str().find("│ input_layer (InputLayer)        │ (None, 784)            │             0 │"),
              std::string::npos)
        << out.str();
    EXPECT_NE(out.str().find("Model: \"functional\""), std::string::npos);
}

TEST_F(ModelTest, SummaryOfABranchingModelHasTheConnectedToColumn) {
    // Keras 3 adds "Connected to" when a functional model is not a chain: each input named as
    // layer[call index][tensor index].
    Tensor a = Input({4}, {.name = "a"});
    Tensor b = Input({4}, {.name = "b"});
    Dense shared(3, {}, {.name = "shared"});
    Tensor left = shared(a), right = shared(b);
    Model model({a, b}, {left, right});
    std::ostringstream out;
    model.summary(out);
    std::string text = out.str();
    EXPECT_NE(text.find("Connected to"), std::string::npos) << text;
    EXPECT_NE(text.find("a[0][0]"), std::string::npos) << text;
    EXPECT_NE(text.find("b[0][0]"), std::string::npos) << text;
    EXPECT_NE(text.find("│ -"), std::string::npos) << text;  // an InputLayer has no inbound connection
    // A chain keeps the three columns.
    Tensor x = Input({4});
    std::ostringstream chain;
    Model(x, Dense(2)(Dense(3)(x))).summary(chain);
    EXPECT_EQ(chain.str().find("Connected to"), std::string::npos) << chain.str();
}

TEST_F(ModelTest, SequentialTakesAnInputFirst) {
    // Keras: model.add(keras.Input(shape=(28, 28, 1))) fixes the input shape.
    Sequential model;
    model.add(Input({6}));
    model.add(Dense(3));
    EXPECT_EQ(model.count_params(), 6 * 3 + 3);
    EXPECT_EQ(model.predict(random::normal({2, 6}), {.verbose = 0}).shape(), (Shape{2, 3}));
    EXPECT_THROW(model.add(Input({6})), ValueError);           // only first
    EXPECT_THROW(Sequential().add(random::normal({2, 6})), ValueError);  // a concrete tensor is not an Input
}

}  // namespace
}  // namespace strata
