// Reading and writing NumPy .npy files. NumPy reads the header with ast.literal_eval; here a small strict
// parser takes only what np.save writes: a dict of exactly 'descr' (a type string), 'fortran_order' (True or
// False) and 'shape' (a tuple of non-negative integers). Every size comes from the file, so each is checked
// (rank, overflow, the file's length) before the tensor is allocated.
#include "strata/data/npy.hpp"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/atomic_write.hpp"

namespace strata::data {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicSize = 6;
// numpy.lib.format: ARRAY_ALIGN, GROWTH_AXIS_MAX_DIGITS (spare room for the first extent to grow in place)
// and np.load's default max_header_size, beyond which NumPy refuses a header unless told to trust it.
constexpr std::size_t kArrayAlign = 64;
constexpr std::size_t kGrowthAxisMaxDigits = 21;
constexpr std::uint64_t kMaxHeaderSize = 10000;
// NumPy 2's NPY_MAXDIMS.
constexpr std::size_t kMaxRank = 64;

// Names the function and the source in every error.
struct Origin {
    const char* function;
    const std::string& name;
    [[noreturn]] void fail(const std::string& what) const {
        throw IOError(std::string(function) + ": '" + name + "': " + what);
    }
};

// ---------------------------------------------------------------------------------------------------------
// The preamble: magic, version, header length.

struct Preamble {
    int major = 1;
    std::uint64_t prefix_bytes = 0;  // magic, version and the length field
    std::uint64_t header_bytes = 0;  // the dict text, padding and newline
};

std::string hex_bytes(std::string_view bytes) {
    std::string out;
    char text[8];
    for (unsigned char c : bytes) {
        std::snprintf(text, sizeof text, "%s%02X", out.empty() ? "" : " ", c);
        out += text;
    }
    return out;
}

// `first` holds the file's first bytes (12 or all of them when fewer); `total` is the file's length.
Preamble read_preamble(std::string_view first, std::uint64_t total, const Origin& origin) {
    if (first.empty()) origin.fail("not a .npy file: it is empty");
    if (first.size() < kMagicSize || first.substr(0, kMagicSize) != std::string_view(kMagic, kMagicSize))
        origin.fail("not a .npy file: it starts with " + hex_bytes(first.substr(0, kMagicSize)) +
                    ", not the magic \\x93NUMPY");
    if (first.size() < kMagicSize + 2) origin.fail("truncated: the file ends inside the version bytes");
    Preamble p;
    p.major = static_cast<unsigned char>(first[6]);
    int minor = static_cast<unsigned char>(first[7]);
    if (p.major < 1 || p.major > 3 || minor != 0)
        origin.fail("unsupported .npy version " + std::to_string(p.major) + "." + std::to_string(minor) +
                    " (1.0, 2.0 and 3.0 are read)");
    std::size_t length_field = p.major == 1 ? 2 : 4;
    p.prefix_bytes = kMagicSize + 2 + length_field;
    if (first.size() < p.prefix_bytes) origin.fail("truncated: the file ends inside the header length");
    for (std::size_t i = 0; i < length_field; ++i)
        p.header_bytes |= std::uint64_t{static_cast<unsigned char>(first[8 + i])} << (8 * i);
    if (p.header_bytes > kMaxHeaderSize)
        origin.fail("the header declares " + std::to_string(p.header_bytes) + " bytes, over NumPy's limit of " +
                    std::to_string(kMaxHeaderSize));
    if (p.prefix_bytes + p.header_bytes > total)
        origin.fail("truncated: the header declares " + std::to_string(p.header_bytes) + " bytes, the file holds " +
                    std::to_string(total - p.prefix_bytes) + " after the preamble");
    return p;
}

// ---------------------------------------------------------------------------------------------------------
// The header: a Python dict literal.

struct Header {
    DType dtype = float32;
    bool byte_swap = false;  // the file's byte order is not this machine's
    Shape shape;
    std::uint64_t data_bytes = 0;
    std::string descr;
};

// One Python value of the header: a string, a bool or a tuple of integers.
struct Value {
    enum class Kind { string, boolean, tuple } kind = Kind::string;
    std::string text;
    bool flag = false;
    std::vector<std::int64_t> items;
    bool bare_int = false;  // "(3)" is an int in Python, not a tuple
};

class HeaderParser {
public:
    HeaderParser(std::string_view text, const Origin& origin) : text_(text), origin_(origin) {}

