// Helpers shared by the tests of the lower levels: compare a tensor's elements with expected values, and
// check that a call throws the right error type with a message that names what it should.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <typeinfo>
#include <vector>

#include <strata/core/tensor.hpp>

namespace strata::testing {

// Expects `t` to have dtype T and the elements `expected` (row-major), each within
// atol + rtol * |expected|; integer and bool elements must match exactly. NaN matches NaN and an
// infinity only itself.
template <Element T>
void expect_tensor_near(const Tensor& t, const std::vector<T>& expected, double rtol = 0.0, double atol = 0.0) {
    ASSERT_TRUE(t.defined()) << "the tensor is undefined";
    ASSERT_EQ(t.dtype(), dtype_of_v<T>) << "dtype " << dtype_name(t.dtype()) << ", expected " << dtype_name(dtype_of_v<T>);
    std::vector<T> got = t.to_vector<T>();
    ASSERT_EQ(got.size(), expected.size()) << "shape " << t.shape().to_string();
    for (std::size_t i = 0; i < got.size(); ++i) {
        if constexpr (std::is_floating_point_v<T>) {
            if (std::isnan(expected[i])) {
                EXPECT_TRUE(std::isnan(got[i])) << "element " << i << ": " << got[i] << ", expected NaN";
            } else if (std::isinf(expected[i])) {
                EXPECT_EQ(got[i], expected[i]) << "element " << i << " of shape " << t.shape().to_string();
            } else {
                double tol = atol + rtol * std::abs(static_cast<double>(expected[i]));
                EXPECT_NEAR(got[i], expected[i], tol) << "element " << i << " of shape " << t.shape().to_string();
            }
        } else {
            EXPECT_EQ(got[i], expected[i]) << "element " << i << " of shape " << t.shape().to_string();
        }
    }
}

// Expects `t` to be exactly `expected` element for element (same dtype).
template <Element T>
void expect_tensor_eq(const Tensor& t, const std::vector<T>& expected) {
    expect_tensor_near<T>(t, expected, 0.0, 0.0);
}

// Expects fn to throw E (exactly that type or a subclass) whose message contains every fragment.
template <class E>
void expect_error(const std::function<void()>& fn, const std::vector<std::string>& fragments) {
    try {
        fn();
    } catch (const E& e) {
        std::string message = e.what();
        for (const std::string& f : fragments)
            EXPECT_NE(message.find(f), std::string::npos) << "message \"" << message << "\" lacks \"" << f << "\"";
        return;
    } catch (const std::exception& e) {
        ADD_FAILURE() << "expected " << typeid(E).name() << ", got " << typeid(e).name() << ": " << e.what();
        return;
    }
    ADD_FAILURE() << "expected " << typeid(E).name() << ", nothing was thrown";
}

}  // namespace strata::testing
