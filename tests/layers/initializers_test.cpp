// The constant initializers, names and specs, get_config, serialization and argument checks.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "strata/layers/initializers.hpp"

namespace strata::initializers {
namespace {

void expect_value_error_mentioning(const std::function<void()>& f, const std::vector<std::string>& parts) {
    try {
        f();
        ADD_FAILURE() << "expected ValueError";
    } catch (const ValueError& e) {
        for (const std::string& part : parts)
            EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << "\"" << part << "\" not in: " << e.what();
    }
}

TEST(InitializersTest, ZerosAndOnes) {
    Tensor z = Zeros()({3, 4});
    EXPECT_EQ(z.shape(), (Shape{3, 4}));
    EXPECT_EQ(z.dtype(), float32);
    for (float v : z.to_vector<float>()) EXPECT_EQ(v, 0.0f);
    Tensor o = Ones()({5}, float64);
    EXPECT_EQ(o.dtype(), float64);
    for (double v : o.to_vector<double>()) EXPECT_EQ(v, 1.0);
    // Constant initializers take any dtype, as Keras's.
    EXPECT_EQ(Ones()({2}, int64).to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 1}));
    // A scalar weight.
    EXPECT_EQ(Zeros()(Shape{}).numel(), 1);
}

TEST(InitializersTest, ConstantDefaultsAndValue) {
    // Keras 3: Constant(value=0.0)
    EXPECT_EQ(Constant().value(), 0.0);
    for (float v : Constant()({2, 2}).to_vector<float>()) EXPECT_EQ(v, 0.0f);
    for (double v : Constant(2.5)({3, 2}, float64).to_vector<double>()) EXPECT_EQ(v, 2.5);
}

TEST(InitializersTest, IdentityDefaultsAndShapes) {
    // Keras 3: Identity(gain=1.0)
    EXPECT_EQ(Identity().gain(), 1.0);
    EXPECT_EQ(Identity()({2, 2}).to_vector<float>(), (std::vector<float>{1, 0, 0, 1}));
    // Rectangular, with a gain: gain * eye(rows, cols).
    EXPECT_EQ(Identity(3.0)({2, 3}, float64).to_vector<double>(), (std::vector<double>{3, 0, 0, 0, 3, 0}));
    EXPECT_EQ(Identity(0.5)({3, 2}).to_vector<float>(), (std::vector<float>{0.5f, 0, 0, 0.5f, 0, 0}));
    expect_value_error_mentioning([] { Identity()({2, 2, 2}); }, {"Identity", "(2, 2, 2)", "2D"});
    expect_value_error_mentioning([] { Identity()({4}); }, {"Identity", "(4,)"});
}

TEST(InitializersTest, GetConfigMatchesKeras) {
    using nlohmann::json;
    EXPECT_EQ(Zeros().get_config(), json::object());
    EXPECT_EQ(Ones().get_config(), json::object());
    EXPECT_EQ(Constant(1.5).get_config(), (json{{"value", 1.5}}));
    EXPECT_EQ(Identity().get_config(), json::object());  // Keras's Identity writes {}
    EXPECT_EQ(Identity(2.0).get_config(), (json{{"gain", 2.0}}));
    EXPECT_EQ(RandomNormal().get_config(), (json{{"seed", nullptr}, {"mean", 0.0}, {"stddev", 0.05}}));
    EXPECT_EQ(RandomUniform().get_config(), (json{{"seed", nullptr}, {"minval", -0.05}, {"maxval", 0.05}}));
    EXPECT_EQ(TruncatedNormal({.stddev = 1.0}).get_config(),
              (json{{"seed", nullptr}, {"mean", 0.0}, {"stddev", 1.0}}));
    EXPECT_EQ(VarianceScaling().get_config(), (json{{"seed", nullptr},
                                                    {"scale", 1.0},
                                                    {"mode", "fan_in"},
                                                    {"distribution", "truncated_normal"}}));
    for (const std::shared_ptr<Initializer>& preset :
         {get("glorot_uniform"), get("glorot_normal"), get("he_uniform"), get("he_normal"), get("lecun_uniform"),
          get("lecun_normal")})
        EXPECT_EQ(preset->get_config(), (json{{"seed", nullptr}})) << preset->class_name();
    EXPECT_EQ(Orthogonal().get_config(), (json{{"seed", nullptr}, {"gain", 1.0}}));
    // Floats print as Keras writes them.
    EXPECT_EQ(RandomNormal().get_config().dump(), R"({"mean":0.0,"seed":null,"stddev":0.05})");
}

