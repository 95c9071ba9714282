#include "core/atomic_write.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "strata/core/error.hpp"

namespace strata::io {

namespace {

std::string quoted(const std::filesystem::path& p) { return "'" + p.string() + "'"; }

// fsync on a path: the file's data, or a directory's entries.
void sync_path(const std::filesystem::path& path, int flags, const std::string& what) {
    int fd = ::open(path.c_str(), flags | O_CLOEXEC);
    if (fd < 0) throw IOError(what + ": cannot open " + quoted(path) + " to sync it: " + std::strerror(errno));
    int rc = ::fsync(fd);
    int error = errno;
    ::close(fd);
    // Some filesystems cannot sync a directory (EINVAL); the rename is still atomic there.
    if (rc != 0 && !(flags & O_DIRECTORY && error == EINVAL))
        throw IOError(what + ": cannot sync " + quoted(path) + ": " + std::strerror(error));
}

// A name no other writer in this process or another one uses at the same time: hidden, beside the target.
std::filesystem::path temporary_beside(const std::filesystem::path& path) {
    static std::atomic<unsigned> counter{0};
    std::string name = "." + path.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" +
                       std::to_string(counter.fetch_add(1));
    return path.parent_path() / name;
}

}  // namespace

void write_atomically(const std::filesystem::path& path, const std::string& what,
                      const std::function<void(const std::filesystem::path&)>& write) {
    if (path.empty() || !path.has_filename()) throw IOError(what + ": expected a file path, got " + quoted(path));
    std::filesystem::path directory = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
    std::error_code ec;
    if (!std::filesystem::is_directory(directory, ec))
        throw IOError(what + ": the directory " + quoted(directory) + " of " + quoted(path) + " does not exist");
    if (::access(directory.c_str(), W_OK | X_OK) != 0)
        throw IOError(what + ": cannot write in the directory " + quoted(directory) + ": " + std::strerror(errno));
    if (std::filesystem::is_directory(path, ec)) throw IOError(what + ": " + quoted(path) + " is a directory");

    std::filesystem::path temporary = temporary_beside(directory / path.filename());
    try {
        write(temporary);
        if (!std::filesystem::exists(temporary, ec))
            throw IOError(what + ": the writer did not create " + quoted(temporary));
        sync_path(temporary, O_RDONLY, what);
        if (::rename(temporary.c_str(), path.c_str()) != 0)
            throw IOError(what + ": cannot rename " + quoted(temporary) + " to " + quoted(path) + ": " +
                          std::strerror(errno));
    } catch (...) {
        std::filesystem::remove(temporary, ec);
        throw;
    }
    sync_path(directory, O_RDONLY | O_DIRECTORY, what);
}

void write_file_atomically(const std::filesystem::path& path, const std::string& what, std::string_view contents) {
    write_atomically(path, what, [&](const std::filesystem::path& temporary) {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        if (!out) throw IOError(what + ": cannot create " + quoted(temporary) + ": " + std::strerror(errno));
        out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
        out.close();
        if (!out) throw IOError(what + ": writing " + quoted(temporary) + " failed");
    });
}

}  // namespace strata::io
