#include "saving/hdf5_vlen_strings.hpp"

#include <hdf5.h>

#include <cstring>
#include <fstream>
#include <map>
#include <mutex>

#include "strata/core/error.hpp"

namespace strata::saving::h5 {

// ---- FileBytes ----

std::shared_ptr<const FileBytes> FileBytes::on_disk(const std::filesystem::path& path) {
    std::error_code ec;
    std::uintmax_t size = std::filesystem::file_size(path, ec);
    if (ec) throw IOError("cannot read the size of " + path.string() + ": " + ec.message());
    return std::shared_ptr<const FileBytes>(new FileBytes(path, nullptr, size));
}

std::shared_ptr<const FileBytes> FileBytes::in_memory(std::shared_ptr<const std::string> image) {
    std::uint64_t size = image->size();
    return std::shared_ptr<const FileBytes>(new FileBytes({}, std::move(image), size));
}

std::string FileBytes::read(std::uint64_t offset, std::uint64_t count, const std::string& what) const {
    if (offset > size_ || count > size_ - offset)
        throw IOError(what + " runs past the end of the file (" + std::to_string(count) + " bytes at offset " +
                      std::to_string(offset) + ", the file has " + std::to_string(size_) + ")");
    if (image_) return image_->substr(offset, count);
    std::ifstream in(path_, std::ios::binary);
    std::string bytes(count, '\0');
    in.seekg(static_cast<std::streamoff>(offset));
    if (!in.read(bytes.data(), static_cast<std::streamsize>(count)))
        throw IOError("cannot read " + what + " (" + std::to_string(count) + " bytes at offset " +
                      std::to_string(offset) + ")");
    return bytes;
}

namespace {

// A little-endian unsigned integer of `width` bytes (at most 8) at `at`, which the caller has bounds-checked.
std::uint64_t little_endian(const std::string& bytes, std::size_t at, unsigned width) {
    std::uint64_t value = 0;
    for (unsigned i = 0; i < width; ++i)
        value |= std::uint64_t{static_cast<unsigned char>(bytes[at + i])} << (8 * i);
    return value;
}

// What the superblock says about how the file encodes addresses and lengths.
struct Superblock {
    unsigned offset_size = 8;        // bytes of a file address
    unsigned length_size = 8;        // bytes of a length
    std::uint64_t base_address = 0;  // what every address is relative to
};

Superblock read_superblock(const FileBytes& file, const std::string& what) {
    // Version 0 keeps the sizes at bytes 13 and 14 and the base address at 24, version 1 the sizes there and
    // the base address at 28, versions 2 and 3 the sizes at 9 and 10 and the base address at 12 (HDF5's
    // file format specification, "Superblock"). The file begins with the signature: strata checked it.
    std::string head = file.read(0, std::min<std::uint64_t>(file.size(), 36), "the superblock of " + what);
    if (head.size() < 12) throw IOError("the superblock of " + what + " is truncated");
    Superblock block;
    std::size_t base_at = 0;
    switch (static_cast<unsigned char>(head[8])) {
        case 0:
        case 1:
            block.offset_size = static_cast<unsigned char>(head[13]);
            block.length_size = static_cast<unsigned char>(head[14]);
            base_at = head[8] == 0 ? 24 : 28;
            break;
        case 2:
        case 3:
            block.offset_size = static_cast<unsigned char>(head[9]);
            block.length_size = static_cast<unsigned char>(head[10]);
            base_at = 12;
            break;
        default:
            throw IOError("the superblock of " + what + " has version " +
                          std::to_string(static_cast<unsigned char>(head[8])) + ", HDF5 defines 0 to 3");
    }
    auto valid_size = [](unsigned size) { return size == 2 || size == 4 || size == 8; };
    if (!valid_size(block.offset_size) || !valid_size(block.length_size))
        throw IOError("the superblock of " + what + " gives " + std::to_string(block.offset_size) +
                      "-byte addresses and " + std::to_string(block.length_size) +
                      "-byte lengths; strata reads 2, 4 or 8");
    if (base_at + block.offset_size > head.size()) throw IOError("the superblock of " + what + " is truncated");
    block.base_address = little_endian(head, base_at, block.offset_size);
    return block;
}

// One global heap collection's bytes, and the object `index` in it (HDF5's file format specification, "Global
// Heap": "GCOL", version 1, 3 reserved bytes, the collection's size; then objects, each an index (2 bytes), a
// reference count (2), 4 reserved bytes, its size, and its data padded to a multiple of 8; index 0 is the
// free space that ends the list).
class HeapCollection {
public:
    HeapCollection(const FileBytes& file, const Superblock& block, std::uint64_t address, const std::string& what)
        : length_size_(block.length_size), what_("the global heap collection at address " +
                                                 std::to_string(address) + " of " + what) {
        if (address > file.size() || block.base_address > file.size() - address)
            throw IOError(what_ + " lies past the end of the file (" + std::to_string(file.size()) + " bytes)");
        std::uint64_t start = block.base_address + address;
        std::size_t header_size = 8 + length_size_;
        std::string header = file.read(start, header_size, what_);
        if (header.compare(0, 4, "GCOL") != 0) throw IOError(what_ + " does not begin with GCOL");
        if (header[4] != 1) throw IOError(what_ + " has version " + std::to_string(header[4]) + ", HDF5 defines 1");
        std::uint64_t size = little_endian(header, 8, length_size_);
        if (size < header_size)
            throw IOError(what_ + " declares " + std::to_string(size) + " bytes, less than its header");
        bytes_ = file.read(start, size, what_);  // refused when the declared size runs past the file
    }

