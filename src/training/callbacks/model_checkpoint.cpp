#include "strata/training/callbacks/model_checkpoint.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <limits>
#include <map>
#include <variant>

#include "strata/core/error.hpp"
#include "strata/models/model.hpp"
#include "strata/training/callbacks/csv_logger.hpp"
#include "strata/training/callbacks/monitor.hpp"

namespace strata::callbacks {

namespace {

// ---- Python's str.format, for the values a checkpoint path takes (ints and floats) ----

using Value = std::variant<std::int64_t, double>;

// Python's format-spec mini-language: [[fill]align][sign][#][0][width][.precision][type].
struct FormatSpec {
    char fill = ' ';
    char align = 0;  // 0: the default for numbers, right
    char sign = '-';
    bool alternate = false;
    int width = 0;
    int precision = -1;
    char type = 0;
};

int parse_digits(const std::string& s, std::size_t& i) {
    int n = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) n = n * 10 + (s[i++] - '0');
    return n;
}

FormatSpec parse_spec(const std::string& s) {
    FormatSpec spec;
    std::size_t i = 0;
    auto is_align = [](char c) { return c == '<' || c == '>' || c == '^' || c == '='; };
    if (s.size() >= 2 && is_align(s[1])) {
        spec.fill = s[0];
        spec.align = s[1];
        i = 2;
    } else if (!s.empty() && is_align(s[0])) {
        spec.align = s[0];
        i = 1;
    }
    if (i < s.size() && (s[i] == '+' || s[i] == '-' || s[i] == ' ')) spec.sign = s[i++];
    if (i < s.size() && s[i] == '#') {
        spec.alternate = true;
        ++i;
    }
    // A 0 before the width pads with zeros after the sign, unless an alignment was given.
    if (i < s.size() && s[i] == '0') {
        if (!spec.align) {
            spec.fill = '0';
            spec.align = '=';
        }
        ++i;
    }
    spec.width = parse_digits(s, i);
    if (i < s.size() && (s[i] == ',' || s[i] == '_'))
        throw ValueError("digit grouping ('" + std::string(1, s[i]) + "') is not supported in a checkpoint path");
    if (i < s.size() && s[i] == '.') {
        ++i;
        if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i])))
            throw ValueError("Format specifier missing precision");
        spec.precision = parse_digits(s, i);
    }
    if (i < s.size()) spec.type = s[i++];
    if (i != s.size()) throw ValueError("Invalid format specifier '" + s + "'");
    return spec;
}

