#include "layers/weight_budget.hpp"

#include "strata/core/error.hpp"

namespace strata::detail {

namespace {
thread_local WeightBudget* open_budget = nullptr;
}

WeightBudget::WeightBudget(std::int64_t max_elements, std::string source)
    : max_elements_(max_elements), source_(std::move(source)), enclosing_(open_budget) {
    open_budget = this;
}

WeightBudget::~WeightBudget() { open_budget = enclosing_; }

void WeightBudget::charge(const std::string& layer, const std::string& weight, const Shape& shape) {
    WeightBudget* budget = open_budget;
    if (budget == nullptr) return;
    std::int64_t elements = shape.numel();
    if (elements > budget->max_elements_ - budget->used_)
        throw ValueError("layer \"" + layer + "\": weight \"" + weight + "\" of shape " + shape.to_string() + " has " +
                         std::to_string(elements) + " elements, more than " + budget->source_ +
                         " can hold (the model's weights so far take " + std::to_string(budget->used_) + " of at most " +
                         std::to_string(budget->max_elements_) + "); the config does not match its weights");
    budget->used_ += elements;
}

}  // namespace strata::detail
