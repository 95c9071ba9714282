// Reading and writing zip archives through libzip, with the checks libzip leaves to its caller: names that
// could escape a folder, duplicate names (libzip resolves a name to its first entry, Python's zipfile to its
// last, so two readers would see different content), sizes over the limits and deflate bombs. libzip's
// ZIP_CHECKCONS adds its own: every local header must agree with the central directory.
#include "saving/zip_archive.hpp"

#include <zip.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <limits>
#include <system_error>
#include <unordered_set>

#include "core/text.hpp"
#include "strata/core/error.hpp"

namespace strata::saving {

namespace {

// Entries up to this size are too small for their ratio to matter (a 4 KiB JSON of spaces deflates 100x).
constexpr std::uint64_t kRatioFloor = std::uint64_t{1} << 20;
// The bytes of the smallest zip archive: the 22-byte end of central directory record.
constexpr std::uint64_t kEndRecordSize = 22;
// 1980-01-01 00:00 in MS-DOS date and time fields, the earliest a zip entry can be stamped with (as Python's
// ZipInfo default, which Keras's config.json and metadata.json carry).
constexpr zip_uint16_t kDosDate = (0 << 9) | (1 << 5) | 1;
constexpr zip_uint16_t kDosTime = 0;

std::string zip_error_text(int code) {
    zip_error_t error;
    zip_error_init_with_code(&error, code);
    std::string text = zip_error_strerror(&error);
    zip_error_fini(&error);
    return text;
}

using text::single_quoted;

struct ZipCloser {
    void operator()(zip_t* archive) const { zip_discard(archive); }
};
struct ZipFileCloser {
    void operator()(zip_file_t* file) const { zip_fclose(file); }
};
struct ZipSourceFreer {
    void operator()(zip_source_t* source) const { zip_source_free(source); }
};
using ZipPtr = std::unique_ptr<zip_t, ZipCloser>;
using ZipFilePtr = std::unique_ptr<zip_file_t, ZipFileCloser>;
using ZipSourcePtr = std::unique_ptr<zip_source_t, ZipSourceFreer>;

bool starts_like_zip(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    char magic[4] = {};
    in.read(magic, 4);
    return in.gcount() == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
}

// 200 rather than std::to_string's 200.000000.
std::string number_text(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", value);
    return text;
}

std::string compression_name(zip_int32_t method) {
    switch (method) {
        case ZIP_CM_STORE: return "stored";
        case ZIP_CM_DEFLATE: return "deflate";
        case ZIP_CM_DEFLATE64: return "deflate64";
        case ZIP_CM_BZIP2: return "bzip2";
        case ZIP_CM_LZMA: return "lzma";
        case ZIP_CM_XZ: return "xz";
        default: return "method " + std::to_string(method);
    }
}

}  // namespace

std::string unsafe_entry_name_reason(const std::string& name) {
    if (name.empty()) return "an empty name";
    if (name.front() == '/' || name.front() == '\\') return "an absolute path";
    if (name.size() >= 2 && name[1] == ':') return "an absolute path (a drive letter)";
    std::size_t start = 0;
    while (start <= name.size()) {
        std::size_t end = name.find_first_of("/\\", start);
        if (end == std::string::npos) end = name.size();
        if (name.compare(start, end - start, "..") == 0) return "a '..' component, which climbs out of the folder";
        start = end + 1;
    }
    return "";
}

// ---------------------------------------------------------------------------------------------------------
// ZipReader

struct ZipReader::Archive {
    ZipPtr zip;
};

ZipReader::ZipReader(std::filesystem::path path, std::unique_ptr<Archive> archive)
    : path_(std::move(path)), archive_(std::move(archive)) {}
ZipReader::ZipReader(ZipReader&&) noexcept = default;
ZipReader& ZipReader::operator=(ZipReader&&) noexcept = default;
ZipReader::~ZipReader() = default;

void ZipReader::fail(const std::string& reason) const {
    throw IOError("zip archive " + single_quoted(path_.string()) + ": " + reason);
}

ZipReader ZipReader::open(const std::filesystem::path& path, ZipLimits limits) {
    auto refuse = [&](const std::string& reason) -> void {
        throw IOError("zip archive " + single_quoted(path.string()) + ": " + reason);
    };

    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) refuse("is a directory, not a zip archive");
    if (!std::filesystem::exists(path, ec)) refuse("no such file");
    std::uint64_t file_size = std::filesystem::file_size(path, ec);
    if (ec) refuse("cannot read its size: " + ec.message());
    // libzip opens an empty file as an empty archive; an empty file is no archive.
    if (file_size < kEndRecordSize)
        refuse("not a zip archive: " + std::to_string(file_size) + " bytes, fewer than a zip's 22-byte end record");

