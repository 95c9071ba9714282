// Zip archives, the container of Keras's .keras files (config.json, metadata.json, model.weights.h5), read
// and written through libzip. A reader checks the whole central directory when it opens the file, before
// anything is decompressed: every size the archive declares is a claim from a possibly hostile file, so it is
// held against ZipLimits first, and no buffer is ever larger than a size that passed them.
//
// The header keeps <zip.h> out of its users (libzip is a private dependency of the library).
#pragma once

#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace strata::saving {

// Limits that protect a reader from hostile archives (zip bombs, huge entries, too many entries).
struct ZipLimits {
    std::uint64_t max_entries = 10000;
    std::uint64_t max_entry_size = std::uint64_t{4} << 30;  // uncompressed bytes of one entry
    std::uint64_t max_total_size = std::uint64_t{8} << 30;  // all entries together
    double max_compression_ratio = 200.0;                    // uncompressed / compressed, for entries > 1 MiB
};

// A zip archive open for reading. open() validates every entry of the central directory up front and throws
// IOError, naming the file and the reason, when the file is not a zip archive, is truncated or inconsistent,
// has two entries of one name, an entry whose name is absolute or climbs out with "..", an encrypted entry,
// a compression method other than stored or deflate, or an entry over the limits. One reader is not for use
// from several threads at once (libzip's archive handle is not).
class ZipReader {
public:
    static ZipReader open(const std::filesystem::path& path, ZipLimits limits = {});

    ZipReader(ZipReader&&) noexcept;
    ZipReader& operator=(ZipReader&&) noexcept;
    ~ZipReader();

    // The entry names, in archive (central directory) order.
    std::vector<std::string> names() const;
    bool contains(const std::string& name) const;
    // The uncompressed size the archive declares for the entry (checked against the limits); IOError when
    // there is no such entry.
    std::uint64_t size(const std::string& name) const;
    // The whole entry, decompressed. IOError when there is no such entry, or when the data do not match the
    // central directory: fewer or more bytes than declared, or a CRC-32 that differs.
    std::string read(const std::string& name) const;

    const std::filesystem::path& path() const { return path_; }

private:
    struct Archive;
    struct Entry {
        std::string name;
        std::uint64_t index = 0;  // libzip's index of the entry
        std::uint64_t size = 0;   // uncompressed bytes, as declared
        std::uint32_t crc = 0;
    };

    ZipReader(std::filesystem::path path, std::unique_ptr<Archive> archive);
    const Entry& entry(const std::string& name, const char* what) const;
    [[noreturn]] void fail(const std::string& reason) const;

    std::filesystem::path path_;
    std::unique_ptr<Archive> archive_;
    std::vector<Entry> entries_;
    std::unordered_map<std::string, std::size_t> by_name_;
};

// A zip archive being written. Entries are stored (no compression), as Keras writes .keras files, with a
// fixed timestamp (1980-01-01 00:00, the earliest a zip can hold) so that the same content gives the same
// bytes. Nothing reaches the path before close(); the caller wraps the writer in io::write_atomically
// (core/atomic_write.hpp) so that the path never holds a partial archive.
class ZipWriter {
public:
    // IOError when the file cannot be created.
    static ZipWriter create(const std::filesystem::path& path);

    ZipWriter(ZipWriter&&) noexcept;
    ZipWriter& operator=(ZipWriter&&) noexcept;
    // Discards an archive that was not closed: nothing is written.
    ~ZipWriter();

    // IOError for a name a reader would refuse (empty, absolute, with a ".." component), a name already
    // added, or a writer already closed.
    void add(const std::string& name, std::string bytes);
    // Writes the archive; IOError on failure.
    void close();

private:
    struct Archive;
    ZipWriter(std::filesystem::path path, std::unique_ptr<Archive> archive);
    [[noreturn]] void fail(const std::string& reason) const;

    std::filesystem::path path_;
    std::unique_ptr<Archive> archive_;
    // libzip reads the entries' bytes only when the archive is closed: they live here until then (a deque,
    // so that adding one never moves the others).
    std::deque<std::string> contents_;
    std::uint64_t count_ = 0;
};

// Why a zip entry name is unsafe to hold ("an absolute path", "a '..' component"), or empty when it is safe.
// Readers and writers refuse the same names, so that an archive strata writes is one strata reads.
std::string unsafe_entry_name_reason(const std::string& name);

}  // namespace strata::saving
