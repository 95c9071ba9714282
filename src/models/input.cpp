#include "strata/models/input.hpp"

#include "strata/layers/keras_history.hpp"

namespace strata {

InputLayer::InputLayer(const Shape& batch_shape, DType dtype, const std::string& name)
    : Layer("input_layer", {batch_shape.without_batch(), name, true, is_floating(dtype) ? dtype : float32}),
      batch_shape_(batch_shape) {
    ensure_built({batch_shape});  // an InputLayer has nothing to build; Keras marks it built
}

nlohmann::json InputLayer::get_config() const {
    // Keras 3's InputLayer.get_config, in its order; unknown extents are None (null).
    nlohmann::json batch_shape = nlohmann::json::array();
    for (std::int64_t d : batch_shape_) batch_shape.push_back(d < 0 ? nlohmann::json(nullptr) : nlohmann::json(d));
    return {{"batch_shape", batch_shape}, {"dtype", dtype_name(dtype())}, {"sparse", false}, {"ragged", false},
            {"name", name()}};
}

Tensor Input(const Shape& shape, InputOptions options) {
    for (std::int64_t d : shape)
        if (d == 0 || d < -1)
            throw ValueError("Input: shape " + shape.to_string() + " has an extent that is not positive (use -1 for None)");
    if (options.batch_size == 0 || options.batch_size < -1)
        throw ValueError("Input: batch_size must be positive, got " + std::to_string(options.batch_size));
    Shape batch_shape = shape.with_batch(options.batch_size);
    auto layer = std::make_shared<InputLayer>(batch_shape, options.dtype, options.name);
    auto history = std::make_shared<KerasHistory>(KerasHistory{layer, {}});
    return Tensor::symbolic(batch_shape, options.dtype, std::move(history));
}

}  // namespace strata
