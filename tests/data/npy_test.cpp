// load_npy, parse_npy, save_npy and to_npy_bytes: bytes written by NumPy itself read back to the values
// NumPy was given, strata's output equals NumPy's byte for byte, round trips for every dtype, and every
// way a file can be wrong refused with an IOError naming the file and what is wrong.
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <strata/strata.hpp>
#include <strata/data/npy.hpp>

#include "data/idx_files.hpp"

namespace strata::data {
namespace {

using namespace std::string_literals;
using testing::TempDir;
using testing::write_raw;

// The bytes below were written by NumPy 1.24 (`f = io.BytesIO(); np.save(f, a); f.getvalue()`), the
// NumPy expression above each; the header's space padding is spelled out as a count.
namespace numpy {
// np.array([[1.5, -2, 3.25], [0, 1e-3, -7]], dtype='<f4')
const std::string kFloat32_2x3 = "\x93NUMPY\x01\x00v\x00"s +
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" + std::string(58, ' ') + "\n" +
    "\x00\x00\xc0?\x00\x00\x00\xc0\x00\x00P@\x00\x00\x00\x00o\x12\x83:\x00\x00\xe0\xc0"s;
// np.array([1, -2, 2**40 + 3], dtype='>i8')
const std::string kInt64BigEndian = "\x93NUMPY\x01\x00v\x00"s +
    "{'descr': '>i8', 'fortran_order': False, 'shape': (3,), }" + std::string(60, ' ') + "\n" +
    "\x00\x00\x00\x00\x00\x00\x00\x01\xff\xff\xff\xff\xff\xff\xff\xfe\x00\x00\x01\x00\x00\x00\x00\x03"s;
// np.array(3.141592653589793)
const std::string kScalarFloat64 = "\x93NUMPY\x01\x00v\x00"s +
    "{'descr': '<f8', 'fortran_order': False, 'shape': (), }" + std::string(62, ' ') + "\n" +
    "\x18-DT\xfb!\x09@"s;
// np.zeros((0, 3), dtype='<f4')
const std::string kEmpty0x3 = "\x93NUMPY\x01\x00v\x00"s +
    "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3), }" + std::string(58, ' ') + "\n" +
    ""s;
// np.lib.format.write_array(f, np.array([1.0, 2.0]), version=(2, 0))
const std::string kVersion2 = "\x93NUMPY\x02\x00t\x00\x00\x00"s +
    "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }" + std::string(58, ' ') + "\n" +
    "\x00\x00\x00\x00\x00\x00\xf0?\x00\x00\x00\x00\x00\x00\x00@"s;
// np.lib.format.write_array(f, np.array([1, 2], dtype='<i4'), version=(3, 0))
const std::string kVersion3 = "\x93NUMPY\x03\x00t\x00\x00\x00"s +
    "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }" + std::string(58, ' ') + "\n" +
    "\x01\x00\x00\x00\x02\x00\x00\x00"s;
// np.arange(5, dtype=np.uint8)
const std::string kUint8 = "\x93NUMPY\x01\x00v\x00"s +
    "{'descr': '|u1', 'fortran_order': False, 'shape': (5,), }" + std::string(60, ' ') + "\n" +
    "\x00\x01\x02\x03\x04"s;
// np.array([True, False, True])
const std::string kBool = "\x93NUMPY\x01\x00v\x00"s +
    "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }" + std::string(60, ' ') + "\n" +
    "\x01\x00\x01"s;
// np.array([[-1, 2], [3, 2**31 - 1]], dtype='<i4')
const std::string kInt32_2x2 = "\x93NUMPY\x01\x00v\x00"s +
    "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }" + std::string(58, ' ') + "\n" +
    "\xff\xff\xff\xff\x02\x00\x00\x00\x03\x00\x00\x00\xff\xff\xff\x7f"s;
// np.array([1.5, -0.25], dtype='>f4')
const std::string kFloat32BigEndian = "\x93NUMPY\x01\x00v\x00"s +
    "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }" + std::string(60, ' ') + "\n" +
    "?\xc0\x00\x00\xbe\x80\x00\x00"s;
}  // namespace numpy

// A .npy file around a header dict of our own, padded as NumPy pads (the data start at a multiple of 64).
std::string npy_with_header(const std::string& dict, const std::string& data, int major = 1) {
    std::size_t prefix = major == 1 ? 10 : 12;
    std::size_t pad = 64 - (prefix + dict.size() + 1) % 64;
    std::size_t length = dict.size() + pad + 1;
    std::string out = "\x93NUMPY"s + static_cast<char>(major) + '\0';
    for (std::size_t i = 0; i < prefix - 8; ++i) out.push_back(static_cast<char>((length >> (8 * i)) & 0xFF));
    return out + dict + std::string(pad, ' ') + "\n" + data;
}

std::string header(const std::string& descr, const std::string& shape, const std::string& fortran = "False") {
    return "{'descr': '" + descr + "', 'fortran_order': " + fortran + ", 'shape': " + shape + ", }";
}

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

// parse_npy must refuse `bytes` naming the origin and saying `why`.
void expect_refused(const std::string& bytes, const std::string& why) {
    SCOPED_TRACE(why);
    expect_io_error([&] { parse_npy(bytes, "bad.npy"); }, {"parse_npy", "'bad.npy'", why});
}

// ---------------------------------------------------------------------------------------------------------
// Files NumPy wrote

TEST(NpyTest, ReadsNumPyFloat32Matrix) {
    Tensor t = parse_npy(numpy::kFloat32_2x3, "a.npy");
    EXPECT_EQ(t.dtype(), float32);
    EXPECT_EQ(t.shape(), (Shape{2, 3}));
    EXPECT_TRUE(t.device().is_cpu());
    EXPECT_EQ(t.to_vector<float>(), (std::vector<float>{1.5f, -2.0f, 3.25f, 0.0f, 1e-3f, -7.0f}));
}

TEST(NpyTest, ReadsNumPyBigEndian) {
    Tensor i = parse_npy(numpy::kInt64BigEndian, "i.npy");
    EXPECT_EQ(i.dtype(), int64);
    EXPECT_EQ(i.shape(), (Shape{3}));
    EXPECT_EQ(i.to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, -2, (std::int64_t{1} << 40) + 3}));
    Tensor f = parse_npy(numpy::kFloat32BigEndian, "f.npy");
    EXPECT_EQ(f.dtype(), float32);
    EXPECT_EQ(f.to_vector<float>(), (std::vector<float>{1.5f, -0.25f}));
}

