// A small compiled model for driving callbacks by hand: Dense(2) on 3 features, SGD, mean squared error.
#pragma once

#include <cstdint>

#include <strata/strata.hpp>

namespace strata::testing {

inline Sequential callback_test_model(double learning_rate = 0.1) {
    clear_session();
    utils::set_random_seed(3);
    Sequential model;
    model.add(layers::Dense(2, {}, {.input_shape = {3}}));
    model.compile({.optimizer = optimizers::SGD(learning_rate), .loss = "mse"});
    return model;
}

// Inputs and targets of a linear problem, for end-to-end fits.
struct CallbackTestData {
    Tensor x, y;
};

inline CallbackTestData callback_test_data(std::int64_t n) {
    Tensor x = random::normal({n, 3});
    return {x, x.slice(0, n).transpose().slice(0, 2).transpose() * 2.0};
}

}  // namespace strata::testing
