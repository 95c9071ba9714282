#include "saving/hdf5.hpp"

#include <hdf5.h>

#include <array>
#include <atomic>
#include <cstring>
#include <fstream>
#include <type_traits>

#include "core/text.hpp"
#include "saving/hdf5_vlen_strings.hpp"
#include "strata/core/error.hpp"

namespace strata::saving::h5 {

static_assert(std::is_same_v<Id, hid_t>, "h5::Id must be HDF5's hid_t");

namespace {

// HDF5 prints its error stack to stderr by default; strata reports errors as exceptions instead. The setting
// is per thread in a thread-safe HDF5 (Debian's is), so every entry point turns it off for its thread.
void silence() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

herr_t innermost_description(unsigned, const H5E_error2_t* error, void* data) {
    auto* reason = static_cast<std::string*>(data);
    if (reason->empty() && error->desc && *error->desc) *reason = error->desc;
    return 0;
}

// The description of the innermost error on HDF5's stack (where the problem was found, e.g. "truncated
// file: eof = ..."), then clears the stack.
std::string hdf5_reason() {
    std::string reason;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost_description, &reason);
    H5Eclear2(H5E_DEFAULT);
    return reason;
}

[[noreturn]] void fail(const std::string& what) {
    std::string reason = hdf5_reason();
    throw IOError(what + (reason.empty() ? "" : ": " + reason));
}

using text::single_quoted;

// The file type strata writes for each dtype (little-endian, as numpy's on x86 and ARM) and the memory type.
hid_t file_type(DType dtype) {
    switch (dtype) {
        case DType::float32: return H5T_IEEE_F32LE;
        case DType::float64: return H5T_IEEE_F64LE;
        case DType::int64: return H5T_STD_I64LE;
        case DType::int32: return H5T_STD_I32LE;
        case DType::uint8: return H5T_STD_U8LE;
        case DType::bool_: break;
    }
    throw TypeError("HDF5: cannot store tensors of dtype " + dtype_name(dtype));
}

hid_t memory_type(DType dtype) {
    switch (dtype) {
        case DType::float32: return H5T_NATIVE_FLOAT;
        case DType::float64: return H5T_NATIVE_DOUBLE;
        case DType::int64: return H5T_NATIVE_INT64;
        case DType::int32: return H5T_NATIVE_INT32;
        case DType::uint8: return H5T_NATIVE_UINT8;
        case DType::bool_: break;
    }
    throw TypeError("HDF5: cannot read into tensors of dtype " + dtype_name(dtype));
}

Shape dataspace_shape(hid_t space, const std::string& where) {
    int rank = H5Sget_simple_extent_ndims(space);
    if (rank < 0) fail("cannot read the shape of " + where);
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    if (rank > 0 && H5Sget_simple_extent_dims(space, dims.data(), nullptr) < 0) fail("cannot read the shape of " + where);
    std::vector<std::int64_t> extents(dims.begin(), dims.end());
    return Shape(extents);
}

}  // namespace

Handle& Handle::operator=(Handle&& other) noexcept {
    if (this != &other) {
        reset();
        closer_ = other.closer_;
        id_ = other.release();
    }
    return *this;
}

void Handle::reset() {
    if (id_ >= 0 && closer_) {
        silence();
        closer_(id_);
        H5Eclear2(H5E_DEFAULT);
    }
    id_ = -1;
}

// ---- Group ----

std::string Group::child_path(const std::string& name) const { return (path_ == "/" ? "/" : path_ + "/") + name; }

std::string Group::where(const std::string& name) const {
    return single_quoted(name.empty() ? path_ : child_path(name)) + " in HDF5 file " + single_quoted(file_);
}

