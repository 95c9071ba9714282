// Writes the fuzz targets' seed corpus: small files of each format made by strata itself (small inputs
// let the fuzzer try many more mutations a second), the Keras fixtures that are small enough to mutate
// quickly, and an IDX file of Fashion-MNIST when the dataset is installed.
//   strata_fuzz_seeds <seeds-dir> <keras-fixtures-dir> [<fashion-mnist-dir>]
// makes <seeds-dir>/{keras_archive,legacy_h5,weights_file,idx,npy}.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <strata/strata.hpp>

#include "fuzz_models.hpp"

namespace fs = std::filesystem;
using namespace strata;

namespace {

void copy_if_present(const fs::path& from, const fs::path& to_dir) {
    std::error_code ec;
    if (fs::is_regular_file(from, ec)) fs::copy_file(from, to_dir / from.filename(), fs::copy_options::overwrite_existing);
}

void write_bytes(const fs::path& path, const std::vector<std::uint8_t>& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::cerr << "usage: strata_fuzz_seeds <seeds-dir> <keras-fixtures-dir> [<fashion-mnist-dir>]\n";
        return 2;
    }
    fs::path seeds = argv[1], fixtures = argv[2];
    for (const char* target : {"keras_archive", "legacy_h5", "weights_file", "idx", "npy"})
        fs::create_directories(seeds / target);
    utils::set_random_seed(1);

    // .keras archives: a compiled Sequential, a functional DAG, and the two smallest real Keras models.
    Sequential mlp;
    mlp.add(Input({3}));
    mlp.add(layers::Dense(2, "relu"));
    mlp.add(layers::Dropout(0.5));
    mlp.add(layers::Dense(1));
    mlp.compile({.optimizer = optimizers::RMSprop(0.001), .loss = "mse", .metrics = {"mae"}});
    mlp.train_on_batch(random::normal({4, 3}), random::normal({4, 1}));  // the optimizer's variables exist
    mlp.save((seeds / "keras_archive" / "mlp.keras").string());
    Model dag = fuzz::functional_seed_model();
    dag.save((seeds / "keras_archive" / "dag.keras").string());
    for (const char* name : {"mlp_churn_keras3.keras", "evil_custom_class.keras", "evil_npz_pickle.keras"})
        copy_if_present(fixtures / name, seeds / "keras_archive");

    // legacy .h5 models: strata reads them but writes only Keras 3's formats, so these are Keras's own.
    for (const char* name : {"legacy_functional_concat_keras2.h5", "legacy_mlp_keras3_h5format.h5",
                             "legacy_weights_only_keras2.h5"})
        copy_if_present(fixtures / name, seeds / "legacy_h5");

    // .weights.h5: the target model's own file, with and without the optimizer's variables.
    Sequential target = fuzz::weights_target_model();
    target.save_weights((seeds / "weights_file" / "untrained.weights.h5").string());
    target.train_on_batch(random::normal({2, 6, 6, 2}), utils::to_categorical(Tensor::from_vector<std::int64_t>({0, 1}), 2));
    target.save_weights((seeds / "weights_file" / "trained.weights.h5").string());

    // IDX: a raw rank-3 file of 2x2x3 bytes, a rank-1 one, and Fashion-MNIST's test labels (gzip).
    write_bytes(seeds / "idx" / "images.idx3", {0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 7,
                                               8, 9, 10, 11, 12});
    write_bytes(seeds / "idx" / "labels.idx1", {0, 0, 0x08, 1, 0, 0, 0, 4, 9, 0, 0, 3});
    if (argc > 3) copy_if_present(fs::path(argv[3]) / "t10k-labels-idx1-ubyte.gz", seeds / "idx");

    // .npy: each element type strata reads.
    data::save_npy(seeds / "npy" / "f4.npy", random::normal({2, 3}));
    data::save_npy(seeds / "npy" / "f8.npy", random::normal({3}, 0.0, 1.0, float64));
    data::save_npy(seeds / "npy" / "i8.npy", Tensor::from_vector<std::int64_t>({1, -2, 3, -4}, {2, 2}));
    data::save_npy(seeds / "npy" / "scalar.npy", Tensor::from_vector<std::int32_t>({7}, {}));
    return 0;
}
