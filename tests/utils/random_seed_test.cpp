// set_random_seed: Keras's keras.utils.set_random_seed fixes every random draw that follows.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include <strata/ops/random.hpp>
#include <strata/utils/random_seed.hpp>

namespace strata {
namespace {

TEST(UtilsRandomSeed, SameSeedGivesTheSameDraws) {
    utils::set_random_seed(42);
    std::vector<float> a = random::normal({64}).to_vector<float>();
    std::vector<std::int64_t> p = random::permutation(20).to_vector<std::int64_t>();
    std::vector<float> u = random::uniform({16}).to_vector<float>();

    utils::set_random_seed(42);
    EXPECT_EQ(random::normal({64}).to_vector<float>(), a);
    EXPECT_EQ(random::permutation(20).to_vector<std::int64_t>(), p);
    EXPECT_EQ(random::uniform({16}).to_vector<float>(), u);
}

TEST(UtilsRandomSeed, DifferentSeedsGiveDifferentDraws) {
    utils::set_random_seed(1);
    std::vector<float> a = random::normal({64}).to_vector<float>();
    utils::set_random_seed(2);
    EXPECT_NE(random::normal({64}).to_vector<float>(), a);
}

// The seed sets the same stream strata::random::seed does: one global generator.
TEST(UtilsRandomSeed, SeedsTheGlobalStream) {
    random::seed(7);
    std::vector<double> a = random::normal({8}, 0.0, 1.0, float64).to_vector<double>();
    utils::set_random_seed(7);
    EXPECT_EQ(random::normal({8}, 0.0, 1.0, float64).to_vector<double>(), a);
}

}  // namespace
}  // namespace strata
