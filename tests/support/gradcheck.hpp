// The gradient check every op, layer, loss and activation goes through: the reverse-mode gradient of a
// scalar built from f(inputs) is compared with float64 central differences, (L(x+h) - L(x-h)) / 2h.
//
// The scalar is sum(f(x) * r) for a fixed random r, so every element of the output's gradient differs and
// a transposed or mis-broadcast gradient cannot pass by symmetry.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include <strata/strata.hpp>

namespace strata::testing {

using Function = std::function<Tensor(const std::vector<Tensor>&)>;

// Random float64 inputs of the given shapes, drawn from [lo, hi).
inline std::vector<Tensor> random_inputs(const std::vector<Shape>& shapes, double lo = -1.0, double hi = 1.0) {
    std::vector<Tensor> out;
    for (const Shape& s : shapes) out.push_back(random::uniform(s, lo, hi, float64));
    return out;
}

// Checks the gradient of f with respect to each input (all float64). The relative tolerance is around
// 1e-6 as DESIGN.md asks; h = 1e-6 balances truncation (h^2) against rounding (eps / h).
inline void expect_gradients_match(const Function& f, std::vector<Tensor> inputs, double h = 1e-6,
                                   double rtol = 1e-6, double atol = 1e-8) {
    for (Tensor& x : inputs) {
        ASSERT_EQ(x.dtype(), float64) << "gradient checks run in float64";
        x.set_requires_grad(true);
    }
    Tensor probe_out = [&] {
        autograd::NoGradScope no_grad;
        return f(inputs);
    }();
    Tensor weights = random::uniform(probe_out.shape(), 0.5, 1.5, float64);
    auto scalar = [&](const std::vector<Tensor>& xs) { return (f(xs) * weights).sum(); };

    Tensor loss = scalar(inputs);
    std::vector<Tensor> analytic = autograd::gradients(loss, inputs);

    for (std::size_t i = 0; i < inputs.size(); ++i) {
        std::vector<double> x = inputs[i].to_vector<double>();
        std::vector<double> a = analytic[i].defined() ? analytic[i].to_vector<double>()
                                                      : std::vector<double>(x.size(), 0.0);
        ASSERT_EQ(a.size(), x.size()) << "gradient of input " << i << " has the wrong size";
        for (std::size_t j = 0; j < x.size(); ++j) {
            auto at = [&](double value) {
                autograd::NoGradScope no_grad;
                std::vector<double> moved = x;
                moved[j] = value;
                std::vector<Tensor> xs = inputs;
                xs[i] = Tensor::from_vector(moved, inputs[i].shape());
                return scalar(xs).item<double>();
            };
            double numeric = (at(x[j] + h) - at(x[j] - h)) / (2 * h);
            EXPECT_NEAR(a[j], numeric, atol + rtol * std::max(std::abs(numeric), 1.0))
                << "input " << i << ", element " << j << " of shape " << inputs[i].shape().to_string();
        }
    }
}

}  // namespace strata::testing
