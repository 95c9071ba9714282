// The message of the strata error a call throws, for tests that check what an error names.
#pragma once

#include <gtest/gtest.h>

#include <exception>
#include <string>

namespace strata::testing {

// Calls `f`; returns the message of the exception of type E it throws. Any other exception, or none, is a
// test failure (and an empty message).
template <class E, class F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const E& e) {
        return e.what();
    } catch (const std::exception& e) {
        ADD_FAILURE() << "unexpected exception: " << e.what();
        return {};
    }
    ADD_FAILURE() << "no exception";
    return {};
}

}  // namespace strata::testing
