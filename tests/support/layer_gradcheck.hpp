// The gradient check for layers: the reverse-mode gradients of sum(layer(x) * r) with respect to the input
// and to every trainable weight, against float64 central differences. Weights are perturbed in place, since
// the layer owns them.
#pragma once

#include <gtest/gtest.h>

#include <functional>

#include "support/gradcheck.hpp"

namespace strata::testing {

inline void expect_layer_gradients_match(const std::function<Tensor(const Tensor&)>& forward, Tensor x,
                                         const std::vector<Tensor>& weights, double h = 1e-6, double rtol = 1e-6,
                                         double atol = 1e-8) {
    ASSERT_EQ(x.dtype(), float64);
    x = x.clone();
    x.set_requires_grad(true);
    Tensor probe = [&] {
        autograd::NoGradScope no_grad;
        return forward(x);
    }();
    Tensor r = random::uniform(probe.shape(), 0.5, 1.5, float64);
    auto loss_of = [&](const Tensor& input) { return (forward(input) * r).sum(); };

    std::vector<Tensor> sources{x};
    for (const Tensor& w : weights) sources.push_back(w);
    std::vector<Tensor> analytic = autograd::gradients(loss_of(x), sources);

    for (std::size_t i = 0; i < sources.size(); ++i) {
        ASSERT_EQ(sources[i].dtype(), float64) << "source " << i;
        ASSERT_TRUE(analytic[i].defined()) << "no gradient reached source " << i;
        std::vector<double> a = analytic[i].to_vector<double>();
        double* data = sources[i].data<double>();
        for (std::int64_t j = 0; j < sources[i].numel(); ++j) {
            autograd::NoGradScope no_grad;
            double saved = data[j];
            data[j] = saved + h;
            double up = loss_of(x).item<double>();
            data[j] = saved - h;
            double down = loss_of(x).item<double>();
            data[j] = saved;
            double numeric = (up - down) / (2 * h);
            EXPECT_NEAR(a[static_cast<std::size_t>(j)], numeric, atol + rtol * std::max(std::abs(numeric), 1.0))
                << (i == 0 ? std::string("input") : "weight " + std::to_string(i - 1)) << ", element " << j;
        }
    }
}

}  // namespace strata::testing