    int code = ZIP_ER_OK;
    ZipPtr zip(zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &code));
    bool duplicate_names = code == ZIP_ER_EXISTS;
    if (!zip) {
        if (duplicate_names) {
            // ZIP_CHECKCONS refuses two entries of one name without saying which: open again without it to
            // name them below, and refuse there.
            zip.reset(zip_open(path.c_str(), ZIP_RDONLY, &code));
        }
        if (!zip) {
            if (code == ZIP_ER_NOZIP && starts_like_zip(path))
                refuse("truncated or corrupt: it starts like a zip archive but its end of central directory "
                       "record is missing");
            if (code == ZIP_ER_NOZIP) refuse("not a zip archive (no end of central directory record)");
            if (code == ZIP_ER_INCONS) refuse("truncated or corrupt: " + zip_error_text(code));
            refuse("cannot open: " + zip_error_text(code));
        }
    }

    auto archive = std::make_unique<Archive>();
    archive->zip = std::move(zip);
    ZipReader reader(path, std::move(archive));
    zip_t* za = reader.archive_->zip.get();

    zip_int64_t count = zip_get_num_entries(za, 0);
    if (count < 0) refuse("cannot count its entries");
    if (static_cast<std::uint64_t>(count) > limits.max_entries)
        refuse(std::to_string(count) + " entries, over the limit of " + std::to_string(limits.max_entries));

    std::uint64_t total = 0;
    reader.entries_.reserve(static_cast<std::size_t>(count));
    for (zip_uint64_t i = 0; i < static_cast<zip_uint64_t>(count); ++i) {
        zip_stat_t st;
        zip_stat_init(&st);
        if (zip_stat_index(za, i, 0, &st) != 0)
            refuse("cannot read entry " + std::to_string(i) + ": " + zip_strerror(za));
        constexpr zip_uint64_t needed = ZIP_STAT_NAME | ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_CRC |
                                        ZIP_STAT_COMP_METHOD | ZIP_STAT_ENCRYPTION_METHOD;
        if ((st.valid & needed) != needed || st.name == nullptr)
            refuse("entry " + std::to_string(i) + " has an incomplete central directory record");

        std::string name = st.name;
        std::string where = "entry " + single_quoted(name);
        if (std::string why = unsafe_entry_name_reason(name); !why.empty())
            refuse(where + " has an unsafe name: " + why);
        if (reader.by_name_.count(name))
            refuse("two entries are named " + single_quoted(name) +
                   " (readers disagree on which one a name means: refused)");
        if (st.encryption_method != ZIP_EM_NONE) refuse(where + " is encrypted");
        if (st.comp_method != ZIP_CM_STORE && st.comp_method != ZIP_CM_DEFLATE)
            refuse(where + " is compressed with " + compression_name(st.comp_method) +
                   "; only stored and deflate entries are read");
        if (st.comp_method == ZIP_CM_STORE && st.comp_size != st.size)
            refuse("corrupt: stored " + where + " declares " + std::to_string(st.size) + " bytes but holds " +
                   std::to_string(st.comp_size));
        if (st.comp_size > file_size)
            refuse("truncated or corrupt: " + where + " declares " + std::to_string(st.comp_size) +
                   " compressed bytes, more than the file's " + std::to_string(file_size));
        if (st.size > limits.max_entry_size)
            refuse(where + " declares " + std::to_string(st.size) + " bytes, over the limit of " +
                   std::to_string(limits.max_entry_size) + " for one entry");
        if (st.size > kRatioFloor) {
            double ratio = st.comp_size == 0 ? std::numeric_limits<double>::infinity()
                                             : static_cast<double>(st.size) / static_cast<double>(st.comp_size);
            if (ratio > limits.max_compression_ratio)
                refuse(where + " expands " + std::to_string(st.comp_size) + " compressed bytes into " +
                       std::to_string(st.size) + ", a compression ratio over the limit of " +
                       number_text(limits.max_compression_ratio) + " (a zip bomb?)");
        }
        // total never exceeds the limit (each entry is checked before it is added), so this cannot wrap.
        if (st.size > limits.max_total_size - total)
            refuse("the entries declare more than the limit of " + std::to_string(limits.max_total_size) +
                   " bytes in all (at " + where + ")");
        total += st.size;

        reader.by_name_.emplace(name, reader.entries_.size());
        reader.entries_.push_back(Entry{name, i, st.size, st.crc});
    }
    // libzip saw two entries of one name that the loop above did not (names it compares differently).
    if (duplicate_names) refuse("two entries share one name (readers disagree on which one a name means: refused)");
    return reader;
}

