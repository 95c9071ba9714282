// HDF5 files as the saving level sees them: a file, its groups, their datasets and string attributes. A file
// being written goes through libhdf5's C API (small RAII wrappers; HDF5's own error printing is off, every
// failure is a strata IOError naming the file, the object and HDF5's reason). A file being read goes through
// strata's own bounds-checked reader (hdf5_reader.hpp), never through libhdf5, which trusts what it reads.
// The header keeps <hdf5.h> out of its users (HDF5 is a private dependency of the library): an identifier is
// HDF5's hid_t, a 64-bit integer since HDF5 1.10.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/core/tensor.hpp"

namespace strata::saving::h5 {

using Id = std::int64_t;

namespace format {
class Reader;
struct Object;
}  // namespace format

// An open HDF5 identifier of one kind (file, group, dataset, attribute...), closed when the handle goes.
class Handle {
public:
    using Closer = int (*)(Id);
    Handle() = default;
    Handle(Id id, Closer closer) : id_(id), closer_(closer) {}
    Handle(Handle&& other) noexcept : id_(other.release()), closer_(other.closer_) {}
    Handle& operator=(Handle&& other) noexcept;
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    ~Handle() { reset(); }

    Id get() const { return id_; }
    bool valid() const { return id_ >= 0; }
    Id release() {
        Id id = id_;
        id_ = -1;
        return id;
    }
    void reset();

private:
    Id id_ = -1;
    Closer closer_ = nullptr;
};

// What a dataset holds: its element type (as a strata dtype) and its shape (empty for a scalar).
struct DatasetInfo {
    DType dtype;
    Shape shape;
};

class Group {
public:
    // A group of a file being written. `file` and `path` name the group in error messages.
    Group(Handle handle, std::string file, std::string path);
    // A group of a file being read, whose object header `reader` has decoded.
    Group(std::shared_ptr<const format::Reader> reader, std::shared_ptr<const format::Object> object, std::string file,
          std::string path);
    Group(Group&&) noexcept;
    Group& operator=(Group&&) noexcept;
    ~Group();

    const std::string& path() const { return path_; }
    const std::string& file() const { return file_; }

    // Writing: IOError in a file opened for reading.
    Group create_group(const std::string& name) const;
    // Reading: IOError in a file opened for writing. IOError when there is no group `name` here.
    Group open_group(const std::string& name) const;
    // Whether a link `name` exists here (a group or a dataset).
    bool contains(const std::string& name) const;
    bool is_group(const std::string& name) const;
    // The names of the links here, in HDF5's order (by name).
    std::vector<std::string> children() const;

    // A contiguous, unfiltered dataset of the tensor's shape and dtype (a scalar dataspace for rank 0), as
    // h5py writes `group[name] = array`.
    void write_dataset(const std::string& name, const Tensor& value) const;
    DatasetInfo dataset_info(const std::string& name) const;
    // The dataset's elements converted by HDF5 to `dtype`, in a new CPU tensor of the dataset's shape.
    Tensor read_dataset(const std::string& name, DType dtype) const;

    // A scalar variable-length UTF-8 string attribute, as h5py writes `attrs[name] = "..."`.
    void set_string_attribute(const std::string& name, const std::string& value) const;
    // The attribute as a string (variable or fixed length); nullopt when it is absent.
    std::optional<std::string> string_attribute(const std::string& name) const;
    // A string attribute that holds one string or a 1-D list of them (Keras 2's layer_names, weight_names).
    std::optional<std::vector<std::string>> string_list_attribute(const std::string& name) const;
    bool has_attribute(const std::string& name) const;

private:
    std::string where(const std::string& name) const;
    std::string child_path(const std::string& name) const;
    // The header of this group (reading) and of its child `name` (IOError when there is none).
    const format::Object& object() const;
    std::shared_ptr<const format::Object> child(const std::string& name) const;
    // The header of the dataset `name` and, in `info`, its dtype and shape (IOError when it is not one).
    std::shared_ptr<const format::Object> open_dataset(const std::string& name, DatasetInfo& info) const;
    void check_writing(const std::string& name) const;

    Handle handle_;  // writing
    std::shared_ptr<const format::Reader> reader_;  // reading
    std::shared_ptr<const format::Object> object_;
    std::vector<std::pair<std::string, std::uint64_t>> links_;  // reading: name and object header address
    std::string file_;
    std::string path_;
};

class File {
public:
    // Creates (or truncates) an HDF5 file with HDF5's default, earliest-version format, as h5py does.
    static File create(const std::filesystem::path& path);
    // Opens an existing file for reading. IOError naming the path when it is missing, is not an HDF5 file (told
    // by the signature, not the extension) or cannot be read (a truncated file, among others).
    static File open(const std::filesystem::path& path);

    // An HDF5 file held in memory (the core driver, no backing store), for a file inside an archive: create
    // one, write it, take its bytes with image(); or open bytes read from an archive. `name` names it in errors.
    static File create_in_memory(const std::string& name);
    static File open_image(std::string bytes, const std::string& name);
    std::string image() const;
    Group root() const;
    const std::string& path() const { return path_; }
    // Flushes and closes the file now, reporting a failure (the destructor closes silently).
    void close();

private:
    File(Handle handle, std::string path);
    File(std::shared_ptr<const format::Reader> reader, std::string path);
    Group read_root() const;
    Handle handle_;                                 // writing
    std::shared_ptr<const format::Reader> reader_;  // reading
    std::string path_;
};

// The 8-byte signature that begins an HDF5 file (without a user block), as Keras's files have it.
bool has_hdf5_signature(const std::filesystem::path& path);

}  // namespace strata::saving::h5
