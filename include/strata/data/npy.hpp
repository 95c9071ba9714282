// NumPy's .npy format (numpy/lib/format.py): the magic "\x93NUMPY", a major and minor version byte, the
// header's length (2 bytes little-endian in version 1.0, 4 bytes in 2.0 and 3.0), the header (a Python dict
// literal such as {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }, padded with spaces and ended
// by a newline), then the elements.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "strata/core/tensor.hpp"

namespace strata::data {

// Reads one .npy file into a new CPU tensor of its shape and element type. Versions 1.0, 2.0 and 3.0 are
// read; the element types are strata's: float32 ('f4'), float64 ('f8'), int32 ('i4'), int64 ('i8'), uint8
// ('u1') and bool ('b1'), little- or big-endian ('<', '>', '|'; '=' is this machine's order). Elements must
// be in C order: fortran_order True is refused, as are object arrays ('|O', which would need pickle) and
// structured dtypes.
//
// Throws IOError naming the file and what is wrong when it is missing, unreadable, not .npy, has a header
// that is not exactly the three keys 'descr', 'fortran_order' and 'shape', or holds fewer or more bytes
// than its shape needs. The shape is checked against the file's length before anything is allocated, so a
// small file declaring 2^62 elements fails at once.
Tensor load_npy(const std::filesystem::path& path);

// The same from bytes in memory (an .npz member, say); `origin` names the source in errors.
Tensor parse_npy(std::string_view bytes, const std::string& origin);

// Writes a tensor as NumPy's np.save does, byte for byte: version 1.0 (2.0 when the header would not fit
// in 65535 bytes), in this machine's byte order (little-endian on x86-64 and ARM), C order, the header padded so that the data start at a multiple of 64
// bytes. The file is written atomically: the path holds the old file or the whole new one, never a part.
// Throws ValueError for an undefined or symbolic tensor, IOError when the file cannot be written.
void save_npy(const std::filesystem::path& path, const Tensor& tensor);

// The bytes save_npy writes.
std::string to_npy_bytes(const Tensor& tensor);

}  // namespace strata::data