    std::string object(std::uint32_t index, std::uint32_t length) const {
        std::size_t object_header = 8 + length_size_;
        std::size_t at = 8 + length_size_;
        while (bytes_.size() - at >= object_header) {
            auto object_index = static_cast<std::uint32_t>(little_endian(bytes_, at, 2));
            if (object_index == 0) break;
            std::uint64_t size = little_endian(bytes_, at + 8, length_size_);
            std::size_t data = at + object_header;
            if (size > bytes_.size() - data)
                throw IOError(what_ + ": object " + std::to_string(object_index) + " declares " +
                              std::to_string(size) + " bytes, more than the " + std::to_string(bytes_.size() - data) +
                              " left in the collection");
            if (object_index == index) {
                if (length > size)
                    throw IOError(what_ + ": a string of " + std::to_string(length) + " bytes points at object " +
                                  std::to_string(index) + ", which holds " + std::to_string(size));
                std::string text = bytes_.substr(data, length);
                text.resize(std::strlen(text.c_str()));
                return text;
            }
            std::uint64_t padded = (size + 7) / 8 * 8;
            if (padded > bytes_.size() - data) break;
            at = data + padded;
        }
        throw IOError(what_ + " has no object " + std::to_string(index));
    }

private:
    unsigned length_size_;
    std::string what_;
    std::string bytes_;
};

// The tag of the memory type into which libhdf5 "converts" a variable-length string by leaving its heap ID
// as it is in the file.
constexpr const char* heap_id_tag = "strata: the heap IDs of variable-length strings";

// A soft conversion from any variable-length string to the opaque type of that tag and the same size. It
// moves no bytes: libhdf5 hands it the attribute's data as stored in the file (a heap ID per string) and
// copies what it leaves into the caller's buffer.
herr_t keep_heap_ids(hid_t source, hid_t destination, H5T_cdata_t* cdata, size_t, size_t, size_t, void*, void*,
                     hid_t) {
    switch (cdata->command) {
        case H5T_CONV_INIT: {
            if (H5Tis_variable_str(source) <= 0 || H5Tget_class(destination) != H5T_OPAQUE) return -1;
            char* tag = H5Tget_tag(destination);
            bool ours = tag != nullptr && std::strcmp(tag, heap_id_tag) == 0;
            H5free_memory(tag);
            if (!ours || H5Tget_size(source) != H5Tget_size(destination)) return -1;
            cdata->need_bkg = H5T_BKG_NO;
            return 0;
        }
        case H5T_CONV_CONV: return H5Tget_size(source) == H5Tget_size(destination) ? 0 : -1;
        case H5T_CONV_FREE: return 0;
    }
    return -1;
}

void register_heap_id_conversion() {
    static std::once_flag once;
    std::call_once(once, [] {
        hid_t source = H5Tcopy(H5T_C_S1);
        hid_t destination = H5Tcreate(H5T_OPAQUE, 16);
        bool registered = source >= 0 && destination >= 0 && H5Tset_size(source, H5T_VARIABLE) >= 0 &&
                          H5Tset_tag(destination, heap_id_tag) >= 0 &&
                          H5Tregister(H5T_PERS_SOFT, "strata_keep_heap_ids", source, destination, keep_heap_ids) >= 0;
        if (source >= 0) H5Tclose(source);
        if (destination >= 0) H5Tclose(destination);
        if (!registered) throw IOError("cannot set up strata's reader of HDF5 variable-length strings");
    });
}

}  // namespace

std::vector<std::string> read_variable_length_strings(Id attribute, std::size_t count, const FileBytes& file,
                                                      const std::string& what) {
    if (count == 0) return {};
    register_heap_id_conversion();
    Superblock block = read_superblock(file, what);
    // A heap ID in the file: the string's length (4 bytes), its collection's address, its index there (4).
    std::size_t id_size = 4 + block.offset_size + 4;
    if (H5Aget_storage_size(attribute) != count * id_size)
        throw IOError(what + " holds " + std::to_string(H5Aget_storage_size(attribute)) + " bytes, not " +
                      std::to_string(count) + " heap IDs of " + std::to_string(id_size));
    hid_t ids_type = H5Tcreate(H5T_OPAQUE, id_size);
    if (ids_type < 0 || H5Tset_tag(ids_type, heap_id_tag) < 0) {
        if (ids_type >= 0) H5Tclose(ids_type);
        throw IOError("cannot read " + what);
    }
    std::string ids(count * id_size, '\0');
    herr_t read = H5Aread(attribute, ids_type, ids.data());
    H5Tclose(ids_type);
    if (read < 0) throw IOError("cannot read the heap IDs of " + what);

    std::map<std::uint64_t, HeapCollection> collections;
    std::vector<std::string> texts;
    for (std::size_t i = 0; i < count; ++i) {
        std::size_t at = i * id_size;
        auto length = static_cast<std::uint32_t>(little_endian(ids, at, 4));
        std::uint64_t address = little_endian(ids, at + 4, block.offset_size);
        auto index = static_cast<std::uint32_t>(little_endian(ids, at + 4 + block.offset_size, 4));
        if (address == 0) {  // libhdf5 writes a null string so; it reads back as empty
            texts.emplace_back();
            continue;
        }
        auto found = collections.find(address);
        if (found == collections.end()) found = collections.try_emplace(address, file, block, address, what).first;
        texts.push_back(found->second.object(index, length));
    }
    return texts;
}

}  // namespace strata::saving::h5
