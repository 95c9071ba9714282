// plot_model and model_to_dot, as keras/src/utils/model_visualization.py: the same node labels (an HTML-like
// table per layer), the same graph attributes; Graphviz's `dot` draws it, run without a shell.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/atomic_write.hpp"
#include "core/text.hpp"
#include "strata/layers/keras_history.hpp"
#include "strata/utils/plot.hpp"

extern char** environ;

namespace strata::utils {

namespace {

// Text inside an HTML-like label or an SVG: the five characters XML reserves.
std::string escape_html(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

// What the graph knows of one layer: the shapes of its first call (Keras's layer.input / layer.output).
struct LayerCall {
    std::vector<Shape> input_shapes;
    Shape output_shape;
    DType output_dtype = float32;
    bool seen = false;
};

std::string format_shapes(const std::vector<Shape>& shapes) {
    if (shapes.size() == 1) return shapes[0].to_string();
    std::vector<std::string> parts;
    for (const Shape& s : shapes) parts.push_back(s.to_string());
    return "[" + text::join(parts) + "]";  // a list of tuples, as Python prints Keras's list of shapes
}

std::string make_label(const Layer& layer, const LayerCall& call, const PlotModelOptions& o) {
    const std::string class_name = layer.class_name();
    int colspan = std::max(1, (o.show_dtype ? 1 : 0) + (o.show_trainable ? 1 : 0) + (o.show_shapes ? 2 : 0));
    std::string table = R"(<table border="0" cellborder="1" bgcolor="black" cellpadding="10">)";
    std::string title = o.show_layer_names ? "<b>" + escape_html(layer.name()) + "</b> (" + class_name + ")"
                                           : "<b>" + class_name + "</b>";
    table += "<tr><td colspan=\"" + std::to_string(colspan) +
             "\" bgcolor=\"black\"><font point-size=\"16\" color=\"white\">" + title + "</font></td></tr>";
    if (o.show_layer_activations) {
        nlohmann::json config = layer.get_config();
        if (config.contains("activation") && config["activation"].is_string())
            table += "<tr><td bgcolor=\"white\" colspan=\"" + std::to_string(colspan) +
                     "\"><font point-size=\"14\">Activation: <b>" +
                     escape_html(config["activation"].get<std::string>()) + "</b></font></td></tr>";
    }
    std::vector<std::string> cols;
    auto cell = [](const std::string& body) { return "<td bgcolor=\"white\"><font point-size=\"14\">" + body + "</font></td>"; };
    if (o.show_shapes) {
        if (class_name != "InputLayer")
            cols.push_back(cell("Input shape: <b>" + (call.seen ? format_shapes(call.input_shapes) : "?") + "</b>"));
        cols.push_back(cell("Output shape: <b>" + (call.seen ? call.output_shape.to_string() : "?") + "</b>"));
    }
    if (o.show_dtype) cols.push_back(cell("Output dtype: <b>" + (call.seen ? dtype_name(call.output_dtype) : "?") + "</b>"));
    if (o.show_trainable && !layer.weights().empty()) {
        cols.push_back(layer.trainable()
                           ? R"(<td bgcolor="forestgreen"><font point-size="14" color="white"><b>Trainable</b></font></td>)"
                           : R"(<td bgcolor="firebrick"><font point-size="14" color="white"><b>Non-trainable</b></font></td>)");
    }
    if (!cols.empty()) table += "<tr>" + text::join(cols, "") + "</tr>";
    return table + "</table>";
}

// The file a DOT text goes through on its way to `dot`, removed when done.
class TemporaryFile {
public:
    explicit TemporaryFile(const std::string& contents) {
        std::string pattern = (std::filesystem::temp_directory_path() / "strata-plot-XXXXXX").string();
        std::vector<char> name(pattern.begin(), pattern.end());
        name.push_back('\0');
        int fd = ::mkstemp(name.data());
        if (fd < 0) throw IOError("plot_model: cannot create a temporary file: " + std::string(std::strerror(errno)));
        path_ = name.data();
        std::size_t done = 0;
        while (done < contents.size()) {
            ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                ::close(fd);
                std::filesystem::remove(path_);
                throw IOError("plot_model: cannot write a temporary file: " + std::string(std::strerror(errno)));
            }
            done += static_cast<std::size_t>(n);
        }
        ::close(fd);
    }
    ~TemporaryFile() {
        std::error_code ignored;
        std::filesystem::remove(path_, ignored);
    }
    TemporaryFile(const TemporaryFile&) = delete;
    TemporaryFile& operator=(const TemporaryFile&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// Runs `dot -T<format> -o <output> <input>` directly (argv, no shell); its messages go to a file read back
// for the error.
void run_dot(const std::string& format, const std::string& input, const std::string& output) {
    TemporaryFile messages("");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, messages.path().c_str(), O_WRONLY | O_TRUNC, 0);
    std::string type = "-T" + format;
    std::vector<std::string> args{"dot", type, "-o", output, input};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    int rc = ::posix_spawnp(&pid, "dot", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc == ENOENT)
        throw IOError("plot_model: Graphviz's `dot` program was not found on the PATH; install Graphviz (Debian "
                      "package graphviz: apt-get install graphviz) to draw models, or plot to a .dot file");
    if (rc != 0) throw IOError("plot_model: cannot run Graphviz's `dot`: " + std::string(std::strerror(rc)));
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) throw IOError("plot_model: waiting for Graphviz's `dot` failed: " + std::string(std::strerror(errno)));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::ifstream in(messages.path());
        std::stringstream text;
        text << in.rdbuf();
        throw IOError("plot_model: Graphviz's `dot -T" + format + "` failed" +
                      (WIFEXITED(status) ? " with exit status " + std::to_string(WEXITSTATUS(status)) : std::string()) +
                      (text.str().empty() ? std::string() : ": " + text.str()));
    }
}

}  // namespace

