// Model.summary(): Keras 3's table, drawn with the same box characters, columns and totals.
#include <iomanip>
#include <map>
#include <set>
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

// Cells wider than their column wrap onto further lines, as rich does: after a space where there is one
// ("dense[0][0], input_b[0][0]" breaks between the two), else at the column's width.
std::vector<std::string> wrap(const std::string& text, std::size_t width) {
    std::vector<std::string> lines;
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t take = std::min(width, text.size() - i);
        if (i + take < text.size()) {
            std::size_t space = text.rfind(' ', i + take);
            if (space != std::string::npos && space > i) take = space - i + 1;
        }
        std::string line = text.substr(i, take);
        while (!line.empty() && line.back() == ' ') line.pop_back();
        lines.push_back(line);
        i += take;
    }
    if (lines.empty()) lines.push_back("");
    return lines;
}

// Keras 3 prints a "Connected to" column unless the model is sequential-like: a Sequential, or a functional
// chain where every call takes one tensor, no tensor feeds two calls and no layer is called twice.
bool sequential_like(const detail::Graph& graph) {
    if (graph.sequential) return true;
    if (graph.inputs.size() != 1 || graph.outputs.size() != 1) return false;
    std::set<const Layer*> layers;
    std::set<const KerasHistory*> consumed;
    for (const detail::GraphNode& node : graph.nodes) {
        if (node.call->inputs.size() != 1) return false;
        if (!layers.insert(node.call->layer.get()).second) return false;
        if (!consumed.insert(node.call->inputs[0].impl()->keras_history.get()).second) return false;
    }
    return true;
}

// "dense[0][0], input_b[0][0]": each input of each call of `layer`, named by the layer that made it, the
// index of that call among its layer's calls, and the tensor's index in its outputs (always 0 here).
std::string connections(const detail::Graph& graph, const Layer& layer) {
    std::map<const KerasHistory*, int> call_index;
    std::map<const Layer*, int> calls_so_far;
    for (const Tensor& t : graph.inputs) call_index[t.impl()->keras_history.get()] = 0;
    for (const detail::GraphNode& node : graph.nodes) call_index[node.call.get()] = calls_so_far[node.call->layer.get()]++;
    std::string text;
    for (const detail::GraphNode& node : graph.nodes) {
        if (node.call->layer.get() != &layer) continue;
        for (const Tensor& in : node.call->inputs) {
            const KerasHistory* producer = in.impl()->keras_history.get();
            text += (text.empty() ? "" : ", ") + producer->layer->name() + "[" + std::to_string(call_index[producer]) + "][0]";
        }
    }
    return text.empty() ? "-" : text;
}

}  // namespace

void Model::summary(std::ostream& out) const {
    // Column widths of Keras 3's table, padding included: a sequential-like model's three columns, or four
    // in the proportions of Keras's positions (0.3, 0.56, 0.74, 1.0) over the same width.
    bool with_connections = !sequential_like(*graph_);
    const std::vector<std::size_t> widths =
        with_connections ? std::vector<std::size_t>{22, 19, 13, 18} : std::vector<std::size_t>{33, 24, 15};
    const std::vector<bool> right{false, false, true, false};
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
    std::vector<std::string> header{"Layer (type)", "Output Shape", "Param #"};
    if (with_connections) header.push_back("Connected to");
    out << row(header, "┃");
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
        std::vector<std::string> cells{layer.name() + " (" + layer.class_name() + ")", shape, params};
        if (with_connections) cells.push_back(connections(*graph_, layer));
        out << row(cells, "│");
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
