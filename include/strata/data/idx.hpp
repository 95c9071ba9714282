// IDX files, the format of MNIST and Fashion-MNIST: two zero bytes, an element type byte, a rank byte, one
// big-endian 32-bit extent per axis, then the elements in row-major order. The files ship gzip-compressed.
#pragma once

#include <string>

#include "strata/core/tensor.hpp"

namespace strata::data {

// Reads one IDX file, gzip-compressed (it starts with the gzip magic 1f 8b) or raw, of any rank, and returns
// a uint8 tensor of the header's shape on the CPU. Only the uint8 element type (0x08) is read: the signed,
// wider and floating types of the format (0x09, 0x0B..0x0E) are refused.
//
// Throws IOError naming the file and what is wrong when it is missing, unreadable, not IDX, corrupt (a
// gzip error or a failed checksum), shorter than its header says or longer. Sizes from the header are
// checked against what the file can hold before anything is allocated.
Tensor read_idx(const std::string& path);

}  // namespace strata::data
