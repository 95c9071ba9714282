// The planned forms of the layers that join branches of a functional model (planned_merging.cpp), for
// plan_layers.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "planned_layers.hpp"

namespace strata::detail {

// Add, Subtract, Multiply and Average of inputs that share one shape, and Concatenate along any axis but the
// batch's; null with the reason in `why` for other layers of several inputs, and for inputs that the eager
// layer would broadcast.
std::unique_ptr<PlannedLayer> plan_merge(const std::shared_ptr<Layer>& layer, const std::vector<Shape>& input_features,
                                         std::string& why);

}  // namespace strata::detail