TEST(InitializersTest, NamesResolveAsKeras) {
    struct Case {
        const char* name;
        const char* class_name;
    };
    // Keras 3 ALL_OBJECTS_DICT: class names, their snake_case, and the aliases uniform, normal, orthogonal, one,
    // zero.
    for (const Case& c : {Case{"zeros", "Zeros"},
                          Case{"Zeros", "Zeros"},
                          Case{"zero", "Zeros"},
                          Case{"ones", "Ones"},
                          Case{"one", "Ones"},
                          Case{"constant", "Constant"},
                          Case{"identity", "Identity"},
                          Case{"IdentityInitializer", "Identity"},
                          Case{"random_normal", "RandomNormal"},
                          Case{"normal", "RandomNormal"},
                          Case{"random_uniform", "RandomUniform"},
                          Case{"uniform", "RandomUniform"},
                          Case{"truncated_normal", "TruncatedNormal"},
                          Case{"variance_scaling", "VarianceScaling"},
                          Case{"glorot_uniform", "GlorotUniform"},
                          Case{"GlorotUniform", "GlorotUniform"},
                          Case{"glorot_normal", "GlorotNormal"},
                          Case{"he_uniform", "HeUniform"},
                          Case{"he_normal", "HeNormal"},
                          Case{"HeNormal", "HeNormal"},
                          Case{"lecun_uniform", "LecunUniform"},
                          Case{"lecun_normal", "LecunNormal"},
                          Case{"orthogonal", "Orthogonal"},
                          Case{"Orthogonal", "Orthogonal"},
                          Case{"OrthogonalInitializer", "Orthogonal"}}) {
        EXPECT_EQ(get(c.name)->class_name(), c.class_name) << c.name;
        EXPECT_EQ(InitializerSpec(c.name).get()->class_name(), c.class_name) << c.name;
    }
    // A name gives a fresh object each time, as Keras's get.
    EXPECT_NE(get("zeros"), get("zeros"));
}

TEST(InitializersTest, UnknownNameListsTheKnownOnes) {
    expect_value_error_mentioning([] { get("glorot"); }, {"\"glorot\"", "glorot_uniform", "he_normal", "zeros"});
    // Keras looks names up case-sensitively.
    expect_value_error_mentioning([] { InitializerSpec spec("Glorot_Uniform"); }, {"Glorot_Uniform"});
    expect_value_error_mentioning([] { InitializerSpec spec(std::string("HE_NORMAL")); }, {"HE_NORMAL"});
    expect_value_error_mentioning([] { InitializerSpec spec(""); }, {"unknown initializer"});
}

TEST(InitializersTest, SpecTakesNamesObjectsAndPointers) {
    InitializerSpec by_name = "he_uniform";
    EXPECT_EQ(by_name.get()->class_name(), "HeUniform");
    InitializerSpec by_string = std::string("ones");
    EXPECT_EQ(by_string.get()->class_name(), "Ones");
    InitializerSpec by_object = RandomNormal({.mean = 1.0, .stddev = 0.0});
    EXPECT_EQ(by_object.get()->class_name(), "RandomNormal");
    for (float v : (*by_object.get())({3}).to_vector<float>()) EXPECT_EQ(v, 1.0f);
    InitializerSpec by_options = VarianceScaling({.scale = 2.0, .mode = "fan_out", .distribution = "uniform"});
    EXPECT_EQ(by_options.get()->get_config()["mode"], "fan_out");
    auto shared = std::make_shared<Constant>(4.0);
    InitializerSpec by_pointer = shared;
    EXPECT_EQ(by_pointer.get(), shared);
    InitializerSpec by_base_pointer = std::shared_ptr<Initializer>(shared);
    EXPECT_EQ(by_base_pointer.get(), shared);
    expect_value_error_mentioning([] { InitializerSpec spec{std::shared_ptr<Initializer>()}; }, {"initializer"});

    // What a layer's options struct holds: a default name and a designated object.
    struct Options {
        InitializerSpec kernel_initializer = "glorot_uniform";
        InitializerSpec bias_initializer = "zeros";
    };
    Options options{.bias_initializer = Constant(0.1)};
    EXPECT_EQ(options.kernel_initializer.get()->class_name(), "GlorotUniform");
    EXPECT_EQ(options.bias_initializer.get()->class_name(), "Constant");
}

TEST(InitializersTest, BadArgumentsNameTheInitializer) {
    expect_value_error_mentioning([] { RandomNormal({.stddev = -1.0}); }, {"RandomNormal", "stddev", "-1"});
    expect_value_error_mentioning([] { TruncatedNormal({.stddev = -0.5}); }, {"TruncatedNormal", "stddev", "-0.5"});
    expect_value_error_mentioning([] { RandomUniform({.minval = 1.0, .maxval = 0.0}); },
                                  {"RandomUniform", "minval=1", "maxval=0"});
    expect_value_error_mentioning([] { VarianceScaling({.scale = 0.0}); }, {"VarianceScaling", "scale=0"});
    expect_value_error_mentioning([] { VarianceScaling({.scale = -2.0}); }, {"VarianceScaling", "scale=-2"});
    expect_value_error_mentioning([] { VarianceScaling({.mode = "fan_sum"}); },
                                  {"VarianceScaling", "fan_sum", "fan_in", "fan_out", "fan_avg"});
    // Keras compares the mode as written.
    expect_value_error_mentioning([] { VarianceScaling({.mode = "FAN_IN"}); }, {"VarianceScaling", "FAN_IN"});
    expect_value_error_mentioning([] { VarianceScaling({.distribution = "gaussian"}); },
                                  {"VarianceScaling", "gaussian", "untruncated_normal"});
}