std::vector<std::string> ZipReader::names() const {
    std::vector<std::string> out;
    out.reserve(entries_.size());
    for (const Entry& e : entries_) out.push_back(e.name);
    return out;
}

bool ZipReader::contains(const std::string& name) const { return by_name_.count(name) != 0; }

const ZipReader::Entry& ZipReader::entry(const std::string& name, const char* what) const {
    auto it = by_name_.find(name);
    if (it == by_name_.end()) fail(std::string(what) + ": there is no entry " + single_quoted(name));
    return entries_[it->second];
}

std::uint64_t ZipReader::size(const std::string& name) const { return entry(name, "size").size; }

std::string ZipReader::read(const std::string& name) const {
    const Entry& e = entry(name, "read");
    zip_t* za = archive_->zip.get();
    ZipFilePtr file(zip_fopen_index(za, e.index, 0));
    if (!file) fail("cannot open entry " + single_quoted(name) + ": " + zip_strerror(za));

    // The size passed the limits when the archive was opened: this is the only allocation, and no larger.
    std::string bytes(static_cast<std::size_t>(e.size), '\0');
    std::uint64_t got = 0;
    while (got < e.size) {
        zip_int64_t n = zip_fread(file.get(), bytes.data() + got, e.size - got);
        if (n < 0) fail("corrupt entry " + single_quoted(name) + ": " + zip_file_strerror(file.get()));
        if (n == 0)
            fail("truncated or corrupt entry " + single_quoted(name) + ": it declares " + std::to_string(e.size) +
                 " bytes, its data end after " + std::to_string(got));
        got += static_cast<std::uint64_t>(n);
    }
    // One byte more: there must be none, and reaching the end makes libzip check the CRC too.
    char extra = 0;
    zip_int64_t n = zip_fread(file.get(), &extra, 1);
    if (n < 0) fail("corrupt entry " + single_quoted(name) + ": " + zip_file_strerror(file.get()));
    if (n > 0)
        fail("corrupt entry " + single_quoted(name) + ": its data hold more than the " + std::to_string(e.size) +
             " bytes it declares");

    uLong crc = crc32(0L, Z_NULL, 0);
    for (std::uint64_t at = 0; at < e.size;) {
        auto chunk = static_cast<uInt>(std::min<std::uint64_t>(e.size - at, 1u << 30));
        crc = crc32(crc, reinterpret_cast<const Bytef*>(bytes.data() + at), chunk);
        at += chunk;
    }
    if (static_cast<std::uint32_t>(crc) != e.crc)
        fail("corrupt entry " + single_quoted(name) + ": CRC-32 mismatch (the data have been altered or damaged)");
    return bytes;
}