Group Group::create_group(const std::string& name) const {
    silence();
    Handle g(H5Gcreate2(handle_.get(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
    if (!g.valid()) fail("cannot create the group " + where(name));
    return Group(std::move(g), file_, child_path(name), bytes_);
}

Group Group::open_group(const std::string& name) const {
    silence();
    if (!is_group(name)) throw IOError("there is no group " + where(name));
    Handle g(H5Gopen2(handle_.get(), name.c_str(), H5P_DEFAULT), H5Gclose);
    if (!g.valid()) fail("cannot open the group " + where(name));
    return Group(std::move(g), file_, child_path(name), bytes_);
}

bool Group::contains(const std::string& name) const {
    silence();
    if (name.empty() || name.find('/') != std::string::npos) return false;
    htri_t exists = H5Lexists(handle_.get(), name.c_str(), H5P_DEFAULT);
    if (exists < 0) fail("cannot look up " + where(name));
    return exists > 0;
}

bool Group::is_group(const std::string& name) const {
    if (!contains(name)) return false;
    Handle object(H5Oopen(handle_.get(), name.c_str(), H5P_DEFAULT), H5Oclose);
    if (!object.valid()) fail("cannot open " + where(name));
    return H5Iget_type(object.get()) == H5I_GROUP;
}

std::vector<std::string> Group::children() const {
    silence();
    H5G_info_t info;
    if (H5Gget_info(handle_.get(), &info) < 0) fail("cannot list the group " + where(""));
    std::vector<std::string> names;
    for (hsize_t i = 0; i < info.nlinks; ++i) {
        ssize_t size = H5Lget_name_by_idx(handle_.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
        if (size < 0) fail("cannot list the group " + where(""));
        std::string name(static_cast<std::size_t>(size) + 1, '\0');
        if (H5Lget_name_by_idx(handle_.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size(),
                               H5P_DEFAULT) < 0)
            fail("cannot list the group " + where(""));
        name.resize(static_cast<std::size_t>(size));
        names.push_back(std::move(name));
    }
    return names;
}

void Group::write_dataset(const std::string& name, const Tensor& value) const {
    silence();
    hid_t type = file_type(value.dtype());
    Tensor host = value.detach().to(Device::cpu()).clone();  // contiguous, row-major, on the host
    const Shape& shape = host.shape();
    Handle space;
    if (shape.rank() == 0) {
        space = Handle(H5Screate(H5S_SCALAR), H5Sclose);
    } else {
        std::vector<hsize_t> dims;
        for (int i = 0; i < shape.rank(); ++i) dims.push_back(static_cast<hsize_t>(shape[i]));
        space = Handle(H5Screate_simple(shape.rank(), dims.data(), nullptr), H5Sclose);
    }
    if (!space.valid()) fail("cannot describe the shape of the dataset " + where(name));
    // No timestamps, so that saving the same weights twice writes the same bytes.
    Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    if (!dcpl.valid() || H5Pset_obj_track_times(dcpl.get(), false) < 0)
        fail("cannot set up the dataset " + where(name));
    Handle dataset(H5Dcreate2(handle_.get(), name.c_str(), type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                   H5Dclose);
    if (!dataset.valid()) fail("cannot create the dataset " + where(name));
    if (host.numel() > 0 &&
        H5Dwrite(dataset.get(), memory_type(host.dtype()), H5S_ALL, H5S_ALL, H5P_DEFAULT, host.raw_data()) < 0)
        fail("cannot write the dataset " + where(name));
}

DatasetInfo Group::dataset_info(const std::string& name) const {
    silence();
    if (!contains(name) || is_group(name)) throw IOError("there is no dataset " + where(name));
    Handle dataset(H5Dopen2(handle_.get(), name.c_str(), H5P_DEFAULT), H5Dclose);
    if (!dataset.valid()) fail("cannot open the dataset " + where(name));
    Handle type(H5Dget_type(dataset.get()), H5Tclose);
    Handle space(H5Dget_space(dataset.get()), H5Sclose);
    if (!type.valid() || !space.valid()) fail("cannot read the type and shape of the dataset " + where(name));
    H5T_class_t cls = H5Tget_class(type.get());
    std::size_t size = H5Tget_size(type.get());
    DatasetInfo info{DType::float32, dataspace_shape(space.get(), where(name))};
    if (cls == H5T_FLOAT) {
        info.dtype = size > 4 ? DType::float64 : DType::float32;
    } else if (cls == H5T_INTEGER) {
        bool is_signed = H5Tget_sign(type.get()) == H5T_SGN_2;
        if (size == 1 && !is_signed) info.dtype = DType::uint8;
        else if (size < 4 || (size == 4 && is_signed)) info.dtype = DType::int32;
        else info.dtype = DType::int64;
    } else {
        throw IOError("the dataset " + where(name) + " does not hold numbers");
    }
    return info;
}

Tensor Group::read_dataset(const std::string& name, DType dtype) const {
    DatasetInfo info = dataset_info(name);
    silence();
    Handle dataset(H5Dopen2(handle_.get(), name.c_str(), H5P_DEFAULT), H5Dclose);
    if (!dataset.valid()) fail("cannot open the dataset " + where(name));
    Tensor out = Tensor::empty(info.shape, dtype, Device::cpu());
    if (out.numel() > 0 &&
        H5Dread(dataset.get(), memory_type(dtype), H5S_ALL, H5S_ALL, H5P_DEFAULT, out.raw_data()) < 0)
        fail("cannot read the dataset " + where(name));
    return out;
}

void Group::set_string_attribute(const std::string& name, const std::string& value) const {
    silence();
    Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
    if (!type.valid() || H5Tset_size(type.get(), H5T_VARIABLE) < 0 || H5Tset_cset(type.get(), H5T_CSET_UTF8) < 0 ||
        H5Tset_strpad(type.get(), H5T_STR_NULLTERM) < 0)
        fail("cannot make a string type for the attribute " + single_quoted(name) + " of " + where(""));
    Handle space(H5Screate(H5S_SCALAR), H5Sclose);
    if (!space.valid()) fail("cannot make a scalar dataspace for the attribute " + single_quoted(name) + " of " + where(""));
    Handle attribute(H5Acreate2(handle_.get(), name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                     H5Aclose);
    if (!attribute.valid()) fail("cannot create the attribute " + single_quoted(name) + " of " + where(""));
    const char* text = value.c_str();
    if (H5Awrite(attribute.get(), type.get(), &text) < 0)
        fail("cannot write the attribute " + single_quoted(name) + " of " + where(""));
}

bool Group::has_attribute(const std::string& name) const {
    silence();
    htri_t exists = H5Aexists(handle_.get(), name.c_str());
    if (exists < 0) fail("cannot look up the attribute " + single_quoted(name) + " of " + where(""));
    return exists > 0;
}

std::optional<std::string> Group::string_attribute(const std::string& name) const {
    std::optional<std::vector<std::string>> values = string_list_attribute(name);
    if (!values) return std::nullopt;
    if (values->size() != 1)
        throw IOError("the attribute " + single_quoted(name) + " of " + where("") + " is not a single string");
    return values->front();
}

std::optional<std::vector<std::string>> Group::string_list_attribute(const std::string& name) const {
    if (!has_attribute(name)) return std::nullopt;
    silence();
    std::string what = "the attribute " + single_quoted(name) + " of " + where("");
    Handle attribute(H5Aopen(handle_.get(), name.c_str(), H5P_DEFAULT), H5Aclose);
    if (!attribute.valid()) fail("cannot open " + what);
    Handle type(H5Aget_type(attribute.get()), H5Tclose);
    Handle space(H5Aget_space(attribute.get()), H5Sclose);
    if (!type.valid() || !space.valid()) fail("cannot read the type of " + what);
    hssize_t count = H5Sget_simple_extent_npoints(space.get());
    // h5py stores an empty list as an empty float64 array (Keras 2's weight_names of a layer without weights).
    if (count == 0 && H5Sget_simple_extent_ndims(space.get()) == 1) return std::vector<std::string>{};
    if (H5Tget_class(type.get()) != H5T_STRING || count < 0 || H5Sget_simple_extent_ndims(space.get()) > 1)
        throw IOError(what + " is not a string or a list of strings");
    auto n = static_cast<std::size_t>(count);
    std::vector<std::string> values;
    if (H5Tis_variable_str(type.get()) > 0) {
        if (!bytes_) throw IOError("cannot read " + what + ": the file is open for writing");
        return read_variable_length_strings(attribute.get(), n, *bytes_, what);
    }
    // Fixed-length strings (h5py's numpy 'S' arrays, as Keras 2 writes layer_names and weight_names): n
    // strings of `size` bytes each, padded with NULs or spaces.
    std::size_t size = H5Tget_size(type.get());
    if (size == 0 || n > (std::size_t{1} << 30) / size) throw IOError(what + " is too large to be a list of names");
    std::string buffer(size * n, '\0');
    if (!buffer.empty() && H5Aread(attribute.get(), type.get(), buffer.data()) < 0) fail("cannot read " + what);
    for (std::size_t i = 0; i < n; ++i) {
        std::string value = buffer.substr(i * size, size);
        value.resize(std::strlen(value.c_str()));
        while (!value.empty() && value.back() == ' ') value.pop_back();
        values.push_back(std::move(value));
    }
    return values;
}

// ---- File ----

bool has_hdf5_signature(const std::filesystem::path& path) {
    static constexpr std::array<char, 8> signature = {'\x89', 'H', 'D', 'F', '\r', '\n', '\x1a', '\n'};
    std::ifstream in(path, std::ios::binary);
    std::array<char, 8> head{};
    if (!in.read(head.data(), head.size())) return false;
    return head == signature;
}

File File::create(const std::filesystem::path& path) {
    silence();
    Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
    if (!file.valid()) fail("cannot create the HDF5 file " + single_quoted(path.string()));
    return File(std::move(file), path.string());
}

File File::open(const std::filesystem::path& path) {
    silence();
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
    Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    if (!file.valid()) fail("cannot open the HDF5 file " + single_quoted(path.string()));
    return File(std::move(file), path.string(), FileBytes::on_disk(path));
}

namespace {

// The name HDF5 knows an in-memory file by: never a path on disk (the core driver refuses a name that exists
// there) and never one already open.
std::string memory_file_name() {
    static std::atomic<std::uint64_t> next{0};
    return "strata-in-memory-file-" + std::to_string(next.fetch_add(1));
}

}  // namespace

File File::create_in_memory(const std::string& name) {
    silence();
    Handle access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
    // The core driver keeps the file in memory; no backing store, so nothing touches the disk.
    if (!access.valid() || H5Pset_fapl_core(access.get(), std::size_t{1} << 20, 0) < 0)
        fail("cannot set up an in-memory HDF5 file for " + single_quoted(name));
    Handle file(H5Fcreate(memory_file_name().c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access.get()), H5Fclose);
    if (!file.valid()) fail("cannot create the in-memory HDF5 file " + single_quoted(name));
    return File(std::move(file), name);
}

File File::open_image(std::string bytes, const std::string& name) {
    silence();
    static constexpr char signature[] = {'\x89', 'H', 'D', 'F', '\r', '\n', '\x1a', '\n'};
    if (bytes.size() < sizeof signature || std::memcmp(bytes.data(), signature, sizeof signature) != 0)
        throw IOError(single_quoted(name) + " is not an HDF5 file (it does not begin with HDF5's signature)");
    Handle access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
    // H5Pset_file_image copies the bytes; the core driver then reads the file from that copy.
    if (!access.valid() || H5Pset_fapl_core(access.get(), std::size_t{1} << 20, 0) < 0 ||
        H5Pset_file_image(access.get(), const_cast<char*>(bytes.data()), bytes.size()) < 0)
        fail("cannot set up an in-memory HDF5 file for " + single_quoted(name));
    Handle file(H5Fopen(memory_file_name().c_str(), H5F_ACC_RDONLY, access.get()), H5Fclose);
    if (!file.valid()) fail("cannot open the HDF5 file " + single_quoted(name));
    return File(std::move(file), name, FileBytes::in_memory(std::make_shared<const std::string>(std::move(bytes))));
}

std::string File::image() const {
    silence();
    if (H5Fflush(handle_.get(), H5F_SCOPE_LOCAL) < 0) fail("cannot flush the HDF5 file " + single_quoted(path_));
    ssize_t size = H5Fget_file_image(handle_.get(), nullptr, 0);
    if (size < 0) fail("cannot get the bytes of the HDF5 file " + single_quoted(path_));
    std::string bytes(static_cast<std::size_t>(size), '\0');
    if (size > 0 && H5Fget_file_image(handle_.get(), bytes.data(), bytes.size()) != size)
        fail("cannot get the bytes of the HDF5 file " + single_quoted(path_));
    return bytes;
}

Group File::root() const {
    silence();
    Handle g(H5Gopen2(handle_.get(), "/", H5P_DEFAULT), H5Gclose);
    if (!g.valid()) fail("cannot open the root group of the HDF5 file " + single_quoted(path_));
    return Group(std::move(g), path_, "/", bytes_);
}

void File::close() {
    if (!handle_.valid()) return;
    silence();
    Id id = handle_.release();
    if (H5Fflush(id, H5F_SCOPE_LOCAL) < 0) {
        H5Fclose(id);
        fail("cannot write the HDF5 file " + single_quoted(path_));
    }
    if (H5Fclose(id) < 0) fail("cannot close the HDF5 file " + single_quoted(path_));
}

}  // namespace strata::saving::h5
