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

namespace {

TEST(RandomState, RestoringTheStateRepeatsTheDraws) {
    strata::utils::set_random_seed(9);
    strata::random::normal({5});
    std::string state = strata::random::get_state();
    std::vector<float> first = strata::random::normal({7}).to_vector<float>();
    std::vector<std::int64_t> order = strata::random::permutation(6).to_vector<std::int64_t>();
    strata::utils::set_random_seed(123);  // anything in between
    strata::random::set_state(state);
    EXPECT_EQ(strata::random::normal({7}).to_vector<float>(), first);
    EXPECT_EQ(strata::random::permutation(6).to_vector<std::int64_t>(), order);
}

TEST(RandomState, TextThatIsNotAStateIsRefused) {
    std::string before = strata::random::get_state();
    EXPECT_THROW(strata::random::set_state("not a state"), strata::ValueError);
    EXPECT_EQ(strata::random::get_state(), before);
}

}  // namespace