// ---------------------------------------------------------------------------------------------------------
// ZipWriter

struct ZipWriter::Archive {
    ZipPtr zip;
};

ZipWriter::ZipWriter(std::filesystem::path path, std::unique_ptr<Archive> archive)
    : path_(std::move(path)), archive_(std::move(archive)) {}
ZipWriter::ZipWriter(ZipWriter&&) noexcept = default;
ZipWriter& ZipWriter::operator=(ZipWriter&&) noexcept = default;
ZipWriter::~ZipWriter() = default;  // the archive's closer discards what was not written

void ZipWriter::fail(const std::string& reason) const {
    throw IOError("zip archive " + single_quoted(path_.string()) + ": " + reason);
}

ZipWriter ZipWriter::create(const std::filesystem::path& path) {
    int code = ZIP_ER_OK;
    ZipPtr zip(zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &code));
    if (!zip) throw IOError("zip archive " + single_quoted(path.string()) + ": cannot create: " + zip_error_text(code));
    auto archive = std::make_unique<Archive>();
    archive->zip = std::move(zip);
    return ZipWriter(path, std::move(archive));
}

void ZipWriter::add(const std::string& name, std::string bytes) {
    if (!archive_ || !archive_->zip) fail("cannot add " + single_quoted(name) + ": the archive is closed");
    if (std::string why = unsafe_entry_name_reason(name); !why.empty())
        fail("cannot add " + single_quoted(name) + ": an unsafe entry name: " + why);
    zip_t* za = archive_->zip.get();
    if (zip_name_locate(za, name.c_str(), ZIP_FL_ENC_RAW) >= 0)
        fail("cannot add " + single_quoted(name) + ": an entry of that name is already there");

    const std::string& kept = contents_.emplace_back(std::move(bytes));
    ZipSourcePtr source(zip_source_buffer(za, kept.data(), kept.size(), 0));
    if (!source) {
        contents_.pop_back();
        fail("cannot add " + single_quoted(name) + ": " + zip_strerror(za));
    }
    zip_int64_t index = zip_file_add(za, name.c_str(), source.get(), ZIP_FL_ENC_UTF_8);
    if (index < 0) {
        contents_.pop_back();
        fail("cannot add " + single_quoted(name) + ": " + zip_strerror(za));
    }
    source.release();  // the archive owns it now
    ++count_;
    auto at = static_cast<zip_uint64_t>(index);
    if (zip_set_file_compression(za, at, ZIP_CM_STORE, 0) != 0 ||
        zip_file_set_dostime(za, at, kDosTime, kDosDate, 0) != 0)
        fail("cannot add " + single_quoted(name) + ": " + zip_strerror(za));
}

void ZipWriter::close() {
    if (!archive_ || !archive_->zip) fail("cannot close: the archive is already closed");
    ZipPtr zip = std::move(archive_->zip);
    if (count_ == 0) {
        // libzip writes no file for an archive without entries; a valid empty archive is its end record.
        zip.reset();
        std::ofstream out(path_, std::ios::binary | std::ios::trunc);
        static const char end_record[kEndRecordSize] = {'P', 'K', 5, 6};
        out.write(end_record, sizeof end_record);
        out.close();
        if (!out) fail("cannot write the empty archive");
        contents_.clear();
        return;
    }
    if (zip_close(zip.get()) != 0) {
        std::string reason = zip_strerror(zip.get());
        contents_.clear();
        fail("cannot write: " + reason);  // zip's closer discards the archive
    }
    zip.release();  // zip_close freed it
    contents_.clear();
}

}  // namespace strata::saving