    Header parse() {
        if (text_.empty() || text_.back() != '\n') fail("it does not end with a newline");
        std::optional<Value> descr, fortran, shape;
        expect('{');
        skip_space();
        while (peek() != '}') {
            std::string key = string_literal("a key");
            std::optional<Value>* slot = key == "descr"           ? &descr
                                         : key == "fortran_order" ? &fortran
                                         : key == "shape"         ? &shape
                                                                  : nullptr;
            if (!slot)
                fail("unexpected key '" + key + "' (a .npy header holds 'descr', 'fortran_order' and 'shape' only)");
            if (slot->has_value()) fail("the key '" + key + "' appears twice");
            expect(':');
            *slot = parse_value(key);
            skip_space();
            if (peek() == ',') {
                ++pos_;
                skip_space();
            } else if (peek() != '}') {
                fail("expected ',' or '}' at byte " + std::to_string(pos_) + ", got " + shown(peek()));
            }
        }
        ++pos_;
        for (; pos_ < text_.size(); ++pos_)
            if (text_[pos_] != ' ' && text_[pos_] != '\n')
                fail("unexpected " + shown(text_[pos_]) + " after the dict, at byte " + std::to_string(pos_));

        std::vector<std::string> missing;
        if (!descr) missing.push_back("'descr'");
        if (!fortran) missing.push_back("'fortran_order'");
        if (!shape) missing.push_back("'shape'");
        if (!missing.empty()) {
            std::string list;
            for (const std::string& m : missing) list += (list.empty() ? "" : ", ") + m;
            fail("missing key(s) " + list);
        }

        if (descr->kind != Value::Kind::string) fail("'descr' is not a string");
        if (fortran->kind != Value::Kind::boolean) fail("'fortran_order' is not True or False");
        if (shape->kind != Value::Kind::tuple || shape->bare_int) fail("'shape' is not a tuple");
        if (fortran->flag)
            origin_.fail("fortran_order is True: the elements are in Fortran (column-major) order; only C order "
                         "is read (save the array with np.ascontiguousarray)");

        Header header;
        header.descr = descr->text;
        read_descr(header);
        header.shape = checked_shape(shape->items, dtype_size(header.dtype), header.data_bytes);
        return header;
    }

private:
    [[noreturn]] void fail(const std::string& what) const { origin_.fail("bad header: " + what); }

    static std::string shown(char c) {
        if (c == '\0') return "the end";
        if (c >= 0x20 && c < 0x7F) return std::string("'") + c + "'";
        char text[8];
        std::snprintf(text, sizeof text, "0x%02X", static_cast<unsigned char>(c));
        return text;
    }

    char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
    void skip_space() {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n')) ++pos_;
    }
    void expect(char c) {
        skip_space();
        if (peek() != c)
            fail(std::string("expected '") + c + "' at byte " + std::to_string(pos_) + ", got " + shown(peek()));
        ++pos_;
    }

    std::string string_literal(const char* what) {
        skip_space();
        char quote = peek();
        if (quote != '\'' && quote != '"')
            fail(std::string("expected ") + what + " (a quoted string) at byte " + std::to_string(pos_) + ", got " +
                 shown(quote));
        std::size_t start = ++pos_;
        while (pos_ < text_.size() && text_[pos_] != quote) {
            if (text_[pos_] == '\\') fail("escapes in strings are not accepted");
            if (text_[pos_] == '\n') fail("a string runs past the end of the line");
            ++pos_;
        }
        if (pos_ >= text_.size()) fail("a string is not closed");
        return std::string(text_.substr(start, pos_++ - start));
    }

