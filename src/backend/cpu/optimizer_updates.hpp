// Fused optimizer updates on the CPU: one pass over a float32 variable and its slots, where the optimizer's
// elementwise ops would make one pass (and one temporary the size of the variable) per op. A wide model's
// update is memory-bound, so the passes are its cost. Each computes exactly what the optimizer's ops compute,
// operation by operation in float32 (the file is compiled without floating-point contraction, so no step is
// fused into an FMA that would round differently), and gives the same bits on any thread count.
//
// They are CPU kernels called by the optimizers for CPU tensors, not yet entries of the Backend table: on
// another device the optimizers run their elementwise ops.
#pragma once

#include <cstdint>

namespace strata::backend::cpu {

// Keras's RMSprop without momentum and not centered, over n elements:
//   velocity = rho * velocity + (1 - rho) * gradient^2
//   variable = variable - learning_rate * gradient / sqrt(velocity + epsilon)
// with each coefficient given as the float32 the ops would round it to.
void rmsprop_update(float* variable, float* velocity, const float* gradient, std::int64_t n, float learning_rate,
                    float rho, float one_minus_rho, float epsilon);

// Keras's Adam without amsgrad, over n elements, with alpha the step size that folds both bias corrections:
//   momentum = momentum + (gradient - momentum) * (1 - beta_1)
//   velocity = velocity + (gradient^2 - velocity) * (1 - beta_2)
//   variable = variable - momentum * alpha / (sqrt(velocity) + epsilon)
void adam_update(float* variable, float* momentum, float* velocity, const float* gradient, std::int64_t n,
                 float alpha, float one_minus_beta_1, float one_minus_beta_2, float epsilon);

// Keras's SGD without momentum: variable = variable - gradient * learning_rate.
void sgd_update(float* variable, const float* gradient, std::int64_t n, float learning_rate);

}  // namespace strata::backend::cpu
