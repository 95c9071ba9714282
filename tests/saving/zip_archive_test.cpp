// ZipReader and ZipWriter: round trips, the Keras fixtures, and every archive a reader must refuse, each
// refused at open (before any entry is decompressed) or at read with an IOError naming the file and why.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <strata/strata.hpp>

#include "core/atomic_write.hpp"
#include "saving/saving_test_support.hpp"
#include "saving/zip_archive.hpp"
#include "saving/zip_bytes.hpp"

namespace strata {
namespace {

using saving::ZipLimits;
using saving::ZipReader;
using saving::ZipWriter;
using testing::deflate_zeros;
using testing::deflated_zeros_entry;
using testing::read_bytes;
using testing::stored_entry;
using testing::write_bytes;
using testing::zip_bytes;
using testing::zip_crc32;
using testing::ZipEntrySpec;

class ZipArchiveTest : public testing::SavingTest {
protected:
    // Writes `bytes` to a file of this test's folder and returns its path.
    std::string archive(const std::string& bytes, const std::string& name = "a.zip") {
        std::string p = path(name);
        write_bytes(p, bytes);
        return p;
    }
};

// Runs `f`, which must throw IOError whose message holds every one of `parts`.
void expect_io_error(const std::function<void()>& f, const std::vector<std::string>& parts) {
    try {
        f();
        ADD_FAILURE() << "expected an IOError";
    } catch (const IOError& e) {
        std::string message = e.what();
        for (const std::string& part : parts)
            EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
    }
}

std::string counting(std::size_t count) {
    std::string s(count, '\0');
    for (std::size_t i = 0; i < count; ++i) s[i] = static_cast<char>((i * 7 + 3) & 0xFF);
    return s;
}

std::filesystem::path fixtures_dir() {
    return std::filesystem::path(STRATA_TEST_DATA_DIR) / ".." / "saving" / "data" / "keras";
}

// ---------------------------------------------------------------------------------------------------------
// Writing and reading back

TEST_F(ZipArchiveTest, RoundTripKeepsNamesOrderAndBytes) {
    std::string big = counting((1u << 20) + 17);  // past the 1 MiB ratio floor; stored, so ratio 1
    std::string binary("a\0b\0\xff\x80", 6);
    {
        ZipWriter w = ZipWriter::create(path("m.keras"));
        w.add("metadata.json", R"({"keras_version": "3.10.0"})");
        w.add("config.json", "{}");
        w.add("model.weights.h5", big);
        w.add("empty", "");
        w.add("dir/binary.bin", binary);
        w.close();
    }
    ZipReader r = ZipReader::open(path("m.keras"));
    EXPECT_EQ(r.names(),
              (std::vector<std::string>{"metadata.json", "config.json", "model.weights.h5", "empty", "dir/binary.bin"}));
    EXPECT_TRUE(r.contains("config.json"));
    EXPECT_FALSE(r.contains("config"));
    EXPECT_EQ(r.size("model.weights.h5"), big.size());
    EXPECT_EQ(r.size("empty"), 0u);
    EXPECT_EQ(r.read("metadata.json"), R"({"keras_version": "3.10.0"})");
    EXPECT_EQ(r.read("model.weights.h5"), big);
    EXPECT_EQ(r.read("empty"), "");
    EXPECT_EQ(r.read("dir/binary.bin"), binary);
    EXPECT_EQ(r.read("config.json"), "{}");  // twice, in any order
    EXPECT_EQ(r.read("config.json"), "{}");
}

TEST_F(ZipArchiveTest, WriterStoresEntriesWithAFixedTimestamp) {
    // Keras 3 writes .keras archives with zipfile's default, ZIP_STORED; the same content gives the same bytes.
    for (const char* name : {"one.zip", "two.zip"}) {
        ZipWriter w = ZipWriter::create(path(name));
        w.add("config.json", std::string(5000, ' '));  // would deflate well: stored all the same
        w.close();
    }
    std::string bytes = read_bytes(path("one.zip"));
    EXPECT_EQ(bytes, read_bytes(path("two.zip")));
    ASSERT_GE(bytes.size(), 30u);
    EXPECT_EQ(bytes.substr(0, 4), std::string("PK\x03\x04", 4));
    EXPECT_EQ(static_cast<unsigned char>(bytes[8]) | static_cast<unsigned char>(bytes[9]) << 8, 0) << "method";
    EXPECT_EQ(static_cast<unsigned char>(bytes[12]) | static_cast<unsigned char>(bytes[13]) << 8, 0x21)
        << "date 1980-01-01";
    EXPECT_GT(bytes.size(), 5000u);
}

TEST_F(ZipArchiveTest, EmptyArchiveRoundTrips) {
    ZipWriter w = ZipWriter::create(path("empty.zip"));
    w.close();
    ASSERT_TRUE(std::filesystem::exists(path("empty.zip")));
    EXPECT_EQ(std::filesystem::file_size(path("empty.zip")), 22u);
    EXPECT_TRUE(ZipReader::open(path("empty.zip")).names().empty());
}

TEST_F(ZipArchiveTest, WriterInsideWriteAtomically) {
    io::write_atomically(path("m.keras"), "save_model", [](const std::filesystem::path& temporary) {
        ZipWriter w = ZipWriter::create(temporary);
        w.add("config.json", "{}");
        w.close();
    });
    EXPECT_EQ(ZipReader::open(path("m.keras")).read("config.json"), "{}");
    // Nothing but the archive is left in the folder.
    int files = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir_)) files += e.is_regular_file();
    EXPECT_EQ(files, 1);
}

