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

void adam_update(float* variable, float* momentum, float* velocity, const float* gradient, std::int64_t n,
                 float alpha, float one_minus_beta_1, float one_minus_beta_2, float epsilon) {
    parallel_for(n, 12, [&](std::int64_t begin, std::int64_t end) {
#pragma omp simd
        for (std::int64_t i = begin; i < end; ++i) {
            // One statement per op of Adam::update_step, in its order.
            const float g = gradient[i];
            const float m = momentum[i] + (g - momentum[i]) * one_minus_beta_1;
            momentum[i] = m;
            const float square = g * g;
            const float v = velocity[i] + (square - velocity[i]) * one_minus_beta_2;
            velocity[i] = v;
            const float scaled = m * alpha;
            const float denominator = std::sqrt(v) + epsilon;
            const float increment = scaled / denominator;
            variable[i] = variable[i] - increment;
        }
    });
}

void sgd_update(float* variable, const float* gradient, std::int64_t n, float learning_rate) {
    parallel_for(n, 2, [&](std::int64_t begin, std::int64_t end) {
#pragma omp simd
        for (std::int64_t i = begin; i < end; ++i) variable[i] = variable[i] - gradient[i] * learning_rate;
    });
}

}  // namespace strata::backend::cpu
