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

// How many elements of two float32 tensors of the same shape differ in their bits (the fused updates must give
// exactly what the optimizer's ops give).
inline std::size_t differing_elements(const Tensor& got, const Tensor& want) {
    std::vector<float> a = got.to_vector<float>(), b = want.to_vector<float>();
    EXPECT_EQ(a.size(), b.size());
    std::size_t differing = 0;
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) differing += a[i] != b[i];
    return differing;
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

namespace strata::testing {

// Keras's Adamax.update_step on doubles: infinity norm u, bias correction on the first moment only.
inline ReferenceStep adamax_reference(double lr, double beta_1 = 0.9, double beta_2 = 0.999, double epsilon = 1e-7) {
    return [=, m = Values(), u = Values()](Values& w, const Values& g, int step) mutable {
        m.resize(w.size(), 0.0);
        u.resize(w.size(), 0.0);
        double correction = 1 - std::pow(beta_1, step);
        for (std::size_t i = 0; i < w.size(); ++i) {
            m[i] = beta_1 * m[i] + (1 - beta_1) * g[i];
            u[i] = std::max(beta_2 * u[i], std::abs(g[i]));
            w[i] -= lr * m[i] / (correction * (u[i] + epsilon));
        }
    };
}

// Keras's Nadam on doubles: Dozat's schedule mu_t = beta_1 * (1 - 0.5 * 0.96^t) and its running product.
inline ReferenceStep nadam_reference(double lr, double beta_1 = 0.9, double beta_2 = 0.999, double epsilon = 1e-7) {
    return [=, m = Values(), v = Values(), mu_product = 1.0](Values& w, const Values& g, int step) mutable {
        m.resize(w.size(), 0.0);
        v.resize(w.size(), 0.0);
        double mu = beta_1 * (1 - 0.5 * std::pow(0.96, step));
        double mu_next = beta_1 * (1 - 0.5 * std::pow(0.96, step + 1));
        mu_product *= mu;
        double mu_product_next = mu_product * mu_next;
        for (std::size_t i = 0; i < w.size(); ++i) {
            m[i] = beta_1 * m[i] + (1 - beta_1) * g[i];
            v[i] = beta_2 * v[i] + (1 - beta_2) * g[i] * g[i];
            double m_hat = mu_next * m[i] / (1 - mu_product_next) + (1 - mu) * g[i] / (1 - mu_product);
            double v_hat = v[i] / (1 - std::pow(beta_2, step));
            w[i] -= lr * m_hat / (std::sqrt(v_hat) + epsilon);
        }
    };
}

// Keras's Adagrad.update_step on doubles: the accumulator starts at initial_accumulator_value.
inline ReferenceStep adagrad_reference(double lr, double initial_accumulator_value = 0.1, double epsilon = 1e-7) {
    return [=, accumulator = Values()](Values& w, const Values& g, int) mutable {
        accumulator.resize(w.size(), initial_accumulator_value);
        for (std::size_t i = 0; i < w.size(); ++i) {
            accumulator[i] += g[i] * g[i];
            w[i] -= lr * g[i] / std::sqrt(accumulator[i] + epsilon);
        }
    };
}

// Keras's Adadelta.update_step on doubles, rms(x) = sqrt(x + epsilon).
inline ReferenceStep adadelta_reference(double lr, double rho = 0.95, double epsilon = 1e-7) {
    return [=, eg2 = Values(), edx2 = Values()](Values& w, const Values& g, int) mutable {
        eg2.resize(w.size(), 0.0);
        edx2.resize(w.size(), 0.0);
        for (std::size_t i = 0; i < w.size(); ++i) {
            eg2[i] = rho * eg2[i] + (1 - rho) * g[i] * g[i];
            double dx = -std::sqrt(edx2[i] + epsilon) / std::sqrt(eg2[i] + epsilon) * g[i];
            edx2[i] = rho * edx2[i] + (1 - rho) * dx * dx;
            w[i] += lr * dx;
        }
    };
}

// Keras's Lion.update_step on doubles.
inline ReferenceStep lion_reference(double lr, double beta_1 = 0.9, double beta_2 = 0.99) {
    return [=, m = Values()](Values& w, const Values& g, int) mutable {
        m.resize(w.size(), 0.0);
        for (std::size_t i = 0; i < w.size(); ++i) {
            double c = beta_1 * m[i] + (1 - beta_1) * g[i];
            w[i] -= lr * static_cast<double>((c > 0) - (c < 0));
            m[i] = beta_2 * m[i] + (1 - beta_2) * g[i];
        }
    };
}

// Keras's Ftrl.update_step on doubles (McMahan et al.'s per-coordinate FTRL-Proximal, n and z).
inline ReferenceStep ftrl_reference(double lr, double lr_power = -0.5, double initial_accumulator_value = 0.1,
                                    double l1 = 0.0, double l2 = 0.0, double l2_shrinkage = 0.0,
                                    double beta = 0.0) {
    return [=, n = Values(), z = Values()](Values& w, const Values& g, int) mutable {
        n.resize(w.size(), initial_accumulator_value);
        z.resize(w.size(), 0.0);
        for (std::size_t i = 0; i < w.size(); ++i) {
            double shrunk = g[i] + 2 * l2_shrinkage * w[i];
            double n_new = n[i] + g[i] * g[i];
            double sigma = (std::pow(n_new, -lr_power) - std::pow(n[i], -lr_power)) / lr;
            z[i] += shrunk - sigma * w[i];
            double denominator = std::pow(n_new, -lr_power) / lr + 2 * (l2 + beta / (2 * lr));
            w[i] = std::abs(z[i]) <= l1 ? 0.0 : ((z[i] > 0 ? l1 : -l1) - z[i]) / denominator;
            n[i] = n_new;
        }
    };
}

}  // namespace strata::testing

