#include "core/atomic_write.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "strata/core/error.hpp"

namespace fs = std::filesystem;

namespace {

std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

struct AtomicWriteTest : ::testing::Test {
    fs::path dir;
    void SetUp() override {
        dir = fs::temp_directory_path() / ("strata-atomic-" + std::to_string(::getpid()));
        fs::remove_all(dir);
        fs::create_directories(dir);
    }
    void TearDown() override { fs::remove_all(dir); }
    // Everything in the directory but the file itself: temporaries left behind.
    int stray_files(const fs::path& keep) const {
        int n = 0;
        for (const auto& entry : fs::directory_iterator(dir))
            if (entry.path() != keep) ++n;
        return n;
    }
};

TEST_F(AtomicWriteTest, WritesAndReplaces) {
    fs::path file = dir / "a.txt";
    strata::io::write_file_atomically(file, "test", "first");
    EXPECT_EQ(read(file), "first");
    strata::io::write_file_atomically(file, "test", "second, longer");
    EXPECT_EQ(read(file), "second, longer");
    EXPECT_EQ(stray_files(file), 0);
}

TEST_F(AtomicWriteTest, AFailedWriteKeepsThePreviousFileAndLeavesNoTemporary) {
    fs::path file = dir / "a.txt";
    strata::io::write_file_atomically(file, "test", "old");
    EXPECT_THROW(strata::io::write_atomically(file, "test",
                                              [](const fs::path& tmp) {
                                                  std::ofstream(tmp) << "half";
                                                  throw strata::IOError("disk full");
                                              }),
                 strata::IOError);
    EXPECT_EQ(read(file), "old");
    EXPECT_EQ(stray_files(file), 0);
}

TEST_F(AtomicWriteTest, AMissingDirectoryIsAnIOErrorNamingTheWriterAndPath) {
    fs::path file = dir / "no-such-dir" / "a.txt";
    try {
        strata::io::write_file_atomically(file, "ModelCheckpoint", "x");
        FAIL() << "expected IOError";
    } catch (const strata::IOError& e) {
        std::string message = e.what();
        EXPECT_NE(message.find("ModelCheckpoint"), std::string::npos) << message;
        EXPECT_NE(message.find("no-such-dir"), std::string::npos) << message;
        EXPECT_NE(message.find("does not exist"), std::string::npos) << message;
    }
    EXPECT_FALSE(fs::exists(file));
}

TEST_F(AtomicWriteTest, ADirectoryAtThePathIsRefused) {
    fs::create_directories(dir / "taken");
    EXPECT_THROW(strata::io::write_file_atomically(dir / "taken", "test", "x"), strata::IOError);
}

TEST_F(AtomicWriteTest, AWriterThatCreatesNothingIsAnIOError) {
    EXPECT_THROW(strata::io::write_atomically(dir / "a.txt", "test", [](const fs::path&) {}), strata::IOError);
    EXPECT_FALSE(fs::exists(dir / "a.txt"));
}

}  // namespace
