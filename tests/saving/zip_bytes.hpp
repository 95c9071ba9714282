// Zip archives built byte by byte (PKWARE APPNOTE 4.3: local headers, central directory, end record), so that
// the tests can make the archives no honest writer makes: two entries of one name, names that climb out of
// the folder, sizes that lie, deflate bombs. The deflate streams are written by hand too (RFC 1951), so the
// tests need no zlib of their own.
#pragma once

#include <array>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace strata::testing {

// CRC-32 (IEEE 802.3, as zip headers hold it), table-driven: the bombs are megabytes long.
inline std::uint32_t zip_crc32(const std::string& bytes) {
    static const std::array<std::uint32_t, 256> table = [] {
        std::array<std::uint32_t, 256> t{};
        for (std::uint32_t i = 0; i < 256; ++i) {
            std::uint32_t c = i;
            for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
            t[i] = c;
        }
        return t;
    }();
    std::uint32_t crc = 0xFFFFFFFFu;
    for (char ch : bytes) crc = (crc >> 8) ^ table[(crc ^ static_cast<unsigned char>(ch)) & 0xFFu];
    return ~crc;
}

// One entry as the archive declares it. `data` is what is stored after the local header (the compressed
// bytes for deflate); `size` and `crc` are what the headers claim about the uncompressed data.
struct ZipEntrySpec {
    std::string name;
    std::string data;
    std::uint16_t method = 0;  // 0 stored, 8 deflate
    std::uint64_t size = 0;
    std::uint32_t crc = 0;
    std::uint16_t flags = 0;  // bit 0: encrypted
    std::int64_t compressed_size = -1;  // what the headers claim; -1: data.size(), the truth
};

// A stored entry that tells the truth.
inline ZipEntrySpec stored_entry(const std::string& name, const std::string& data) {
    return {name, data, 0, data.size(), zip_crc32(data)};
}

inline void put_le(std::string& out, std::uint64_t value, int bytes) {
    for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

// The archive: a local header and the data of each entry, then the central directory and its end record.
inline std::string zip_bytes(const std::vector<ZipEntrySpec>& entries) {
    auto compressed = [](const ZipEntrySpec& e) {
        return e.compressed_size < 0 ? e.data.size() : static_cast<std::uint64_t>(e.compressed_size);
    };
    std::string out;
    std::vector<std::uint64_t> offsets;
    for (const ZipEntrySpec& e : entries) {
        offsets.push_back(out.size());
        put_le(out, 0x04034b50, 4);  // local file header signature
        put_le(out, 20, 2);          // version needed: 2.0
        put_le(out, e.flags, 2);
        put_le(out, e.method, 2);
        put_le(out, 0, 2);     // time 00:00
        put_le(out, 0x21, 2);  // date 1980-01-01
        put_le(out, e.crc, 4);
        put_le(out, compressed(e), 4);
        put_le(out, e.size, 4);
        put_le(out, e.name.size(), 2);
        put_le(out, 0, 2);  // no extra field
        out += e.name;
        out += e.data;
    }
    std::uint64_t directory = out.size();
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const ZipEntrySpec& e = entries[i];
        put_le(out, 0x02014b50, 4);  // central directory header signature
        put_le(out, 20, 2);          // version made by
        put_le(out, 20, 2);          // version needed
        put_le(out, e.flags, 2);
        put_le(out, e.method, 2);
        put_le(out, 0, 2);
        put_le(out, 0x21, 2);
        put_le(out, e.crc, 4);
        put_le(out, compressed(e), 4);
        put_le(out, e.size, 4);
        put_le(out, e.name.size(), 2);
        put_le(out, 0, 2);  // extra
        put_le(out, 0, 2);  // comment
        put_le(out, 0, 2);  // disk number
        put_le(out, 0, 2);  // internal attributes
        put_le(out, 0, 4);  // external attributes
        put_le(out, offsets[i], 4);
        out += e.name;
    }
    std::uint64_t directory_size = out.size() - directory;
    put_le(out, 0x06054b50, 4);  // end of central directory signature
    put_le(out, 0, 2);
    put_le(out, 0, 2);
    put_le(out, entries.size(), 2);
    put_le(out, entries.size(), 2);
    put_le(out, directory_size, 4);
    put_le(out, directory, 4);
    put_le(out, 0, 2);  // no comment
    return out;
}