namespace strata::testing {

// Keras's test_single_step, shared by keras/src/optimizers/*_test.py: learning_rate=0.5 (set by the caller) on
// the float32 variable [1, 2, 3, 4] with gradients [1, 6, 7, 2], within 1e-4.
inline void expect_keras_single_step(optimizers::Optimizer& optimizer, const std::vector<double>& expected) {
    Tensor v = Tensor::from_vector(std::vector<float>{1, 2, 3, 4});
    optimizer.apply_gradients({Tensor::from_vector(std::vector<float>{1, 6, 7, 2})}, {v});
    std::vector<float> got = v.to_vector<float>();
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-4 + 1e-4 * std::abs(expected[i]));
}

// Keras's test_correctness_with_golden: x = ones(10) in float32, a first step with gradients 0.01, then
// gradients 0.1, 0.2, ..., 1.0; `golden` holds x after each of five steps (a row of one value stands for ten
// equal values), checked within Keras's rtol=atol=5e-4.
inline void expect_keras_golden(optimizers::Optimizer& optimizer, const std::vector<std::vector<double>>& golden) {
    Tensor x = Tensor::ones({10});
    std::vector<float> grads(10);
    for (int i = 0; i < 10; ++i) grads[static_cast<std::size_t>(i)] = 0.1f * static_cast<float>(i + 1);
    optimizer.apply_gradients({Tensor::full({10}, 0.01)}, {x});
    for (std::size_t step = 0; step < golden.size(); ++step) {
        std::vector<float> got = x.to_vector<float>();
        for (std::size_t i = 0; i < got.size(); ++i) {
            double expected = golden[step].size() == 1 ? golden[step][0] : golden[step][i];
            EXPECT_NEAR(got[i], expected, 5e-4 + 5e-4 * std::abs(expected)) << "row " << step << ", element " << i;
        }
        optimizer.apply_gradients({Tensor::from_vector(grads)}, {x});
    }
}

// Keras's test_weight_decay: a zero gradient leaves only the decay; three optimizers with weight_decay=0.004 at
// learning_rate=1 (made by `make`) take 2.0 to 1.9760959.
template <typename Make>
void expect_keras_weight_decay(Make make) {
    Tensor var1 = Tensor::scalar(2.0);
    for (int i = 0; i < 3; ++i) {
        auto optimizer = make();
        optimizer.apply_gradients({Tensor::scalar(0.0)}, {var1});
    }
    EXPECT_NEAR(var1.item<float>(), 1.9760959f, 1e-6);
}

// The base keys of every Keras optimizer config, with the defaults strata keeps (no EMA, loss scaling or
// gradient accumulation), for `name` and `learning_rate`; tests add the optimizer's own keys.
inline nlohmann::json keras_base_config(const std::string& name, double learning_rate,
                                        nlohmann::json weight_decay = nullptr) {
    return {
        {"name", name},
        {"learning_rate", learning_rate},
        {"weight_decay", weight_decay},
        {"clipnorm", nullptr},
        {"global_clipnorm", nullptr},
        {"clipvalue", nullptr},
        {"use_ema", false},
        {"ema_momentum", 0.99},
        {"ema_overwrite_frequency", nullptr},
        {"loss_scale_factor", nullptr},
        {"gradient_accumulation_steps", nullptr},
    };
}

}  // namespace strata::testing
