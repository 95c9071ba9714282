// The object header messages strata's HDF5 reader decodes: datatype, dataspace and attribute (HDF5 File
// Format Specification 3.0, IV.A.2.d, IV.A.2.b and IV.A.2.m). Anything else a Keras file never holds (a
// compound, an enum, an array, a reference, a shared type) is refused by name.
#include <iterator>
#include <string>

#include "saving/hdf5_reader.hpp"

namespace strata::saving::h5::format {

std::uint64_t Dataspace::count() const {
    if (null) return 0;
    std::uint64_t n = 1;
    for (std::uint64_t d : dims) {
        if (d != 0 && n > UINT64_MAX / d) return UINT64_MAX;  // more than any file holds: refused by its caller
        n *= d;
    }
    return n;
}

namespace {

// IEEE 754 binary16, binary32 and binary64 as HDF5 describes them: bit precision, exponent location and size,
// mantissa location and size, exponent bias.
bool is_ieee(std::uint32_t size, std::uint64_t precision, std::uint64_t exponent_at, std::uint64_t exponent_bits,
             std::uint64_t mantissa_at, std::uint64_t mantissa_bits, std::uint64_t bias) {
    auto is = [&](std::uint64_t bits, std::uint64_t exponent, std::uint64_t mantissa, std::uint64_t exponent_bias) {
        return precision == bits && exponent_at == mantissa && exponent_bits == exponent && mantissa_at == 0 &&
               mantissa_bits == mantissa && bias == exponent_bias;
    };
    switch (size) {
        case 2: return is(16, 5, 10, 15);
        case 4: return is(32, 8, 23, 127);
        case 8: return is(64, 11, 52, 1023);
        default: return false;
    }
}

Datatype decode_datatype(Cursor& m, int depth);

}  // namespace

Datatype decode_datatype(Cursor& m) { return decode_datatype(m, 0); }

namespace {

Datatype decode_datatype(Cursor& m, int depth) {
    std::uint8_t class_and_version = m.byte();
    unsigned type_class = class_and_version & 0x0f;
    unsigned version = class_and_version >> 4;
    if (version < 1 || version > 3)
        m.fail("a datatype of version " + std::to_string(version) + ", HDF5 defines 1 to 3");
    auto bits = static_cast<std::uint32_t>(m.uint(3));
    Datatype type;
    type.size = static_cast<std::uint32_t>(m.uint(4));
    switch (type_class) {
        case 0: {  // fixed-point
            type.kind = Datatype::Kind::integer;
            type.big_endian = bits & 0x1;
            type.is_signed = bits & 0x8;
            std::uint64_t offset = m.uint(2), precision = m.uint(2);
            if ((type.size != 1 && type.size != 2 && type.size != 4 && type.size != 8) || offset != 0 ||
                precision != 8 * std::uint64_t{type.size})
                m.fail("an integer type of " + std::to_string(type.size) + " bytes with " + std::to_string(precision) +
                       " bits at bit " + std::to_string(offset) + "; strata reads whole 1, 2, 4 and 8-byte integers");
            return type;
        }
        case 1: {  // floating-point
            type.kind = Datatype::Kind::floating;
            type.big_endian = bits & 0x1;
            if (bits & 0x40) m.fail("a floating-point type in VAX byte order");
            std::uint64_t offset = m.uint(2), precision = m.uint(2);
            std::uint64_t exponent_at = m.byte(), exponent_bits = m.byte();
            std::uint64_t mantissa_at = m.byte(), mantissa_bits = m.byte();
            std::uint64_t bias = m.uint(4);
            if (offset != 0 ||
                !is_ieee(type.size, precision, exponent_at, exponent_bits, mantissa_at, mantissa_bits, bias))
                m.fail("a floating-point type of " + std::to_string(type.size) +
                       " bytes that is not IEEE 754 half, single or double precision");
            return type;
        }
        case 3:  // string, fixed length; the padding (NUL or space) is dealt with when read
            type.kind = Datatype::Kind::fixed_string;
            if (type.size == 0) m.fail("a string type of 0 bytes");
            return type;
        case 9: {  // variable length
            if ((bits & 0xf) != 1) m.fail("a variable-length sequence that is not a string");
            type.kind = Datatype::Kind::variable_string;
            if (depth > 0) m.fail("a variable-length string of variable-length strings");
            Datatype base = decode_datatype(m, depth + 1);
            if (base.size != 1)
                m.fail("a variable-length string of " + std::to_string(base.size) + "-byte characters");
            return type;
        }
        default: break;
    }
    static const char* const names[] = {"fixed-point", "floating-point", "time", "string", "bitfield", "opaque",
                                        "compound", "reference", "enumerated", "variable-length", "array"};
    std::string name =
        type_class < std::size(names) ? names[type_class] : "unknown (" + std::to_string(type_class) + ")";
    m.fail("a datatype of class " + name + ", which a Keras file never holds");
}

}  // namespace

Dataspace decode_dataspace(Cursor& m, unsigned length_size) {
    unsigned version = m.byte();
    unsigned rank = m.byte();
    m.byte();  // flags: whether maximum dimensions follow the dimensions, which do not matter here
    Dataspace space;
    if (version == 1) {
        m.skip(5);  // reserved
    } else if (version == 2) {
        unsigned kind = m.byte();
        if (kind > 2) m.fail("a dataspace of type " + std::to_string(kind) + ", HDF5 defines 0 to 2");
        space.null = kind == 2;
        if (kind == 0 && rank != 0) m.fail("a scalar dataspace of rank " + std::to_string(rank));
    } else {
        m.fail("a dataspace of version " + std::to_string(version) + ", HDF5 defines 1 and 2");
    }
    if (rank > 32) m.fail("a dataspace of rank " + std::to_string(rank) + ", more than HDF5's 32");
    for (unsigned i = 0; i < rank; ++i) space.dims.push_back(m.uint(length_size));
    return space;
}

Attribute decode_attribute(Cursor& m, unsigned length_size) {
    unsigned version = m.byte();
    if (version < 1 || version > 3)
        m.fail("an attribute of version " + std::to_string(version) + ", HDF5 defines 1 to 3");
    unsigned flags = m.byte();
    if (flags & 0x3) m.fail("an attribute with a shared datatype or dataspace, which strata does not read");
    std::uint64_t name_size = m.uint(2), type_size = m.uint(2), space_size = m.uint(2);
    if (version == 3) m.skip(1);  // the name's character set
    // Version 1 pads each part to 8 bytes; the sizes above leave the padding out.
    auto padded = [version](std::uint64_t size) { return version == 1 ? (size + 7) / 8 * 8 : size; };
    Attribute attribute;
    std::string name = m.take(padded(name_size));
    if (name_size == 0 || name_size > name.size())
        m.fail("an attribute whose name is " + std::to_string(name_size) + " bytes");
    name.resize(name_size);
    if (name.back() != '\0') m.fail("an attribute name without its terminating NUL");
    name.pop_back();
    attribute.name = name.substr(0, name.find('\0'));
    Cursor type(m.take(padded(type_size)), m.what() + ", the datatype of the attribute '" + attribute.name + "'");
    attribute.type = decode_datatype(type);
    Cursor space(m.take(padded(space_size)), m.what() + ", the dataspace of the attribute '" + attribute.name + "'");
    attribute.space = decode_dataspace(space, length_size);
    std::uint64_t count = attribute.space.count();
    if (attribute.type.size != 0 && count > m.left() / attribute.type.size)
        m.fail("the attribute '" + attribute.name + "' declares " + std::to_string(count) + " elements of " +
               std::to_string(attribute.type.size) + " bytes in " + std::to_string(m.left()) + " bytes");
    attribute.data = m.take(count * attribute.type.size);
    return attribute;
}

}  // namespace strata::saving::h5::format