    // A non-negative integer (a leading '-' is read, to say so); Python 2's NumPy wrote "3L".
    std::int64_t integer() {
        bool negative = peek() == '-';
        if (negative) ++pos_;
        if (peek() < '0' || peek() > '9')
            fail("expected an integer at byte " + std::to_string(pos_) + ", got " + shown(peek()));
        std::int64_t value = 0;
        bool overflow = false;
        while (peek() >= '0' && peek() <= '9') {
            int digit = peek() - '0';
            if (value > (std::numeric_limits<std::int64_t>::max() - digit) / 10) overflow = true;
            if (!overflow) value = value * 10 + digit;
            ++pos_;
        }
        if (peek() == 'L') ++pos_;
        if (negative) fail("'shape' has a negative extent");
        if (overflow) fail("'shape' has an extent over 2^63 - 1");
        return value;
    }

    Value parse_value(const std::string& key) {
        skip_space();
        Value v;
        char c = peek();
        if (c == '\'' || c == '"') {
            v.kind = Value::Kind::string;
            v.text = string_literal("a string");
            return v;
        }
        if (c == '(') {
            v.kind = Value::Kind::tuple;
            ++pos_;
            skip_space();
            bool comma_after_last = false;
            while (peek() != ')') {
                if (v.items.size() >= kMaxRank) fail("'shape' has more than " + std::to_string(kMaxRank) + " axes");
                v.items.push_back(integer());
                skip_space();
                comma_after_last = false;
                if (peek() == ',') {
                    ++pos_;
                    skip_space();
                    comma_after_last = true;
                } else if (peek() != ')') {
                    fail("expected ',' or ')' in '" + key + "' at byte " + std::to_string(pos_) + ", got " +
                         shown(peek()));
                }
            }
            ++pos_;
            v.bare_int = v.items.size() == 1 && !comma_after_last;
            return v;
        }
        for (const char* word : {"True", "False"}) {
            std::size_t n = std::strlen(word);
            if (text_.substr(pos_, n) == word) {
                pos_ += n;
                v.kind = Value::Kind::boolean;
                v.flag = word[0] == 'T';
                return v;
            }
        }
        if (c == '[' && key == "descr")
            origin_.fail("'descr' is a list: structured (record) dtypes are not supported");
        fail("the value of '" + key + "' at byte " + std::to_string(pos_) +
             " is not a string, True, False or a tuple (got " + shown(c) + ")");
    }

    void read_descr(Header& header) const {
        const std::string& d = header.descr;
        char order = d.empty() ? '\0' : d[0];
        bool has_order = order == '<' || order == '>' || order == '|' || order == '=';
        std::string type = has_order ? d.substr(1) : d;
        if (!type.empty() && type[0] == 'O')
            origin_.fail("descr '" + d + "' is an object array: its elements are pickled Python objects, "
                         "which are never read");
        if (!has_order)
            origin_.fail("descr '" + d + "' does not start with a byte order ('<', '>', '|' or '=')");
        struct Known {
            const char* code;
            DType dtype;
        };
        static const Known known[] = {{"f4", float32}, {"f8", float64}, {"i4", int32},
                                      {"i8", int64},   {"u1", uint8},   {"b1", bool_}};
        for (const Known& k : known) {
            if (type != k.code) continue;
            header.dtype = k.dtype;
            std::size_t size = dtype_size(k.dtype);
            if (order == '|' && size > 1)
                origin_.fail("descr '" + d + "': a " + std::to_string(size) + "-byte type needs a byte order");
            bool big = order == '>' || (order == '=' && std::endian::native == std::endian::big);
            bool little = order == '<' || (order == '=' && std::endian::native == std::endian::little);
            header.byte_swap = size > 1 && (std::endian::native == std::endian::little ? big : little);
            return;
        }
        origin_.fail("element type '" + d +
                     "' is not supported (strata reads f4, f8, i4, i8, u1 and b1: float32, float64, int32, "
                     "int64, uint8 and bool)");
    }

