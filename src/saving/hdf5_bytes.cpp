#include "saving/hdf5_bytes.hpp"

#include <cstring>

#include "strata/core/error.hpp"

namespace strata::saving::h5 {

std::shared_ptr<const FileBytes> FileBytes::on_disk(const std::filesystem::path& path) {
    std::shared_ptr<FileBytes> bytes(new FileBytes());
    bytes->disk_.open(path, std::ios::binary);
    std::error_code ec;
    std::uintmax_t size = std::filesystem::file_size(path, ec);
    if (!bytes->disk_ || ec) throw IOError("cannot read " + path.string());
    bytes->on_disk_ = true;
    bytes->size_ = size;
    return bytes;
}

std::shared_ptr<const FileBytes> FileBytes::in_memory(std::string image) {
    std::shared_ptr<FileBytes> bytes(new FileBytes());
    bytes->size_ = image.size();
    bytes->image_ = std::move(image);
    return bytes;
}

void FileBytes::check(std::uint64_t offset, std::uint64_t count, const std::string& what) const {
    if (offset > size_ || count > size_ - offset)
        throw IOError(what + " runs past the end of the file (" + std::to_string(count) + " bytes at offset " +
                      std::to_string(offset) + ", the file has " + std::to_string(size_) + ")");
}

std::string FileBytes::read(std::uint64_t offset, std::uint64_t count, const std::string& what) const {
    check(offset, count, what);
    if (!on_disk_) return image_.substr(offset, count);
    std::string bytes(count, '\0');
    read_into(offset, count, bytes.data(), what);
    return bytes;
}

void FileBytes::read_into(std::uint64_t offset, std::uint64_t count, void* out, const std::string& what) const {
    check(offset, count, what);
    if (count == 0) return;
    if (!on_disk_) {
        std::memcpy(out, image_.data() + offset, count);
        return;
    }
    std::lock_guard lock(disk_mutex_);
    disk_.clear();
    disk_.seekg(static_cast<std::streamoff>(offset));
    if (!disk_.read(static_cast<char*>(out), static_cast<std::streamsize>(count)))
        throw IOError("cannot read " + what + " (" + std::to_string(count) + " bytes at offset " +
                      std::to_string(offset) + ")");
}

// ---- Cursor ----

void Cursor::fail(const std::string& problem) const { throw IOError(what_ + ": " + problem); }

void Cursor::need(std::uint64_t count) const {
    if (count > left())
        fail("truncated (" + std::to_string(count) + " more bytes wanted at byte " + std::to_string(position_) +
             " of " + std::to_string(bytes_.size()) + ")");
}

std::uint64_t Cursor::uint(unsigned width) {
    need(width);
    std::uint64_t value = 0;
    for (unsigned i = 0; i < width; ++i)
        value |= std::uint64_t{static_cast<unsigned char>(bytes_[position_ + i])} << (8 * i);
    position_ += width;
    return value;
}

std::string Cursor::take(std::uint64_t count) {
    need(count);
    std::string part = bytes_.substr(position_, count);
    position_ += count;
    return part;
}

void Cursor::skip(std::uint64_t count) {
    need(count);
    position_ += count;
}

void Cursor::seek(std::uint64_t position) {
    if (position > bytes_.size()) fail("an offset " + std::to_string(position) + " past its end");
    position_ = position;
}

}  // namespace strata::saving::h5
