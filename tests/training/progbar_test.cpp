#include <gtest/gtest.h>

#include <cstdio>
#include <regex>

#include "training/progbar.hpp"

namespace strata::detail {
namespace {

std::string render(std::int64_t target, int verbose, const Logs& logs) {
    std::FILE* f = std::tmpfile();
    {
        Progbar bar(target, verbose, f);
        for (std::int64_t i = 1; i <= target; ++i) bar.update(i, logs);
        bar.update(target, logs, true);
    }
    std::rewind(f);
    std::string text;
    char buf[512];
    while (std::fgets(buf, sizeof buf, f)) text += buf;
    std::fclose(f);
    return text;
}

TEST(ProgbarTest, FinishedLineHasKerasFormat) {
    // Keras 3: "469/469 ━━━━━━━━━━━━━━━━━━━━ 1s 2ms/step - accuracy: 0.8123 - loss: 0.0281"; to a file (not a
    // terminal) only the finished line is written, without ANSI styles.
    std::string line = render(469, 1, {{"accuracy", 0.81234}, {"loss", 0.02811}});
    std::regex keras(R"(^469/469 (━){20} \d+s \d+(us|ms|s)/step - accuracy: 0\.8123 - loss: 0\.0281\n$)");
    EXPECT_TRUE(std::regex_match(line, keras)) << line;
}

TEST(ProgbarTest, CountIsPaddedToTheTargetsDigits) {
    Progbar bar(10, 1, std::tmpfile());
    std::string line = render(10, 1, {});
    EXPECT_EQ(line.rfind("10/10 ", 0), 0u) << line;
}

TEST(ProgbarTest, VerboseZeroPrintsNothingAndTwoPrintsOneLine) {
    EXPECT_EQ(render(5, 0, {{"loss", 1.0}}), "");
    std::string line = render(5, 2, {{"loss", 1.0}});
    EXPECT_TRUE(std::regex_match(line, std::regex(R"(^5/5 - \d+s - \d+(us|ms|s)/step - loss: 1\.0000\n$)"))) << line;
}

TEST(ProgbarTest, KerasNumberAndTimeFormats) {
    EXPECT_EQ(Progbar::format_value(0.0281), "0.0281");
    EXPECT_EQ(Progbar::format_value(0.0001234), "1.2340e-04");  // below 1e-3: scientific, as Keras
    EXPECT_EQ(Progbar::format_time_per_step(0.0023), "2ms/step");
    EXPECT_EQ(Progbar::format_time_per_step(0.000013), "13us/step");
    EXPECT_EQ(Progbar::format_time_per_step(2.4), "2s/step");
}

}  // namespace
}  // namespace strata::detail