TEST(NpyTest, ReadsNumPyScalarAndEmptyArrays) {
    Tensor s = parse_npy(numpy::kScalarFloat64, "s.npy");
    EXPECT_EQ(s.dtype(), float64);
    EXPECT_EQ(s.rank(), 0);
    EXPECT_EQ(s.item<double>(), 3.141592653589793);
    Tensor e = parse_npy(numpy::kEmpty0x3, "e.npy");
    EXPECT_EQ(e.dtype(), float32);
    EXPECT_EQ(e.shape(), (Shape{0, 3}));
    EXPECT_EQ(e.numel(), 0);
}

TEST(NpyTest, ReadsNumPyVersions2And3) {
    Tensor v2 = parse_npy(numpy::kVersion2, "v2.npy");
    EXPECT_EQ(v2.dtype(), float64);
    EXPECT_EQ(v2.to_vector<double>(), (std::vector<double>{1.0, 2.0}));
    Tensor v3 = parse_npy(numpy::kVersion3, "v3.npy");
    EXPECT_EQ(v3.dtype(), int32);
    EXPECT_EQ(v3.to_vector<std::int32_t>(), (std::vector<std::int32_t>{1, 2}));
}

TEST(NpyTest, ReadsNumPyIntegersAndBools) {
    EXPECT_EQ(parse_npy(numpy::kUint8, "u.npy").to_vector<std::uint8_t>(),
              (std::vector<std::uint8_t>{0, 1, 2, 3, 4}));
    Tensor b = parse_npy(numpy::kBool, "b.npy");
    EXPECT_EQ(b.dtype(), bool_);
    EXPECT_EQ(b.to_vector<bool>(), (std::vector<bool>{true, false, true}));
    Tensor i = parse_npy(numpy::kInt32_2x2, "i.npy");
    EXPECT_EQ(i.shape(), (Shape{2, 2}));
    EXPECT_EQ(i.to_vector<std::int32_t>(), (std::vector<std::int32_t>{-1, 2, 3, 2147483647}));
}

