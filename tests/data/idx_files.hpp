// Helpers for the data tests: a temporary folder, IDX files written into it (raw or gzip), and environment
// variables set for the length of a test.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace strata::testing {

// A fresh folder under the system's temporary folder, removed with everything in it at the end.
class TempDir {
public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "strata-data-XXXXXX").string();
        std::vector<char> name(pattern.begin(), pattern.end());
        name.push_back('\0');
        if (!mkdtemp(name.data())) throw std::runtime_error("mkdtemp failed for " + pattern);
        path_ = name.data();
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

// The bytes of an IDX file: magic (two zeros, type, rank), big-endian extents, then `data`.
inline std::string idx_bytes(const std::vector<std::uint32_t>& dims, const std::string& data,
                             unsigned char type = 0x08) {
    std::string bytes = {'\0', '\0', static_cast<char>(type), static_cast<char>(dims.size())};
    for (std::uint32_t d : dims)
        for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<char>((d >> shift) & 0xFF));
    return bytes + data;
}

// `count` bytes counting up from `first` (mod 256): easy to check after a round trip.
inline std::string counting_bytes(std::size_t count, unsigned first = 0) {
    std::string data(count, '\0');
    for (std::size_t i = 0; i < count; ++i) data[i] = static_cast<char>((first + i) & 0xFF);
    return data;
}

inline void write_raw(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    ASSERT_TRUE(out.good()) << "cannot write " << path;
}

// CRC-32 (IEEE 802.3, as gzip's trailer holds it), bit by bit: the test files are small.
inline std::uint32_t crc32_of(const std::string& bytes) {
    std::uint32_t crc = 0xFFFFFFFFu;
    for (char c : bytes) {
        crc ^= static_cast<unsigned char>(c);
        for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

// The bytes as a gzip file (RFC 1952) whose deflate stream is made of stored blocks (RFC 1951, BTYPE 00):
// valid gzip that any reader inflates, written without a compressor so the tests need no zlib of their own.
inline std::string gzip_bytes(const std::string& bytes) {
    std::string out = {'\x1f', '\x8b', '\x08', '\0', '\0', '\0', '\0', '\0', '\0', '\x03'};
    auto put_le = [&](std::uint32_t value, int n) {
        for (int i = 0; i < n; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
    };
    std::size_t pos = 0;
    do {
        std::size_t len = std::min<std::size_t>(bytes.size() - pos, 65535);
        bool last = pos + len == bytes.size();
        out.push_back(last ? '\x01' : '\0');  // BFINAL, BTYPE 00, padded to the byte
        put_le(static_cast<std::uint32_t>(len), 2);
        put_le(static_cast<std::uint32_t>(~len & 0xFFFF), 2);
        out.append(bytes, pos, len);
        pos += len;
    } while (pos < bytes.size());
    put_le(crc32_of(bytes), 4);
    put_le(static_cast<std::uint32_t>(bytes.size()), 4);
    return out;
}

inline void write_gzip(const std::string& path, const std::string& bytes) { write_raw(path, gzip_bytes(bytes)); }

// Sets (or, with nullopt, unsets) an environment variable until the end of the scope.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const std::optional<std::string>& value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        if (value)
            setenv(name, value->c_str(), 1);
        else
            unsetenv(name);
    }
    ~ScopedEnv() {
        if (old_)
            setenv(name_.c_str(), old_->c_str(), 1);
        else
            unsetenv(name_.c_str());
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    std::string name_;
    std::optional<std::string> old_;
};

}  // namespace strata::testing
