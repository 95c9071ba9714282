// A cap on the weights that layers may create on this thread, while a loader builds a model from a file.
// A config is text: `{"units": 1099511627776}` costs a few bytes to write and would cost terabytes to build.
// Every weight of a loaded model must come from the file's weights, so a file of N bytes can fill at most
// N elements (no weight type Keras writes is narrower than a byte). The loader opens a budget of that size
// before it rebuilds the config, and Layer::add_weight charges each weight against it before allocating,
// so an oversized layer is refused by name instead of exhausting memory.
#pragma once

#include <cstdint>
#include <string>

#include "strata/core/shape.hpp"

namespace strata::detail {

class WeightBudget {
public:
    // `source` names the file in the error ("model.weights.h5 in 'm.keras' (4096 bytes)").
    WeightBudget(std::int64_t max_elements, std::string source);
    ~WeightBudget();
    WeightBudget(const WeightBudget&) = delete;
    WeightBudget& operator=(const WeightBudget&) = delete;

    // Charges a weight of `shape` to the open budget, if there is one; ValueError naming the layer, the
    // weight, its shape and the file when the weights so far would not fit in it.
    static void charge(const std::string& layer, const std::string& weight, const Shape& shape);

private:
    std::int64_t max_elements_;
    std::int64_t used_ = 0;
    std::string source_;
    WeightBudget* enclosing_;
};

}  // namespace strata::detail
