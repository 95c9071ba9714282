// Names and serialization, as keras/src/regularizers/__init__.py: every class by its name and its
// snake_case; configs as Keras writes them in a .keras file.
#include <map>
#include <set>

#include "core/text.hpp"
#include "strata/layers/regularizers.hpp"

namespace strata::regularizers {

namespace {

// Reads a config dict; a key the class does not take is refused rather than silently dropped.
class ConfigReader {
public:
    ConfigReader(const nlohmann::json& config, std::string class_name)
        : config_(config), class_name_(std::move(class_name)) {
        if (!config_.is_object())
            throw ValueError("regularizers.deserialize: the config of " + class_name_ + " must be a dict, got " +
                             config_.dump());
    }

    double number(const std::string& key, double fallback) {
        used_.insert(key);
        auto it = config_.find(key);
        if (it == config_.end() || it->is_null()) return fallback;  // Keras: None means the default
        if (!it->is_number())
            throw ValueError("regularizers.deserialize: " + class_name_ + " expects a number for \"" + key +
                             "\", got " + it->dump());
        return it->get<double>();
    }

    std::string string(const std::string& key, std::string fallback) {
        used_.insert(key);
        auto it = config_.find(key);
        if (it == config_.end() || it->is_null()) return fallback;
        if (!it->is_string())
            throw ValueError("regularizers.deserialize: " + class_name_ + " expects a string for \"" + key +
                             "\", got " + it->dump());
        return it->get<std::string>();
    }

    void finish() const {
        for (const auto& [key, value] : config_.items())
            if (!used_.count(key))
                throw ValueError("regularizers.deserialize: " + class_name_ + " does not take \"" + key + "\" (got " +
                                 value.dump() + ")");
    }

private:
    const nlohmann::json& config_;
    std::string class_name_;
    std::set<std::string> used_;
};

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
    ConfigReader reader(empty, name);
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
    ConfigReader reader(inner, class_name);
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
