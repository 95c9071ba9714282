#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <strata/strata.hpp>

#include "fuzz/fuzz_models.hpp"
#include "saving/hdf5.hpp"
#include "saving/zip_bytes.hpp"
#include "saving_test_support.hpp"

namespace strata {
namespace {

using saving::h5::File;
using saving::h5::Group;

class Hdf5Test : public testing::SavingTest {};

template <class F>
std::string io_error_of(F&& f) {
    try {
        f();
    } catch (const IOError& e) {
        return e.what();
    }
    ADD_FAILURE() << "no IOError";
    return {};
}

TEST_F(Hdf5Test, GroupsDatasetsAndAttributesRoundTrip) {
    {
        File file = File::create(path("a.h5"));
        Group root = file.root();
        Group g = root.create_group("outer").create_group("inner");
        g.set_string_attribute("name", "dense_7 é");
        g.write_dataset("10", Tensor::from_vector<float>({1.5f, -2.0f, 3.25f, 0.0f, 1e-30f, 7.0f}, {2, 3}));
        g.write_dataset("2", Tensor::scalar(4250, int64));
        g.write_dataset("d", Tensor::from_vector<double>({0.1, 0.2}));
        file.close();
    }
    File file = File::open(path("a.h5"));
    Group g = file.root().open_group("outer").open_group("inner");
    EXPECT_EQ(g.path(), "/outer/inner");
    // HDF5 lists links by name, as text: "10" before "2".
    EXPECT_EQ(g.children(), (std::vector<std::string>{"10", "2", "d"}));
    EXPECT_EQ(g.string_attribute("name"), "dense_7 é");
    EXPECT_FALSE(g.string_attribute("absent").has_value());
    EXPECT_EQ(g.dataset_info("10").shape, (Shape{2, 3}));
    EXPECT_EQ(g.dataset_info("10").dtype, float32);
    EXPECT_EQ(g.read_dataset("10", float32).to_vector<float>(),
              (std::vector<float>{1.5f, -2.0f, 3.25f, 0.0f, 1e-30f, 7.0f}));
    EXPECT_EQ(g.dataset_info("2").shape, Shape{});
    EXPECT_EQ(g.dataset_info("2").dtype, int64);
    EXPECT_EQ(g.read_dataset("2", int64).to_vector<std::int64_t>(), std::vector<std::int64_t>{4250});
    // HDF5 converts on read: float64 in the file, float32 asked for.
    EXPECT_EQ(g.dataset_info("d").dtype, float64);
    EXPECT_EQ(g.read_dataset("d", float32).to_vector<float>(), (std::vector<float>{0.1f, 0.2f}));
    EXPECT_TRUE(file.root().is_group("outer"));
    EXPECT_FALSE(g.is_group("10"));
    EXPECT_FALSE(g.contains("missing"));
}

TEST_F(Hdf5Test, ErrorsNameTheFileAndTheObject) {
    {
        File file = File::create(path("a.h5"));
        file.root().create_group("layers").write_dataset("0", Tensor::zeros({2}));
        file.close();
    }
    File file = File::open(path("a.h5"));
    Group layers = file.root().open_group("layers");
    std::string missing = io_error_of([&] { layers.open_group("dense"); });
    EXPECT_NE(missing.find("'/layers/dense'"), std::string::npos) << missing;
    EXPECT_NE(missing.find(path("a.h5")), std::string::npos) << missing;
    std::string not_dataset = io_error_of([&] { file.root().dataset_info("layers"); });
    EXPECT_NE(not_dataset.find("'/layers'"), std::string::npos) << not_dataset;
    std::string duplicate = io_error_of([&] { layers.create_group("0"); });
    EXPECT_NE(duplicate.find("'/layers/0'"), std::string::npos) << duplicate;
    std::string directory = io_error_of([&] { File::open(dir_); });
    EXPECT_NE(directory.find("not a regular file"), std::string::npos) << directory;
}

TEST_F(Hdf5Test, OpenToldBySignature) {
    std::ofstream(path("zip.weights.h5"), std::ios::binary) << "PK\x03\x04 rest of a zip";
    std::string zip = io_error_of([&] { File::open(path("zip.weights.h5")); });
    EXPECT_NE(zip.find("zip archive"), std::string::npos) << zip;
    EXPECT_FALSE(saving::h5::has_hdf5_signature(path("zip.weights.h5")));
    File::create(path("real.anything")).close();
    EXPECT_TRUE(saving::h5::has_hdf5_signature(path("real.anything")));
    EXPECT_NO_THROW(File::open(path("real.anything")));
}

// strata reads variable-length strings from the global heap itself (hdf5_vlen_strings.hpp): libhdf5 1.10.8
// reads out of bounds for an object index past a collection's objects. Each corruption below is refused
// with an IOError, from a file on disk and from the same bytes in memory.
TEST_F(Hdf5Test, CorruptGlobalHeapsAreRefused) {
    {
        File file = File::create(path("a.h5"));
        file.root().create_group("vars").set_string_attribute("name", "dense_7");
        file.close();
    }
    const std::string good = testing::read_bytes(path("a.h5"));
    // The collection: "GCOL", version, 3 reserved, its size (8 bytes); the string's object: index (2),
    // reference count (2), 4 reserved, its size (8), then the text.
    std::size_t collection = good.find("GCOL");
    std::size_t text = good.find("dense_7", collection);
    ASSERT_NE(collection, std::string::npos);
    ASSERT_NE(text, std::string::npos);
    ASSERT_EQ(good[text - 16], 1) << "the string is object 1 of its collection";

    auto corrupted = [&](std::size_t at, const std::string& bytes) {
        std::string file = good;
        file.replace(at, bytes.size(), bytes);
        return file;
    };
    auto refusal = [&](const std::string& bytes) {
        testing::write_bytes(path("bad.h5"), bytes);
        auto name_of = [](const File& file) { return file.root().open_group("vars").string_attribute("name"); };
        std::string on_disk = io_error_of([&] { name_of(File::open(path("bad.h5"))); });
        std::string in_memory = io_error_of([&] { name_of(File::open_image(bytes, "bad.h5")); });
        EXPECT_NE(on_disk.find("'name'"), std::string::npos) << on_disk;
        EXPECT_NE(in_memory.find("'name'"), std::string::npos) << in_memory;
        return on_disk;
    };

    EXPECT_EQ(File::open_image(good, "a.h5").root().open_group("vars").string_attribute("name"), "dense_7");
    std::string renumbered = refusal(corrupted(text - 16, std::string("\x09\x00", 2)));
    EXPECT_NE(renumbered.find("has no object 1"), std::string::npos) << renumbered;
    std::string shrunk = refusal(corrupted(text - 8, std::string("\x02\x00\x00\x00\x00\x00\x00\x00", 8)));
    EXPECT_NE(shrunk.find("a string of 7 bytes points at object 1, which holds 2"), std::string::npos) << shrunk;
    std::string oversized =
        refusal(corrupted(collection + 8, std::string("\x00\x00\x00\x00\x00\x00\x01\x00", 8)));
    EXPECT_NE(oversized.find("runs past the end of the file"), std::string::npos) << oversized;
    std::string unsigned_ = refusal(corrupted(collection, "GCOX"));
    EXPECT_NE(unsigned_.find("does not begin with GCOL"), std::string::npos) << unsigned_;
}

std::string little_endian_u64(std::uint64_t value) {
    std::string bytes;
    for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
    return bytes;
}

// strata reads HDF5 itself (hdf5_reader.hpp): each element type libhdf5 writes reads back, converted on
// request as H5Dread would; a big-endian file (the byte-order bit of the datatype message, bit 0 of its
// class bit field) reads the same numbers.
TEST_F(Hdf5Test, ElementsOfEveryStoredTypeReadBackConverted) {
    {
        File file = File::create(path("a.h5"));
        Group root = file.root();
        root.write_dataset("f32", Tensor::from_vector<float>({1.5f, -2.0f}));
        root.write_dataset("u8", Tensor::from_vector<std::uint8_t>({0, 7, 255}));
        root.write_dataset("i32", Tensor::from_vector<std::int32_t>({-3, 2147483647}));
        root.write_dataset("i64", Tensor::from_vector<std::int64_t>({-(std::int64_t{1} << 40), 5}, {1, 2}));
        root.write_dataset("empty", Tensor::zeros({0, 3}));
        file.close();
    }
    File file = File::open(path("a.h5"));
    Group root = file.root();
    EXPECT_EQ(root.dataset_info("u8").dtype, uint8);
    EXPECT_EQ(root.read_dataset("u8", float32).to_vector<float>(), (std::vector<float>{0, 7, 255}));
    EXPECT_EQ(root.read_dataset("i32", int64).to_vector<std::int64_t>(), (std::vector<std::int64_t>{-3, 2147483647}));
    EXPECT_EQ(root.read_dataset("i64", float64).to_vector<double>(), (std::vector<double>{-1099511627776.0, 5}));
    EXPECT_EQ(root.read_dataset("i64", int64).shape(), (Shape{1, 2}));
    // Out of range for the dtype asked for: clamped to its nearest end, as libhdf5 converts.
    EXPECT_EQ(root.read_dataset("i32", uint8).to_vector<std::uint8_t>(), (std::vector<std::uint8_t>{0, 255}));
    EXPECT_EQ(root.read_dataset("f32", int32).to_vector<std::int32_t>(), (std::vector<std::int32_t>{1, -2}));
    EXPECT_EQ(root.read_dataset("empty", float32).shape(), (Shape{0, 3}));

    // The same floats, big-endian: the datatype's byte-order bit set and the stored bytes reversed.
    std::string bytes = testing::read_bytes(path("a.h5"));
    const std::string little("\x00\x00\xc0\x3f\x00\x00\x00\xc0", 8), big("\x3f\xc0\x00\x00\xc0\x00\x00\x00", 8);
    std::size_t data = bytes.find(little);
    // Class 1 (floating point) version 1, bit field 0x20 0x1f 0x00 (little-endian, sign at bit 31), 4 bytes.
    std::size_t type = bytes.find(std::string("\x11\x20\x1f\x00\x04\x00\x00\x00", 8));
    ASSERT_NE(data, std::string::npos);
    ASSERT_NE(type, std::string::npos);
    bytes.replace(data, 8, big);
    bytes[type + 1] = '\x21';
    EXPECT_EQ(File::open_image(bytes, "big.h5").root().read_dataset("f32", float32).to_vector<float>(),
              (std::vector<float>{1.5f, -2.0f}));
}

TEST_F(Hdf5Test, FilesOutsideTheFormatStrataReadsAreRefusedByName) {
    {
        File file = File::create(path("a.h5"));
        file.root().write_dataset("w", Tensor::from_vector<float>({1.5f, -2.0f}));
        file.close();
    }
    const std::string good = testing::read_bytes(path("a.h5"));
    auto refusal = [](const std::string& bytes) {
        return io_error_of([&] { File::open_image(bytes, "bad.h5").root().read_dataset("w", float32); });
    };
    std::string newest = good;
    newest[8] = 2;  // the superblock's version: 2 and 3 come with libhdf5's newest format
    EXPECT_NE(refusal(newest).find("version 2"), std::string::npos) << refusal(newest);
    EXPECT_NE(refusal(newest).find("bad.h5"), std::string::npos) << refusal(newest);

    // The contiguous layout (version 3, class 1) gives the data's address, then its size: 8 bytes, not 80.
    std::size_t data = good.find(std::string("\x00\x00\xc0\x3f\x00\x00\x00\xc0", 8));
    std::size_t layout = good.find("\x03\x01" + little_endian_u64(data));
    ASSERT_NE(layout, std::string::npos);
    std::string resized = good;
    resized.replace(layout + 10, 8, little_endian_u64(80));
    EXPECT_NE(refusal(resized).find("stores 80 bytes, not the 8 its type and shape make"), std::string::npos)
        << refusal(resized);
    std::string moved = good;
    moved.replace(layout + 2, 8, little_endian_u64(good.size() - 4));
    EXPECT_NE(refusal(moved).find("run past the end"), std::string::npos) << refusal(moved);
    std::string chunked = good;
    chunked[layout + 1] = 2;
    EXPECT_NE(refusal(chunked).find("stored in chunks"), std::string::npos) << refusal(chunked);
}

// The inputs with which fuzzing found libhdf5 reading out of bounds, freeing twice, leaking or looping
// (tests/fuzz/regressions): each is refused with a strata::Error by the loader it was found through, in
// every build, not only the fuzzing one.
TEST_F(Hdf5Test, FuzzRegressionsAreRefusedWithAnError) {
    const std::filesystem::path regressions =
        std::filesystem::path(STRATA_TEST_DATA_DIR) / ".." / "fuzz" / "regressions";
    int replayed = 0;
    for (const char* target : {"weights_file", "legacy_h5"}) {
        for (const auto& entry : std::filesystem::directory_iterator(regressions / target)) {
            bool legacy = target == std::string("legacy_h5");
            std::string copy = path(legacy ? "input.h5" : "input.weights.h5");
            std::filesystem::copy_file(entry.path(), copy, std::filesystem::copy_options::overwrite_existing);
            clear_session();
            if (legacy) {
                EXPECT_THROW(models::load_model(copy), Error) << entry.path();
            } else {
                Sequential model = fuzz::weights_target_model();
                EXPECT_THROW(model.load_weights(copy), Error) << entry.path();
            }
            ++replayed;
        }
    }
    EXPECT_GE(replayed, 4);
}

}  // namespace
}  // namespace strata