TEST(NpyTest, LoadsNumPyFilesFromDisk) {
    TempDir dir;
    write_raw(dir.file("a.npy"), numpy::kFloat32_2x3);
    EXPECT_EQ(load_npy(dir.file("a.npy")).to_vector<float>(), parse_npy(numpy::kFloat32_2x3, "a").to_vector<float>());
    write_raw(dir.file("v2.npy"), numpy::kVersion2);
    EXPECT_EQ(load_npy(dir.file("v2.npy")).to_vector<double>(), (std::vector<double>{1.0, 2.0}));
    write_raw(dir.file("i.npy"), numpy::kInt64BigEndian);
    EXPECT_EQ(load_npy(dir.file("i.npy")).to_vector<std::int64_t>()[2], (std::int64_t{1} << 40) + 3);
    write_raw(dir.file("e.npy"), numpy::kEmpty0x3);
    EXPECT_EQ(load_npy(dir.file("e.npy")).shape(), (Shape{0, 3}));
}

TEST(NpyTest, NonzeroBoolBytesReadAsTrue) {
    // NumPy treats any nonzero byte of a '|b1' array as True; a C++ bool holds only 0 or 1.
    Tensor b = parse_npy(npy_with_header(header("|b1", "(3,)"), "\x02\x00\xff"s), "b.npy");
    EXPECT_EQ(b.to_vector<bool>(), (std::vector<bool>{true, false, true}));
    EXPECT_EQ(static_cast<const unsigned char*>(b.raw_data())[2], 1);
}

TEST(NpyTest, AcceptsWhatNumPyAccepts) {
    // Double quotes, no trailing comma, any key order, Python 2's "3L", native byte order '='.
    std::string dict = R"({"shape": (2L,), "fortran_order": False, "descr": "=i4"})";
    EXPECT_EQ(parse_npy(npy_with_header(dict, "\x05\x00\x00\x00\x06\x00\x00\x00"s), "x").to_vector<std::int32_t>(),
              (std::vector<std::int32_t>{5, 6}));
    // '<u1' and '>b1': a byte order on a one-byte type changes nothing.
    EXPECT_EQ(parse_npy(npy_with_header(header("<u1", "(1,)"), "\x07"s), "x").to_vector<std::uint8_t>()[0], 7);
    EXPECT_TRUE(parse_npy(npy_with_header(header(">b1", "(1,)"), "\x01"s), "x").to_vector<bool>()[0]);
}

// ---------------------------------------------------------------------------------------------------------
// Writing

TEST(NpyTest, WritesTheBytesNumPyWrites) {
    EXPECT_EQ(to_npy_bytes(Tensor::from_vector<float>({1.5f, -2.0f, 3.25f, 0.0f, 1e-3f, -7.0f}, Shape{2, 3})),
              numpy::kFloat32_2x3);
    EXPECT_EQ(to_npy_bytes(Tensor::from_vector<double>({3.141592653589793}, Shape{})), numpy::kScalarFloat64);
    EXPECT_EQ(to_npy_bytes(Tensor::zeros(Shape{0, 3}, float32, Device::cpu())), numpy::kEmpty0x3);
    EXPECT_EQ(to_npy_bytes(Tensor::from_vector<std::uint8_t>({0, 1, 2, 3, 4})), numpy::kUint8);
    EXPECT_EQ(to_npy_bytes(Tensor::from_vector<bool>({true, false, true})), numpy::kBool);
    EXPECT_EQ(to_npy_bytes(Tensor::from_vector<std::int32_t>({-1, 2, 3, 2147483647}, Shape{2, 2})),
              numpy::kInt32_2x2);
}

TEST(NpyTest, DataStartAtAMultipleOf64) {
    // numpy.lib.format.ARRAY_ALIGN = 64, with spare room for the first extent to grow to 21 digits.
    for (const Shape& shape : {Shape{}, Shape{1}, Shape{12345}, Shape{1, 2, 1, 3, 1, 1, 1, 1, 1, 1, 1, 12},
                               Shape{std::int64_t{1} << 40, 0}}) {
        SCOPED_TRACE(shape.to_string());
        std::int64_t count = 1;
        for (std::int64_t d : shape) count *= d;
        std::string bytes = to_npy_bytes(Tensor::zeros(shape, uint8, Device::cpu()));
        std::size_t data = bytes.size() - static_cast<std::size_t>(count);
        EXPECT_EQ(data % 64, 0u);
        EXPECT_EQ(bytes[data - 1], '\n');
        EXPECT_EQ(bytes[6], '\x01') << "version 1.0";
        EXPECT_EQ(parse_npy(bytes, "x").shape(), shape);
    }
    // The growth padding keeps the header's length when the first extent grows by digits.
    EXPECT_EQ(to_npy_bytes(Tensor::zeros(Shape{1, 0}, float32, Device::cpu())).size(),
              to_npy_bytes(Tensor::zeros(Shape{123456, 0}, float32, Device::cpu())).size());
}

