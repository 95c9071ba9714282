#include "strata/training/callbacks/csv_logger.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "strata/core/error.hpp"

namespace strata::callbacks {

std::string python_float_repr(double value) {
    if (std::isnan(value)) return "nan";
    if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
    // The shortest round-trip digits, then Python's layout: fixed notation while the decimal point falls within
    // (-4, 16] digits of the first one, scientific with a two-digit signed exponent otherwise.
    char buffer[64];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
    std::string text(buffer, end);
    std::string sign;
    if (text.front() == '-') {
        sign = "-";
        text.erase(0, 1);
    }
    std::size_t e = text.find('e');
    int exponent = std::atoi(text.c_str() + e + 1);
    std::string digits;
    for (char c : text.substr(0, e))
        if (c != '.') digits += c;
    int decpt = exponent + 1;  // value = 0.digits * 10^decpt
    int n = static_cast<int>(digits.size());
    if (decpt <= -4 || decpt > 16) {
        std::string mantissa = digits.substr(0, 1) + (n > 1 ? "." + digits.substr(1) : "");
        std::string exp_digits = std::to_string(std::abs(exponent));
        if (exp_digits.size() < 2) exp_digits = "0" + exp_digits;
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + exp_digits;
    }
    if (decpt <= 0) return sign + "0." + std::string(static_cast<std::size_t>(-decpt), '0') + digits;
    if (decpt >= n) return sign + digits + std::string(static_cast<std::size_t>(decpt - n), '0') + ".0";
    return sign + digits.substr(0, static_cast<std::size_t>(decpt)) + "." + digits.substr(static_cast<std::size_t>(decpt));
}

CSVLogger::CSVLogger(std::string filename, CSVLoggerOptions options)
    : filename_(std::move(filename)), options_(std::move(options)) {
    if (options_.separator.empty()) throw ValueError("CSVLogger: expected a non-empty separator, got \"\"");
}

void CSVLogger::on_train_begin(const Logs&) {
    if (options_.append && std::filesystem::exists(filename_)) {
        // Keras writes the header only when the existing file is empty (its first readline() is "").
        std::ifstream existing(filename_);
        append_header_ = existing.peek() == std::ifstream::traits_type::eof();
    }
    if (file_.is_open()) file_.close();
    file_.open(filename_, options_.append ? std::ios::out | std::ios::app : std::ios::out | std::ios::trunc);
    if (!file_) throw IOError("CSVLogger: cannot open '" + filename_ + "' for writing");
    keys_.clear();
    have_keys_ = false;
}

void CSVLogger::write_row(const std::vector<std::string>& fields) {
    // Python's csv "excel" dialect: minimal quoting, quotes doubled, rows ended by "\r\n".
    for (std::size_t i = 0; i < fields.size(); ++i) {
        const std::string& field = fields[i];
        if (i) file_ << options_.separator;
        bool quote = field.find(options_.separator) != std::string::npos ||
                     field.find_first_of("\"\r\n") != std::string::npos;
        if (!quote) {
            file_ << field;
            continue;
        }
        file_ << '"';
        for (char c : field) file_ << (c == '"' ? "\"\"" : std::string(1, c));
        file_ << '"';
    }
    file_ << "\r\n";
}

void CSVLogger::on_epoch_end(int epoch, const Logs& logs) {
    if (!file_.is_open()) throw ValueError("CSVLogger: on_epoch_end before on_train_begin opened '" + filename_ + "'");
    if (!have_keys_) {
        for (const auto& [name, value] : logs) keys_.push_back(name);  // Logs is sorted by name
        have_keys_ = true;
        std::vector<std::string> header = {"epoch"};
        header.insert(header.end(), keys_.begin(), keys_.end());
        if (append_header_) write_row(header);
    }
    std::vector<std::string> row = {std::to_string(epoch)};
    for (const std::string& key : keys_) {
        auto found = logs.find(key);
        row.push_back(found == logs.end() ? "NA" : python_float_repr(found->second));
    }
    write_row(row);
    file_.flush();
}

void CSVLogger::on_train_end(const Logs&) {
    if (file_.is_open()) file_.close();
}

}  // namespace strata::callbacks
