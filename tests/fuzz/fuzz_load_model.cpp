// libFuzzer target: models::load_model, built twice. As fuzz_keras_archive (FUZZ_SUFFIX ".keras") it reads
// Keras 3 archives: the zip reader's limits, the JSON limits, the layer registry, the functional graph's
// checks, the weight budget, the compile config and the weights file inside. As fuzz_legacy_h5 (".h5") it
// reads legacy Keras 2 HDF5 models: the model_config attribute, then model_weights in
// layer_names/weight_names order, then training_config. load_model tells the two by their bytes, so each
// target can also wander into the other's format.
#include <strata/strata.hpp>

#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const strata::fuzz::InputFile input(FUZZ_SUFFIX);
    const std::string& path = input.write(data, size);
    try {
        strata::Model model = strata::models::load_model(path);
        (void)model.count_params();
    } catch (const strata::Error&) {
    }
    strata::clear_session();
    return 0;
}
