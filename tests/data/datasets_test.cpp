// fashion_mnist / mnist load_data: where the files are looked for, how a missing or mismatched file is
// reported, and the real Fashion-MNIST that Debian's dataset-fashion-mnist installs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <numeric>
#include <string>
#include <vector>

#include <strata/data/datasets.hpp>

#include "core/tensor_matchers.hpp"
#include "data/idx_datasets.hpp"
#include "data/idx_files.hpp"

namespace strata {
namespace {

namespace fs = std::filesystem;
using testing::counting_bytes;
using testing::expect_error;
using testing::idx_bytes;
using testing::ScopedEnv;
using testing::TempDir;
using testing::write_gzip;
using testing::write_raw;

// A small dataset in Keras's four files: `n_train` and `n_test` images of 2 x 3 pixels. The first pixel of
// every image is `tag`, so a test can tell two such datasets apart.
void write_dataset(const fs::path& folder, std::uint32_t n_train, std::uint32_t n_test, unsigned char tag,
                   bool gzip = true) {
    fs::create_directories(folder);
    auto write = [&](const std::string& name, const std::string& bytes) {
        gzip ? write_gzip((folder / (name + ".gz")).string(), bytes) : write_raw((folder / name).string(), bytes);
    };
    auto images = [&](std::uint32_t n) {
        std::string data = counting_bytes(n * 6, 1);
        for (std::uint32_t i = 0; i < n; ++i) data[i * 6] = static_cast<char>(tag);
        return idx_bytes({n, 2, 3}, data);
    };
    auto labels = [&](std::uint32_t n) {
        std::string data;
        for (std::uint32_t i = 0; i < n; ++i) data.push_back(static_cast<char>(i % 10));
        return idx_bytes({n}, data);
    };
    write("train-images-idx3-ubyte", images(n_train));
    write("train-labels-idx1-ubyte", labels(n_train));
    write("t10k-images-idx3-ubyte", images(n_test));
    write("t10k-labels-idx1-ubyte", labels(n_test));
}

void expect_dataset(const datasets::Splits& splits, std::int64_t n_train, std::int64_t n_test, unsigned char tag) {
    EXPECT_EQ(splits.train.x.shape(), Shape({n_train, 2, 3}));
    EXPECT_EQ(splits.train.y.shape(), Shape({n_train}));
    EXPECT_EQ(splits.test.x.shape(), Shape({n_test, 2, 3}));
    EXPECT_EQ(splits.test.y.shape(), Shape({n_test}));
    EXPECT_EQ(splits.train.x.dtype(), uint8);
    EXPECT_EQ(splits.train.y.dtype(), uint8);
    EXPECT_EQ(splits.train.x.to_vector<std::uint8_t>()[0], tag);
    EXPECT_EQ(splits.test.x.to_vector<std::uint8_t>()[0], tag);
    std::vector<std::uint8_t> labels = splits.train.y.to_vector<std::uint8_t>();
    for (std::size_t i = 0; i < labels.size(); ++i) EXPECT_EQ(labels[i], i % 10);
}

// Points every search root the loaders know at empty temporary folders, so that only what a test writes is
// found (Debian's /usr/share/datasets aside, which tests of MNIST check is absent).
struct IsolatedSearch {
    TempDir root;
    TempDir home;
    ScopedEnv strata{"STRATA_DATASETS", root.path().string()};
    ScopedEnv keras{"KERAS_HOME", std::nullopt};
    ScopedEnv user{"HOME", home.path().string()};
};

TEST(DataDatasets, SearchFoldersFollowTheDocumentedOrder) {
    ScopedEnv strata("STRATA_DATASETS", "/data/sets");
    ScopedEnv keras("KERAS_HOME", std::nullopt);
    ScopedEnv home("HOME", "/home/someone");
    std::vector<fs::path> expected = {"/data/sets/fashion-mnist", "/data/sets", "/usr/share/datasets/fashion-mnist",
                                      "/home/someone/.keras/datasets/fashion-mnist"};
    EXPECT_EQ(data::detail::search_folders(data::detail::fashion_mnist_dataset()), expected);

    // Keras keeps its downloads in $KERAS_HOME/datasets when KERAS_HOME is set.
    ScopedEnv keras_home("KERAS_HOME", "/opt/keras");
    ScopedEnv unset("STRATA_DATASETS", std::nullopt);
    expected = {"/usr/share/datasets/mnist", "/opt/keras/datasets/mnist"};
    EXPECT_EQ(data::detail::search_folders(data::detail::mnist_dataset()), expected);
}

TEST(DataDatasets, StrataDatasetsOverridesWithANamedFolder) {
    IsolatedSearch search;
    write_dataset(search.root.path() / "fashion-mnist", 5, 3, 201);
    write_dataset(search.root.path() / "mnist", 4, 2, 202, /*gzip=*/false);  // unpacked files are read too
    expect_dataset(datasets::fashion_mnist::load_data(), 5, 3, 201);
    expect_dataset(datasets::mnist::load_data(), 4, 2, 202);
}

TEST(DataDatasets, StrataDatasetsItselfMayHoldTheFiles) {
    IsolatedSearch search;
    write_dataset(search.root.path(), 6, 2, 203);
    expect_dataset(datasets::fashion_mnist::load_data(), 6, 2, 203);
}

TEST(DataDatasets, KerasCacheFolderIsSearched) {
    IsolatedSearch search;
    if (fs::exists("/usr/share/datasets/mnist")) GTEST_SKIP() << "a system MNIST comes first";
    write_dataset(search.home.path() / ".keras" / "datasets" / "mnist", 3, 1, 204);
    expect_dataset(datasets::mnist::load_data(), 3, 1, 204);
}

TEST(DataDatasets, MissingFilesListWhereItLookedAndHowToGetThem) {
    TempDir empty;
    const auto& fashion = data::detail::fashion_mnist_dataset();
    std::vector<fs::path> folders = {empty.path() / "fashion-mnist", empty.path()};
    expect_error<IOError>([&] { data::detail::load_idx_dataset(fashion, folders); },
                          {"fashion_mnist.load_data", "cannot find", "train-images-idx3-ubyte.gz",
                           folders[0].string(), folders[1].string(), "apt-get install dataset-fashion-mnist",
                           "STRATA_DATASETS"});

    IsolatedSearch search;
    if (fs::exists("/usr/share/datasets/mnist")) GTEST_SKIP() << "a system MNIST would be found";
    expect_error<IOError>([] { datasets::mnist::load_data(); },
                          {"mnist.load_data", "cannot find", search.root.path().string(), "/usr/share/datasets/mnist",
                           (search.home.path() / ".keras/datasets/mnist").string(), "STRATA_DATASETS"});
}

TEST(DataDatasets, AFolderWithSomeFilesMustHoldAll) {
    TempDir dir;
    write_dataset(dir.path(), 3, 2, 1);
    fs::remove(dir.path() / "t10k-labels-idx1-ubyte.gz");
    TempDir other;
    write_dataset(other.path(), 3, 2, 2);
    // The first folder with any file is the dataset's; the complete one after it is not mixed in.
    expect_error<IOError>(
        [&] { data::detail::load_idx_dataset(data::detail::mnist_dataset(), {dir.path(), other.path()}); },
        {"mnist.load_data", dir.path().string(), "not t10k-labels-idx1-ubyte.gz"});
}

TEST(DataDatasets, ImageAndLabelCountsMustAgree) {
    TempDir dir;
    write_dataset(dir.path(), 5, 2, 1);
    write_gzip((dir.path() / "train-labels-idx1-ubyte.gz").string(), idx_bytes({4}, "\1\2\3\4"));
    expect_error<IOError>(
        [&] { data::detail::load_idx_dataset(data::detail::mnist_dataset(), {dir.path()}); },
        {"mnist.load_data", "train-images-idx3-ubyte.gz", "holds 5 images", "train-labels-idx1-ubyte.gz",
         "holds 4 labels"});
}

TEST(DataDatasets, SwappedFilesAreCaughtByRank) {
    TempDir dir;
    write_dataset(dir.path(), 5, 2, 1);
    fs::rename(dir.path() / "t10k-labels-idx1-ubyte.gz", dir.path() / "swap");
    fs::rename(dir.path() / "t10k-images-idx3-ubyte.gz", dir.path() / "t10k-labels-idx1-ubyte.gz");
    fs::rename(dir.path() / "swap", dir.path() / "t10k-images-idx3-ubyte.gz");
    expect_error<IOError>(
        [&] { data::detail::load_idx_dataset(data::detail::fashion_mnist_dataset(), {dir.path()}); },
        {"fashion_mnist.load_data", "t10k-labels-idx1-ubyte.gz", "(2, 2, 3)", "expected labels of rank 1"});
}

TEST(DataDatasets, CorruptFileErrorsNameTheLoaderAndTheFile) {
    TempDir dir;
    write_dataset(dir.path(), 5, 2, 1);
    std::string images = (dir.path() / "train-images-idx3-ubyte.gz").string();
    write_gzip(images, idx_bytes({5, 2, 3}, counting_bytes(20)));
    expect_error<IOError>(
        [&] { data::detail::load_idx_dataset(data::detail::fashion_mnist_dataset(), {dir.path()}); },
        {"fashion_mnist.load_data: read_idx", images, "truncated"});
}

// The real data, from Debian's dataset-fashion-mnist. Keras documents the shapes and the uint8 labels 0..9;
// the first labels (9 = ankle boot for both splits) and the first image's pixel sum were read from the files.
TEST(DataDatasets, FashionMnistFromDebian) {
    const fs::path debian = "/usr/share/datasets/fashion-mnist";
    if (!fs::exists(debian / "train-images-idx3-ubyte.gz"))
        GTEST_SKIP() << "dataset-fashion-mnist is not installed";
    TempDir home;
    ScopedEnv strata("STRATA_DATASETS", std::nullopt);
    ScopedEnv keras("KERAS_HOME", std::nullopt);
    ScopedEnv user("HOME", home.path().string());

    auto [train, test] = datasets::fashion_mnist::load_data();
    EXPECT_EQ(train.x.shape(), Shape({60000, 28, 28}));
    EXPECT_EQ(train.y.shape(), Shape({60000}));
    EXPECT_EQ(test.x.shape(), Shape({10000, 28, 28}));
    EXPECT_EQ(test.y.shape(), Shape({10000}));
    EXPECT_EQ(train.x.dtype(), uint8);
    EXPECT_EQ(train.y.dtype(), uint8);

    std::vector<std::uint8_t> y_train = train.y.to_vector<std::uint8_t>();
    std::vector<std::uint8_t> y_test = test.y.to_vector<std::uint8_t>();
    EXPECT_EQ(*std::max_element(y_train.begin(), y_train.end()), 9);
    EXPECT_EQ(*std::max_element(y_test.begin(), y_test.end()), 9);
    EXPECT_EQ(std::vector<std::uint8_t>(y_train.begin(), y_train.begin() + 6),
              (std::vector<std::uint8_t>{9, 0, 0, 3, 0, 2}));
    EXPECT_EQ(std::vector<std::uint8_t>(y_test.begin(), y_test.begin() + 6),
              (std::vector<std::uint8_t>{9, 2, 1, 1, 6, 1}));
    // Balanced: 6,000 training and 1,000 test images of each class.
    std::vector<int> counts(10, 0);
    for (std::uint8_t y : y_train) ++counts[y];
    EXPECT_EQ(counts, std::vector<int>(10, 6000));

    const auto* pixels = train.x.data<std::uint8_t>();
    EXPECT_EQ(std::accumulate(pixels, pixels + 784, 0L), 76247L);
}

}  // namespace
}  // namespace strata