std::string upper(std::string s) {
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

std::string printf_double(const char* format, int precision, double value) {
    char buffer[512];
    std::snprintf(buffer, sizeof buffer, format, precision, value);
    return buffer;
}

// Python's "g" (and, with `repr_style`, the typeless format with a precision): p significant digits, in
// exponent form when the exponent is below -4 or at least p (p - 1 for the typeless form, which also keeps
// one digit after the point: format(1.0, ".3") is "1.0", format(100.0, ".3") is "1e+02").
std::string general(double a, int p, bool repr_style, bool alternate) {
    if (p == 0) p = 1;
    std::string e = printf_double("%.*e", p - 1, a);
    int exponent = std::stoi(e.substr(e.find('e') + 1));
    auto strip = [&](std::string s) {
        if (alternate || s.find('.') == std::string::npos) return s;
        while (s.back() == '0') s.pop_back();
        if (s.back() == '.') s.pop_back();
        return s;
    };
    if (exponent < -4 || exponent >= (repr_style ? p - 1 : p)) {
        std::size_t at = e.find('e');
        return strip(e.substr(0, at)) + e.substr(at);
    }
    std::string fixed = strip(printf_double("%.*f", p - 1 - exponent, a));
    if (repr_style && fixed.find('.') == std::string::npos) fixed += ".0";
    return fixed;
}

std::string format_value(const Value& value, const std::string& spec_text) {
    FormatSpec spec = parse_spec(spec_text);
    std::string sign, body;
    const std::string type_name = std::holds_alternative<std::int64_t>(value) ? "int" : "float";
    bool integer_format = spec.type == 'd' || (spec.type == 0 && std::holds_alternative<std::int64_t>(value));
    if (integer_format) {
        if (!std::holds_alternative<std::int64_t>(value))
            throw ValueError("Unknown format code 'd' for object of type 'float'");
        if (spec.precision >= 0) throw ValueError("Precision not allowed in integer format specifier");
        std::int64_t v = std::get<std::int64_t>(value);
        if (v < 0) sign = "-";
        else if (spec.sign != '-') sign = std::string(1, spec.sign);
        body = std::to_string(v < 0 ? -static_cast<unsigned long long>(v) : static_cast<unsigned long long>(v));
    } else {
        static const std::string float_types = "fFeEgG%";
        if (spec.type != 0 && float_types.find(spec.type) == std::string::npos)
            throw ValueError("Unknown format code '" + std::string(1, spec.type) + "' for object of type '" +
                             type_name + "' (a checkpoint path takes d, f, F, e, E, g, G and %)");
        double v = std::holds_alternative<double>(value) ? std::get<double>(value)
                                                         : static_cast<double>(std::get<std::int64_t>(value));
        if (std::signbit(v) && !std::isnan(v)) sign = "-";
        else if (spec.sign != '-') sign = std::string(1, spec.sign);
        double a = std::fabs(v);
        bool upper_case = spec.type == 'F' || spec.type == 'E' || spec.type == 'G';
        int p = spec.precision;
        if (std::isnan(a) || std::isinf(a)) {
            body = std::isnan(a) ? "nan" : "inf";
            if (spec.type == '%') body += "%";
        } else {
            switch (spec.type) {
                case 'f':
                case 'F': body = printf_double(spec.alternate ? "%#.*f" : "%.*f", p < 0 ? 6 : p, a); break;
                case 'e':
                case 'E': body = printf_double(spec.alternate ? "%#.*e" : "%.*e", p < 0 ? 6 : p, a); break;
                case 'g':
                case 'G': body = general(a, p < 0 ? 6 : p, false, spec.alternate); break;
                case '%': body = printf_double("%.*f", p < 0 ? 6 : p, a * 100.0) + "%"; break;
                default:
                    // No type: Python's repr without a precision, a "g" that keeps a ".0" with one.
                    body = p < 0 ? python_float_repr(a) : general(a, p, true, spec.alternate);
            }
        }
        if (upper_case) body = upper(body);
    }
    int length = static_cast<int>(sign.size() + body.size());
    if (spec.width <= length) return sign + body;
    std::size_t pad = static_cast<std::size_t>(spec.width - length);
    switch (spec.align) {
        case '<': return sign + body + std::string(pad, spec.fill);
        case '^': return std::string(pad / 2, spec.fill) + sign + body + std::string(pad - pad / 2, spec.fill);
        case '=': return sign + std::string(pad, spec.fill) + body;
        default: return std::string(pad, spec.fill) + sign + body;
    }
}

// Python's str.format with keyword arguments only: "{name}" and "{name:spec}", "{{" and "}}" for braces.
std::string python_format(const std::string& pattern, const std::map<std::string, Value>& values,
                          const std::string& available) {
    std::string out;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        char c = pattern[i];
        if (c == '}') {
            if (i + 1 < pattern.size() && pattern[i + 1] == '}') {
                out += '}';
                ++i;
                continue;
            }
            throw ValueError("Single '}' encountered in format string");
        }
        if (c != '{') {
            out += c;
            continue;
        }
        if (i + 1 < pattern.size() && pattern[i + 1] == '{') {
            out += '{';
            ++i;
            continue;
        }
        std::size_t close = pattern.find('}', i + 1);
        if (close == std::string::npos) throw ValueError("Single '{' encountered in format string");
        std::string field = pattern.substr(i + 1, close - i - 1);
        if (field.find('{') != std::string::npos)
            throw ValueError("nested format fields are not supported in a checkpoint path");
        std::size_t colon = field.find(':');
        std::string name = field.substr(0, colon);
        std::string spec = colon == std::string::npos ? "" : field.substr(colon + 1);
        if (name.empty()) throw ValueError("Replacement index 0 out of range for positional args tuple");
        if (name.find_first_of("!.[") != std::string::npos)
            throw ValueError("conversions, attributes and indices ('" + name +
                             "') are not supported in a checkpoint path");
        auto found = values.find(name);
        if (found == values.end()) throw ValueError("'" + name + "' (available: " + available + ")");
        out += format_value(found->second, spec);
        i = close;
    }
    return out;
}

}  // namespace

SaveFreq::SaveFreq(const char* freq) : SaveFreq(std::string(freq)) {}

SaveFreq::SaveFreq(const std::string& freq) {
    if (freq != "epoch")
        throw ValueError("ModelCheckpoint: Unrecognized save_freq: " + freq +
                         ". Expected save_freq are 'epoch' or integer values");
}

ModelCheckpoint::ModelCheckpoint(std::string filepath, ModelCheckpointOptions options)
    : filepath_(std::move(filepath)), options_(std::move(options)) {
    options_.mode = detail::checked_mode(options_.mode, "ModelCheckpoint");
    bool weights_path = filepath_.ends_with(".weights.h5");
    if (options_.save_weights_only && !weights_path)
        throw ValueError(
            "ModelCheckpoint: When using `save_weights_only=True` in `ModelCheckpoint`, the filepath provided must "
            "end in `.weights.h5` (Keras weights format). Received: filepath=" +
            filepath_);
    if (!weights_path) {
        if (filepath_.ends_with(".keras") || filepath_.ends_with(".h5"))
            throw ValueError("ModelCheckpoint: saving the whole model (" + filepath_ +
                             ") is not available yet in strata; use a path ending in `.weights.h5` to save the "
                             "weights");
        throw ValueError("ModelCheckpoint: The filepath provided must end in `.keras` (Keras model format). "
                         "Received: filepath=" +
                         filepath_);
    }
    set_monitor_op();
}

