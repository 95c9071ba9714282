// Reading IDX files. The header is read and checked first; only then is the tensor allocated, and never
// larger than the file could hold: a raw file must be exactly header + data, and deflate cannot expand one
// byte into more than 1032, so a tiny file claiming 2^62 elements fails before any allocation.
#include "strata/data/idx.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace strata::data {

namespace {

constexpr std::uint64_t kMaxDeflateRatio = 1032;  // zlib's documented upper bound on expansion
constexpr unsigned kGzipBuffer = 1u << 18;        // larger than zlib's 8 KiB default: fewer, longer inflates

[[noreturn]] void fail(const std::string& path, const std::string& what) {
    throw IOError("read_idx: '" + path + "': " + what);
}

std::string hex_byte(unsigned byte) {
    char text[8];
    std::snprintf(text, sizeof text, "0x%02X", byte & 0xFFu);
    return text;
}

// The element types the format defines; strata reads the first.
std::string type_name(unsigned type) {
    switch (type) {
        case 0x08: return "uint8";
        case 0x09: return "int8";
        case 0x0B: return "int16";
        case 0x0C: return "int32";
        case 0x0D: return "float32";
        case 0x0E: return "float64";
        default: return "";
    }
}

// A byte source over either a raw file or a gzip stream, reading as much as asked unless the data ends.
class Reader {
public:
    virtual ~Reader() = default;
    // Reads up to `bytes` bytes; returns how many came (fewer only at the end of the data).
    virtual std::uint64_t read(void* out, std::uint64_t bytes) = 0;
};

class RawReader final : public Reader {
public:
    RawReader(std::FILE* file, const std::string& path) : file_(file), path_(path) {}
    ~RawReader() override { std::fclose(file_); }

    std::uint64_t read(void* out, std::uint64_t bytes) override {
        std::size_t got = std::fread(out, 1, static_cast<std::size_t>(bytes), file_);
        if (got < bytes && std::ferror(file_)) fail(path_, std::string("read error: ") + std::strerror(errno));
        return got;
    }

private:
    std::FILE* file_;
    const std::string& path_;
};

class GzipReader final : public Reader {
public:
    GzipReader(gzFile file, const std::string& path) : file_(file), path_(path) {}
    ~GzipReader() override { gzclose(file_); }

    std::uint64_t read(void* out, std::uint64_t bytes) override {
        // gzread takes an unsigned count and returns an int: read in chunks below INT_MAX.
        std::uint64_t total = 0;
        auto* cursor = static_cast<unsigned char*>(out);
        while (total < bytes) {
            auto chunk = static_cast<unsigned>(std::min<std::uint64_t>(bytes - total, 1u << 30));
            int got = gzread(file_, cursor + total, chunk);
            if (got < 0) fail(path_, "corrupt gzip data (" + error_text() + ")");
            total += static_cast<std::uint64_t>(got);
            if (static_cast<unsigned>(got) < chunk) {
                // The end of the data, or a stream cut short: zlib tells the two apart.
                int code = Z_OK;
                gzerror(file_, &code);
                if (code == Z_BUF_ERROR) fail(path_, "truncated: the gzip stream ends early (" + error_text() + ")");
                if (code != Z_OK) fail(path_, "corrupt gzip data (" + error_text() + ")");
                break;
            }
        }
        return total;
    }

private:
    std::string error_text() {
        int code = Z_OK;
        const char* message = gzerror(file_, &code);
        if (code == Z_ERRNO) return std::strerror(errno);
        return message && *message ? message : "zlib error " + std::to_string(code);
    }

