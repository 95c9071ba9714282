#include "strata/layers/int_tuple.hpp"

#include <gtest/gtest.h>

#include "strata/core/error.hpp"

namespace {

using strata::layers::IntTuple;

TEST(IntTupleTest, AScalarIsRepeatedForEachAxis) {
    EXPECT_EQ(IntTuple(3).expand(2, "conv2d", "kernel_size"), (std::vector<std::int64_t>{3, 3}));
    EXPECT_EQ(IntTuple(2).expand(1, "conv1d", "strides"), (std::vector<std::int64_t>{2}));
}

TEST(IntTupleTest, ATupleIsTakenAsGiven) {
    IntTuple t = {3, 2};
    EXPECT_FALSE(t.is_scalar());
    EXPECT_EQ(t.expand(2, "conv2d", "kernel_size"), (std::vector<std::int64_t>{3, 2}));
}

TEST(IntTupleTest, AWrongLengthNamesTheLayerAndArgument) {
    IntTuple t = {3, 2, 1};
    try {
        t.expand(2, "conv2d", "kernel_size");
        FAIL() << "expected ValueError";
    } catch (const strata::ValueError& e) {
        std::string message = e.what();
        EXPECT_NE(message.find("conv2d"), std::string::npos) << message;
        EXPECT_NE(message.find("kernel_size"), std::string::npos) << message;
        EXPECT_NE(message.find("(3, 2, 1)"), std::string::npos) << message;
    }
    EXPECT_THROW(IntTuple().expand(2, "max_pooling2d", "pool_size"), strata::ValueError);
}

TEST(IntTupleTest, ValuesBelowTheMinimumAreRefused) {
    EXPECT_THROW(IntTuple(0).expand(2, "max_pooling2d", "pool_size"), strata::ValueError);
    EXPECT_NO_THROW(IntTuple(0).expand(2, "zero_padding2d", "padding", /*minimum=*/0));
}

}  // namespace