bool ModelCheckpoint::maximizes() const {
    if (options_.mode == "max") return true;
    if (options_.mode == "min") return false;
    return detail::maximizes(options_.monitor);
}

void ModelCheckpoint::set_monitor_op() {
    greater_ = maximizes();
    best_ = options_.initial_value_threshold.value_or(greater_ ? -std::numeric_limits<double>::infinity()
                                                               : std::numeric_limits<double>::infinity());
    monitor_op_set_ = true;
}

std::string ModelCheckpoint::file_path(int epoch, std::optional<int> batch, const Logs& logs) const {
    std::map<std::string, Value> values;
    for (const auto& [name, value] : logs) values[name] = value;
    values["epoch"] = static_cast<std::int64_t>(epoch) + 1;
    // Keras: a "batch" in the logs wins over the batch number.
    if (batch && !logs.count("batch")) values["batch"] = static_cast<std::int64_t>(*batch) + 1;
    std::string available = "epoch";
    if (values.count("batch")) available += ", batch";
    for (const auto& [name, value] : logs)
        if (name != "batch") available += ", " + name;
    try {
        return python_format(filepath_, values, available);
    } catch (const ValueError& e) {
        throw ValueError("ModelCheckpoint: Failed to format this callback filepath: \"" + filepath_ +
                         "\". Reason: " + e.what());
    }
}

void ModelCheckpoint::on_epoch_begin(int epoch, const Logs&) { current_epoch_ = epoch; }

bool ModelCheckpoint::should_save_on_batch(int batch) {
    if (options_.save_freq.per_epoch()) return false;
    // Keras: a batch index that does not grow means a new epoch began.
    std::int64_t add = batch <= last_batch_seen_ ? batch + 1 : batch - last_batch_seen_;
    batches_since_save_ += add;
    last_batch_seen_ = batch;
    if (batches_since_save_ >= options_.save_freq.batches()) {
        batches_since_save_ = 0;
        return true;
    }
    return false;
}

void ModelCheckpoint::on_train_batch_end(int batch, const Logs& logs) {
    if (should_save_on_batch(batch)) save(current_epoch_, batch, logs);
}

void ModelCheckpoint::on_epoch_end(int epoch, const Logs& logs) {
    if (options_.save_freq.per_epoch()) save(epoch, std::nullopt, logs);
}

bool ModelCheckpoint::should_save(int epoch, const Logs& logs, const std::string& path) {
    std::string prefix = "\nEpoch " + std::to_string(epoch + 1) + ": ";
    if (!options_.save_best_only) {
        if (options_.verbose > 0) std::cout << prefix << "saving model to " << path << '\n';
        return true;
    }
    auto found = logs.find(options_.monitor);
    if (found == logs.end()) {
        // Keras warns (Python shows a warning once per place) and saves anyway.
        if (!warned_)
            detail::warn("Can save best model only with " + options_.monitor +
                         " available. Available metrics are: " + detail::available_keys(logs));
        warned_ = true;
        return true;
    }
    if (!monitor_op_set_) set_monitor_op();
    double current = found->second;
    char best_text[64], current_text[64];
    std::snprintf(best_text, sizeof best_text, "%.5f", best_);
    std::snprintf(current_text, sizeof current_text, "%.5f", current);
    if (greater_ ? current > best_ : current < best_) {
        if (options_.verbose > 0)
            std::cout << prefix << options_.monitor << " improved from " << best_text << " to " << current_text
                      << ", saving model to " << path << '\n';
        best_ = current;
        return true;
    }
    if (options_.verbose > 0) std::cout << prefix << options_.monitor << " did not improve from " << best_text << '\n';
    return false;
}

void ModelCheckpoint::save(int epoch, std::optional<int> batch, const Logs& logs) {
    Model& model = detail::model_of(*this, "ModelCheckpoint");
    std::string path = file_path(epoch, batch, logs);
    if (!should_save(epoch, logs, path)) return;
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        throw IOError("ModelCheckpoint: Please specify a non-directory filepath for ModelCheckpoint. Filepath used is "
                      "an existing directory: " +
                      path);
    // Keras creates the directory of the checkpoint when it is missing.
    std::filesystem::path directory = std::filesystem::path(path).parent_path();
    if (!directory.empty() && !std::filesystem::exists(directory, ec)) {
        std::filesystem::create_directories(directory, ec);
        if (ec)
            throw IOError("ModelCheckpoint: cannot create the directory '" + directory.string() + "' for '" + path +
                          "': " + ec.message());
    }
    model.save_weights(path);
    if (options_.verbose > 0)
        std::cout << "\nEpoch " << epoch + 1 << ": finished saving model to " << path << '\n';
}

}  // namespace strata::callbacks
