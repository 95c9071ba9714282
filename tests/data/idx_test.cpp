// read_idx: round trips through raw and gzip files of several ranks, and every way a file can be wrong.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include <strata/data/idx.hpp>

#include "core/tensor_matchers.hpp"
#include "data/idx_files.hpp"

namespace strata {
namespace {

using data::read_idx;
using testing::counting_bytes;
using testing::expect_error;
using testing::gzip_bytes;
using testing::idx_bytes;
using testing::TempDir;
using testing::write_gzip;
using testing::write_raw;

std::vector<std::uint8_t> as_u8(const std::string& bytes) { return {bytes.begin(), bytes.end()}; }

void expect_read_error(const std::string& path, const std::vector<std::string>& fragments) {
    std::vector<std::string> all = fragments;
    all.push_back("read_idx");
    all.push_back(path);
    expect_error<IOError>([&] { read_idx(path); }, all);
}

TEST(DataIdx, RoundTripsRawAndGzipOfEveryRank) {
    TempDir dir;
    struct Case {
        std::vector<std::uint32_t> dims;
        Shape shape;
    };
    std::vector<Case> cases = {{{}, Shape{}},
                               {{5}, Shape{5}},
                               {{3, 4}, Shape{3, 4}},
                               {{2, 3, 4}, Shape{2, 3, 4}},
                               {{2, 1, 3, 2}, Shape{2, 1, 3, 2}},
                               {{0, 28, 28}, Shape{0, 28, 28}}};
    for (const Case& c : cases) {
        std::string data = counting_bytes(static_cast<std::size_t>(c.shape.numel()), 7);
        std::string bytes = idx_bytes(c.dims, data);
        for (bool gzip : {false, true}) {
            SCOPED_TRACE(c.shape.to_string() + (gzip ? " gzip" : " raw"));
            std::string path = dir.file(gzip ? "x.gz" : "x");
            gzip ? write_gzip(path, bytes) : write_raw(path, bytes);
            Tensor t = read_idx(path);
            EXPECT_EQ(t.dtype(), uint8);
            EXPECT_EQ(t.shape(), c.shape);
            EXPECT_TRUE(t.device().is_cpu());
            EXPECT_EQ(t.to_vector<std::uint8_t>(), as_u8(data));
        }
    }
}

TEST(DataIdx, ReadsAGzipStreamOfManyBlocks) {
    // 200 x 28 x 28 = 156,800 bytes: three deflate blocks and several gzread buffers.
    TempDir dir;
    std::string data = counting_bytes(200 * 28 * 28, 3);
    write_gzip(dir.file("images.gz"), idx_bytes({200, 28, 28}, data));
    Tensor t = read_idx(dir.file("images.gz"));
    EXPECT_EQ(t.shape(), Shape({200, 28, 28}));
    EXPECT_EQ(t.to_vector<std::uint8_t>(), as_u8(data));
}

TEST(DataIdx, MissingFileOrFolderIsAnIOErrorNamingIt) {
    TempDir dir;
    expect_read_error(dir.file("absent.gz"), {"cannot open"});
    expect_read_error(dir.path().string(), {"directory"});
}

TEST(DataIdx, EmptyOrShortHeaderIsTruncated) {
    TempDir dir;
    write_raw(dir.file("empty"), "");
    expect_read_error(dir.file("empty"), {"truncated"});
    write_raw(dir.file("two"), std::string("\0\0", 2));
    expect_read_error(dir.file("two"), {"truncated"});
    // Rank 3 needs 12 bytes of extents; 6 are there.
    write_raw(dir.file("extents"), idx_bytes({60000, 28, 28}, "").substr(0, 10));
    expect_read_error(dir.file("extents"), {"truncated header", "rank 3"});
    write_gzip(dir.file("extents.gz"), idx_bytes({60000, 28, 28}, "").substr(0, 10));
    expect_read_error(dir.file("extents.gz"), {"truncated header"});
}

TEST(DataIdx, BadMagicIsRefused) {
    TempDir dir;
    write_raw(dir.file("text"), "hello, this is not an IDX file\n");
    expect_read_error(dir.file("text"), {"bad magic", "not an IDX file"});
    write_gzip(dir.file("text.gz"), "hello, this is not an IDX file\n");
    expect_read_error(dir.file("text.gz"), {"bad magic"});
    write_raw(dir.file("type"), idx_bytes({2}, "ab", 0x07));
    expect_read_error(dir.file("type"), {"unknown IDX element type 0x07"});
}

TEST(DataIdx, ElementTypesOtherThanUint8AreRefusedByName) {
    TempDir dir;
    struct Case {
        unsigned char type;
        const char* name;
        int size;
    };
    for (Case c : {Case{0x09, "int8", 1}, Case{0x0B, "int16", 2}, Case{0x0C, "int32", 4}, Case{0x0D, "float32", 4},
                   Case{0x0E, "float64", 8}}) {
        write_raw(dir.file("typed"), idx_bytes({3}, std::string(static_cast<std::size_t>(3 * c.size), '\0'), c.type));
        expect_read_error(dir.file("typed"), {c.name, "not supported", "uint8 (0x08)"});
    }
}

TEST(DataIdx, DataShorterThanTheHeaderClaimsIsTruncated) {
    TempDir dir;
    std::string bytes = idx_bytes({10, 28, 28}, counting_bytes(9 * 28 * 28));
    write_raw(dir.file("short"), bytes);
    expect_read_error(dir.file("short"), {"truncated", "(10, 28, 28)", "claims 7840 bytes", "holds 7056"});
    write_gzip(dir.file("short.gz"), bytes);
    expect_read_error(dir.file("short.gz"), {"truncated", "claims 7840 bytes", "holds 7056"});
}

TEST(DataIdx, TrailingBytesAreRefused) {
    TempDir dir;
    std::string bytes = idx_bytes({4}, "abcd") + "extra";
    write_raw(dir.file("long"), bytes);
    expect_read_error(dir.file("long"), {"trailing bytes"});
    write_gzip(dir.file("long.gz"), bytes);
    expect_read_error(dir.file("long.gz"), {"trailing bytes"});
}

TEST(DataIdx, HugeClaimsFailBeforeAllocating) {
    // 2^31 x 2^31 = 2^62 bytes claimed by a file of a few dozen: allocating first would throw bad_alloc (or
    // worse); the check against what the file can hold must come first.
    TempDir dir;
    std::string bytes = idx_bytes({1u << 31, 1u << 31}, "xy");
    write_raw(dir.file("huge"), bytes);
    expect_read_error(dir.file("huge"), {"truncated", "claims 4611686018427387904 bytes"});
    write_gzip(dir.file("huge.gz"), bytes);
    expect_read_error(dir.file("huge.gz"), {"claims 4611686018427387904 bytes", "more than a gzip file of"});
}

TEST(DataIdx, ExtentsWhoseProductOverflowsAreCorrupt) {
    TempDir dir;
    write_raw(dir.file("overflow"), idx_bytes({0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}, ""));
    expect_read_error(dir.file("overflow"), {"corrupt header", "overflow", "4294967295"});
    write_gzip(dir.file("overflow.gz"), idx_bytes({0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}, ""));
    expect_read_error(dir.file("overflow.gz"), {"overflow"});
}

TEST(DataIdx, CorruptGzipStreamsAreIOErrors) {
    TempDir dir;
    std::string gz = gzip_bytes(idx_bytes({2, 3}, "abcdef"));

    // A wrong CRC-32 in the trailer: zlib checks it on reaching the end of the stream.
    std::string bad_crc = gz;
    bad_crc[bad_crc.size() - 8] = static_cast<char>(bad_crc[bad_crc.size() - 8] ^ 0x5A);
    write_raw(dir.file("crc.gz"), bad_crc);
    expect_read_error(dir.file("crc.gz"), {"corrupt gzip data"});

    // A stored block whose length and its complement disagree.
    std::string bad_block = gz;
    bad_block[13] = static_cast<char>(bad_block[13] ^ 0xFF);
    write_raw(dir.file("block.gz"), bad_block);
    expect_read_error(dir.file("block.gz"), {"corrupt gzip data"});

    // The stream cut in the middle of the data.
    write_raw(dir.file("cut.gz"), gz.substr(0, gz.size() - 12));
    expect_read_error(dir.file("cut.gz"), {"truncated"});

    // Only the gzip magic.
    write_raw(dir.file("magic.gz"), "\x1f\x8b");
    expect_error<IOError>([&] { read_idx(dir.file("magic.gz")); }, {"read_idx", "magic.gz"});
}

}  // namespace
}  // namespace strata
