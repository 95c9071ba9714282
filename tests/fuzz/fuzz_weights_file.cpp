// libFuzzer target: Model::load_weights of a Keras 3 .weights.h5 file into a fixed model with the layer
// kinds the layout distinguishes: a convolution, BatchNormalization (trainable and non-trainable weights),
// a weightless layer, Dense, and a compiled Adam whose optimizer/vars the file may hold. The seed corpus
// holds this model's own file, so the fuzzer starts from a layout that loads.
#include <strata/strata.hpp>

#include "fuzz_input.hpp"
#include "fuzz_models.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const strata::fuzz::InputFile input(".weights.h5");
    static strata::Model model = strata::fuzz::weights_target_model();
    const std::string& path = input.write(data, size);
    try {
        model.load_weights(path);
    } catch (const strata::Error&) {
    }
    return 0;
}
