// Model.summary(): Keras 3's table, drawn with the same box characters, columns and totals.
#include <iomanip>
#include <sstream>

#include "graph.hpp"
#include "strata/models/model.hpp"

namespace strata {

namespace {

// 25450 -> "25,450", as Python's f"{n:,}".
std::string with_commas(std::int64_t n) {
    std::string digits = std::to_string(n < 0 ? -n : n), out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return n < 0 ? "-" + out : out;
}

// Keras's readable_memory_size: bytes in B, KB, MB... with two decimals.
std::string readable_memory_size(double bytes) {
    const char* units[] = {"B", "KB", "MB", "GB", "TB", "PB"};
    for (const char* unit : units) {
        if (bytes / 1024 < 1) {
            std::ostringstream s;
            s << std::fixed << std::setprecision(2) << bytes << " " << unit;
            return s.str();
        }
        bytes /= 1024;
    }
    std::ostringstream s;
    s << std::fixed << std::setprecision(2) << bytes << " PB";
    return s.str();
}

std::int64_t bytes_of(const std::vector<Tensor>& ws) {
    std::int64_t b = 0;
    for (const Tensor& w : ws) b += w.numel() * static_cast<std::int64_t>(dtype_size(w.dtype()));
    return b;
}

std::int64_t count(const std::vector<Tensor>& ws) {
    std::int64_t n = 0;
    for (const Tensor& w : ws) n += w.numel();
    return n;
}

std::size_t display_width(const std::string& s) {
    std::size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;  // count UTF-8 code points
    return n;
}

std::string repeat(const std::string& piece, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) out += piece;
    return out;
}

// Cells wider than their column wrap onto further lines, as rich does.
std::vector<std::string> wrap(const std::string& text, std::size_t width) {
    std::vector<std::string> lines;
    for (std::size_t i = 0; i < text.size(); i += width) lines.push_back(text.substr(i, width));
    if (lines.empty()) lines.push_back("");
    return lines;
}

}  // namespace

void Model::summary(std::ostream& out) const {
    // Column widths of Keras 3's table for a sequential-like model, padding included.
    const std::vector<std::size_t> widths{33, 24, 15};
    const std::vector<bool> right{false, false, true};
    auto rule = [&](const std::string& left, const std::string& fill, const std::string& mid, const std::string& end) {
        std::string line = left;
        for (std::size_t i = 0; i < widths.size(); ++i) line += repeat(fill, widths[i]) + (i + 1 < widths.size() ? mid : end);
        return line + "\n";
    };
    auto row = [&](const std::vector<std::string>& cells, const std::string& bar) {
        std::vector<std::vector<std::string>> wrapped;
        std::size_t height = 1;
        for (std::size_t i = 0; i < cells.size(); ++i) {
            wrapped.push_back(wrap(cells[i], widths[i] - 2));
            height = std::max(height, wrapped.back().size());
        }
        std::string text;
        for (std::size_t line = 0; line < height; ++line) {
            text += bar;
            for (std::size_t i = 0; i < cells.size(); ++i) {
                std::string cell = line < wrapped[i].size() ? wrapped[i][line] : "";
                std::string pad(widths[i] - 2 - display_width(cell), ' ');
                text += " " + (right[i] ? pad + cell : cell + pad) + " " + bar;
            }
            text += "\n";
        }
        return text;
    };

    out << "Model: \"" << name() << "\"\n";
    out << rule("┏", "━", "┳", "┓");
    out << row({"Layer (type)", "Output Shape", "Param #"}, "┃");
    out << rule("┡", "━", "╇", "┩");
    std::vector<std::shared_ptr<Layer>> shown = layers();
    for (std::size_t i = 0; i < shown.size(); ++i) {
        const Layer& layer = *shown[i];
        std::string shape = "?";
        for (const Tensor& t : graph_->inputs)
            if (t.impl()->keras_history->layer.get() == &layer) shape = t.shape().to_string();
        for (const detail::GraphNode& node : graph_->nodes)
            if (node.call->layer.get() == &layer) {
                shape = node.output_shape.to_string();
                break;
            }
        std::string params = layer.built() || layer.count_params() > 0 ? with_commas(layer.count_params()) : "0 (unbuilt)";
        out << row({layer.name() + " (" + layer.class_name() + ")", shape, params}, "│");
        out << (i + 1 < shown.size() ? rule("├", "─", "┼", "┤") : rule("└", "─", "┴", "┘"));
    }
    if (shown.empty()) out << rule("└", "─", "┴", "┘");
    std::vector<Tensor> trainable = trainable_weights(), frozen = non_trainable_weights();
    std::int64_t total_bytes = bytes_of(trainable) + bytes_of(frozen);
    out << " Total params: " << with_commas(count(trainable) + count(frozen)) << " ("
        << readable_memory_size(static_cast<double>(total_bytes)) << ")\n";
    out << " Trainable params: " << with_commas(count(trainable)) << " ("
        << readable_memory_size(static_cast<double>(bytes_of(trainable))) << ")\n";
    out << " Non-trainable params: " << with_commas(count(frozen)) << " ("
        << readable_memory_size(static_cast<double>(bytes_of(frozen))) << ")\n";
}

}  // namespace strata
