// keras.datasets.fashion_mnist and keras.datasets.mnist, read from IDX files already on the machine instead
// of downloaded: the four files are looked for in a fixed list of folders (see datasets.hpp).
#include "strata/data/datasets.hpp"

#include <array>
#include <cstdlib>
#include <string>
#include <vector>

#include "idx_datasets.hpp"
#include "strata/data/idx.hpp"

namespace strata::data::detail {

namespace fs = std::filesystem;

namespace {

// Keras's file names and order: train labels, train images, test labels, test images.
constexpr std::array<const char*, 4> kFiles = {"train-labels-idx1-ubyte", "train-images-idx3-ubyte",
                                               "t10k-labels-idx1-ubyte", "t10k-images-idx3-ubyte"};

std::string env(const char* name) {
    const char* value = std::getenv(name);
    return value ? value : "";
}

bool is_file(const fs::path& path) {
    std::error_code ec;
    return fs::is_regular_file(path, ec);
}

// The file as shipped (gzip) or, where someone unpacked it, without the .gz.
fs::path find_in(const fs::path& folder, const std::string& name) {
    fs::path gz = folder / (name + ".gz");
    if (is_file(gz)) return gz;
    fs::path raw = folder / name;
    if (is_file(raw)) return raw;
    return {};
}

std::string file_list() {
    std::string list;
    for (std::size_t i = 0; i < kFiles.size(); ++i) list += (i ? ", " : "") + std::string(kFiles[i]) + ".gz";
    return list;
}

Tensor read(const IdxDataset& dataset, const fs::path& path) {
    try {
        return read_idx(path.string());
    } catch (const IOError& e) {
        throw IOError(dataset.function + ": " + e.what());
    }
}

// Images [n, rows, cols] and labels [n] from one pair of files, checked against each other.
datasets::Split read_split(const IdxDataset& dataset, const fs::path& labels_path, const fs::path& images_path) {
    datasets::Split split;
    split.y = read(dataset, labels_path);
    split.x = read(dataset, images_path);
    const std::string& f = dataset.function;
    if (split.y.rank() != 1)
        throw IOError(f + ": '" + labels_path.string() + "' holds shape " + split.y.shape().to_string() +
                      ", expected labels of rank 1 (n,)");
    if (split.x.rank() != 3)
        throw IOError(f + ": '" + images_path.string() + "' holds shape " + split.x.shape().to_string() +
                      ", expected images of rank 3 (n, rows, cols)");
    if (split.x.size(0) != split.y.size(0))
        throw IOError(f + ": '" + images_path.string() + "' holds " + std::to_string(split.x.size(0)) +
                      " images but '" + labels_path.string() + "' holds " + std::to_string(split.y.size(0)) +
                      " labels; the two files must come from the same dataset");
    return split;
}

}  // namespace

const IdxDataset& fashion_mnist_dataset() {
    static const IdxDataset dataset{
        "fashion_mnist.load_data", "fashion-mnist",
        "Install them with `apt-get install dataset-fashion-mnist`, or set STRATA_DATASETS to a folder that "
        "holds them (or holds a fashion-mnist folder that does)."};
    return dataset;
}

const IdxDataset& mnist_dataset() {
    static const IdxDataset dataset{
        "mnist.load_data", "mnist",
        "Get the four MNIST IDX files and set STRATA_DATASETS to the folder that holds them (or holds a mnist "
        "folder that does), or put them in /usr/share/datasets/mnist or ~/.keras/datasets/mnist."};
    return dataset;
}

std::vector<fs::path> search_folders(const IdxDataset& dataset) {
    std::vector<fs::path> folders;
    if (std::string root = env("STRATA_DATASETS"); !root.empty()) {
        folders.push_back(fs::path(root) / dataset.dirname);
        folders.push_back(fs::path(root));
    }
    folders.push_back(fs::path("/usr/share/datasets") / dataset.dirname);
    // Where keras.datasets caches its downloads: keras_home()/datasets/<name>.
    if (std::string keras_home = env("KERAS_HOME"); !keras_home.empty())
        folders.push_back(fs::path(keras_home) / "datasets" / dataset.dirname);
    else if (std::string home = env("HOME"); !home.empty())
        folders.push_back(fs::path(home) / ".keras" / "datasets" / dataset.dirname);
    return folders;
}

datasets::Splits load_idx_dataset(const IdxDataset& dataset, const std::vector<fs::path>& folders) {
    // The first folder with any of the files is the dataset's: mixing files from two folders could pair the
    // images of one dataset with the labels of another.
    for (const fs::path& folder : folders) {
        std::array<fs::path, 4> paths;
        bool any = false;
        for (std::size_t i = 0; i < kFiles.size(); ++i) {
            paths[i] = find_in(folder, kFiles[i]);
            any = any || !paths[i].empty();
        }
        if (!any) continue;
        for (std::size_t i = 0; i < kFiles.size(); ++i)
            if (paths[i].empty())
                throw IOError(dataset.function + ": '" + folder.string() +
                              "' holds some of the dataset's files but not " + kFiles[i] + ".gz (nor " + kFiles[i] +
                              "); it needs all four: " + file_list() + ". " + dataset.how_to_get);
        datasets::Splits splits;
        splits.train = read_split(dataset, paths[0], paths[1]);
        splits.test = read_split(dataset, paths[2], paths[3]);
        return splits;
    }
    std::string looked;
    for (const fs::path& folder : folders) looked += "\n  " + folder.string();
    throw IOError(dataset.function + ": cannot find the dataset's files (" + file_list() + "); looked in:" + looked +
                  "\n" + dataset.how_to_get);
}

}  // namespace strata::data::detail

namespace strata::datasets {

namespace fashion_mnist {
Splits load_data() {
    const auto& dataset = data::detail::fashion_mnist_dataset();
    return data::detail::load_idx_dataset(dataset, data::detail::search_folders(dataset));
}
}  // namespace fashion_mnist

namespace mnist {
Splits load_data() {
    const auto& dataset = data::detail::mnist_dataset();
    return data::detail::load_idx_dataset(dataset, data::detail::search_folders(dataset));
}
}  // namespace mnist

}  // namespace strata::datasets
