// libFuzzer target: data::parse_npy, the reader of NumPy's .npy files that `strata predict` takes.
#include <string_view>

#include <strata/strata.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        (void)strata::data::parse_npy(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz input");
    } catch (const strata::Error&) {
    }
    return 0;
}
