// Optimizers by name, as keras.optimizers.get: a name in any case gives a new optimizer with Keras's defaults.
#include <algorithm>
#include <cctype>
#include <functional>
#include <map>

#include "core/text.hpp"
#include "strata/core/error.hpp"
#include "strata/training/optimizer.hpp"
#include "strata/training/optimizers/adadelta.hpp"
#include "strata/training/optimizers/adagrad.hpp"
#include "strata/training/optimizers/adam.hpp"
#include "strata/training/optimizers/adamax.hpp"
#include "strata/training/optimizers/adamw.hpp"
#include "strata/training/optimizers/ftrl.hpp"
#include "strata/training/optimizers/lion.hpp"
#include "strata/training/optimizers/nadam.hpp"
#include "strata/training/optimizers/rmsprop.hpp"
#include "strata/training/optimizers/sgd.hpp"

namespace strata::optimizers {

namespace {

// Keys are Keras's class names lowercased (ALL_OBJECTS_DICT), so "SGD", "sgd" and "Sgd" all resolve.
const std::map<std::string, std::function<std::shared_ptr<Optimizer>()>>& known_optimizers() {
    static const std::map<std::string, std::function<std::shared_ptr<Optimizer>()>> table = {
        {"adadelta", [] { return std::make_shared<Adadelta>(); }},
        {"adagrad", [] { return std::make_shared<Adagrad>(); }},
        {"adam", [] { return std::make_shared<Adam>(); }},
        {"adamax", [] { return std::make_shared<Adamax>(); }},
        {"adamw", [] { return std::make_shared<AdamW>(); }},
        {"ftrl", [] { return std::make_shared<Ftrl>(); }},
        {"lion", [] { return std::make_shared<Lion>(); }},
        {"nadam", [] { return std::make_shared<Nadam>(); }},
        {"rmsprop", [] { return std::make_shared<RMSprop>(); }},
        {"sgd", [] { return std::make_shared<SGD>(); }},
    };
    return table;
}

}  // namespace

std::shared_ptr<Optimizer> get(const std::string& name) {
    std::string key = text::to_lower(name);
    const auto& table = known_optimizers();
    auto it = table.find(key);
    if (it == table.end()) {
        std::vector<std::string> known;
        for (const auto& [k, make] : table) known.push_back("'" + k + "'");
        throw ValueError("optimizers.get: could not interpret optimizer identifier '" + name +
                         "'; known optimizers: " + text::join(known));
    }
    return it->second();
}

std::shared_ptr<Optimizer> OptimizerSpec::get() const {
    if (optimizer_) return optimizer_;
    if (name_.empty()) throw ValueError("OptimizerSpec: no optimizer given; expected a name or an optimizer");
    return optimizers::get(name_);
}

}  // namespace strata::optimizers
