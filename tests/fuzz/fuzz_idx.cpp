// libFuzzer target: data::read_idx, the reader of MNIST's and Fashion-MNIST's IDX files, raw or gzip.
#include <strata/strata.hpp>

#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const strata::fuzz::InputFile input(".idx");
    const std::string& path = input.write(data, size);
    try {
        (void)strata::data::read_idx(path);
    } catch (const strata::Error&) {
    }
    return 0;
}
