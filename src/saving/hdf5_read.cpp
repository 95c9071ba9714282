// Reading an HDF5 file: the Group and File API over strata's own reader (hdf5_reader.hpp), and the conversion
// of stored elements (any byte order, 1 to 8-byte integers, IEEE half, single and double precision) to the
// dtype a caller asks for, as libhdf5's H5Dread would convert them.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <type_traits>

#include "core/text.hpp"
#include "saving/hdf5.hpp"
#include "saving/hdf5_reader.hpp"
#include "strata/core/error.hpp"

namespace strata::saving::h5 {

namespace {

using format::Datatype;
using text::single_quoted;

// The element at `p` as an unsigned integer of its `size` bytes.
std::uint64_t stored_bits(const unsigned char* p, unsigned size, bool big_endian) {
    std::uint64_t bits = 0;
    for (unsigned i = 0; i < size; ++i) bits = (bits << 8) | p[big_endian ? i : size - 1 - i];
    return bits;
}

double from_half(std::uint64_t bits) {
    double sign = (bits & 0x8000) ? -1.0 : 1.0;
    int exponent = static_cast<int>((bits >> 10) & 0x1f);
    double mantissa = static_cast<double>(bits & 0x3ff);
    if (exponent == 0) return sign * std::ldexp(mantissa, -24);  // subnormal
    if (exponent == 31) return mantissa == 0 ? sign * std::numeric_limits<double>::infinity() : std::nan("");
    return sign * std::ldexp(1024.0 + mantissa, exponent - 25);
}

// A value converted to T; for an integer T, NaN becomes 0 and anything outside T's range its nearest end, as
// libhdf5's conversions clamp (and never the undefined behaviour of an out-of-range cast).
template <class T, class V>
T converted(V value) {
    if constexpr (std::is_floating_point_v<T>) {
        return static_cast<T>(value);
    } else {
        auto x = static_cast<long double>(value);
        if (std::isnan(x)) return T{0};
        x = std::clamp(x, static_cast<long double>(std::numeric_limits<T>::min()),
                       static_cast<long double>(std::numeric_limits<T>::max()));
        return static_cast<T>(x);
    }
}

template <class T>
void convert(const std::string& stored, const Datatype& type, std::uint64_t count, T* out) {
    const auto* p = reinterpret_cast<const unsigned char*>(stored.data());
    for (std::uint64_t i = 0; i < count; ++i, p += type.size) {
        std::uint64_t bits = stored_bits(p, type.size, type.big_endian);
        if (type.kind == Datatype::Kind::floating) {
            double value = type.size == 2   ? from_half(bits)
                           : type.size == 4 ? static_cast<double>(std::bit_cast<float>(static_cast<std::uint32_t>(bits)))
                                            : std::bit_cast<double>(bits);
            out[i] = converted<T>(value);
        } else if (type.is_signed) {
            unsigned unused = 64 - 8 * type.size;  // sign-extend from the element's width
            auto value = static_cast<std::int64_t>(bits << unused) >> unused;
            out[i] = converted<T>(value);
        } else {
            out[i] = converted<T>(bits);
        }
    }
}

// Whether the stored elements are already `dtype`'s bytes on this (little-endian) machine.
bool stored_as(const Datatype& type, DType dtype) {
    if (type.big_endian || std::endian::native != std::endian::little) return false;
    bool floating = type.kind == Datatype::Kind::floating;
    switch (dtype) {
        case DType::float32: return floating && type.size == 4;
        case DType::float64: return floating && type.size == 8;
        case DType::int64: return !floating && type.is_signed && type.size == 8;
        case DType::int32: return !floating && type.is_signed && type.size == 4;
        case DType::uint8: return !floating && !type.is_signed && type.size == 1;
        case DType::bool_: return false;
    }
    return false;
}

}  // namespace

// ---- Group, reading ----

Group::Group(std::shared_ptr<const format::Reader> reader, std::shared_ptr<const format::Object> object,
             std::string file, std::string path)
    : reader_(std::move(reader)), object_(std::move(object)), file_(std::move(file)), path_(std::move(path)) {
    if (!object_->is_group) throw IOError(where("") + " is not a group");
    links_ = reader_->links(*object_, path_);
}

const format::Object& Group::object() const {
    if (!reader_) throw IOError("cannot read " + where("") + ": the file is open for writing");
    return *object_;
}

std::shared_ptr<const format::Object> Group::child(const std::string& name) const {
    object();
    auto link = std::lower_bound(links_.begin(), links_.end(), name,
                                 [](const auto& entry, const std::string& key) { return entry.first < key; });
    if (link == links_.end() || link->first != name) throw IOError("there is no object " + where(name));
    return std::make_shared<const format::Object>(reader_->object(link->second, child_path(name)));
}

bool Group::contains(const std::string& name) const {
    object();
    if (name.empty() || name.find('/') != std::string::npos) return false;
    return std::binary_search(links_.begin(), links_.end(), std::pair<std::string, std::uint64_t>{name, 0},
                              [](const auto& a, const auto& b) { return a.first < b.first; });
}

bool Group::is_group(const std::string& name) const { return contains(name) && child(name)->is_group; }

Group Group::open_group(const std::string& name) const {
    if (!contains(name)) throw IOError("there is no group " + where(name));
    std::shared_ptr<const format::Object> group = child(name);
    if (!group->is_group) throw IOError("there is no group " + where(name) + " (it is a dataset)");
    return Group(reader_, std::move(group), file_, child_path(name));
}

std::vector<std::string> Group::children() const {
    object();
    std::vector<std::string> names;
    for (const auto& link : links_) names.push_back(link.first);
    return names;
}

std::shared_ptr<const format::Object> Group::open_dataset(const std::string& name, DatasetInfo& info) const {
    if (!contains(name)) throw IOError("there is no dataset " + where(name));
    std::shared_ptr<const format::Object> dataset = child(name);
    if (dataset->is_group || !dataset->is_dataset()) throw IOError("there is no dataset " + where(name));
    const Datatype& type = *dataset->type;
    info = DatasetInfo{DType::float32, Shape{}};
    if (type.kind == Datatype::Kind::floating) {
        info.dtype = type.size > 4 ? DType::float64 : DType::float32;
    } else if (type.kind == Datatype::Kind::integer) {
        if (type.size == 1 && !type.is_signed) info.dtype = DType::uint8;
        else if (type.size < 4 || (type.size == 4 && type.is_signed)) info.dtype = DType::int32;
        else info.dtype = DType::int64;
    } else {
        throw IOError("the dataset " + where(name) + " does not hold numbers");
    }
    if (dataset->space->null) throw IOError("the dataset " + where(name) + " has a null dataspace: no shape");
    std::vector<std::int64_t> extents;
    for (std::uint64_t d : dataset->space->dims) {
        if (d > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            throw IOError("the dataset " + where(name) + " has a dimension of " + std::to_string(d));
        extents.push_back(static_cast<std::int64_t>(d));
    }
    info.shape = Shape(extents);
    return dataset;
}

DatasetInfo Group::dataset_info(const std::string& name) const {
    DatasetInfo info{DType::float32, Shape{}};
    open_dataset(name, info);
    return info;
}

Tensor Group::read_dataset(const std::string& name, DType dtype) const {
    DatasetInfo info{DType::float32, Shape{}};
    std::shared_ptr<const format::Object> dataset = open_dataset(name, info);
    const Datatype& type = *dataset->type;
    std::string what = "the dataset " + where(name);
    std::uint64_t count = dataset->space->count();
    if (count > std::numeric_limits<std::uint64_t>::max() / type.size)
        throw IOError(what + " declares more elements than any file holds");
    // Checked against the file before the tensor is allocated: a small file cannot make a large tensor.
    reader_->check_elements(*dataset, count * type.size, what);
    Tensor out = Tensor::empty(info.shape, dtype, Device::cpu());
    if (stored_as(type, dtype)) {
        reader_->read_elements(*dataset, out.raw_data(), count * type.size, what);
        return out;
    }
    std::string stored(count * type.size, '\0');
    reader_->read_elements(*dataset, stored.data(), stored.size(), what);
    switch (dtype) {
        case DType::float32: convert(stored, type, count, out.data<float>()); break;
        case DType::float64: convert(stored, type, count, out.data<double>()); break;
        case DType::int64: convert(stored, type, count, out.data<std::int64_t>()); break;
        case DType::int32: convert(stored, type, count, out.data<std::int32_t>()); break;
        case DType::uint8: convert(stored, type, count, out.data<std::uint8_t>()); break;
        case DType::bool_: throw TypeError("HDF5: cannot read into tensors of dtype " + dtype_name(dtype));
    }
    return out;
}

bool Group::has_attribute(const std::string& name) const {
    const auto& attributes = object().attributes;
    return std::any_of(attributes.begin(), attributes.end(), [&](const auto& a) { return a.name == name; });
}

std::optional<std::string> Group::string_attribute(const std::string& name) const {
    std::optional<std::vector<std::string>> values = string_list_attribute(name);
    if (!values) return std::nullopt;
    if (values->size() != 1)
        throw IOError("the attribute " + single_quoted(name) + " of " + where("") + " is not a single string");
    return values->front();
}

std::optional<std::vector<std::string>> Group::string_list_attribute(const std::string& name) const {
    const auto& attributes = object().attributes;
    auto found = std::find_if(attributes.begin(), attributes.end(), [&](const auto& a) { return a.name == name; });
    if (found == attributes.end()) return std::nullopt;
    std::string what = "the attribute " + single_quoted(name) + " of " + where("");
    // h5py stores an empty list as an empty float64 array (Keras 2's weight_names of a layer without weights).
    if (found->space.count() == 0 && found->space.dims.size() == 1) return std::vector<std::string>{};
    bool text = found->type.kind == Datatype::Kind::fixed_string || found->type.kind == Datatype::Kind::variable_string;
    if (!text || found->space.null || found->space.dims.size() > 1)
        throw IOError(what + " is not a string or a list of strings");
    return reader_->strings(*found, what);
}

// ---- File, reading ----

File::File(std::shared_ptr<const format::Reader> reader, std::string path)
    : reader_(std::move(reader)), path_(std::move(path)) {}

Group File::read_root() const {
    auto root = std::make_shared<const format::Object>(reader_->object(reader_->root_address(), "/"));
    if (!root->is_group) throw IOError("the root of the HDF5 file " + single_quoted(path_) + " is not a group");
    return Group(reader_, std::move(root), path_, "/");
}

File File::open(const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) throw IOError("no such file: " + single_quoted(path.string()));
    if (!std::filesystem::is_regular_file(path, ec)) throw IOError(single_quoted(path.string()) + " is not a regular file");
    if (!has_hdf5_signature(path)) {
        std::ifstream in(path, std::ios::binary);
        char head[4] = {};
        in.read(head, 4);
        bool zip = in && std::memcmp(head, "PK\x03\x04", 4) == 0;
        throw IOError(single_quoted(path.string()) + " is not an HDF5 file (it does not begin with HDF5's signature" +
                      (zip ? "; it is a zip archive, as a .keras file is)" : ")"));
    }
    return File(std::make_shared<const format::Reader>(FileBytes::on_disk(path), path.string()), path.string());
}

File File::open_image(std::string bytes, const std::string& name) {
    static constexpr char signature[] = {'\x89', 'H', 'D', 'F', '\r', '\n', '\x1a', '\n'};
    if (bytes.size() < sizeof signature || std::memcmp(bytes.data(), signature, sizeof signature) != 0)
        throw IOError(single_quoted(name) + " is not an HDF5 file (it does not begin with HDF5's signature)");
    return File(std::make_shared<const format::Reader>(FileBytes::in_memory(std::move(bytes)), name), name);
}

}  // namespace strata::saving::h5
