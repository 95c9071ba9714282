#include "saving/hdf5.hpp"

#include <hdf5.h>

#include <array>
#include <atomic>
#include <fstream>
#include <type_traits>

#include "core/text.hpp"
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

// ---- Group, writing ----

Group::Group(Handle handle, std::string file, std::string path)
    : handle_(std::move(handle)), file_(std::move(file)), path_(std::move(path)) {}
Group::Group(Group&&) noexcept = default;
Group& Group::operator=(Group&&) noexcept = default;
Group::~Group() = default;

void Group::check_writing(const std::string& name) const {
    if (!handle_.valid()) throw IOError("cannot write " + where(name) + ": the file is open for reading");
}

std::string Group::child_path(const std::string& name) const { return (path_ == "/" ? "/" : path_ + "/") + name; }

std::string Group::where(const std::string& name) const {
    return single_quoted(name.empty() ? path_ : child_path(name)) + " in HDF5 file " + single_quoted(file_);
}

Group Group::create_group(const std::string& name) const {
    check_writing(name);
    silence();
    Handle g(H5Gcreate2(handle_.get(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
    if (!g.valid()) fail("cannot create the group " + where(name));
    return Group(std::move(g), file_, child_path(name));
}

void Group::write_dataset(const std::string& name, const Tensor& value) const {
    check_writing(name);
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

void Group::set_string_attribute(const std::string& name, const std::string& value) const {
    check_writing("");
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

// ---- File ----

bool has_hdf5_signature(const std::filesystem::path& path) {
    static constexpr std::array<char, 8> signature = {'\x89', 'H', 'D', 'F', '\r', '\n', '\x1a', '\n'};
    std::ifstream in(path, std::ios::binary);
    std::array<char, 8> head{};
    if (!in.read(head.data(), head.size())) return false;
    return head == signature;
}

File::File(Handle handle, std::string path) : handle_(std::move(handle)), path_(std::move(path)) {}

File File::create(const std::filesystem::path& path) {
    silence();
    Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
    if (!file.valid()) fail("cannot create the HDF5 file " + single_quoted(path.string()));
    return File(std::move(file), path.string());
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

std::string File::image() const {
    if (!handle_.valid()) throw IOError("cannot take the bytes of " + single_quoted(path_) + ": it is open for reading");
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
    if (reader_) return read_root();
    silence();
    Handle g(H5Gopen2(handle_.get(), "/", H5P_DEFAULT), H5Gclose);
    if (!g.valid()) fail("cannot open the root group of the HDF5 file " + single_quoted(path_));
    return Group(std::move(g), path_, "/");
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
