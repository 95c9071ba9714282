// The bytes of an HDF5 file as strata's reader sees them: a file on disk or an image in memory, read only
// through bounds-checked calls, and a cursor that decodes HDF5's little-endian fields from a block of them.
// Every offset and length comes from an untrusted file, so each read says what it was for: the error names it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>

namespace strata::saving::h5 {

class FileBytes {
public:
    // IOError when the file cannot be opened.
    static std::shared_ptr<const FileBytes> on_disk(const std::filesystem::path& path);
    static std::shared_ptr<const FileBytes> in_memory(std::string image);

    std::uint64_t size() const { return size_; }
    // The `count` bytes at `offset`; IOError naming `what` when they run past the end of the file.
    std::string read(std::uint64_t offset, std::uint64_t count, const std::string& what) const;
    // The same, into `out`, which holds `count` bytes: a dataset goes straight into its tensor.
    void read_into(std::uint64_t offset, std::uint64_t count, void* out, const std::string& what) const;

private:
    FileBytes() = default;
    void check(std::uint64_t offset, std::uint64_t count, const std::string& what) const;

    std::string image_;  // the file, for an image in memory
    mutable std::ifstream disk_;  // the file, for one on disk
    mutable std::mutex disk_mutex_;
    bool on_disk_ = false;
    std::uint64_t size_ = 0;
};

// Reads HDF5's little-endian fields one after another from a block of bytes. Running past the block is an
// IOError naming `what`, the structure the block holds.
class Cursor {
public:
    Cursor(std::string bytes, std::string what) : bytes_(std::move(bytes)), what_(std::move(what)) {}

    std::uint64_t uint(unsigned width);  // 1 to 8 bytes
    std::uint8_t byte() { return static_cast<std::uint8_t>(uint(1)); }
    std::string take(std::uint64_t count);
    void skip(std::uint64_t count);
    void seek(std::uint64_t position);

    std::uint64_t position() const { return position_; }
    std::uint64_t left() const { return bytes_.size() - position_; }
    const std::string& what() const { return what_; }
    [[noreturn]] void fail(const std::string& problem) const;

private:
    void need(std::uint64_t count) const;
    std::string bytes_;
    std::string what_;
    std::uint64_t position_ = 0;
};

}  // namespace strata::saving::h5
