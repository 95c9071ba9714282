// Shape: element counts, axis normalisation, Keras's printing, NumPy broadcasting.
#include <gtest/gtest.h>

#include <strata/strata.hpp>

namespace strata {
namespace {

TEST(CoreShape, ToStringPrintsNoneForUnknownExtentsAsKeras) {
    // Keras prints the batch axis of a symbolic shape as None: "(None, 32)".
    EXPECT_EQ(Shape({-1, 32}).to_string(), "(None, 32)");
    EXPECT_EQ(Shape({128, 64}).to_string(), "(128, 64)");
    EXPECT_EQ(Shape({5}).to_string(), "(5,)");  // a one-element tuple, as Python prints it
    EXPECT_EQ(Shape().to_string(), "()");
}

TEST(CoreShape, NumelAndDefinedness) {
    EXPECT_EQ(Shape({2, 3, 4}).numel(), 24);
    EXPECT_EQ(Shape().numel(), 1);
    EXPECT_EQ(Shape({3, 0}).numel(), 0);
    EXPECT_TRUE(Shape({2, 3}).is_fully_defined());
    EXPECT_FALSE(Shape({-1, 3}).is_fully_defined());
    EXPECT_THROW(Shape({-1, 3}).numel(), ValueError);
    EXPECT_THROW(Shape({std::int64_t{1} << 40, std::int64_t{1} << 40}).numel(), ValueError);
}

TEST(CoreShape, AxesCountFromTheEndWhenNegative) {
    Shape s{2, 3, 4};
    EXPECT_EQ(s.normalize_axis(-1), 2);
    EXPECT_EQ(s.normalize_axis(0), 0);
    EXPECT_EQ(s.at(-2), 3);
    EXPECT_THROW(s.normalize_axis(3), IndexError);
    EXPECT_THROW(s.normalize_axis(-4), IndexError);
    try {
        s.normalize_axis(5, "sum");
        FAIL() << "expected IndexError";
    } catch (const IndexError& e) {
        std::string message = e.what();
        EXPECT_NE(message.find("sum"), std::string::npos) << message;
        EXPECT_NE(message.find("(2, 3, 4)"), std::string::npos) << message;
    }
}

TEST(CoreShape, BatchAxisHelpers) {
    Shape s{8, 3, 4};
    EXPECT_EQ(s.without_batch(), Shape({3, 4}));
    EXPECT_EQ(Shape({3, 4}).with_batch(-1), Shape({-1, 3, 4}));
    EXPECT_EQ(Shape().without_batch(), Shape());
}

TEST(CoreShape, BroadcastFollowsNumPy) {
    EXPECT_EQ(broadcast_shapes({2, 3}, {3}, "add"), Shape({2, 3}));
    EXPECT_EQ(broadcast_shapes({2, 1}, {1, 3}, "add"), Shape({2, 3}));
    EXPECT_EQ(broadcast_shapes({}, {4, 5}, "add"), Shape({4, 5}));
    EXPECT_EQ(broadcast_shapes({5, 1, 3}, {4, 1}, "add"), Shape({5, 4, 3}));
    EXPECT_EQ(broadcast_shapes({0, 3}, {1, 3}, "add"), Shape({0, 3}));
    try {
        broadcast_shapes({2, 3}, {4}, "multiply");
        FAIL() << "expected ShapeError";
    } catch (const ShapeError& e) {
        std::string message = e.what();
        EXPECT_NE(message.find("multiply"), std::string::npos) << message;
        EXPECT_NE(message.find("(2, 3)"), std::string::npos) << message;
        EXPECT_NE(message.find("(4,)"), std::string::npos) << message;
    }
}

}  // namespace
}  // namespace strata