    // The shape's element and byte counts, overflow-checked: the product of the non-zero extents must fit
    // in 63 bits too, so that a zero extent cannot hide extents whose strides would overflow.
    Shape checked_shape(const std::vector<std::int64_t>& dims, std::size_t item, std::uint64_t& bytes) const {
        std::int64_t nonzero = 1;
        bool has_zero = false;
        for (std::int64_t d : dims) {
            if (d == 0) {
                has_zero = true;
                continue;
            }
            if (nonzero > std::numeric_limits<std::int64_t>::max() / d)
                origin_.fail("the shape " + Shape(dims).to_string() + " overflows a 63-bit element count");
            nonzero *= d;
        }
        std::uint64_t count = has_zero ? 0 : static_cast<std::uint64_t>(nonzero);
        if (count > std::numeric_limits<std::uint64_t>::max() / item)
            origin_.fail("the shape " + Shape(dims).to_string() + " overflows a 64-bit byte count");
        bytes = count * item;
        return Shape(dims);
    }

    std::string_view text_;
    const Origin& origin_;
    std::size_t pos_ = 0;
};

// The data must be exactly what the shape needs: checked before anything is allocated.
void check_data_length(const Header& h, std::uint64_t present, const Origin& origin) {
    std::string claim = "the header's shape " + h.shape.to_string() + " of " + dtype_name(h.dtype) + " needs " +
                        std::to_string(h.data_bytes) + " bytes of data, the file holds " + std::to_string(present);
    if (h.data_bytes > present) origin.fail("truncated: " + claim);
    if (h.data_bytes < present) origin.fail("corrupt: " + claim + " (trailing bytes)");
}

// Byte order and bool normalisation, in place: a C++ bool may only hold 0 or 1, NumPy's any nonzero byte.
void fix_elements(Tensor& t, const Header& h) {
    std::uint64_t count = static_cast<std::uint64_t>(t.numel());
    auto* bytes = static_cast<unsigned char*>(t.raw_data());
    if (count == 0) return;
    if (h.dtype == bool_) {
        for (std::uint64_t i = 0; i < count; ++i) bytes[i] = bytes[i] != 0;
        return;
    }
    if (!h.byte_swap) return;
    std::size_t item = dtype_size(h.dtype);
    for (std::uint64_t i = 0; i < count; ++i) std::reverse(bytes + i * item, bytes + (i + 1) * item);
}

Header parse_header(std::string_view text, const Origin& origin) { return HeaderParser(text, origin).parse(); }

struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};

// ---------------------------------------------------------------------------------------------------------
// Writing.

std::string descr_of(DType dtype) {
    char order = std::endian::native == std::endian::little ? '<' : '>';
    switch (dtype) {
        case DType::float32: return std::string(1, order) + "f4";
        case DType::float64: return std::string(1, order) + "f8";
        case DType::int64: return std::string(1, order) + "i8";
        case DType::int32: return std::string(1, order) + "i4";
        case DType::uint8: return "|u1";
        case DType::bool_: return "|b1";
    }
    return "";
}

