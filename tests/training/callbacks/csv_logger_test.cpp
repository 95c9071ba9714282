#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <strata/strata.hpp>
#include <strata/training/callbacks/csv_logger.hpp>

#include "callback_test_model.hpp"

namespace strata {
namespace {

using callbacks::CSVLogger;
using callbacks::python_float_repr;

std::string read_all(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

class CSVLoggerTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("strata_csv_logger_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::filesystem::path dir_;
};

TEST_F(CSVLoggerTest, KerasDefaults) {
    // Keras 3: CSVLogger(filename, separator=",", append=False).
    callbacks::CSVLoggerOptions o;
    EXPECT_EQ(o.separator, ",");
    EXPECT_FALSE(o.append);
}

TEST_F(CSVLoggerTest, WritesEpochThenSortedKeys) {
    std::string file = (dir_ / "log.csv").string();
    CSVLogger cb(file);
    cb.on_train_begin({});
    cb.on_epoch_end(0, {{"val_loss", 0.25}, {"loss", 1.0}, {"accuracy", 0.5}});
    cb.on_epoch_end(1, {{"val_loss", 1e-5}, {"loss", 0.1}});
    cb.on_train_end({});
    // Keras's csv "excel" dialect ends rows with \r\n; a key missing later is "NA"; floats as Python's repr.
    EXPECT_EQ(read_all(file), "epoch,accuracy,loss,val_loss\r\n0,0.5,1.0,0.25\r\n1,NA,0.1,1e-05\r\n");
}

TEST_F(CSVLoggerTest, SeparatorAndAppend) {
    std::string file = (dir_ / "log.tsv").string();
    CSVLogger first(file, {.separator = "\t"});
    first.on_train_begin({});
    first.on_epoch_end(0, {{"loss", 2.0}});
    first.on_train_end({});
    // append=True keeps the rows and does not repeat the header of a non-empty file.
    CSVLogger second(file, {.separator = "\t", .append = true});
    second.on_train_begin({});
    second.on_epoch_end(1, {{"loss", 1.5}});
    second.on_train_end({});
    EXPECT_EQ(read_all(file), "epoch\tloss\r\n0\t2.0\r\n1\t1.5\r\n");
    // append=False overwrites.
    CSVLogger third(file, {.separator = "\t"});
    third.on_train_begin({});
    third.on_epoch_end(0, {{"loss", 3.0}});
    third.on_train_end({});
    EXPECT_EQ(read_all(file), "epoch\tloss\r\n0\t3.0\r\n");
}

TEST_F(CSVLoggerTest, LogsAFit) {
    Sequential model = testing::callback_test_model();
    testing::CallbackTestData data = testing::callback_test_data(16);
    std::string file = (dir_ / "fit.csv").string();
    History history = model.fit(data.x, data.y, {.batch_size = 8, .epochs = 2, .verbose = 0,
                                                 .callbacks = {std::make_shared<CSVLogger>(file)}});
    std::string expected = "epoch,loss\r\n";
    for (int e = 0; e < 2; ++e)
        expected += std::to_string(e) + "," + python_float_repr(history.history.at("loss")[e]) + "\r\n";
    EXPECT_EQ(read_all(file), expected);
}

TEST_F(CSVLoggerTest, UnwritablePathIsAnIOError) {
    CSVLogger cb((dir_ / "missing" / "log.csv").string());
    EXPECT_THROW(cb.on_train_begin({}), IOError);
}

TEST(PythonFloatReprTest, MatchesPythonRepr) {
    EXPECT_EQ(python_float_repr(1.0), "1.0");
    EXPECT_EQ(python_float_repr(0.1), "0.1");
    EXPECT_EQ(python_float_repr(-2.5), "-2.5");
    EXPECT_EQ(python_float_repr(0.0001), "0.0001");
    EXPECT_EQ(python_float_repr(0.00001), "1e-05");
    EXPECT_EQ(python_float_repr(1.5e-7), "1.5e-07");
    EXPECT_EQ(python_float_repr(1e15), "1000000000000000.0");
    EXPECT_EQ(python_float_repr(1e16), "1e+16");
    EXPECT_EQ(python_float_repr(123456.789), "123456.789");
    EXPECT_EQ(python_float_repr(0.30000000000000004), "0.30000000000000004");
    EXPECT_EQ(python_float_repr(static_cast<double>(0.1f)), "0.10000000149011612");
    EXPECT_EQ(python_float_repr(std::nan("")), "nan");
    EXPECT_EQ(python_float_repr(-std::numeric_limits<double>::infinity()), "-inf");
}

}  // namespace
}  // namespace strata
