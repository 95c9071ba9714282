#include "strata/ops/creation.hpp"

#include <gtest/gtest.h>

#include <strata/strata.hpp>

namespace strata {
namespace {

TEST(CreationTest, ShapesDtypesAndValues) {
    // Keras 3: ops.ones(shape, dtype=None) gives floatx (float32).
    Tensor o = ops::ones({2, 3});
    EXPECT_EQ(o.shape(), (Shape{2, 3}));
    EXPECT_EQ(o.dtype(), float32);
    EXPECT_EQ(o.to_vector<float>(), std::vector<float>(6, 1.0f));
    EXPECT_EQ(ops::zeros({4}, float64).to_vector<double>(), std::vector<double>(4, 0.0));
    EXPECT_EQ(ops::full({2}, 2.5).to_vector<float>(), (std::vector<float>{2.5f, 2.5f}));
    Tensor like = ops::full_like(Tensor::zeros({3}, int64), 7);
    EXPECT_EQ(like.dtype(), int64);
    EXPECT_EQ(like.to_vector<std::int64_t>(), (std::vector<std::int64_t>{7, 7, 7}));
    EXPECT_EQ(ops::ones_like(o).shape(), o.shape());
    EXPECT_EQ(ops::zeros_like(o).to_vector<float>(), std::vector<float>(6, 0.0f));
}

}  // namespace
}  // namespace strata
