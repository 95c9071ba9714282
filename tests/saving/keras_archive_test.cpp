// Model::save and models::load_model on strata's own models: Keras 3's archive layout, bit-identical round
// trips with the compile state, configs to and from JSON, and the refusals of bad archives.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>

#include <strata/strata.hpp>

#include "saving/hdf5.hpp"
#include "saving/zip_archive.hpp"
#include "saving_test_support.hpp"
#include "support/error_of.hpp"

namespace strata {
namespace {

using testing::expect_same_weights;
using nlohmann::json;

class KerasArchiveTest : public testing::SavingTest {
protected:
    void SetUp() override {
        SavingTest::SetUp();
        clear_session();
        utils::set_random_seed(3);
    }
};

using testing::error_of;

// A functional DAG with a shared layer, a merge, BatchNormalization and a nested model.
Model dag() {
    Tensor a = Input({6}, {.name = "a"}), b = Input({6}, {.name = "b"});
    layers::Dense shared(5, "relu");
    Tensor merged = layers::Concatenate()({shared(a), shared(b)});
    Tensor inner_in = Input({10});
    Model inner(inner_in, layers::Dense(4, "tanh")(layers::BatchNormalization()(inner_in)));
    Tensor h = inner(merged);
    return Model({a, b}, {layers::Dense(1, "sigmoid")(h)}, {.name = "dag"});
}

Sequential convnet() {
    Sequential model;
    model.add(Input({8, 8, 1}));
    model.add(layers::Conv2D(4, {3, 3}, {.activation = "relu"}));
    model.add(layers::MaxPooling2D({2, 2}));
    model.add(layers::Flatten());
    model.add(layers::Dropout(0.25));
    model.add(layers::Dense(3, "softmax"));
    return model;
}

TEST_F(KerasArchiveTest, ArchiveHasKerasLayout) {
    Sequential model = convnet();
    model.compile({.optimizer = optimizers::Adam(1e-3), .loss = "sparse_categorical_crossentropy", .metrics = {"accuracy"}});
    model.save(path("m.keras"));
    saving::ZipReader zip = saving::ZipReader::open(path("m.keras"));
    // saving_lib: metadata.json, config.json, model.weights.h5, in that order.
    EXPECT_EQ(zip.names(), (std::vector<std::string>{"metadata.json", "config.json", "model.weights.h5"}));
    json metadata = json::parse(zip.read("metadata.json"));
    EXPECT_TRUE(metadata.contains("keras_version"));
    EXPECT_TRUE(metadata.contains("date_saved"));
    json config = json::parse(zip.read("config.json"));
    EXPECT_EQ(config["class_name"], "Sequential");
    EXPECT_EQ(config["config"]["layers"][0]["class_name"], "InputLayer");
    EXPECT_EQ(config["config"]["layers"][0]["config"]["batch_shape"], json::parse("[null, 8, 8, 1]"));
    EXPECT_EQ(config["config"]["layers"][1]["class_name"], "Conv2D");
    EXPECT_EQ(config["config"]["build_input_shape"], json::parse("[null, 8, 8, 1]"));
    EXPECT_EQ(config["compile_config"]["loss"], "sparse_categorical_crossentropy");
    EXPECT_EQ(config["compile_config"]["optimizer"]["class_name"], "Adam");
    saving::h5::File weights = saving::h5::File::open_image(zip.read("model.weights.h5"), "model.weights.h5");
    saving::h5::Group layers = weights.root().open_group("layers");
    EXPECT_EQ(layers.children(),
              (std::vector<std::string>{"conv2d", "dense", "dropout", "flatten", "max_pooling2d"}));
    EXPECT_EQ(layers.open_group("conv2d").open_group("vars").dataset_info("0").shape, (Shape{3, 3, 1, 4}));
}

TEST_F(KerasArchiveTest, SavedModelReloadsBitIdenticallyAndResumesTraining) {
    Sequential model = convnet();
    model.compile({.optimizer = optimizers::Adam(1e-3), .loss = "sparse_categorical_crossentropy", .metrics = {"accuracy"}});
    Tensor x = random::uniform({32, 8, 8, 1}), y = ops::floor(random::uniform({32}) * 2.999);
    model.fit(x, y, {.batch_size = 8, .epochs = 1, .verbose = 0});
    model.save(path("m.keras"));
    Model loaded = models::load_model(path("m.keras"));
    expect_same_weights(loaded.get_weights(), model.get_weights());
    EXPECT_EQ(loaded.get_config(), model.get_config());
    EXPECT_EQ(loaded.predict(x, {.verbose = 0}).to_vector<float>(), model.predict(x, {.verbose = 0}).to_vector<float>());
    ASSERT_TRUE(loaded.compiled());
    // The optimizer state came back: one more epoch on both gives the same weights, bit for bit.
    EXPECT_EQ(loaded.optimizer()->iterations(), model.optimizer()->iterations());
    utils::set_random_seed(9);
    model.fit(x, y, {.batch_size = 8, .epochs = 1, .verbose = 0});
    utils::set_random_seed(9);
    loaded.fit(x, y, {.batch_size = 8, .epochs = 1, .verbose = 0});
    expect_same_weights(loaded.get_weights(), model.get_weights());
}

TEST_F(KerasArchiveTest, FunctionalDagWithSharedAndNestedLayersRoundTrips) {
    Model model = dag();
    model.save(path("dag.keras"));
    Model loaded = models::load_model(path("dag.keras"));
    EXPECT_EQ(loaded.get_config(), model.get_config());
    expect_same_weights(loaded.get_weights(), model.get_weights());
    Tensor a = random::normal({3, 6}), b = random::normal({3, 6});
    EXPECT_EQ(loaded.predict({a, b}, {.verbose = 0})[0].to_vector<float>(),
              model.predict({a, b}, {.verbose = 0})[0].to_vector<float>());
}

TEST_F(KerasArchiveTest, FunctionalConfigFollowsKeras3) {
    Model model = dag();
    json config = model.get_config();
    EXPECT_EQ(config["name"], "dag");
    EXPECT_EQ(config["input_layers"], json::parse(R"([["a", 0, 0], ["b", 0, 0]])"));
    // The shared Dense is called twice: two inbound nodes, and the Concatenate takes node 0 and node 1 of it
    // as one list argument.
    json shared, concat, nested;
    for (const json& layer : config["layers"]) {
        if (layer["class_name"] == "Dense" && layer["inbound_nodes"].size() == 2) shared = layer;
        if (layer["class_name"] == "Concatenate") concat = layer;
        if (layer["class_name"] == "Functional") nested = layer;
    }
    ASSERT_FALSE(shared.is_null());
    ASSERT_FALSE(concat.is_null());
    ASSERT_FALSE(nested.is_null());
    const json& args = concat["inbound_nodes"][0]["args"];
    ASSERT_EQ(args.size(), 1u);
    ASSERT_EQ(args[0].size(), 2u);
    EXPECT_EQ(args[0][0]["class_name"], "__keras_tensor__");
    EXPECT_EQ(args[0][0]["config"]["keras_history"], (json{shared["name"], 0, 0}));
    EXPECT_EQ(args[0][1]["config"]["keras_history"], (json{shared["name"], 1, 0}));
    EXPECT_EQ(args[0][0]["config"]["shape"], json::parse("[null, 5]"));
    // A nested Functional's own construction is its node 0: the first call in this model is node 1.
    std::string nested_name = nested["name"];
    bool found = false;
    for (const json& layer : config["layers"])
        for (const json& node : layer["inbound_nodes"])
            if (node["args"][0].is_object() && node["args"][0]["config"]["keras_history"][0] == nested_name) {
                EXPECT_EQ(node["args"][0]["config"]["keras_history"][1], 1);
                found = true;
            }
    EXPECT_TRUE(found);
}

TEST_F(KerasArchiveTest, JsonRoundTripGivesTheSameArchitecture) {
    for (Model model : {Model(convnet()), dag()}) {
        std::string text = model.to_json();
        Model rebuilt = models::model_from_json(text);
        EXPECT_EQ(rebuilt.to_json(), text);
        rebuilt.set_weights(model.get_weights());
        if (model.inputs().size() == 1) {
            Tensor x = random::uniform({2, 8, 8, 1});
            EXPECT_EQ(rebuilt.predict(x, {.verbose = 0}).to_vector<float>(),
                      model.predict(x, {.verbose = 0}).to_vector<float>());
        }
        Model clone = models::clone_model(model);
        EXPECT_EQ(clone.get_config(), model.get_config());
        EXPECT_NE(clone.get_weights()[0].impl(), model.get_weights()[0].impl());
    }
}

void write_archive(const std::string& path, const std::vector<std::pair<std::string, std::string>>& entries) {
    saving::ZipWriter zip = saving::ZipWriter::create(path);
    for (const auto& [name, bytes] : entries) zip.add(name, bytes);
    zip.close();
}

TEST_F(KerasArchiveTest, BadArchivesAreRefusedWithClearErrors) {
    Sequential model = convnet();
    model.save(path("good.keras"));
    saving::ZipReader good = saving::ZipReader::open(path("good.keras"));
    std::string config = good.read("config.json"), weights = good.read("model.weights.h5");

    {  // not a zip, nor HDF5
        std::ofstream(path("text.keras")) << "hello, I am not a model";
        std::string m = error_of<IOError>([&] { models::load_model(path("text.keras")); });
        EXPECT_NE(m.find("neither"), std::string::npos) << m;
    }
    {  // a zip without config.json
        write_archive(path("noconfig.keras"), {{"model.weights.h5", weights}});
        std::string m = error_of<IOError>([&] { models::load_model(path("noconfig.keras")); });
        EXPECT_NE(m.find("config.json"), std::string::npos) << m;
    }
    {  // a zip without the weights
        write_archive(path("noweights.keras"), {{"config.json", config}});
        std::string m = error_of<IOError>([&] { models::load_model(path("noweights.keras")); });
        EXPECT_NE(m.find("model.weights.h5"), std::string::npos) << m;
    }
    {  // truncated
        std::ifstream in(path("good.keras"), std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::ofstream(path("cut.keras"), std::ios::binary) << bytes.substr(0, bytes.size() / 2);
        EXPECT_THROW(models::load_model(path("cut.keras")), IOError);
    }
    {  // weights whose shapes do not match the config: the Dense layer now has 7 units
        json c = json::parse(config);
        for (json& layer : c["config"]["layers"])
            if (layer["class_name"] == "Dense") layer["config"]["units"] = 7;
        write_archive(path("shapes.keras"), {{"config.json", c.dump()}, {"model.weights.h5", weights}});
        std::string m = error_of<ValueError>([&] { models::load_model(path("shapes.keras")); });
        EXPECT_NE(m.find("dense"), std::string::npos) << m;
        EXPECT_NE(m.find("(36, 7)"), std::string::npos) << m;
        EXPECT_NE(m.find("(36, 3)"), std::string::npos) << m;
    }
    {  // an unknown layer class
        json c = json::parse(config);
        c["config"]["layers"][1]["class_name"] = "Conv7D";
        write_archive(path("unknown.keras"), {{"config.json", c.dump()}, {"model.weights.h5", weights}});
        std::string m = error_of<ValueError>([&] { models::load_model(path("unknown.keras")); });
        EXPECT_NE(m.find("Conv7D"), std::string::npos) << m;
    }
    {  // a path that cannot be written
        std::string m = error_of<IOError>([&] { model.save(path("missing/dir/m.keras")); });
        EXPECT_NE(m.find("missing"), std::string::npos) << m;
        EXPECT_THROW(model.save(path("m.h5")), ValueError);
    }
}

// A config costs a few bytes to write; the layers it declares may not cost more than the weights the file
// holds. A Dense layer of 2^40 units on 36 inputs would need 144 TiB of kernel: it is refused by name before
// anything is allocated, in a .keras archive and in a legacy .h5 file alike.
TEST_F(KerasArchiveTest, LayersLargerThanTheirFileAreRefusedBeforeAllocating) {
    Sequential model = convnet();
    model.save(path("good.keras"));
    saving::ZipReader good = saving::ZipReader::open(path("good.keras"));
    json config = json::parse(good.read("config.json"));
    for (json& layer : config["config"]["layers"])
        if (layer["class_name"] == "Dense") layer["config"]["units"] = std::int64_t{1} << 40;

    write_archive(path("huge.keras"), {{"config.json", config.dump()}, {"model.weights.h5", good.read("model.weights.h5")}});
    std::string m = error_of<ValueError>([&] { models::load_model(path("huge.keras")); });
    EXPECT_NE(m.find("dense"), std::string::npos) << m;
    EXPECT_NE(m.find("kernel"), std::string::npos) << m;
    EXPECT_NE(m.find("(36, 1099511627776)"), std::string::npos) << m;
    EXPECT_NE(m.find("model.weights.h5"), std::string::npos) << m;

    {
        saving::h5::File legacy = saving::h5::File::create(path("huge.h5"));
        legacy.root().set_string_attribute("model_config", config.dump());
        legacy.root().create_group("model_weights");
    }
    m = error_of<ValueError>([&] { models::load_model(path("huge.h5")); });
    EXPECT_NE(m.find("(36, 1099511627776)"), std::string::npos) << m;
    EXPECT_NE(m.find("huge.h5"), std::string::npos) << m;

    // The budget is the file's: the original sizes load as before.
    EXPECT_NO_THROW(models::load_model(path("good.keras")));
}

TEST_F(KerasArchiveTest, CyclicAndDanglingGraphsAreRefused) {
    json config = dag().get_config();
    {  // the first Dense now waits for the last one, which waits for it
        json c = config;
        std::string last = c["output_layers"][0][0];
        for (json& layer : c["layers"])
            if (layer["class_name"] == "Dense" && layer["inbound_nodes"].size() == 2)
                layer["inbound_nodes"][0]["args"][0]["config"]["keras_history"] = {last, 0, 0};
        std::string m = error_of<ValueError>([&] { models::model_from_config(c); });
        EXPECT_NE(m.find("cycle"), std::string::npos) << m;
    }
    {  // a call of a layer the config does not have
        json c = config;
        for (json& layer : c["layers"])
            if (layer["class_name"] == "Concatenate")
                layer["inbound_nodes"][0]["args"][0][0]["config"]["keras_history"] = {"ghost", 0, 0};
        std::string m = error_of<ValueError>([&] { models::model_from_config(c); });
        EXPECT_NE(m.find("ghost"), std::string::npos) << m;
    }
    {  // JSON nested far too deep
        std::string deep(100000, '[');
        EXPECT_THROW(models::model_from_json(deep), ValueError);
    }
}

TEST_F(KerasArchiveTest, NaNWeightsLoadAsKerasDoes) {
    Sequential model;
    model.add(Input({3}));
    model.add(layers::Dense(2));
    std::vector<Tensor> w = model.get_weights();
    w[1] = ops::full({2}, std::numeric_limits<double>::quiet_NaN());
    model.set_weights(w);
    model.save(path("nan.keras"));
    Model loaded = models::load_model(path("nan.keras"));
    std::vector<float> y = loaded.predict(random::normal({2, 3}), {.verbose = 0}).to_vector<float>();
    ASSERT_EQ(y.size(), 4u);
    for (float v : y) EXPECT_TRUE(std::isnan(v));
}

}  // namespace
}  // namespace strata
