// What the saving tests share: a temporary directory per test, small Dense models and exact comparisons.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include <strata/strata.hpp>

namespace strata::testing {

// A fresh directory for one test, removed afterwards; the process id keeps parallel runs apart.
class SavingTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("strata_saving_" + std::to_string(::getpid()) + "_" +
                ::testing::UnitTest::GetInstance()->current_test_info()->test_suite_name() + "_" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override {
        std::error_code ec;
        std::filesystem::permissions(dir_, std::filesystem::perms::owner_all, ec);
        std::filesystem::remove_all(dir_, ec);
    }
    std::string path(const std::string& name) const { return (dir_ / name).string(); }
    std::filesystem::path dir_;
};

// Sequential: Dense(units[0]) on `inputs` features, then Dense(units[i]) for the others.
inline Sequential dense_stack(std::int64_t inputs, const std::vector<std::int64_t>& units) {
    Sequential model;
    for (std::size_t i = 0; i < units.size(); ++i)
        model.add(layers::Dense(units[i], i + 1 < units.size() ? "relu" : "linear",
                                {.input_shape = i == 0 ? Shape{inputs} : Shape{}}));
    return model;
}

// Bit-identical weights: same count, shapes and float32 values.
inline void expect_same_weights(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        ASSERT_EQ(a[i].shape(), b[i].shape()) << "weight " << i;
        EXPECT_EQ(a[i].to_vector<float>(), b[i].to_vector<float>()) << "weight " << i;
    }
}

}  // namespace strata::testing