// Python's repr of a tuple of ints: (), (3,), (2, 3).
std::string tuple_repr(const Shape& shape) {
    std::string out = "(";
    for (int i = 0; i < shape.rank(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
    return out + (shape.rank() == 1 ? ",)" : ")");
}

}  // namespace

Tensor parse_npy(std::string_view bytes, const std::string& origin_name) {
    Origin origin{"parse_npy", origin_name};
    Preamble p = read_preamble(bytes.substr(0, 12), bytes.size(), origin);
    Header h = parse_header(bytes.substr(p.prefix_bytes, p.header_bytes), origin);
    std::uint64_t offset = p.prefix_bytes + p.header_bytes;
    check_data_length(h, bytes.size() - offset, origin);
    Tensor t = Tensor::empty(h.shape, h.dtype, Device::cpu());
    if (h.data_bytes) std::memcpy(t.raw_data(), bytes.data() + offset, h.data_bytes);
    fix_elements(t, h);
    return t;
}

Tensor load_npy(const std::filesystem::path& path) {
    std::string name = path.string();
    Origin origin{"load_npy", name};
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) origin.fail("is a directory, not a .npy file");
    std::unique_ptr<std::FILE, FileCloser> file(std::fopen(name.c_str(), "rb"));
    if (!file) origin.fail(std::string("cannot open: ") + std::strerror(errno));
    std::uint64_t total = std::filesystem::file_size(path, ec);
    if (ec) origin.fail("cannot read its size: " + ec.message());

    auto read_exactly = [&](void* out, std::uint64_t n, const char* what) {
        std::uint64_t got = n ? std::fread(out, 1, n, file.get()) : 0;
        if (got < n) {
            if (std::ferror(file.get())) origin.fail(std::string("read error: ") + std::strerror(errno));
            origin.fail(std::string("truncated: the file ends inside the ") + what);
        }
    };

    std::string first(static_cast<std::size_t>(std::min<std::uint64_t>(total, 12)), '\0');
    read_exactly(first.data(), first.size(), "preamble");
    Preamble p = read_preamble(first, total, origin);
    // The header is at most kMaxHeaderSize bytes and within the file: both checked above.
    std::string header(static_cast<std::size_t>(p.header_bytes), '\0');
    if (std::fseek(file.get(), static_cast<long>(p.prefix_bytes), SEEK_SET) != 0)
        origin.fail(std::string("cannot seek: ") + std::strerror(errno));
    read_exactly(header.data(), header.size(), "header");
    Header h = parse_header(header, origin);
    check_data_length(h, total - p.prefix_bytes - p.header_bytes, origin);

    Tensor t = Tensor::empty(h.shape, h.dtype, Device::cpu());
    read_exactly(h.data_bytes ? t.raw_data() : nullptr, h.data_bytes, "data");
    fix_elements(t, h);
    return t;
}

std::string to_npy_bytes(const Tensor& tensor) {
    if (!tensor.defined()) throw ValueError("to_npy_bytes: the tensor is undefined");
    if (tensor.is_symbolic())
        throw ValueError("to_npy_bytes: expected a concrete tensor, got a symbolic one of shape " +
                         tensor.shape().to_string());
    Tensor host = tensor.device().is_cpu() ? tensor : tensor.to(Device::cpu());
    const Shape& shape = host.shape();

    // numpy.lib.format._write_array_header: the sorted keys, the growth padding, then _wrap_header.
    std::string dict = "{'descr': '" + descr_of(host.dtype()) + "', 'fortran_order': False, 'shape': " +
                       tuple_repr(shape) + ", }";
    if (shape.rank() > 0) {
        std::size_t digits = std::to_string(shape[0]).size();
        if (digits < kGrowthAxisMaxDigits) dict.append(kGrowthAxisMaxDigits - digits, ' ');
    }
    std::size_t text = dict.size() + 1;  // and the newline
    int major = 1;
    std::size_t prefix = kMagicSize + 2 + 2;
    std::size_t pad = kArrayAlign - (prefix + text) % kArrayAlign;
    if (text + pad > 0xFFFF) {  // the 2-byte length of version 1.0 cannot hold it
        major = 2;
        prefix = kMagicSize + 2 + 4;
        pad = kArrayAlign - (prefix + text) % kArrayAlign;
    }
    std::uint64_t header_bytes = text + pad;

    std::size_t item = dtype_size(host.dtype());
    std::uint64_t data_bytes = static_cast<std::uint64_t>(host.numel()) * item;
    std::string out;
    out.reserve(prefix + header_bytes + data_bytes);
    out.append(kMagic, kMagicSize);
    out.push_back(static_cast<char>(major));
    out.push_back('\0');
    for (std::size_t i = 0; i < prefix - kMagicSize - 2; ++i)
        out.push_back(static_cast<char>((header_bytes >> (8 * i)) & 0xFF));
    out += dict;
    out.append(pad, ' ');
    out.push_back('\n');
    if (data_bytes) out.append(static_cast<const char*>(host.raw_data()), data_bytes);
    return out;
}

void save_npy(const std::filesystem::path& path, const Tensor& tensor) {
    io::write_file_atomically(path, "save_npy", to_npy_bytes(tensor));
}

}  // namespace strata::data