// Bits into bytes, least significant first, as deflate packs them (RFC 1951 3.1.1).
class DeflateBits {
public:
    void bits(std::uint32_t value, int count) {
        for (int i = 0; i < count; ++i) {
            acc_ |= static_cast<unsigned>((value >> i) & 1u) << used_;
            if (++used_ == 8) flush_byte();
        }
    }
    // Huffman codes go most significant bit first.
    void code(std::uint32_t value, int length) {
        for (int i = length - 1; i >= 0; --i) bits((value >> i) & 1u, 1);
    }
    std::string finish() {
        if (used_) flush_byte();
        return out_;
    }

private:
    void flush_byte() {
        out_.push_back(static_cast<char>(acc_));
        acc_ = 0;
        used_ = 0;
    }
    std::string out_;
    unsigned acc_ = 0;
    int used_ = 0;
};

// A raw deflate stream of `count` zero bytes (count >= 1) in one dynamic-Huffman block whose codes are as
// short as deflate allows: literal 0 and end-of-block 2 bits, length 258 (code 285) 1 bit, distance 1 one
// bit. A 258-byte copy costs 2 bits, so the stream approaches deflate's limit of 1032:1, as zlib's own
// output for zeros does: the shape of a zip bomb.
inline std::string deflate_zeros(std::uint64_t count) {
    DeflateBits w;
    w.bits(1, 1);   // BFINAL
    w.bits(2, 2);   // BTYPE 10: dynamic Huffman codes
    w.bits(29, 5);  // HLIT: 286 literal/length codes
    w.bits(0, 5);   // HDIST: 1 distance code
    w.bits(14, 4);  // HCLEN: 18 code length codes
    // Code length code lengths, in the order of RFC 1951 3.2.7: symbol 18 gets 1 bit, symbols 1 and 2 two.
    const int order[18] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1};
    for (int symbol : order) w.bits(symbol == 18 ? 1 : (symbol == 1 || symbol == 2) ? 2 : 0, 3);
    // Their canonical codes: 18 -> 0, 1 -> 10, 2 -> 11.
    w.code(3, 2);                  // literal 0: length 2
    w.code(0, 1), w.bits(127, 7);  // literals 1..138: 138 zeros
    w.code(0, 1), w.bits(106, 7);  // literals 139..255: 117 zeros
    w.code(3, 2);                  // end of block (256): length 2
    w.code(0, 1), w.bits(17, 7);   // lengths 257..284: 28 zeros
    w.code(2, 2);                  // length code 285: length 1
    w.code(2, 2);                  // distance code 0: length 1
    // Canonical literal/length codes: 285 -> 0, literal 0 -> 10, end of block -> 11; distance 0 -> 0.
    w.code(2, 2);  // one literal zero, for the copies to repeat
    std::uint64_t copies = (count - 1) / 258, rest = (count - 1) % 258;
    for (std::uint64_t i = 0; i < copies; ++i) w.code(0, 1), w.code(0, 1);  // copy 258 bytes from distance 1
    for (std::uint64_t i = 0; i < rest; ++i) w.code(2, 2);
    w.code(3, 2);  // end of block
    return w.finish();
}

// A deflate entry of `count` zero bytes whose headers tell the truth.
inline ZipEntrySpec deflated_zeros_entry(const std::string& name, std::uint64_t count) {
    return {name, deflate_zeros(count), 8, count, zip_crc32(std::string(count, '\0'))};
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace strata::testing
