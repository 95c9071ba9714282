// Names and serialization, as keras/src/regularizers/__init__.py: every class by its name and its
// snake_case; configs as Keras writes them in a .keras file.
#include <map>
#include <set>

#include "core/text.hpp"
#include "layers/config_reader.hpp"
#include "strata/layers/regularizers.hpp"

namespace strata::regularizers {

namespace {

using strata::detail::ConfigReader;

using Factory = std::shared_ptr<Regularizer> (*)(ConfigReader&);

std::shared_ptr<Regularizer> make_l1(ConfigReader& c) { return std::make_shared<L1>(c.number("l1", 0.01)); }
std::shared_ptr<Regularizer> make_l2(ConfigReader& c) { return std::make_shared<L2>(c.number("l2", 0.01)); }
std::shared_ptr<Regularizer> make_l1l2(ConfigReader& c) {
    return std::make_shared<L1L2>(c.number("l1", 0.0), c.number("l2", 0.0));
}
std::shared_ptr<Regularizer> make_orthogonal(ConfigReader& c) {
    return std::make_shared<OrthogonalRegularizer>(c.number("factor", 0.01), c.string("mode", "rows"));
}

const std::map<std::string, Factory>& table() {
    static const std::map<std::string, Factory> t{
        {"L1", make_l1},
        {"l1", make_l1},
        {"L2", make_l2},
        {"l2", make_l2},
        {"L1L2", make_l1l2},
        {"l1l2", make_l1l2},
        {"OrthogonalRegularizer", make_orthogonal},
        {"orthogonal_regularizer", make_orthogonal},
    };
    return t;
}

Factory find(const std::string& name) {
    auto it = table().find(name);
    if (it != table().end()) return it->second;
    throw ValueError("could not interpret regularizer identifier \"" + name + "\"; known regularizers: " +
                     text::join(names()));
}

}  // namespace

std::vector<std::string> names() { return text::keys(table()); }

std::shared_ptr<Regularizer> get(const std::string& name) {
    nlohmann::json empty = nlohmann::json::object();
    ConfigReader reader(empty, "regularizers.deserialize", name);
    return find(name)(reader);
}

nlohmann::json serialize(const Regularizer& regularizer) {
    return {{"module", "keras.regularizers"},
            {"class_name", regularizer.class_name()},
            {"config", regularizer.get_config()},
            {"registered_name", nullptr}};
}

std::shared_ptr<Regularizer> deserialize(const nlohmann::json& config) {
    if (config.is_string()) return get(config.get<std::string>());
    if (!config.is_object() || !config.contains("class_name") || !config["class_name"].is_string())
        throw ValueError("regularizers.deserialize: expected a name or a dict with \"class_name\" and \"config\", got " +
                         config.dump());
    if (config.contains("module") && config["module"] != "keras.regularizers")
        throw ValueError("regularizers.deserialize: expected module \"keras.regularizers\", got " +
                         config["module"].dump());
    std::string class_name = config["class_name"].get<std::string>();
    Factory factory = find(class_name);
    static const nlohmann::json empty = nlohmann::json::object();
    const nlohmann::json& inner = config.contains("config") && !config["config"].is_null() ? config["config"] : empty;
    ConfigReader reader(inner, "regularizers.deserialize", class_name);
    std::shared_ptr<Regularizer> out = factory(reader);
    reader.finish();
    return out;
}

RegularizerSpec::RegularizerSpec(const char* name) {
    if (name == nullptr) throw ValueError("regularizer: expected a name or a regularizer, got a null name");
    regularizer_ = regularizers::get(name);
}

RegularizerSpec::RegularizerSpec(std::string name) : regularizer_(regularizers::get(name)) {}

Tensor RegularizerSpec::operator()(const Tensor& x) const {
    if (!regularizer_) throw ValueError("regularizer: called an empty RegularizerSpec");
    return (*regularizer_)(x);
}

nlohmann::json RegularizerSpec::to_json() const {
    return regularizer_ ? serialize(*regularizer_) : nlohmann::json(nullptr);
}

}  // namespace strata::regularizers