template <class T>
void expect_round_trip(const std::vector<T>& values, const Shape& shape, const std::filesystem::path& file) {
    Tensor t = Tensor::from_vector<T>(values, shape);
    save_npy(file, t);
    Tensor back = load_npy(file);
    EXPECT_EQ(back.dtype(), t.dtype());
    EXPECT_EQ(back.shape(), shape);
    EXPECT_EQ(back.to_vector<T>(), values);
    Tensor parsed = parse_npy(to_npy_bytes(t), "memory");
    EXPECT_EQ(parsed.to_vector<T>(), values);
}

TEST(NpyTest, RoundTripsEveryDType) {
    TempDir dir;
    auto file = dir.path() / "t.npy";
    expect_round_trip<float>({1.0f, -0.5f, 3.4e38f, -1e-45f, 0.0f, 7.25f}, Shape{2, 3}, file);
    expect_round_trip<double>({1e308, -4.9e-324, 0.1, 2.0}, Shape{2, 1, 2}, file);
    expect_round_trip<std::int64_t>({INT64_MIN, INT64_MAX, 0, -1}, Shape{4}, file);
    expect_round_trip<std::int32_t>({INT32_MIN, INT32_MAX, 5}, Shape{3, 1}, file);
    expect_round_trip<std::uint8_t>({0, 255, 128}, Shape{1, 3}, file);
    expect_round_trip<bool>({true, false, false, true}, Shape{2, 2}, file);
    expect_round_trip<float>({42.0f}, Shape{}, file);
    expect_round_trip<double>({}, Shape{3, 0}, file);
}

TEST(NpyTest, SaveIsAtomicAndReplacesTheFile) {
    TempDir dir;
    auto file = dir.path() / "t.npy";
    save_npy(file, Tensor::from_vector<float>({1.0f, 2.0f}));
    save_npy(file, Tensor::from_vector<std::int64_t>({7}));
    EXPECT_EQ(load_npy(file).to_vector<std::int64_t>(), std::vector<std::int64_t>{7});
    int files = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir.path())) files += e.is_regular_file();
    EXPECT_EQ(files, 1);
    expect_io_error([&] { save_npy(dir.path() / "missing" / "t.npy", Tensor::from_vector<float>({1.0f})); },
                    {"save_npy", "t.npy"});
    EXPECT_THROW(to_npy_bytes(Tensor()), ValueError);
}

// ---------------------------------------------------------------------------------------------------------
// Refusals

TEST(NpyTest, RefusesBadMagicAndVersions) {
    expect_refused("PK\x03\x04 not npy at all"s, "not a .npy file");
    expect_refused("\x93NUMPX\x01\x00"s + numpy::kFloat32_2x3.substr(8), "not a .npy file");
    expect_refused("", "not a .npy file");
    expect_refused("\x93NUMPY"s, "truncated");
    expect_refused("\x93NUMPY\x01\x00\x10"s, "truncated");
    std::string v4 = numpy::kFloat32_2x3;
    v4[6] = 4;
    expect_refused(v4, "unsupported .npy version 4.0");
    std::string minor = numpy::kFloat32_2x3;
    minor[7] = 1;
    expect_refused(minor, "unsupported .npy version 1.1");
}

TEST(NpyTest, RefusesTruncatedAndOverlongData) {
    const std::string& good = numpy::kFloat32_2x3;
    expect_refused(good.substr(0, good.size() - 1), "truncated: the header's shape (2, 3) of float32 needs 24 bytes");
    expect_refused(good.substr(0, 128), "truncated");
    expect_refused(good.substr(0, 60), "truncated: the header declares 118 bytes");
    expect_refused(good + "x", "trailing bytes");
    TempDir dir;
    write_raw(dir.file("cut.npy"), good.substr(0, good.size() - 4));
    expect_io_error([&] { load_npy(dir.file("cut.npy")); }, {"load_npy", "cut.npy", "truncated"});
    write_raw(dir.file("short.npy"), good.substr(0, 9));
    expect_io_error([&] { load_npy(dir.file("short.npy")); }, {"load_npy", "short.npy", "truncated"});
    expect_io_error([&] { load_npy(dir.file("missing.npy")); }, {"load_npy", "missing.npy", "cannot open"});
    expect_io_error([&] { load_npy(dir.path()); }, {"load_npy", "directory"});
}

TEST(NpyTest, RefusesFortranOrder) {
    expect_refused(npy_with_header(header("<f4", "(2, 3)", "True"), std::string(24, '\0')), "fortran_order is True");
}

