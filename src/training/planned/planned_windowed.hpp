// The planned forms of the convolution and pooling layers (planned_windowed.cpp), for plan_layer.
#pragma once

#include <memory>
#include <string>

#include "planned_layers.hpp"
#include "strata/layers/convolution.hpp"
#include "strata/layers/pooling.hpp"

namespace strata::detail {

// Conv1D/2D/3D on channels-last inputs of `input_features` (without the batch axis), or null with the reason
// in `why` when its activation cannot be fused into the convolution.
std::unique_ptr<PlannedLayer> plan_conv(std::shared_ptr<layers::ConvImpl> layer, const Shape& input_features,
                                        bool training, std::string& why);

// MaxPooling2D or AveragePooling2D on channels-last inputs of `input_features`, or null with the reason in `why`.
std::unique_ptr<PlannedLayer> plan_pooling(const std::shared_ptr<layers::PoolingImpl>& layer,
                                           const Shape& input_features, std::string& why);

// GlobalAveragePooling1D/2D on channels-last inputs of `input_features`, or null with the reason in `why`.
std::unique_ptr<PlannedLayer> plan_global_pooling(const std::shared_ptr<layers::GlobalPoolingImpl>& layer,
                                                  const Shape& input_features, std::string& why);

}  // namespace strata::detail
