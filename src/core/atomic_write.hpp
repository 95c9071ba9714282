// Writing a file so that its path always holds either the previous file or the complete new one, never a
// part: the content goes to a temporary file in the same directory (the same filesystem, so that the rename
// is atomic), is flushed and synced to disk, then renamed over the path; the directory is synced last, so
// that the rename itself survives a crash.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace strata::io {

// Calls `write(temporary_path)`, which must create and close the file at that path, then moves it into
// place. `what` names the writer in errors ("save_weights", "CSVLogger"). IOError, naming the writer and
// the path, when the directory does not exist or cannot be written, or when the write fails; a temporary
// file is never left behind, and the previous file stays untouched.
void write_atomically(const std::filesystem::path& path, const std::string& what,
                      const std::function<void(const std::filesystem::path& temporary_path)>& write);

// write_atomically for content already in memory.
void write_file_atomically(const std::filesystem::path& path, const std::string& what, std::string_view contents);

}  // namespace strata::io
