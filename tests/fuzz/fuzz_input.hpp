// What the fuzz targets share. libFuzzer hands a target bytes; strata's loaders read paths, as a user's do.
// Each target writes the bytes to one file of its own (in /dev/shm where there is one, so that a run of
// millions of inputs stays in memory) and loads that file through the public API.
//
// A target accepts exactly the failures a user may see: strata::Error and its kinds. Anything else that
// leaves the loader (std::bad_alloc, a JSON library exception, std::out_of_range), like a crash, a leak, a
// sanitizer report, a hang or a memory blow-up, ends the run and is a bug.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace strata::fuzz {

// The file one fuzz target loads its inputs from, named with `suffix` (".keras", ".weights.h5"...), removed
// when the fuzzer exits. A target keeps one in a function-local static.
class InputFile {
public:
    explicit InputFile(const std::string& suffix) {
        std::error_code ec;
        std::filesystem::path dir = std::filesystem::is_directory("/dev/shm", ec) ? std::filesystem::path("/dev/shm")
                                                                                   : std::filesystem::temp_directory_path();
        path_ = (dir / ("strata_fuzz_" + std::to_string(::getpid()) + suffix)).string();
    }
    ~InputFile() {
        std::error_code ec;
        std::filesystem::remove(path_, ec);
    }
    InputFile(const InputFile&) = delete;
    InputFile& operator=(const InputFile&) = delete;

    // Writes one input to the file and returns its path.
    const std::string& write(const std::uint8_t* data, std::size_t size) const {
        std::ofstream out(path_, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
        out.close();
        if (!out) std::abort();  // the fuzzer's own disk, not the loader: nothing to learn from going on
        return path_;
    }

private:
    std::string path_;
};

}  // namespace strata::fuzz