TEST(NpyTest, RefusesObjectArrays) {
    // np.save of an object array writes '|O' and a pickle: never read.
    std::string pickle = "\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x94."s;
    expect_refused(npy_with_header(header("|O", "()"), pickle), "object array");
    expect_refused(npy_with_header(header("<O8", "(1,)"), pickle), "object array");
}

TEST(NpyTest, RefusesUnsupportedAndStructuredDTypes) {
    expect_refused(npy_with_header(header("<f2", "(1,)"), "\x00\x3c"s), "element type '<f2' is not supported");
    expect_refused(npy_with_header(header("<c8", "(1,)"), std::string(8, '\0')), "element type '<c8'");
    expect_refused(npy_with_header(header("<U3", "(1,)"), std::string(12, '\0')), "element type '<U3'");
    expect_refused(npy_with_header(header("|f4", "(1,)"), std::string(4, '\0')), "needs a byte order");
    expect_refused(npy_with_header(header("f4", "(1,)"), std::string(4, '\0')), "byte order");
    expect_refused(npy_with_header("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }",
                                   std::string(4, '\0')),
                   "structured");
}

TEST(NpyTest, RefusesHugeShapesBeforeAllocating) {
    // 2^62 one-byte elements in a file of 128 bytes: refused from the header, nothing allocated.
    expect_refused(npy_with_header(header("|u1", "(4611686018427387904,)"), ""), "truncated");
    expect_refused(npy_with_header(header("<f8", "(4611686018427387904,)"), ""), "overflows a 64-bit byte count");
    expect_refused(npy_with_header(header("<f4", "(1099511627776, 1099511627776)"), ""), "overflows a 63-bit");
    // A zero extent does not excuse the others.
    expect_refused(npy_with_header(header("<f4", "(0, 1099511627776, 1099511627776)"), ""), "overflows a 63-bit");
    expect_refused(npy_with_header(header("<f4", "(99999999999999999999,)"), ""), "over 2^63 - 1");
    std::string many = "(";
    for (int i = 0; i < 65; ++i) many += "1, ";
    expect_refused(npy_with_header(header("<f4", many + ")"), ""), "more than 64 axes");
    TempDir dir;
    write_raw(dir.file("huge.npy"), npy_with_header(header("<f4", "(4611686018427387903,)"), "abcd"));
    expect_io_error([&] { load_npy(dir.file("huge.npy")); }, {"load_npy", "huge.npy", "truncated"});
}

TEST(NpyTest, RefusesBadHeaderSyntax) {
    std::string data(4, '\0');
    expect_refused(npy_with_header("'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", data), "expected '{'");
    expect_refused(npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), ", data), "bad header");
    expect_refused(npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1, }", data),
                   "unexpected key 'x'");
    expect_refused(npy_with_header("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", data),
                   "appears twice");
    expect_refused(npy_with_header("{'descr': '<f4', 'shape': (1,)}", data), "missing key(s) 'fortran_order'");
    expect_refused(npy_with_header(header("<f4", "(1)"), data), "'shape' is not a tuple");
    expect_refused(npy_with_header(header("<f4", "[1]"), data), "bad header");
    expect_refused(npy_with_header(header("<f4", "(-1,)"), data), "negative extent");
    expect_refused(npy_with_header(header("<f4", "(1.0,)"), data), "bad header");
    expect_refused(npy_with_header(header("<f4", "(1,)", "0"), data), "bad header");
    expect_refused(npy_with_header(header("<f4", "(1,)", "'False'"), data), "'fortran_order' is not True or False");
    expect_refused(npy_with_header("{descr: '<f4', 'fortran_order': False, 'shape': (1,)}", data), "a quoted string");
    expect_refused(npy_with_header("{'descr': '<f\\x34', 'fortran_order': False, 'shape': (1,)}", data), "escapes");
    expect_refused(npy_with_header("{'descr': 1, 'fortran_order': False, 'shape': (1,)}", data), "bad header");
    expect_refused(npy_with_header(header("<f4", "(1,)") + " # comment", data), "after the dict");
    expect_refused(npy_with_header(header("<f4", "(1,)") + "}", data), "after the dict");
    // No newline at the end of the header.
    std::string no_newline = numpy::kFloat32_2x3;
    no_newline[127] = ' ';
    expect_refused(no_newline, "newline");
    // A header length past NumPy's max_header_size of 10000.
    std::string big = "\x93NUMPY\x02\x00\x11\x27\x00\x00"s + std::string(10001, ' ');
    expect_refused(big, "over NumPy's limit of 10000");
}

}  // namespace
}  // namespace strata::data
