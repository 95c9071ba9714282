#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <strata/strata.hpp>

#include "saving/hdf5.hpp"
#include "saving_test_support.hpp"
#include "support/error_of.hpp"

namespace strata {
namespace {

using saving::h5::File;
using saving::h5::Group;
using testing::dense_stack;
using testing::expect_same_weights;

class WeightsFileTest : public testing::SavingTest {};

std::string keras_fixture() { return std::string(STRATA_TEST_DATA_DIR) + "/../saving/data/mlp_churn_keras3.weights.h5"; }

using testing::error_of;

Model functional_model() {
    Tensor x = Input({5});
    Tensor h = layers::Dense(8, "relu")(x);
    Tensor y = layers::Dense(3)(layers::Dense(6, "tanh")(h));
    return Model(x, y);
}

TEST_F(WeightsFileTest, SequentialRoundTripIsBitIdentical) {
    clear_session();
    utils::set_random_seed(1);
    Sequential saved = dense_stack(4, {16, 8, 3});
    saved.save_weights(path("m.weights.h5"));
    utils::set_random_seed(2);
    Sequential loaded = dense_stack(4, {16, 8, 3});
    ASSERT_NE(loaded.get_weights()[0].to_vector<float>(), saved.get_weights()[0].to_vector<float>());
    loaded.load_weights(path("m.weights.h5"));
    expect_same_weights(loaded.get_weights(), saved.get_weights());
    Tensor x = random::normal({2, 4});
    EXPECT_EQ(loaded.predict(x).to_vector<float>(), saved.predict(x).to_vector<float>());
}

TEST_F(WeightsFileTest, FunctionalRoundTripIsBitIdentical) {
    clear_session();
    utils::set_random_seed(1);
    Model saved = functional_model();
    saved.save_weights(path("f.weights.h5"));
    utils::set_random_seed(7);
    Model loaded = functional_model();
    loaded.load_weights(path("f.weights.h5"));
    expect_same_weights(loaded.get_weights(), saved.get_weights());
}

TEST_F(WeightsFileTest, SequentialLayoutIsKeras3s) {
    // Keras 3 (saving_lib._save_state): /vars for the model itself, /layers/<snake_case class>[_N]/vars/<i> for
    // each of model.layers (Sequential leaves out its InputLayer), a `name` attribute on each vars group.
    clear_session();
    Sequential model = dense_stack(4, {16, 8, 3});
    model.save_weights(path("m.weights.h5"));
    File file = File::open(path("m.weights.h5"));
    Group root = file.root();
    EXPECT_EQ(root.children(), (std::vector<std::string>{"layers", "vars"}));
    EXPECT_TRUE(root.open_group("vars").children().empty());
    EXPECT_EQ(root.open_group("vars").string_attribute("name"), model.name());
    Group layers = root.open_group("layers");
    ASSERT_EQ(layers.children(), (std::vector<std::string>{"dense", "dense_1", "dense_2"}));
    std::vector<Shape> kernels = {{4, 16}, {16, 8}, {8, 3}};
    for (int i = 0; i < 3; ++i) {
        Group layer = layers.open_group(layers.children()[i]);
        EXPECT_EQ(layer.children(), std::vector<std::string>{"vars"});
        Group vars = layer.open_group("vars");
        EXPECT_EQ(vars.string_attribute("name"), model.layers()[i]->name());
        ASSERT_EQ(vars.children(), (std::vector<std::string>{"0", "1"}));
        // Dense: 0 = kernel (in, units), 1 = bias (units,), float32.
        EXPECT_EQ(vars.dataset_info("0").shape, kernels[i]);
        EXPECT_EQ(vars.dataset_info("0").dtype, float32);
        EXPECT_EQ(vars.dataset_info("1").shape, (Shape{kernels[i][1]}));
        EXPECT_EQ(vars.read_dataset("0", float32).to_vector<float>(), model.layers()[i]->weights()[0].to_vector<float>());
    }
}

TEST_F(WeightsFileTest, KeysFollowClassNamesNotLayerNames) {
    // Keras 3 (_save_container_state): groups are named after the class, numbered in model.layers order,
    // whatever the layers are called; functional models store their InputLayer (an empty vars group).
    clear_session();
    Tensor x = Input({3}, {.name = "features"});
    Tensor h = layers::Dense(4, "relu", {.name = "hidden"})(x);
    Tensor a = layers::Activation("tanh")(h);
    Tensor y = layers::Dense(2, {}, {.name = "head"})(a);
    Model model(x, y);
    model.save_weights(path("f.weights.h5"));
    Group layers = File::open(path("f.weights.h5")).root().open_group("layers");
    EXPECT_EQ(layers.children(), (std::vector<std::string>{"activation", "dense", "dense_1", "input_layer"}));
    EXPECT_EQ(layers.open_group("dense").open_group("vars").string_attribute("name"), "hidden");
    EXPECT_EQ(layers.open_group("dense_1").open_group("vars").string_attribute("name"), "head");
    EXPECT_EQ(layers.open_group("input_layer").open_group("vars").string_attribute("name"), "features");
    EXPECT_TRUE(layers.open_group("input_layer").open_group("vars").children().empty());
    EXPECT_TRUE(layers.open_group("activation").open_group("vars").children().empty());
}

TEST_F(WeightsFileTest, CompiledModelWritesAnOptimizerGroup) {
    // Keras 3: the compiled optimizer is saved under optimizer/vars, named after the optimizer.
    clear_session();
    Sequential model = dense_stack(4, {3});
    model.compile({.optimizer = "adam", .loss = "mse"});
    model.save_weights(path("m.weights.h5"));
    Group root = File::open(path("m.weights.h5")).root();
    EXPECT_EQ(root.children(), (std::vector<std::string>{"layers", "optimizer", "vars"}));
    EXPECT_EQ(root.open_group("optimizer").open_group("vars").string_attribute("name"), model.optimizer()->name());
}

TEST_F(WeightsFileTest, OptimizerStateRoundTrips) {
    // Keras 3: optimizer/vars/<i> holds optimizer.variables: iterations (int64 scalar), learning_rate (float32
    // scalar), then the slots; a model compiled before load_weights resumes from them.
    clear_session();
    utils::set_random_seed(1);
    Sequential model = dense_stack(4, {3});
    model.compile({.optimizer = "adam", .loss = "mse"});
    Tensor x = random::normal({8, 4}), y = random::normal({8, 3});
    model.train_on_batch(x, y);
    model.train_on_batch(x, y);
    model.save_weights(path("m.weights.h5"));
    std::vector<Tensor> saved = model.optimizer()->variables();
    Group vars = File::open(path("m.weights.h5")).root().open_group("optimizer").open_group("vars");
    ASSERT_EQ(vars.children().size(), saved.size());
    EXPECT_EQ(saved.size(), 6u);  // iterations, learning_rate, momentum and velocity of kernel and bias
    EXPECT_EQ(vars.dataset_info("0").dtype, int64);
    EXPECT_EQ(vars.dataset_info("0").shape, Shape{});
    EXPECT_EQ(vars.read_dataset("0", int64).to_vector<std::int64_t>()[0], 2);
    EXPECT_EQ(vars.dataset_info("1").dtype, float32);
    EXPECT_EQ(vars.dataset_info("1").shape, Shape{});

    clear_session();
    utils::set_random_seed(5);
    Sequential loaded = dense_stack(4, {3});
    loaded.compile({.optimizer = "adam", .loss = "mse"});
    loaded.load_weights(path("m.weights.h5"));
    EXPECT_EQ(loaded.optimizer()->iterations(), 2);
    std::vector<Tensor> restored = loaded.optimizer()->variables();
    ASSERT_EQ(restored.size(), saved.size());
    for (std::size_t i = 2; i < saved.size(); ++i)
        EXPECT_EQ(restored[i].to_vector<float>(), saved[i].to_vector<float>()) << "variable " << i;
    // Both now take the same step.
    model.train_on_batch(x, y);
    loaded.train_on_batch(x, y);
    expect_same_weights(loaded.get_weights(), model.get_weights());
}

TEST_F(WeightsFileTest, LoadsTheOptimizerStateOfAKerasFile) {
    clear_session();
    Sequential model = dense_stack(12, {64, 32, 1});
    model.compile({.optimizer = "adam", .loss = "mse"});
    model.load_weights(keras_fixture());
    // h5dump: optimizer/vars/0 = 4250 (iterations), optimizer/vars/1 = 0.01 (learning_rate).
    EXPECT_EQ(model.optimizer()->iterations(), 4250);
    EXPECT_NEAR(model.optimizer()->learning_rate(), 0.01, 1e-8);
}

TEST_F(WeightsFileTest, OptimizerWithOtherVariablesWarnsAndIsSkipped) {
    // Keras 3 (Optimizer.load_own_variables): "Skipping variable loading for optimizer 'sgd', because it has 2
    // variables whereas the saved optimizer has 14 variables." The layers still load.
    clear_session();
    Sequential model = dense_stack(12, {64, 32, 1});
    model.compile({.optimizer = "sgd", .loss = "mse"});
    ::testing::internal::CaptureStderr();
    EXPECT_NO_THROW(model.load_weights(keras_fixture()));
    std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(err.find("Skipping variable loading for optimizer"), std::string::npos) << err;
    EXPECT_NE(err.find("the saved optimizer has 14 variables"), std::string::npos) << err;
    EXPECT_EQ(model.optimizer()->iterations(), 0);
    EXPECT_NEAR(model.get_weights()[0].to_vector<float>()[0], -0.0163282, 1e-6);
}

TEST_F(WeightsFileTest, LoadsAFileWrittenByKeras) {
    // mlp_churn_keras3.keras's model.weights.h5 (Keras 3.10.0; its layers were dense_6, dense_7, dense_8).
    clear_session();
    Sequential model;
    model.add(layers::Dense(64, "relu", {.input_shape = {12}}));
    model.add(layers::Dense(32, "relu"));
    model.add(layers::Dense(1, "sigmoid"));
    model.load_weights(keras_fixture());
    std::vector<Tensor> w = model.get_weights();
    ASSERT_EQ(w.size(), 6u);
    // Values h5dump prints for the file.
    std::vector<float> kernel = w[0].to_vector<float>();
    EXPECT_NEAR(kernel[0], -0.0163282, 1e-6);
    EXPECT_NEAR(kernel[1], 0.283113, 1e-6);
    EXPECT_NEAR(kernel[2], -0.114838, 1e-6);
    EXPECT_NEAR(w[5].to_vector<float>()[0], -0.269706, 1e-6);
    // Every array, exactly, against the datasets read directly.
    Group layers = File::open(keras_fixture()).root().open_group("layers");
    std::vector<std::string> keys = {"dense", "dense_1", "dense_2"};
    for (std::size_t i = 0; i < 6; ++i)
        EXPECT_EQ(w[i].to_vector<float>(),
                  layers.open_group(keys[i / 2]).open_group("vars").read_dataset(std::to_string(i % 2), float32)
                      .to_vector<float>());
}

TEST_F(WeightsFileTest, StrataRewritesAKerasFileWithTheSameLayout) {
    clear_session();
    Sequential model;
    model.add(layers::Dense(64, "relu", {.input_shape = {12}}));
    model.add(layers::Dense(32, "relu"));
    model.add(layers::Dense(1, "sigmoid"));
    model.load_weights(keras_fixture());
    model.save_weights(path("churn.weights.h5"));
    Group ours = File::open(path("churn.weights.h5")).root();
    Group theirs = File::open(keras_fixture()).root();
    Group our_layers = ours.open_group("layers"), their_layers = theirs.open_group("layers");
    ASSERT_EQ(our_layers.children(), their_layers.children());
    for (const std::string& key : their_layers.children()) {
        Group a = our_layers.open_group(key).open_group("vars"), b = their_layers.open_group(key).open_group("vars");
        ASSERT_EQ(a.children(), b.children());
        for (const std::string& d : b.children()) {
            EXPECT_EQ(a.dataset_info(d).shape, b.dataset_info(d).shape);
            EXPECT_EQ(a.dataset_info(d).dtype, b.dataset_info(d).dtype);
            EXPECT_EQ(a.read_dataset(d, float32).to_vector<float>(), b.read_dataset(d, float32).to_vector<float>());
        }
    }
}

TEST_F(WeightsFileTest, FormatIsToldByTheSignatureNotTheExtension) {
    clear_session();
    std::filesystem::copy_file(keras_fixture(), path("weights.bin"));
    Sequential model = dense_stack(12, {64, 32, 1});
    EXPECT_NO_THROW(model.load_weights(path("weights.bin")));
    // An HDF5 name on something else is refused.
    std::ofstream(path("fake.weights.h5")) << "{\"not\": \"hdf5\"}";
    std::string message = error_of<IOError>([&] { model.load_weights(path("fake.weights.h5")); });
    EXPECT_NE(message.find("fake.weights.h5"), std::string::npos) << message;
    EXPECT_NE(message.find("not an HDF5 file"), std::string::npos) << message;
}

TEST_F(WeightsFileTest, SaveWantsTheWeightsExtension) {
    // Keras 3: "The filename must end in `.weights.h5`."
    Sequential model = dense_stack(2, {1});
    std::string message = error_of<ValueError>([&] { model.save_weights(path("m.h5")); });
    EXPECT_NE(message.find(".weights.h5"), std::string::npos) << message;
}

TEST_F(WeightsFileTest, MissingTruncatedAndGarbageFilesAreIOErrorsNamingThePath) {
    clear_session();
    Sequential model = dense_stack(4, {8, 2});
    std::vector<Tensor> before = model.get_weights();
    std::string missing = error_of<IOError>([&] { model.load_weights(path("none.weights.h5")); });
    EXPECT_NE(missing.find(path("none.weights.h5")), std::string::npos) << missing;

    model.save_weights(path("m.weights.h5"));
    std::uintmax_t size = std::filesystem::file_size(path("m.weights.h5"));
    for (std::uintmax_t keep : {size - 1, size / 2, std::uintmax_t{100}, std::uintmax_t{4}, std::uintmax_t{0}}) {
        std::filesystem::copy_file(path("m.weights.h5"), path("t.weights.h5"),
                                   std::filesystem::copy_options::overwrite_existing);
        std::filesystem::resize_file(path("t.weights.h5"), keep);
        std::string message = error_of<IOError>([&] { model.load_weights(path("t.weights.h5")); });
        EXPECT_NE(message.find(path("t.weights.h5")), std::string::npos) << "kept " << keep << ": " << message;
    }

    std::ofstream garbage(path("g.weights.h5"), std::ios::binary);
    for (int i = 0; i < 4096; ++i) garbage.put(static_cast<char>((i * 7919) % 251));
    garbage.close();
    std::string message = error_of<IOError>([&] { model.load_weights(path("g.weights.h5")); });
    EXPECT_NE(message.find(path("g.weights.h5")), std::string::npos) << message;
    expect_same_weights(model.get_weights(), before);
}

TEST_F(WeightsFileTest, ShapeMismatchNamesTheLayerTheWeightAndBothShapesAndAssignsNothing) {
    clear_session();
    Sequential saved = dense_stack(4, {8, 2});
    saved.save_weights(path("m.weights.h5"));
    clear_session();
    Sequential other = dense_stack(4, {8, 3});  // the last layer differs
    std::vector<Tensor> before = other.get_weights();
    std::string message = error_of<ValueError>([&] { other.load_weights(path("m.weights.h5")); });
    EXPECT_NE(message.find("'dense_1'"), std::string::npos) << message;
    EXPECT_NE(message.find("weight 0"), std::string::npos) << message;
    EXPECT_NE(message.find("(8, 3)"), std::string::npos) << message;
    EXPECT_NE(message.find("(8, 2)"), std::string::npos) << message;
    // The first layer matched, but nothing was assigned.
    expect_same_weights(other.get_weights(), before);
}

TEST_F(WeightsFileTest, SwappedLayerShapesAreRefused) {
    clear_session();
    Sequential saved = dense_stack(4, {4, 4});
    saved.save_weights(path("m.weights.h5"));
    clear_session();
    Sequential other = dense_stack(4, {6, 4});
    std::string message = error_of<ValueError>([&] { other.load_weights(path("m.weights.h5")); });
    EXPECT_NE(message.find("'dense'"), std::string::npos) << message;
    EXPECT_NE(message.find("(4, 6)"), std::string::npos) << message;
    EXPECT_NE(message.find("(4, 4)"), std::string::npos) << message;
}

TEST_F(WeightsFileTest, LayerCountMismatchIsAValueError) {
    clear_session();
    Sequential saved = dense_stack(4, {8, 2});
    saved.save_weights(path("m.weights.h5"));
    Sequential deeper = dense_stack(4, {8, 2, 2});
    std::vector<Tensor> before = deeper.get_weights();
    std::string message = error_of<ValueError>([&] { deeper.load_weights(path("m.weights.h5")); });
    EXPECT_NE(message.find("3 layers"), std::string::npos) << message;
    EXPECT_NE(message.find("holds 2"), std::string::npos) << message;
    expect_same_weights(deeper.get_weights(), before);
}

TEST_F(WeightsFileTest, LayerMissingInTheFileIsAValueErrorNamingIt) {
    // Same count, different classes: the file has an Activation where the model has a second Dense.
    clear_session();
    Sequential saved;
    saved.add(layers::Dense(2, {}, {.input_shape = {3}}));
    saved.add(layers::Activation("relu"));
    saved.save_weights(path("m.weights.h5"));
    Sequential model = dense_stack(3, {2, 2});
    std::string message = error_of<ValueError>([&] { model.load_weights(path("m.weights.h5")); });
    EXPECT_NE(message.find("layers/dense_1"), std::string::npos) << message;
    EXPECT_NE(message.find("missing"), std::string::npos) << message;
}

TEST_F(WeightsFileTest, UnbuiltModelSaysTheLayerIsNotBuilt) {
    clear_session();
    Sequential saved = dense_stack(4, {2});
    saved.save_weights(path("m.weights.h5"));
    Sequential unbuilt;
    unbuilt.add(layers::Dense(2));
    std::string message = error_of<ValueError>([&] { unbuilt.load_weights(path("m.weights.h5")); });
    EXPECT_NE(message.find("expected 0 variables, but received 2"), std::string::npos) << message;
    EXPECT_NE(message.find("not built"), std::string::npos) << message;
}

TEST_F(WeightsFileTest, SaveOverwritesAtomicallyAndLeavesNoTemporary) {
    clear_session();
    Sequential model = dense_stack(4, {2});
    model.save_weights(path("m.weights.h5"));
    model.set_weights({Tensor::ones({4, 2}), Tensor::zeros({2})});
    model.save_weights(path("m.weights.h5"));
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir_)) names.push_back(entry.path().filename());
    EXPECT_EQ(names, std::vector<std::string>{"m.weights.h5"});
    Sequential loaded = dense_stack(4, {2});
    loaded.load_weights(path("m.weights.h5"));
    EXPECT_EQ(loaded.get_weights()[0].to_vector<float>(), std::vector<float>(8, 1.0f));
}

TEST_F(WeightsFileTest, UnwritableDirectoryIsAnIOError) {
    Sequential model = dense_stack(4, {2});
    std::string message = error_of<IOError>([&] { model.save_weights(path("no/such/dir/m.weights.h5")); });
    EXPECT_NE(message.find("does not exist"), std::string::npos) << message;
}

TEST_F(WeightsFileTest, LegacyKeras2WeightsAreRefusedClearly) {
    std::string legacy = std::string(STRATA_TEST_DATA_DIR) + "/../saving/data/keras/legacy_weights_only_keras2.h5";
    Sequential model = dense_stack(30, {16});
    std::string message = error_of<IOError>([&] { model.load_weights(legacy); });
    EXPECT_NE(message.find("legacy"), std::string::npos) << message;
}

}  // namespace
}  // namespace strata