std::string model_to_dot(const Model& model, const PlotModelOptions& options) {
    if (model.outputs().empty())
        throw ValueError("plot_model: model \"" + model.name() +
                         "\" has not yet been built. Build the model first by calling it on a batch of data, or give "
                         "its first layer an input_shape");
    static const std::set<std::string> rankdirs{"TB", "LR", "BT", "RL"};
    if (!rankdirs.count(options.rankdir))
        throw ValueError("plot_model: rankdir must be one of TB, LR, BT, RL, got \"" + options.rankdir + "\"");
    if (options.dpi <= 0) throw ValueError("plot_model: dpi must be positive, got " + std::to_string(options.dpi));

    // Every call of the graph, found from the outputs back: its layer, its inputs' producers and its shapes.
    std::map<const Layer*, LayerCall> calls;
    std::vector<std::pair<const Layer*, const Layer*>> edges;
    std::set<const KerasHistory*> visited;
    std::vector<Tensor> pending = model.outputs();
    while (!pending.empty()) {
        Tensor t = pending.back();
        pending.pop_back();
        const KerasHistory* h = t.impl()->keras_history.get();
        if (!h || !visited.insert(h).second) continue;
        LayerCall& call = calls[h->layer.get()];
        if (!call.seen) {
            call.seen = true;
            for (const Tensor& in : h->inputs) call.input_shapes.push_back(in.shape());
            call.output_shape = t.shape();
            call.output_dtype = t.dtype();
        }
        for (const Tensor& in : h->inputs) {
            if (in.impl()->keras_history) edges.emplace_back(in.impl()->keras_history->layer.get(), h->layer.get());
            pending.push_back(in);
        }
    }

    std::vector<std::shared_ptr<Layer>> layers = model.layers();
    std::map<const Layer*, std::size_t> ids;
    for (const auto& layer : layers) ids.emplace(layer.get(), ids.size());

    std::ostringstream dot;
    dot << "digraph G {\n";
    dot << "  graph [rankdir=\"" << options.rankdir << "\", concentrate=true, dpi=" << options.dpi << ", splines=\""
        << escape_html(options.splines) << "\"];\n";
    dot << "  node [shape=record];\n";
    for (const auto& layer : layers)
        dot << "  layer_" << ids[layer.get()] << " [label=<" << make_label(*layer, calls[layer.get()], options)
            << ">, fontname=\"Helvetica\", margin=0];\n";
    // Edges between shown layers, each once (a Sequential's InputLayer is not shown, as in Keras).
    std::set<std::pair<std::size_t, std::size_t>> drawn;
    for (auto it = edges.rbegin(); it != edges.rend(); ++it) {
        auto from = ids.find(it->first), to = ids.find(it->second);
        if (from == ids.end() || to == ids.end() || !drawn.insert({from->second, to->second}).second) continue;
        dot << "  layer_" << from->second << " -> layer_" << to->second << " [penwidth=2];\n";
    }
    dot << "}\n";
    return dot.str();
}

void plot_model(const Model& model, const std::string& path, const PlotModelOptions& options) {
    std::string text_of_graph = model_to_dot(model, options);
    std::filesystem::path target(path);
    // Keras: the extension names the format, png when there is none.
    std::string extension = text::to_lower(target.extension().string());
    std::string format = extension.empty() ? "png" : extension.substr(1);
    if (format == "dot" || format == "gv") {
        io::write_file_atomically(target, "plot_model", text_of_graph);
        return;
    }
    TemporaryFile source(text_of_graph);
    io::write_atomically(target, "plot_model",
                         [&](const std::filesystem::path& temporary) { run_dot(format, source.path(), temporary.string()); });
}

}  // namespace strata::utils
