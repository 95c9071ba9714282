// Datasets that Keras downloads, read here from files already on the machine, with the same arrays as
// keras.datasets: `auto [train, test] = strata::datasets::fashion_mnist::load_data();` is Keras's
// `(x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()`.
//
// The four IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz,
// t10k-labels-idx1-ubyte.gz; the same names without .gz are read raw) come from the first of these folders
// that holds any of them:
//   $STRATA_DATASETS/<name>, $STRATA_DATASETS,
//   /usr/share/datasets/<name>                 (Debian's dataset-fashion-mnist installs there),
//   $KERAS_HOME/datasets/<name>, or ~/.keras/datasets/<name> without KERAS_HOME (where Keras caches them),
// with <name> "fashion-mnist" or "mnist". A file missing or malformed is an IOError that says where it
// looked and how to get the files.
#pragma once

#include "strata/core/tensor.hpp"

namespace strata::datasets {

// One part of a dataset: x holds uint8 images [n, 28, 28], y the uint8 labels [n], as Keras returns them.
struct Split {
    Tensor x;
    Tensor y;
};

// The training and test parts, in Keras's order.
struct Splits {
    Split train;
    Split test;
};

namespace fashion_mnist {
// 60,000 training and 10,000 test images of 10 kinds of clothing (labels 0..9: T-shirt/top, Trouser,
// Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot).
Splits load_data();
}  // namespace fashion_mnist

namespace mnist {
// 60,000 training and 10,000 test images of handwritten digits (labels 0..9).
Splits load_data();
}  // namespace mnist

}  // namespace strata::datasets