    gzFile file_;
    const std::string& path_;
};

struct Header {
    Shape shape;
    std::uint64_t header_bytes = 0;
    std::uint64_t data_bytes = 0;
};

std::uint32_t big_endian_u32(const unsigned char* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

std::string dims_text(const std::vector<std::int64_t>& dims) {
    std::string text = "(";
    for (std::size_t i = 0; i < dims.size(); ++i) text += (i ? ", " : "") + std::to_string(dims[i]);
    return text + (dims.size() == 1 ? ",)" : ")");
}

Header read_header(Reader& in, const std::string& path) {
    std::array<unsigned char, 4> magic{};
    std::uint64_t got = in.read(magic.data(), magic.size());
    if (got < magic.size())
        fail(path, "truncated: " + std::to_string(got) + " bytes where the 4-byte IDX magic number should be");
    if (magic[0] != 0 || magic[1] != 0)
        fail(path, "bad magic number " + hex_byte(magic[0]) + " " + hex_byte(magic[1]) + " " + hex_byte(magic[2]) +
                       " " + hex_byte(magic[3]) +
                       ": not an IDX file (one starts with two zero bytes, an element type and a rank)");
    unsigned type = magic[2];
    if (type != 0x08) {
        std::string name = type_name(type);
        if (name.empty())
            fail(path, "bad magic number: unknown IDX element type " + hex_byte(type) +
                           " (the format defines 0x08, 0x09 and 0x0B to 0x0E)");
        fail(path, "IDX element type " + name + " (" + hex_byte(type) +
                       ") is not supported; read_idx reads uint8 (0x08) files, as MNIST's");
    }

    int rank = magic[3];
    std::vector<unsigned char> extents(static_cast<std::size_t>(rank) * 4);
    got = in.read(extents.data(), extents.size());
    if (got < extents.size())
        fail(path, "truncated header: rank " + std::to_string(rank) + " needs " + std::to_string(extents.size()) +
                       " bytes of extents, the file holds " + std::to_string(got));

    std::vector<std::int64_t> dims(static_cast<std::size_t>(rank));
    std::int64_t count = 1;
    bool overflow = false;
    for (int i = 0; i < rank; ++i) {
        std::int64_t d = big_endian_u32(&extents[static_cast<std::size_t>(i) * 4]);
        dims[static_cast<std::size_t>(i)] = d;
        // The same left-to-right product as Shape::numel, so that a shape accepted here has a count.
        if (d != 0 && count > std::numeric_limits<std::int64_t>::max() / d) overflow = true;
        if (!overflow) count *= d;
    }
    if (overflow) fail(path, "corrupt header: the extents " + dims_text(dims) + " overflow a 63-bit element count");

    Header header;
    header.shape = Shape(std::move(dims));
    header.header_bytes = 4 + extents.size();
    header.data_bytes = static_cast<std::uint64_t>(count);  // one byte an element
    return header;
}

std::string claims(const Header& h) {
    return "the header " + h.shape.to_string() + " claims " + std::to_string(h.data_bytes) + " bytes of data";
}

}  // namespace

Tensor read_idx(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) fail(path, "is a directory, not an IDX file");
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (!file) fail(path, std::string("cannot open: ") + std::strerror(errno));
    std::uint64_t file_bytes = std::filesystem::file_size(path, ec);
    if (ec) {
        std::fclose(file);
        fail(path, "cannot read its size: " + ec.message());
    }

    unsigned char first[2] = {0, 0};
    std::size_t peeked = std::fread(first, 1, 2, file);
    bool gzip = peeked == 2 && first[0] == 0x1F && first[1] == 0x8B;

    std::unique_ptr<Reader> in;
    if (gzip) {
        std::fclose(file);
        gzFile gz = gzopen(path.c_str(), "rb");
        if (!gz) fail(path, std::string("cannot open: ") + std::strerror(errno));
        gzbuffer(gz, kGzipBuffer);
        in = std::make_unique<GzipReader>(gz, path);
    } else {
        std::rewind(file);
        in = std::make_unique<RawReader>(file, path);
    }

    Header header = read_header(*in, path);

    // What the file can hold, checked before allocating.
    if (gzip) {
        std::uint64_t bound = std::numeric_limits<std::uint64_t>::max() / kMaxDeflateRatio < file_bytes
                                  ? std::numeric_limits<std::uint64_t>::max()
                                  : file_bytes * kMaxDeflateRatio;
        if (header.data_bytes > bound)
            fail(path, "truncated or corrupt: " + claims(header) + ", more than a gzip file of " +
                           std::to_string(file_bytes) + " bytes can hold");
    } else {
        std::uint64_t present = file_bytes - std::min(file_bytes, header.header_bytes);
        if (header.data_bytes > present)
            fail(path, "truncated: " + claims(header) + ", the file holds " + std::to_string(present));
        if (header.data_bytes < present)
            fail(path, "corrupt: " + claims(header) + ", the file holds " + std::to_string(present) +
                           " (trailing bytes)");
    }

    Tensor out = Tensor::empty(header.shape, uint8, Device::cpu());
    std::uint64_t got = header.data_bytes ? in->read(out.raw_data(), header.data_bytes) : 0;
    if (got < header.data_bytes)
        fail(path, "truncated: " + claims(header) + ", the file holds " + std::to_string(got));
    // One byte more: there must be none, and reaching the end makes zlib check the stream's CRC.
    unsigned char extra = 0;
    if (in->read(&extra, 1) != 0)
        fail(path, "corrupt: " + claims(header) + ", the file holds more (trailing bytes)");
    return out;
}

}  // namespace strata::data
