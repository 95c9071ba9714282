// Input: the symbolic tensor a functional model starts from, as keras.Input. Its shape excludes the batch
// axis; the symbolic tensor's shape has an unknown (None) batch axis first.
#pragma once

#include "strata/layers/layer.hpp"

namespace strata {

// Keras: Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None, tensor=None).
struct InputOptions {
    std::int64_t batch_size = -1;  // -1: unknown
    DType dtype = float32;
    std::string name;
};

class InputLayer : public Layer {
public:
    InputLayer(const Shape& batch_shape, DType dtype, const std::string& name);
    std::string class_name() const override { return "InputLayer"; }
    const Shape& batch_shape() const { return batch_shape_; }
    nlohmann::json get_config() const override;

private:
    Shape batch_shape_;
};

Tensor Input(const Shape& shape, InputOptions options = {});

}  // namespace strata
