#include "optimizer_updates.hpp"

#include <cmath>

#include "parallel.hpp"

namespace strata::backend::cpu {

void rmsprop_update(float* variable, float* velocity, const float* gradient, std::int64_t n, float learning_rate,
                    float rho, float one_minus_rho, float epsilon) {
    // About ten operations per element: worth threads from a few thousand elements on.
    parallel_for(n, 10, [&](std::int64_t begin, std::int64_t end) {
#pragma omp simd
        for (std::int64_t i = begin; i < end; ++i) {
            // One statement per op of RMSprop::update_step, in its order.
            const float g = gradient[i];
            const float kept = rho * velocity[i];
            const float square = g * g;
            const float added = one_minus_rho * square;
            const float v = kept + added;
            velocity[i] = v;
            const float denominator = v + epsilon;
            const float root = std::sqrt(denominator);
            const float step = learning_rate * g;
            const float increment = step / root;
            variable[i] = variable[i] - increment;
        }
    });
}

}  // namespace strata::backend::cpu
