// Helpers for the optimizer tests: a small float64 variable, fixed gradients for three steps, and plain-double
// versions of Keras's base-optimizer steps (clipping, weight decay) that the expected values are built from,
// written independently of the implementation.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <vector>

#include "strata/core/tensor.hpp"
#include "strata/training/optimizer.hpp"

namespace strata::testing {

using Values = std::vector<double>;

// The variable's starting values and one gradient per step, shaped (2, 2); the gradients change sign and size
// so that every slot's history matters.
inline const Values kStart = {0.5, -1.5, 2.0, -0.25};
inline const std::vector<Values> kGrads = {
    {0.1, -0.2, 0.3, 0.4},
    {-0.5, 0.25, 0.05, 1.5},
    {0.2, 0.2, -0.7, -0.1},
};
inline const Shape kShape = {2, 2};

inline Tensor variable_of(const Values& values, DType dtype = float64) {
    return Tensor::from_vector(values, kShape).astype(dtype);
}

// One step of an optimizer written in plain doubles: updates `w` in place from `g`; `step` counts from 1.
using ReferenceStep = std::function<void(Values& w, const Values& g, int step)>;

// Runs `optimizer` for the three gradients of kGrads on a float64 variable starting at kStart, and checks
// the variable after each step against `reference` run on doubles; `clip` and `weight_decay` are the base
// optimizer's steps, applied to the reference before `reference` as Keras does.
inline void expect_matches_reference(optimizers::Optimizer& optimizer, const ReferenceStep& reference,
                                     const std::function<Values(const Values&)>& clip = {},
                                     double weight_decay = 0.0, double learning_rate = 0.0) {
    Tensor variable = variable_of(kStart);
    Values w = kStart;
    for (std::size_t t = 0; t < kGrads.size(); ++t) {
        optimizer.apply_gradients({Tensor::from_vector(kGrads[t], kShape)}, {variable});
        Values g = clip ? clip(kGrads[t]) : kGrads[t];
        for (double& x : w) x -= x * weight_decay * learning_rate;
        reference(w, g, static_cast<int>(t) + 1);
        std::vector<double> got = variable.to_vector<double>();
        for (std::size_t i = 0; i < w.size(); ++i)
            EXPECT_NEAR(got[i], w[i], 1e-12 * std::max(1.0, std::abs(w[i]))) << "step " << t + 1 << ", element " << i;
    }
    EXPECT_EQ(optimizer.iterations(), static_cast<std::int64_t>(kGrads.size()));
}

// Keras's clipnorm on doubles: g * c / max(||g||, c).
inline Values clip_norm_reference(const Values& g, double c) {
    double sq = 0;
    for (double x : g) sq += x * x;
    double norm = std::sqrt(sq);
    Values out = g;
    for (double& x : out) x = x * c / std::max(norm, c);
    return out;
}

// Keras's clipvalue on doubles: each element into [-c, c].
inline Values clip_value_reference(const Values& g, double c) {
    Values out = g;
    for (double& x : out) x = std::clamp(x, -c, c);
    return out;
}

// Keras's SGD.update_step on doubles.
inline ReferenceStep sgd_reference(double lr, double momentum = 0.0, bool nesterov = false) {
    return [lr, momentum, nesterov, velocity = Values()](Values& w, const Values& g, int) mutable {
        velocity.resize(w.size(), 0.0);
        for (std::size_t i = 0; i < w.size(); ++i) {
            if (momentum == 0.0) {
                w[i] -= lr * g[i];
                continue;
            }
            velocity[i] = momentum * velocity[i] - lr * g[i];
            w[i] += nesterov ? momentum * velocity[i] - lr * g[i] : velocity[i];
        }
    };
}

// Keras's RMSprop.update_step on doubles (epsilon inside the square root).
inline ReferenceStep rmsprop_reference(double lr, double rho = 0.9, double momentum = 0.0, double epsilon = 1e-7,
                                       bool centered = false) {
    return [=, velocity = Values(), average = Values(), moment = Values()](Values& w, const Values& g,
                                                                          int) mutable {
        velocity.resize(w.size(), 0.0);
        average.resize(w.size(), 0.0);
        moment.resize(w.size(), 0.0);
        for (std::size_t i = 0; i < w.size(); ++i) {
            velocity[i] = rho * velocity[i] + (1 - rho) * g[i] * g[i];
            double denominator = velocity[i] + epsilon;
            if (centered) {
                average[i] = rho * average[i] + (1 - rho) * g[i];
                denominator = velocity[i] - average[i] * average[i] + epsilon;
            }
            double increment = lr * g[i] / std::sqrt(denominator);
            if (momentum > 0) {
                moment[i] = momentum * moment[i] + increment;
                w[i] -= moment[i];
            } else {
                w[i] -= increment;
            }
        }
    };
}

// Keras's Adam.update_step on doubles: bias correction folded into alpha, epsilon outside the root.
inline ReferenceStep adam_reference(double lr, double beta_1 = 0.9, double beta_2 = 0.999, double epsilon = 1e-7,
                                    bool amsgrad = false) {
    return [=, m = Values(), v = Values(), v_hat = Values()](Values& w, const Values& g, int step) mutable {
        m.resize(w.size(), 0.0);
        v.resize(w.size(), 0.0);
        v_hat.resize(w.size(), 0.0);
        double alpha = lr * std::sqrt(1 - std::pow(beta_2, step)) / (1 - std::pow(beta_1, step));
        for (std::size_t i = 0; i < w.size(); ++i) {
            m[i] += (g[i] - m[i]) * (1 - beta_1);
            v[i] += (g[i] * g[i] - v[i]) * (1 - beta_2);
            double second = v[i];
            if (amsgrad) {
                v_hat[i] = std::max(v_hat[i], v[i]);
                second = v_hat[i];
            }
            w[i] -= alpha * m[i] / (std::sqrt(second) + epsilon);
        }
    };
}

}  // namespace strata::testing
