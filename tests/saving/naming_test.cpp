#include <gtest/gtest.h>

#include "saving/naming.hpp"

namespace strata {
namespace {

using saving::to_snake_case;

TEST(SavingNamingTest, SnakeCaseIsKerasToSnakeCase) {
    // Keras 3 (naming.to_snake_case), the names its weights files use for layer groups.
    EXPECT_EQ(to_snake_case("Dense"), "dense");
    EXPECT_EQ(to_snake_case("InputLayer"), "input_layer");
    EXPECT_EQ(to_snake_case("Conv2D"), "conv2d");
    EXPECT_EQ(to_snake_case("MaxPooling2D"), "max_pooling2d");
    EXPECT_EQ(to_snake_case("GlobalAveragePooling1D"), "global_average_pooling1d");
    EXPECT_EQ(to_snake_case("BatchNormalization"), "batch_normalization");
    EXPECT_EQ(to_snake_case("SimpleRNN"), "simple_rnn");
    EXPECT_EQ(to_snake_case("LeakyReLU"), "leaky_re_lu");
    EXPECT_EQ(to_snake_case("PReLU"), "p_re_lu");
    EXPECT_EQ(to_snake_case("UpSampling2D"), "up_sampling2d");
    EXPECT_EQ(to_snake_case("LSTM"), "lstm");
    EXPECT_EQ(to_snake_case("GRU"), "gru");
}

}  // namespace
}  // namespace strata