TEST(InitializersTest, DistributionIsLowerCasedAndNormalMeansTruncated) {
    // Keras 3: distribution.lower(); "normal" -> "truncated_normal".
    EXPECT_EQ(VarianceScaling({.distribution = "Uniform"}).distribution(), "uniform");
    EXPECT_EQ(VarianceScaling({.distribution = "normal"}).distribution(), "truncated_normal");
    EXPECT_EQ(VarianceScaling({.distribution = "UNTRUNCATED_NORMAL"}).distribution(), "untruncated_normal");
}

TEST(InitializersTest, SerializeAsKeras) {
    nlohmann::json expected = {{"module", "keras.initializers"},
                               {"class_name", "GlorotUniform"},
                               {"config", {{"seed", nullptr}}},
                               {"registered_name", nullptr}};
    EXPECT_EQ(serialize(GlorotUniform()), expected);
}

TEST(InitializersTest, DeserializeRoundTripsEveryClass) {
    std::vector<std::shared_ptr<Initializer>> all = {
        std::make_shared<Zeros>(),
        std::make_shared<Ones>(),
        std::make_shared<Constant>(0.25),
        std::make_shared<Identity>(2.0),
        std::make_shared<RandomNormal>(RandomNormalOptions{.mean = 1.0, .stddev = 0.3}),
        std::make_shared<RandomUniform>(RandomUniformOptions{.minval = -2.0, .maxval = 3.0}),
        std::make_shared<TruncatedNormal>(TruncatedNormalOptions{.mean = -1.0, .stddev = 0.7}),
        std::make_shared<VarianceScaling>(
            VarianceScalingOptions{.scale = 0.5, .mode = "fan_avg", .distribution = "untruncated_normal"}),
        std::make_shared<GlorotUniform>(),
        std::make_shared<GlorotNormal>(),
        std::make_shared<HeUniform>(),
        std::make_shared<HeNormal>(),
        std::make_shared<LecunUniform>(),
        std::make_shared<LecunNormal>(),
        std::make_shared<Orthogonal>(1.5)};
    for (const auto& init : all) {
        std::shared_ptr<Initializer> back = deserialize(serialize(*init));
        EXPECT_EQ(back->class_name(), init->class_name());
        EXPECT_EQ(back->get_config(), init->get_config()) << init->class_name();
    }
}

TEST(InitializersTest, DeserializeWhatKerasFilesHold) {
    using nlohmann::json;
    // Keras 3.4 wrote OrthogonalInitializer; later versions write Orthogonal and add null keys to presets.
    auto lstm = deserialize(json::parse(R"({"module": "keras.initializers", "class_name": "OrthogonalInitializer",
                                            "config": {"gain": 1.0, "seed": null}, "registered_name": null})"));
    EXPECT_EQ(lstm->class_name(), "Orthogonal");
    auto glorot = deserialize(json::parse(R"({"module": "keras.initializers", "class_name": "GlorotUniform",
                                              "config": {"seed": null, "input_axes": null, "output_axes": null},
                                              "registered_name": null})"));
    EXPECT_EQ(glorot->class_name(), "GlorotUniform");
    // A seeded initializer loads; the global stream decides its values.
    auto seeded = deserialize(json::parse(R"({"class_name": "RandomUniform",
                                              "config": {"seed": 7, "minval": -0.1, "maxval": 0.1}})"));
    EXPECT_EQ(seeded->get_config()["maxval"], 0.1);
    // Keras 2 spelled Glorot as VarianceScaling with distribution "uniform".
    auto legacy = deserialize(json::parse(R"({"class_name": "VarianceScaling",
        "config": {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform", "seed": null}})"));
    EXPECT_EQ(legacy->get_config()["distribution"], "uniform");
    EXPECT_EQ(deserialize(json("he_normal"))->class_name(), "HeNormal");

    expect_value_error_mentioning([] { deserialize(json::parse(R"({"class_name": "Glorot", "config": {}})")); },
                                  {"Glorot"});
    expect_value_error_mentioning(
        [] { deserialize(json::parse(R"({"class_name": "GlorotUniform", "config": {"input_axes": [0]}})")); },
        {"GlorotUniform", "input_axes"});
    expect_value_error_mentioning(
        [] { deserialize(json::parse(R"({"class_name": "Constant", "config": {"value": "one"}})")); },
        {"Constant", "value"});
    expect_value_error_mentioning([] { deserialize(json::parse(R"([1, 2])")); }, {"class_name"});
    expect_value_error_mentioning(
        [] { deserialize(json::parse(R"({"module": "os", "class_name": "Zeros", "config": {}})")); }, {"module"});
}

}  // namespace
}  // namespace strata::initializers