TEST_F(ZipArchiveTest, WriterThatIsNotClosedWritesNothing) {
    {
        ZipWriter w = ZipWriter::create(path("never.zip"));
        w.add("config.json", "{}");
    }
    EXPECT_FALSE(std::filesystem::exists(path("never.zip")));
}

TEST_F(ZipArchiveTest, WriterRefusesDuplicateAndUnsafeNamesAndUseAfterClose) {
    ZipWriter w = ZipWriter::create(path("w.zip"));
    w.add("config.json", "{}");
    expect_io_error([&] { w.add("config.json", "{}"); }, {"w.zip", "'config.json'", "already there"});
    expect_io_error([&] { w.add("../evil", "x"); }, {"w.zip", "'../evil'", ".."});
    expect_io_error([&] { w.add("/etc/passwd", "x"); }, {"w.zip", "absolute"});
    expect_io_error([&] { w.add("", "x"); }, {"w.zip", "empty"});
    w.close();
    expect_io_error([&] { w.add("late.json", "{}"); }, {"w.zip", "closed"});
    expect_io_error([&] { w.close(); }, {"w.zip", "closed"});
    EXPECT_EQ(ZipReader::open(path("w.zip")).names(), std::vector<std::string>{"config.json"});
}

TEST_F(ZipArchiveTest, WriterCannotCreateInAMissingFolder) {
    expect_io_error(
        [&] {
            ZipWriter w = ZipWriter::create(path("no/such/folder/m.zip"));
            w.add("a", "b");
            w.close();
        },
        {"m.zip"});
}

TEST_F(ZipArchiveTest, ReadsHandMadeArchives) {
    // The crafting helpers themselves: honest stored and deflate entries read back.
    std::string text = counting(3000);
    std::string p = archive(zip_bytes({stored_entry("a.txt", text), deflated_zeros_entry("zeros", 5000)}));
    ZipReader r = ZipReader::open(p);
    EXPECT_EQ(r.names(), (std::vector<std::string>{"a.txt", "zeros"}));
    EXPECT_EQ(r.read("a.txt"), text);
    EXPECT_EQ(r.read("zeros"), std::string(5000, '\0'));
}

// ---------------------------------------------------------------------------------------------------------
// The Keras fixtures

TEST_F(ZipArchiveTest, ReadsEveryKerasFixture) {
    std::filesystem::path dir = fixtures_dir();
    ASSERT_TRUE(std::filesystem::exists(dir)) << dir;
    int good = 0;
    for (const auto& item : std::filesystem::directory_iterator(dir)) {
        std::filesystem::path file = item.path();
        if (file.extension() != ".keras") continue;
        std::string name = file.filename().string();
        SCOPED_TRACE(name);
        if (name == "evil_npz_pickle.keras") {
            // Two central directory entries named model.weights.npz: refused before either is read.
            expect_io_error([&] { ZipReader::open(file); }, {name, "two entries", "'model.weights.npz'"});
            continue;
        }
        if (name == "legacy_embedding_keras2_hdf5_misnamed.keras") {
            // An HDF5 file under a .keras name.
            expect_io_error([&] { ZipReader::open(file); }, {name, "not a zip archive"});
            continue;
        }
        ZipReader r = ZipReader::open(file);
        EXPECT_EQ(r.names(), (std::vector<std::string>{"metadata.json", "config.json", "model.weights.h5"}));
        EXPECT_NE(r.read("metadata.json").find("\"keras_version\""), std::string::npos);
        std::string config = r.read("config.json");
        EXPECT_EQ(config.front(), '{');
        std::string weights = r.read("model.weights.h5");
        EXPECT_EQ(weights.size(), r.size("model.weights.h5"));
        EXPECT_EQ(weights.substr(0, 8), std::string("\x89HDF\r\n\x1a\n", 8)) << "the HDF5 signature";
        ++good;
    }
    EXPECT_EQ(good, 8);
}

// ---------------------------------------------------------------------------------------------------------
// Refusals at open

