// Names and serialization, as keras/src/initializers/__init__.py: every class by its name and by its
// snake_case, plus Keras's aliases; configs as Keras writes them in a .keras file.
#include <map>
#include <set>

#include "core/text.hpp"
#include "layers/config_reader.hpp"
#include "common.hpp"
#include "strata/layers/initializers.hpp"

namespace strata::initializers {

namespace {

using strata::detail::ConfigReader;

using Factory = std::shared_ptr<Initializer> (*)(ConfigReader&);

template <class I>
std::shared_ptr<Initializer> make_plain(ConfigReader&) {
    return std::make_shared<I>();
}

std::shared_ptr<Initializer> make_constant(ConfigReader& c) {
    return std::make_shared<Constant>(c.number("value", 0.0));
}
std::shared_ptr<Initializer> make_identity(ConfigReader& c) {
    return std::make_shared<Identity>(c.number("gain", 1.0));
}
std::shared_ptr<Initializer> make_orthogonal(ConfigReader& c) {
    return std::make_shared<Orthogonal>(c.number("gain", 1.0));
}
std::shared_ptr<Initializer> make_random_normal(ConfigReader& c) {
    RandomNormalOptions d;
    return std::make_shared<RandomNormal>(
        RandomNormalOptions{.mean = c.number("mean", d.mean), .stddev = c.number("stddev", d.stddev)});
}
std::shared_ptr<Initializer> make_random_uniform(ConfigReader& c) {
    RandomUniformOptions d;
    return std::make_shared<RandomUniform>(
        RandomUniformOptions{.minval = c.number("minval", d.minval), .maxval = c.number("maxval", d.maxval)});
}
std::shared_ptr<Initializer> make_truncated_normal(ConfigReader& c) {
    TruncatedNormalOptions d;
    return std::make_shared<TruncatedNormal>(
        TruncatedNormalOptions{.mean = c.number("mean", d.mean), .stddev = c.number("stddev", d.stddev)});
}
std::shared_ptr<Initializer> make_variance_scaling(ConfigReader& c) {
    VarianceScalingOptions d;
    return std::make_shared<VarianceScaling>(VarianceScalingOptions{.scale = c.number("scale", d.scale),
                                                                    .mode = c.string("mode", d.mode),
                                                                    .distribution =
                                                                        c.string("distribution", d.distribution)});
}

const std::map<std::string, Factory>& table() {
    static const std::map<std::string, Factory> t{
        {"Zeros", make_plain<Zeros>},
        {"zeros", make_plain<Zeros>},
        {"zero", make_plain<Zeros>},
        {"Ones", make_plain<Ones>},
        {"ones", make_plain<Ones>},
        {"one", make_plain<Ones>},
        {"Constant", make_constant},
        {"constant", make_constant},
        {"Identity", make_identity},
        {"identity", make_identity},
        {"IdentityInitializer", make_identity},
        {"RandomNormal", make_random_normal},
        {"random_normal", make_random_normal},
        {"normal", make_random_normal},
        {"RandomUniform", make_random_uniform},
        {"random_uniform", make_random_uniform},
        {"uniform", make_random_uniform},
        {"TruncatedNormal", make_truncated_normal},
        {"truncated_normal", make_truncated_normal},
        {"VarianceScaling", make_variance_scaling},
        {"variance_scaling", make_variance_scaling},
        {"GlorotUniform", make_plain<GlorotUniform>},
        {"glorot_uniform", make_plain<GlorotUniform>},
        {"GlorotNormal", make_plain<GlorotNormal>},
        {"glorot_normal", make_plain<GlorotNormal>},
        {"HeUniform", make_plain<HeUniform>},
        {"he_uniform", make_plain<HeUniform>},
        {"HeNormal", make_plain<HeNormal>},
        {"he_normal", make_plain<HeNormal>},
        {"LecunUniform", make_plain<LecunUniform>},
        {"lecun_uniform", make_plain<LecunUniform>},
        {"LecunNormal", make_plain<LecunNormal>},
        {"lecun_normal", make_plain<LecunNormal>},
        // Keras 3 has spelled this class both ways; files hold either.
        {"Orthogonal", make_orthogonal},
        {"orthogonal", make_orthogonal},
        {"OrthogonalInitializer", make_orthogonal},
        {"orthogonal_initializer", make_orthogonal},
    };
    return t;
}

Factory find(const std::string& name) {
    auto it = table().find(name);
    if (it != table().end()) return it->second;
    throw ValueError("unknown initializer \"" + name + "\"; known initializers: " + text::join(names()));
}

}  // namespace

std::vector<std::string> names() { return text::keys(table()); }

std::shared_ptr<Initializer> get(const std::string& name) {
    Factory factory = find(name);
    nlohmann::json empty = nlohmann::json::object();
    ConfigReader reader(empty, "initializers.deserialize", name);
    return factory(reader);
}

nlohmann::json serialize(const Initializer& initializer) {
    return {{"module", "keras.initializers"},
            {"class_name", initializer.class_name()},
            {"config", initializer.get_config()},
            {"registered_name", nullptr}};
}

std::shared_ptr<Initializer> deserialize(const nlohmann::json& config) {
    if (config.is_string()) return get(config.get<std::string>());
    if (!config.is_object() || !config.contains("class_name") || !config["class_name"].is_string())
        throw ValueError(
            "initializers.deserialize: expected a name or a dict with \"class_name\" and \"config\", got " +
            config.dump());
    if (config.contains("module") && config["module"] != "keras.initializers")
        throw ValueError("initializers.deserialize: expected module \"keras.initializers\", got " +
                         config["module"].dump());
    std::string class_name = config["class_name"].get<std::string>();
    Factory factory = find(class_name);
    static const nlohmann::json empty = nlohmann::json::object();
    const nlohmann::json& inner = config.contains("config") && !config["config"].is_null() ? config["config"] : empty;
    ConfigReader reader(inner, "initializers.deserialize", class_name);
    std::shared_ptr<Initializer> out = factory(reader);
    // A null is a default (newer Keras versions add keys such as "input_axes": null); "seed" is dropped because
    // every initializer draws from the global stream; any other key would change the values, so it is refused.
    reader.finish([](const std::string& key, const nlohmann::json& value) {
        return value.is_null() || (key == "seed" && value.is_number_integer());
    });
    return out;
}

}  // namespace strata::initializers
