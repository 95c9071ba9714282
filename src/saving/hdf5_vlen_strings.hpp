// Variable-length strings read without libhdf5's global-heap code.
//
// h5py stores every Python str attribute (Keras's `name` on a vars group, Keras 2's `model_config`,
// `keras_version`...) as a variable-length string: the attribute holds a heap ID per string, and the text
// sits in a global heap collection elsewhere in the file. libhdf5 1.10.8 trusts those IDs: an index past the
// collection's objects reads out of bounds (checked by an assert only, compiled out in release builds), and
// a corrupt collection address can send its metadata cache into an endless loop. strata therefore takes the
// raw heap IDs from libhdf5 (a conversion that leaves the attribute's bytes as they are in the file) and
// reads each collection itself, every length and offset checked against the file's size.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "saving/hdf5.hpp"

namespace strata::saving::h5 {

// The bytes of an open HDF5 file, for the structures strata reads itself: a file on disk (read at an
// offset when asked) or an image held in memory.
class FileBytes {
public:
    static std::shared_ptr<const FileBytes> on_disk(const std::filesystem::path& path);
    static std::shared_ptr<const FileBytes> in_memory(std::shared_ptr<const std::string> image);

    std::uint64_t size() const { return size_; }
    // The `count` bytes at `offset`; IOError naming `what` when they run past the end of the file.
    std::string read(std::uint64_t offset, std::uint64_t count, const std::string& what) const;

private:
    FileBytes(std::filesystem::path path, std::shared_ptr<const std::string> image, std::uint64_t size)
        : path_(std::move(path)), image_(std::move(image)), size_(size) {}
    std::filesystem::path path_;                // set for a file on disk
    std::shared_ptr<const std::string> image_;  // set for an image in memory
    std::uint64_t size_ = 0;
};

// The `count` strings of an open variable-length string attribute (a scalar or a 1-D list), each cut at
// its first NUL as a C string read through libhdf5 would be. IOError naming `what` for a heap ID or a
// collection that does not fit the file.
std::vector<std::string> read_variable_length_strings(Id attribute, std::size_t count, const FileBytes& file,
                                                      const std::string& what);

}  // namespace strata::saving::h5