TEST_F(ZipArchiveTest, RefusesFilesThatAreNotZipArchives) {
    std::string random;
    for (int i = 0; i < 4096; ++i) random.push_back(static_cast<char>((i * 2654435761u) >> 13));
    expect_io_error([&] { ZipReader::open(archive(random, "random.bin")); }, {"random.bin", "not a zip archive"});

    std::string hdf5 = std::string(STRATA_TEST_DATA_DIR) + "/../saving/data/mlp_churn_keras3.weights.h5";
    ASSERT_TRUE(std::filesystem::exists(hdf5));
    expect_io_error([&] { ZipReader::open(hdf5); }, {"mlp_churn_keras3.weights.h5", "not a zip archive"});

    expect_io_error([&] { ZipReader::open(archive("", "empty.keras")); }, {"empty.keras", "not a zip archive"});
    expect_io_error([&] { ZipReader::open(path("missing.keras")); }, {"missing.keras", "no such file"});
    expect_io_error([&] { ZipReader::open(dir_); }, {"directory"});
}

TEST_F(ZipArchiveTest, RefusesTruncatedArchives) {
    std::string whole = zip_bytes({stored_entry("config.json", counting(2000)), stored_entry("b", counting(500))});
    // Cut anywhere before the end record: the end of central directory record is gone.
    for (std::size_t keep : {whole.size() / 2, whole.size() - 1, std::size_t{100}, std::size_t{30}}) {
        SCOPED_TRACE(keep);
        expect_io_error([&] { ZipReader::open(archive(whole.substr(0, keep), "cut.keras")); },
                        {"cut.keras", "truncated"});
    }
    // A piece cut out of the middle: the end record survives, the offsets it holds point at the wrong bytes.
    std::string holed = whole.substr(0, 1000) + whole.substr(1500);
    expect_io_error([&] { ZipReader::open(archive(holed, "holed.keras")); }, {"holed.keras"});
}

TEST_F(ZipArchiveTest, RefusesDuplicateEntryNames) {
    std::string p = archive(zip_bytes({stored_entry("model.weights.h5", "first"), stored_entry("config.json", "{}"),
                                       stored_entry("model.weights.h5", "second")}),
                            "dup.keras");
    expect_io_error([&] { ZipReader::open(p); }, {"dup.keras", "two entries are named 'model.weights.h5'"});
}

TEST_F(ZipArchiveTest, RefusesUnsafeEntryNames) {
    // Zip-slip: a name that an extracting reader would write outside its folder.
    for (const char* name : {"../evil.sh", "/etc/cron.d/evil", "a/../../b", "..", "dir/..", "..\\evil",
                             "\\windows\\evil", "C:\\evil", "a/b/../../../c"}) {
        SCOPED_TRACE(name);
        std::string p = archive(zip_bytes({stored_entry("config.json", "{}"), stored_entry(name, "x")}), "slip.zip");
        expect_io_error([&] { ZipReader::open(p); }, {"slip.zip", "unsafe name"});
    }
    // A dot-dot inside a name is no component.
    std::string p = archive(zip_bytes({stored_entry("a..b/..c/d..", "x")}), "ok.zip");
    EXPECT_EQ(ZipReader::open(p).read("a..b/..c/d.."), "x");
}

TEST_F(ZipArchiveTest, RefusesTooManyEntries) {
    std::vector<ZipEntrySpec> entries;
    for (int i = 0; i < 5; ++i) entries.push_back(stored_entry("e" + std::to_string(i), "x"));
    std::string p = archive(zip_bytes(entries), "many.zip");
    EXPECT_EQ(ZipReader::open(p, {.max_entries = 5}).names().size(), 5u);
    expect_io_error([&] { ZipReader::open(p, {.max_entries = 4}); }, {"many.zip", "5 entries", "limit of 4"});
}

TEST_F(ZipArchiveTest, RefusesEntriesOverTheSizeLimits) {
    std::string p = archive(zip_bytes({stored_entry("a", counting(600)), stored_entry("b", counting(600))}), "big.zip");
    EXPECT_EQ(ZipReader::open(p, {.max_entry_size = 600, .max_total_size = 1200}).read("b"), counting(600));
    expect_io_error([&] { ZipReader::open(p, {.max_entry_size = 599}); }, {"big.zip", "'a'", "600", "limit of 599"});
    expect_io_error([&] { ZipReader::open(p, {.max_total_size = 1199}); }, {"big.zip", "'b'", "limit of 1199"});
}

TEST_F(ZipArchiveTest, DefaultLimits) {
    ZipLimits limits;
    EXPECT_EQ(limits.max_entries, 10000u);
    EXPECT_EQ(limits.max_entry_size, 4294967296u);
    EXPECT_EQ(limits.max_total_size, 8589934592u);
    EXPECT_EQ(limits.max_compression_ratio, 200.0);
}

