// The loader behind strata::datasets::{fashion_mnist, mnist}::load_data: where the four IDX files are looked
// for, and how they are read and checked as one dataset. Internal; the tests reach it to search folders of
// their own choosing.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "strata/data/datasets.hpp"

namespace strata::data::detail {

struct IdxDataset {
    std::string function;    // names the caller in errors: "fashion_mnist.load_data"
    std::string dirname;     // the folder name under each search root: "fashion-mnist"
    std::string how_to_get;  // the end of the error when no folder holds the files
};

const IdxDataset& fashion_mnist_dataset();
const IdxDataset& mnist_dataset();

// The folders searched, in order: $STRATA_DATASETS/<dirname>, $STRATA_DATASETS, /usr/share/datasets/<dirname>,
// then $KERAS_HOME/datasets/<dirname> or, without KERAS_HOME, ~/.keras/datasets/<dirname>.
std::vector<std::filesystem::path> search_folders(const IdxDataset& dataset);

// Reads the dataset from the first of `folders` that holds any of its four files. Throws IOError listing the
// folders when none does, naming the file when one is missing there or malformed, and naming both files when
// images and labels disagree.
datasets::Splits load_idx_dataset(const IdxDataset& dataset, const std::vector<std::filesystem::path>& folders);

}  // namespace strata::data::detail
