// strata's HDF5 reader: the superblock, object headers, symbol-table groups, local and global heaps.
#include "saving/hdf5_reader.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "strata/core/error.hpp"

namespace strata::saving::h5::format {

namespace {

constexpr unsigned kNilMessage = 0x0000;
constexpr unsigned kDataspaceMessage = 0x0001;
constexpr unsigned kLinkInfoMessage = 0x0002;
constexpr unsigned kDatatypeMessage = 0x0003;
constexpr unsigned kLinkMessage = 0x0006;
constexpr unsigned kLayoutMessage = 0x0008;
constexpr unsigned kFilterPipelineMessage = 0x000B;
constexpr unsigned kAttributeMessage = 0x000C;
constexpr unsigned kContinuationMessage = 0x0010;
constexpr unsigned kSymbolTableMessage = 0x0011;
constexpr unsigned kAttributeInfoMessage = 0x0015;

// Bounds on the structures of one file, far above what any Keras file holds, so that a corrupt file ends in
// an error rather than in endless work.
constexpr std::size_t kMaxHeaderBlocks = 1024;
constexpr std::size_t kMaxMessages = 65536;
constexpr int kMaxTreeDepth = 32;
constexpr std::size_t kMaxLinks = 1 << 20;

bool undefined(std::uint64_t address, unsigned offset_size) {
    return offset_size == 8 ? address == UINT64_MAX : address == (std::uint64_t{1} << (8 * offset_size)) - 1;
}

std::string hex(std::uint64_t value) {
    static const char digits[] = "0123456789abcdef";
    std::string text;
    do {
        text.insert(text.begin(), digits[value % 16]);
        value /= 16;
    } while (value != 0);
    return "0x" + text;
}

}  // namespace

// ---- the superblock (II.A) ----

Reader::Reader(std::shared_ptr<const FileBytes> bytes, std::string name) : bytes_(std::move(bytes)), name_(std::move(name)) {
    std::string what = "the superblock of '" + name_ + "'";
    Cursor s(bytes_->read(0, std::min<std::uint64_t>(bytes_->size(), 96), what), what);
    s.skip(8);  // the signature, which the caller checked
    unsigned version = s.byte();
    if (version > 1)
        s.fail("version " + std::to_string(version) +
               " (HDF5's newest format); strata reads versions 0 and 1, which h5py and libhdf5 write by default");
    s.skip(4);  // free-space, root group and shared header versions, and a reserved byte
    offset_size_ = s.byte();
    length_size_ = s.byte();
    auto valid_size = [](unsigned size) { return size == 2 || size == 4 || size == 8; };
    if (!valid_size(offset_size_) || !valid_size(length_size_))
        s.fail(std::to_string(offset_size_) + "-byte addresses and " + std::to_string(length_size_) +
               "-byte lengths; HDF5 writes 2, 4 or 8");
    s.skip(1 + 2 + 2 + 4);  // reserved, the group B-tree's K values, the file consistency flags
    if (version == 1) s.skip(4);
    base_address_ = s.uint(offset_size_);
    s.skip(offset_size_);  // the free-space information
    std::uint64_t end_of_file = s.uint(offset_size_);
    s.skip(offset_size_);  // the driver information block
    if (base_address_ > bytes_->size() || end_of_file > bytes_->size() - base_address_)
        s.fail("the file is truncated: the superblock says it ends at byte " + std::to_string(end_of_file) +
               ", but it has " + std::to_string(bytes_->size()) + " bytes");
    // The root group's symbol table entry: link name offset, object header address, cache type, scratch-pad.
    s.skip(offset_size_);
    root_address_ = absolute(s.uint(offset_size_), what + ", the root group's address");
}

std::uint64_t Reader::absolute(std::uint64_t address, const std::string& what) const {
    if (undefined(address, offset_size_)) throw IOError(what + " is undefined in '" + name_ + "'");
    if (address > bytes_->size() || base_address_ > bytes_->size() - address)
        throw IOError(what + " is " + hex(address) + ", past the end of '" + name_ + "' (" +
                      std::to_string(bytes_->size()) + " bytes)");
    return base_address_ + address;
}

// ---- object headers (IV.A.1.a) and the messages strata reads (IV.A.2) ----

Object Reader::object(std::uint64_t address, const std::string& path) const {
    std::string what = "the object header of '" + path + "' in '" + name_ + "'";
    Cursor prefix(bytes_->read(address, std::min<std::uint64_t>(16, bytes_->size() - address), what), what);
    if (prefix.left() >= 4 && prefix.take(4) == "OHDR")
        prefix.fail("version 2 (HDF5's newest format); strata reads version 1, which h5py and libhdf5 write by default");
    prefix.seek(0);
    unsigned version = prefix.byte();
    if (version != 1) prefix.fail("version " + std::to_string(version) + ", HDF5 defines 1 (and 2, 'OHDR')");
    prefix.skip(1 + 2 + 4);  // reserved, the number of messages, the reference count
    std::uint64_t header_size = prefix.uint(4);

    Object object;
    object.address = address;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> blocks{{address + 16, header_size}};
    std::set<std::uint64_t> seen{address + 16};
    std::size_t messages = 0;
    for (std::size_t b = 0; b < blocks.size(); ++b) {
        std::string block_what = what + (b == 0 ? "" : ", continuation block " + std::to_string(b));
        Cursor block(bytes_->read(blocks[b].first, blocks[b].second, block_what), block_what);
        while (block.left() >= 8) {
            if (++messages > kMaxMessages) block.fail("more than " + std::to_string(kMaxMessages) + " messages");
            auto type = static_cast<unsigned>(block.uint(2));
            std::uint64_t size = block.uint(2);
            unsigned flags = block.byte();
            block.skip(3);
            Cursor m(block.take(size), block_what + ", message " + hex(type));
            if ((flags & 0x2) && type != kNilMessage)
                m.fail("a shared message, which h5py never writes for the objects Keras saves");
            switch (type) {
                case kContinuationMessage: {
                    std::uint64_t at = absolute(m.uint(offset_size_), m.what() + ", the continuation's address");
                    std::uint64_t length = m.uint(length_size_);
                    if (blocks.size() >= kMaxHeaderBlocks)
                        m.fail("more than " + std::to_string(kMaxHeaderBlocks) + " continuation blocks");
                    if (!seen.insert(at).second) m.fail("a continuation block that the header already holds");
                    blocks.emplace_back(at, length);
                    break;
                }
                case kSymbolTableMessage:
                    object.is_group = true;
                    object.btree_address = absolute(m.uint(offset_size_), m.what() + ", the group's B-tree");
                    object.heap_address = absolute(m.uint(offset_size_), m.what() + ", the group's local heap");
                    break;
                case kLinkInfoMessage:
                case kLinkMessage:
                    m.fail("a group whose links are in its header (HDF5's newest format, or h5py's track_order); "
                           "strata reads groups kept in symbol tables, as h5py and libhdf5 write them by default");
                case kAttributeInfoMessage:
                    m.fail("attributes kept in dense storage (HDF5's newest format, or h5py's track_order); strata "
                           "reads attributes kept in the object header, as h5py and libhdf5 write them by default");
                case kDatatypeMessage: object.type = decode_datatype(m); break;
                case kDataspaceMessage: object.space = decode_dataspace(m, length_size_); break;
                case kFilterPipelineMessage:
                    m.fail("a dataset with filters (compression); strata reads contiguous and compact datasets, "
                           "as Keras writes them");
                case kLayoutMessage: {
                    unsigned layout_version = m.byte();
                    if (layout_version != 3)
                        m.fail("a data layout of version " + std::to_string(layout_version) +
                               "; strata reads version 3, which libhdf5 writes by default");
                    unsigned layout_class = m.byte();
                    object.has_layout = true;
                    if (layout_class == 0) {
                        object.compact = true;
                        object.compact_data = m.take(m.uint(2));
                    } else if (layout_class == 1) {
                        std::uint64_t at = m.uint(offset_size_);
                        object.data_size = m.uint(length_size_);
                        // A dataset never written has no address; it is refused when read.
                        object.data_address = undefined(at, offset_size_) ? 0 : absolute(at, m.what() + ", the data");
                    } else {
                        m.fail("a dataset stored in chunks (layout class " + std::to_string(layout_class) +
                               "); strata reads contiguous and compact datasets, as Keras writes them");
                    }
                    break;
                }
                case kAttributeMessage: object.attributes.push_back(decode_attribute(m, length_size_)); break;
                default: break;  // fill values, modification times, comments...: nothing a loader needs
            }
        }
    }
    return object;
}

// ---- groups: the B-tree (III.A.1), its symbol table nodes (III.C) and the local heap of names (III.D) ----

std::vector<std::pair<std::string, std::uint64_t>> Reader::links(const Object& group, const std::string& path) const {
    std::string what = "the group '" + path + "' in '" + name_ + "'";
    Cursor heap(bytes_->read(group.heap_address, std::min<std::uint64_t>(8 + 2 * length_size_ + offset_size_,
                                                                         bytes_->size() - group.heap_address),
                             what + ", its local heap"),
                what + ", its local heap");
    if (heap.take(4) != "HEAP") heap.fail("no 'HEAP' signature");
    heap.skip(4);  // version, reserved
    std::uint64_t heap_size = heap.uint(length_size_);
    heap.skip(length_size_);  // the free list
    std::uint64_t heap_data = absolute(heap.uint(offset_size_), what + ", its local heap's data");
    const std::string names = bytes_->read(heap_data, heap_size, what + ", its local heap's data");
    auto name_at = [&](std::uint64_t offset) {
        std::size_t end = offset < names.size() ? names.find('\0', offset) : std::string::npos;
        if (end == std::string::npos)
            throw IOError(what + ": a link name at offset " + std::to_string(offset) + " of its local heap (" +
                          std::to_string(names.size()) + " bytes) with no terminating NUL inside it");
        return names.substr(offset, end - offset);
    };

    std::vector<std::pair<std::string, std::uint64_t>> links;
    std::set<std::uint64_t> visited;
    auto symbols = [&](std::uint64_t at) {
        std::string node_what = what + ", the symbol table node at " + hex(at);
        Cursor node(bytes_->read(at, std::min<std::uint64_t>(8, bytes_->size() - at), node_what), node_what);
        if (node.take(4) != "SNOD") node.fail("no 'SNOD' signature");
        node.skip(2);  // version, reserved
        std::uint64_t count = node.uint(2);
        std::uint64_t entry_size = 2 * offset_size_ + 24;
        Cursor entries(bytes_->read(at + 8, count * entry_size, node_what), node_what);
        for (std::uint64_t i = 0; i < count; ++i) {
            std::string name = name_at(entries.uint(offset_size_));
            std::uint64_t header = absolute(entries.uint(offset_size_), node_what + ", the object '" + name + "'");
            entries.skip(24);  // cache type, reserved, scratch-pad
            if (links.size() >= kMaxLinks) entries.fail("more than " + std::to_string(kMaxLinks) + " links");
            links.emplace_back(std::move(name), header);
        }
    };
    auto walk = [&](auto& self, std::uint64_t at, int depth) -> void {
        std::string node_what = what + ", the B-tree node at " + hex(at);
        if (depth > kMaxTreeDepth) throw IOError(node_what + " is deeper than " + std::to_string(kMaxTreeDepth) + " levels");
        if (!visited.insert(at).second) throw IOError(node_what + " is reached twice: the tree has a cycle");
        std::uint64_t node_header = 8 + 2 * std::uint64_t{offset_size_};
        Cursor node(bytes_->read(at, std::min<std::uint64_t>(node_header, bytes_->size() - at), node_what), node_what);
        if (node.take(4) != "TREE") node.fail("no 'TREE' signature");
        if (node.byte() != 0) node.fail("a B-tree of chunks where a group's is expected");
        unsigned level = node.byte();
        std::uint64_t entries = node.uint(2);
        // Keys (a heap offset each, one more than there are children) and children interleaved.
        Cursor body(bytes_->read(at + node_header, (entries + 1) * length_size_ + entries * offset_size_, node_what),
                    node_what);
        for (std::uint64_t i = 0; i < entries; ++i) {
            body.skip(length_size_);
            std::uint64_t child = absolute(body.uint(offset_size_), node_what + ", child " + std::to_string(i));
            if (level == 0) symbols(child);
            else self(self, child, depth + 1);
        }
    };
    walk(walk, group.btree_address, 0);
    std::sort(links.begin(), links.end());
    for (std::size_t i = 1; i < links.size(); ++i)
        if (links[i].first == links[i - 1].first) throw IOError(what + " has two links named '" + links[i].first + "'");
    return links;
}

// ---- strings: fixed length, or variable length in a global heap (III.E) ----

std::vector<std::string> Reader::strings(const Attribute& attribute, const std::string& what) const {
    std::uint64_t count = attribute.space.count();
    std::vector<std::string> texts;
    if (attribute.type.kind == Datatype::Kind::fixed_string) {
        for (std::uint64_t i = 0; i < count; ++i) {
            std::string text = attribute.data.substr(i * attribute.type.size, attribute.type.size);
            text.resize(std::strlen(text.c_str()));
            while (!text.empty() && text.back() == ' ') text.pop_back();
            texts.push_back(std::move(text));
        }
        return texts;
    }
    // A heap ID per string: its length (4 bytes), its collection's address, its index there (4 bytes).
    std::uint64_t id_size = 4 + offset_size_ + 4;
    if (attribute.type.size != id_size)
        throw IOError(what + " stores variable-length strings in " + std::to_string(attribute.type.size) +
                      "-byte heap IDs, not " + std::to_string(id_size));
    Cursor ids(attribute.data, what);
    std::map<std::uint64_t, std::string> collections;  // the strings of a list mostly share one collection
    for (std::uint64_t i = 0; i < count; ++i) {
        auto length = static_cast<std::uint32_t>(ids.uint(4));
        std::uint64_t collection = ids.uint(offset_size_);
        auto index = static_cast<std::uint32_t>(ids.uint(4));
        // libhdf5 writes an empty (null) string as address 0.
        texts.push_back(collection == 0 ? std::string()
                                        : read_global_heap_object(collection, index, length, what, collections));
    }
    return texts;
}

std::string Reader::read_global_heap(std::uint64_t collection, const std::string& heap_what) const {
    // "GCOL", version 1, 3 reserved bytes, the collection's size; then objects, each an index (2 bytes), a
    // reference count (2), 4 reserved bytes, its size and its data padded to 8 bytes. Index 0 is the free
    // space that ends the list.
    std::uint64_t start = absolute(collection, heap_what);
    std::uint64_t header_size = 8 + length_size_;
    Cursor header(bytes_->read(start, std::min<std::uint64_t>(header_size, bytes_->size() - start), heap_what),
                  heap_what);
    if (header.take(4) != "GCOL") header.fail("it does not begin with GCOL");
    if (unsigned version = header.byte(); version != 1)
        header.fail("version " + std::to_string(version) + ", HDF5 defines 1");
    header.skip(3);
    std::uint64_t size = header.uint(length_size_);
    if (size < header_size) header.fail("it declares " + std::to_string(size) + " bytes, less than its header");
    return bytes_->read(start, size, heap_what);
}

std::string Reader::read_global_heap_object(std::uint64_t collection, std::uint32_t index, std::uint32_t length,
                                            const std::string& what,
                                            std::map<std::uint64_t, std::string>& collections) const {
    std::string heap_what = what + ", the global heap collection at " + hex(collection);
    auto found = collections.find(collection);
    if (found == collections.end())
        found = collections.emplace(collection, read_global_heap(collection, heap_what)).first;
    Cursor heap(found->second, heap_what);
    heap.seek(8 + length_size_);
    while (heap.left() >= 8 + length_size_) {
        auto object_index = static_cast<std::uint32_t>(heap.uint(2));
        if (object_index == 0) break;
        heap.skip(6);  // the reference count, reserved
        std::uint64_t object_size = heap.uint(length_size_);
        if (object_size > heap.left())
            heap.fail("object " + std::to_string(object_index) + " declares " + std::to_string(object_size) +
                      " bytes, more than the " + std::to_string(heap.left()) + " left in the collection");
        if (object_index == index) {
            if (length > object_size)
                heap.fail("a string of " + std::to_string(length) + " bytes points at object " + std::to_string(index) +
                          ", which holds " + std::to_string(object_size));
            std::string text = heap.take(length);
            text.resize(std::strlen(text.c_str()));
            return text;
        }
        heap.skip(std::min<std::uint64_t>((object_size + 7) / 8 * 8, heap.left()));  // the data, padded to 8
    }
    heap.fail("it has no object " + std::to_string(index));
}

// ---- dataset elements ----

void Reader::check_elements(const Object& dataset, std::uint64_t bytes, const std::string& what) const {
    if (dataset.compact) {
        if (dataset.compact_data.size() != bytes)
            throw IOError(what + " holds " + std::to_string(dataset.compact_data.size()) +
                          " bytes in its header, not the " + std::to_string(bytes) + " its type and shape make");
        return;
    }
    if (bytes == 0) return;
    if (dataset.data_address == 0) throw IOError(what + " was never written: it has no data");
    if (dataset.data_size != bytes)
        throw IOError(what + " stores " + std::to_string(dataset.data_size) + " bytes, not the " +
                      std::to_string(bytes) + " its type and shape make");
    if (bytes > bytes_->size() - dataset.data_address)
        throw IOError(what + ": its " + std::to_string(bytes) + " bytes at " + hex(dataset.data_address) +
                      " run past the end of '" + name_ + "' (" + std::to_string(bytes_->size()) + " bytes)");
}

void Reader::read_elements(const Object& dataset, void* out, std::uint64_t bytes, const std::string& what) const {
    check_elements(dataset, bytes, what);
    if (dataset.compact) std::memcpy(out, dataset.compact_data.data(), bytes);
    else if (bytes > 0) bytes_->read_into(dataset.data_address, bytes, out, what);
}

}  // namespace strata::saving::h5::format
