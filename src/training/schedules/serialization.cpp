// keras.optimizers.schedules.serialize / deserialize for the built-in schedules.
#include <functional>
#include <map>

#include "strata/core/error.hpp"
#include "strata/training/schedules.hpp"

namespace strata::optimizers::schedules {

nlohmann::json serialize(const LearningRateSchedule& schedule) {
    // Keras's serialize_keras_object for a built-in schedule.
    return {{"module", "keras.optimizers.schedules"},
            {"class_name", schedule.class_name()},
            {"config", schedule.get_config()},
            {"registered_name", nullptr}};
}

namespace {

template <typename T>
T value_or(const nlohmann::json& config, const char* key, T fallback) {
    auto it = config.find(key);
    return it == config.end() || it->is_null() ? fallback : it->get<T>();
}

std::optional<double> optional_number(const nlohmann::json& config, const char* key) {
    auto it = config.find(key);
    if (it == config.end() || it->is_null()) return std::nullopt;
    return it->get<double>();
}

using Factory = std::function<std::shared_ptr<LearningRateSchedule>(const nlohmann::json&)>;

const std::map<std::string, Factory>& factories() {
    static const std::map<std::string, Factory> table = {
        {"ExponentialDecay",
         [](const nlohmann::json& c) {
             return std::make_shared<ExponentialDecay>(
                 c.at("initial_learning_rate").get<double>(),
                 ExponentialDecayOptions{.decay_steps = c.at("decay_steps").get<std::int64_t>(),
                                         .decay_rate = optional_number(c, "decay_rate"),
                                         .staircase = value_or(c, "staircase", false),
                                         .name = value_or<std::string>(c, "name", "ExponentialDecay")});
         }},
        {"PiecewiseConstantDecay",
         [](const nlohmann::json& c) {
             return std::make_shared<PiecewiseConstantDecay>(
                 c.at("boundaries").get<std::vector<std::int64_t>>(), c.at("values").get<std::vector<double>>(),
                 value_or<std::string>(c, "name", "PiecewiseConstant"));
         }},
        {"PolynomialDecay",
         [](const nlohmann::json& c) {
             return std::make_shared<PolynomialDecay>(
                 c.at("initial_learning_rate").get<double>(),
                 PolynomialDecayOptions{.decay_steps = c.at("decay_steps").get<std::int64_t>(),
                                        .end_learning_rate = value_or(c, "end_learning_rate", 0.0001),
                                        .power = value_or(c, "power", 1.0),
                                        .cycle = value_or(c, "cycle", false),
                                        .name = value_or<std::string>(c, "name", "PolynomialDecay")});
         }},
        {"InverseTimeDecay",
         [](const nlohmann::json& c) {
             return std::make_shared<InverseTimeDecay>(
                 c.at("initial_learning_rate").get<double>(),
                 InverseTimeDecayOptions{.decay_steps = c.at("decay_steps").get<double>(),
                                         .decay_rate = optional_number(c, "decay_rate"),
                                         .staircase = value_or(c, "staircase", false),
                                         .name = value_or<std::string>(c, "name", "InverseTimeDecay")});
         }},
        {"CosineDecay",
         [](const nlohmann::json& c) {
             return std::make_shared<CosineDecay>(
                 c.at("initial_learning_rate").get<double>(),
                 CosineDecayOptions{.decay_steps = c.at("decay_steps").get<std::int64_t>(),
                                    .alpha = value_or(c, "alpha", 0.0),
                                    .name = value_or<std::string>(c, "name", "CosineDecay"),
                                    .warmup_target = optional_number(c, "warmup_target"),
                                    .warmup_steps = value_or<std::int64_t>(c, "warmup_steps", 0)});
         }},
        {"CosineDecayRestarts",
         [](const nlohmann::json& c) {
             return std::make_shared<CosineDecayRestarts>(
                 c.at("initial_learning_rate").get<double>(),
                 CosineDecayRestartsOptions{.first_decay_steps = c.at("first_decay_steps").get<std::int64_t>(),
                                            .t_mul = value_or(c, "t_mul", 2.0),
                                            .m_mul = value_or(c, "m_mul", 1.0),
                                            .alpha = value_or(c, "alpha", 0.0),
                                            .name = value_or<std::string>(c, "name", "SGDRDecay")});
         }},
    };
    return table;
}

}  // namespace

std::shared_ptr<LearningRateSchedule> deserialize(const nlohmann::json& config) {
    if (!config.is_object() || !config.contains("class_name") || !config["class_name"].is_string())
        throw ValueError("schedules.deserialize: expected an object with a \"class_name\", got " + config.dump());
    const std::string name = config["class_name"].get<std::string>();
    auto it = factories().find(name);
    if (it == factories().end())
        throw ValueError("schedules.deserialize: unknown learning rate schedule '" + name + "'");
    try {
        return it->second(config.value("config", nlohmann::json::object()));
    } catch (const nlohmann::json::exception& e) {
        throw ValueError("schedules.deserialize: bad config for " + name + ": " + e.what());
    }
}

}  // namespace strata::optimizers::schedules
