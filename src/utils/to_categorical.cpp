// keras.utils.to_categorical (keras/src/utils/numerical_utils.py): labels of any shape to one-hot rows.
// Where NumPy would quietly wrap a negative label to the last class or truncate 1.5 to 1, this refuses.
#include "strata/utils/to_categorical.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

namespace strata::utils {

namespace {

std::string number_text(double value) {
    std::ostringstream text;
    text << value;
    return text.str();
}

// The labels as int64, refusing values that are no class index at all.
std::vector<std::int64_t> integer_labels(const Tensor& labels) {
    return dispatch_dtype(labels.dtype(), [&]<class T>() {
        std::vector<T> values = labels.to_vector<T>();
        std::vector<std::int64_t> out(values.size());
        for (std::size_t i = 0; i < values.size(); ++i) {
            if constexpr (std::is_floating_point_v<T>) {
                double v = static_cast<double>(values[i]);
                // 2^63 is the first double past int64's range.
                if (!std::isfinite(v) || v != std::floor(v) || std::abs(v) >= 0x1p63)
                    throw ValueError("to_categorical: label " + number_text(v) + " at index " + std::to_string(i) +
                                     " is not an integer class index");
            }
            out[i] = static_cast<std::int64_t>(values[i]);
        }
        return out;
    });
}

}  // namespace

Tensor to_categorical(const Tensor& labels, std::int64_t num_classes) {
    if (!labels.defined()) throw ValueError("to_categorical: got an undefined tensor");
    if (labels.is_symbolic())
        throw ValueError("to_categorical: got a symbolic tensor of shape " + labels.shape().to_string() +
                         "; it takes concrete labels");
    if (num_classes < -1)
        throw ValueError("to_categorical: num_classes must be positive, or -1 to infer it as max(labels) + 1; got " +
                         std::to_string(num_classes));

    std::vector<std::int64_t> values = integer_labels(labels);

    // Keras: "Shrink the last dimension if the shape is (..., 1)".
    std::vector<std::int64_t> dims = labels.shape().dims();
    if (dims.size() > 1 && dims.back() == 1) dims.pop_back();

    // Keras infers when num_classes is falsy: None, and also 0.
    bool inferred = num_classes <= 0;
    if (inferred) {
        if (values.empty())
            throw ValueError("to_categorical: cannot infer num_classes from labels of shape " +
                             labels.shape().to_string() + " with no elements; pass num_classes");
        std::int64_t largest = *std::max_element(values.begin(), values.end());
        if (largest == std::numeric_limits<std::int64_t>::max())
            throw ValueError("to_categorical: label " + std::to_string(largest) + " is too large to be a class index");
        num_classes = largest + 1;
    }
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (values[i] < 0 || values[i] >= num_classes)
            throw ValueError("to_categorical: label " + std::to_string(values[i]) + " at index " + std::to_string(i) +
                             " is outside [0, num_classes) with num_classes=" + std::to_string(num_classes) +
                             (inferred ? " (inferred as max(labels) + 1)" : ""));
    }

    dims.push_back(num_classes);
    Shape shape(std::move(dims));
    std::vector<float> one_hot(static_cast<std::size_t>(shape.numel()), 0.0f);  // numel refuses an overflow
    for (std::size_t i = 0; i < values.size(); ++i)
        one_hot[i * static_cast<std::size_t>(num_classes) + static_cast<std::size_t>(values[i])] = 1.0f;
    return Tensor::from_vector(one_hot, shape);
}

}  // namespace strata::utils
