// strata's own reader of HDF5 files, for the format h5py and libhdf5 write by default (superblock 0 or 1,
// version-1 object headers, groups kept in symbol tables, contiguous or compact datasets, attributes in the
// object header, variable-length strings in global heaps): every Keras file, Keras 2's and Keras 3's, and
// every file strata writes. libhdf5 itself trusts the files it reads (Debian's 1.10.8 reads out of bounds,
// frees twice or loops forever on corrupt object headers, heaps and strings within minutes of fuzzing), so
// loading never hands it a file from outside: this reader checks each size, offset and count against the
// file before it reads or allocates, and refuses what it does not know with an IOError naming it. Writing
// stays with libhdf5, which is safe there: strata made everything it writes.
//
// Layouts follow the HDF5 File Format Specification version 3.0, sections II (superblock) to IV (data
// objects); the names below are its names.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "saving/hdf5_bytes.hpp"

namespace strata::saving::h5::format {

// An element type strata reads: numbers (dataset elements and numeric attributes) and strings.
struct Datatype {
    enum class Kind { integer, floating, fixed_string, variable_string };
    Kind kind = Kind::integer;
    std::uint32_t size = 0;  // bytes of one element as stored (a heap ID for a variable-length string)
    bool big_endian = false;
    bool is_signed = false;
};

struct Dataspace {
    bool null = false;                // H5S_NULL: no elements, not even one
    std::vector<std::uint64_t> dims;  // empty for a scalar
    std::uint64_t count() const;      // elements; the caller bounds it by the bytes that must hold them
};

struct Attribute {
    std::string name;
    Datatype type;
    Dataspace space;
    std::string data;  // count() elements of type.size bytes, checked when the attribute is read
};

// What one object header says: a group (where its symbol table is) or a dataset (its type, shape and
// where its elements are), and the object's attributes.
struct Object {
    std::uint64_t address = 0;
    std::vector<Attribute> attributes;
    // A group: the symbol table's B-tree and local heap.
    bool is_group = false;
    std::uint64_t btree_address = 0;
    std::uint64_t heap_address = 0;
    // A dataset.
    std::optional<Datatype> type;
    std::optional<Dataspace> space;
    bool has_layout = false;
    bool compact = false;
    std::string compact_data;          // a compact dataset's elements, held in its header
    std::uint64_t data_address = 0;    // a contiguous dataset's elements, absolute; 0 when never written
    std::uint64_t data_size = 0;
    bool is_dataset() const { return type && space && has_layout; }
};

class Reader {
public:
    // Reads and checks the superblock. `name` names the file in every error.
    Reader(std::shared_ptr<const FileBytes> bytes, std::string name);

    const std::string& name() const { return name_; }
    std::uint64_t root_address() const { return root_address_; }
    // The object whose header is at `address` (absolute), with its messages decoded and checked.
    Object object(std::uint64_t address, const std::string& path) const;
    // A group's links, name and object header address, sorted by name as HDF5 lists them.
    std::vector<std::pair<std::string, std::uint64_t>> links(const Object& group, const std::string& path) const;
    // The strings of a string attribute, fixed or variable length, each cut at its first NUL (and a fixed
    // one's padding spaces dropped), as h5py hands them to Keras.
    std::vector<std::string> strings(const Attribute& attribute, const std::string& what) const;
    // IOError unless the dataset stores exactly `bytes` (what its type and shape make) inside the file: called
    // before the memory for them is allocated.
    void check_elements(const Object& dataset, std::uint64_t bytes, const std::string& what) const;
    // The dataset's elements as stored, checked so first.
    void read_elements(const Object& dataset, void* out, std::uint64_t bytes, const std::string& what) const;

    unsigned offset_size() const { return offset_size_; }
    unsigned length_size() const { return length_size_; }

private:
    std::uint64_t absolute(std::uint64_t address, const std::string& what) const;
    // A global heap collection's bytes, its header checked; `heap_what` names it in errors.
    std::string read_global_heap(std::uint64_t collection, const std::string& heap_what) const;
    // The string `index` of the collection at `collection`, read once per call of strings() into `collections`.
    std::string read_global_heap_object(std::uint64_t collection, std::uint32_t index, std::uint32_t length,
                                        const std::string& what,
                                        std::map<std::uint64_t, std::string>& collections) const;

    std::shared_ptr<const FileBytes> bytes_;
    std::string name_;
    unsigned offset_size_ = 8;
    unsigned length_size_ = 8;
    std::uint64_t base_address_ = 0;
    std::uint64_t root_address_ = 0;
};

// The decoders of single header messages, shared by the reader and its tests. `m` holds the message's bytes.
Datatype decode_datatype(Cursor& m);
Dataspace decode_dataspace(Cursor& m, unsigned length_size);
Attribute decode_attribute(Cursor& m, unsigned length_size);

}  // namespace strata::saving::h5::format