TEST_F(ZipArchiveTest, RefusesDeclaredSizesBeforeReadingAnything) {
    // A 10-byte deflate stream declaring 4 GiB - 2 uncompressed bytes: refused from the central directory
    // alone (the ratio), never allocated.
    ZipEntrySpec liar{"model.weights.h5", deflate_zeros(10), 8, 0xFFFFFFFEu, 0};
    expect_io_error([&] { ZipReader::open(archive(zip_bytes({liar}), "liar.keras")); },
                    {"liar.keras", "'model.weights.h5'", "4294967294", "compression ratio"});
    // The same claim on a stored entry: more bytes than the file holds.
    ZipEntrySpec stored{"w", "tiny", 0, 0xFFFFFFFEu, 0};
    stored.compressed_size = 0xFFFFFFFEu;
    std::string bytes = zip_bytes({stored});
    expect_io_error([&] { ZipReader::open(archive(bytes, "stored.keras")); }, {"stored.keras", "corrupt"});
}

TEST_F(ZipArchiveTest, RefusesACompressionRatioOverTheLimit) {
    // 3 MiB of zeros deflate into about 3 KiB: a ratio near 1000, five times the default limit of 200.
    std::string p = archive(zip_bytes({stored_entry("config.json", "{}"), deflated_zeros_entry("bomb", 3u << 20)}),
                            "bomb.keras");
    expect_io_error([&] { ZipReader::open(p); }, {"bomb.keras", "'bomb'", "compression ratio", "limit of 200"});
    // The stream itself is valid: with a looser limit it reads back.
    ZipReader r = ZipReader::open(p, {.max_compression_ratio = 2000});
    EXPECT_EQ(r.read("bomb"), std::string(3u << 20, '\0'));
    // At 1 MiB and below the ratio is not checked: small files compress well for honest reasons.
    std::string small = archive(zip_bytes({deflated_zeros_entry("zeros", 1u << 20)}), "small.keras");
    EXPECT_EQ(ZipReader::open(small).read("zeros").size(), 1u << 20);
}

TEST_F(ZipArchiveTest, RefusesEncryptedEntriesAndOtherMethods) {
    ZipEntrySpec encrypted = stored_entry("config.json", std::string(12, 'x') + "{}");
    encrypted.flags = 1;
    encrypted.size = 2;
    expect_io_error([&] { ZipReader::open(archive(zip_bytes({encrypted}), "enc.zip")); }, {"enc.zip"});
    ZipEntrySpec bzip2 = stored_entry("config.json", "BZh9");
    bzip2.method = 12;
    bzip2.size = 100;
    expect_io_error([&] { ZipReader::open(archive(zip_bytes({bzip2}), "bz.zip")); }, {"bz.zip", "bzip2"});
}

// ---------------------------------------------------------------------------------------------------------
// Refusals at read

TEST_F(ZipArchiveTest, RefusesAMissingEntry) {
    std::string p = archive(zip_bytes({stored_entry("config.json", "{}")}), "m.keras");
    ZipReader r = ZipReader::open(p);
    expect_io_error([&] { r.read("model.weights.h5"); }, {"m.keras", "no entry 'model.weights.h5'"});
    expect_io_error([&] { r.size("model.weights.h5"); }, {"m.keras", "no entry 'model.weights.h5'"});
}

TEST_F(ZipArchiveTest, RefusesAnEntryWhoseCrcDiffers) {
    ZipEntrySpec e = stored_entry("config.json", R"({"a": 1})");
    e.crc ^= 1;
    std::string p = archive(zip_bytes({e}), "crc.keras");
    ZipReader r = ZipReader::open(p);
    expect_io_error([&] { r.read("config.json"); }, {"crc.keras", "'config.json'"});
}

TEST_F(ZipArchiveTest, RefusesDeflateDataLongerOrShorterThanDeclared) {
    // Declares 1000 bytes, inflates to 2000: read stops at the declared size and refuses.
    ZipEntrySpec longer{"long", deflate_zeros(2000), 8, 1000, zip_crc32(std::string(1000, '\0'))};
    std::string p = archive(zip_bytes({longer}), "long.zip");
    expect_io_error([&] { ZipReader::open(p).read("long"); }, {"long.zip", "'long'"});
    // Declares 3000 bytes, inflates to 2000.
    ZipEntrySpec shorter{"short", deflate_zeros(2000), 8, 3000, zip_crc32(std::string(3000, '\0'))};
    std::string q = archive(zip_bytes({shorter}), "short.zip");
    expect_io_error([&] { ZipReader::open(q).read("short"); }, {"short.zip", "'short'"});
}

}  // namespace
}  // namespace strata
