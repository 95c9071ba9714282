// plot_history: the curves of a History as an SVG drawn by hand, one panel per metric with its validation
// curve, axes with "nice" ticks (1, 2 or 5 times a power of ten), and a legend.
#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "core/atomic_write.hpp"
#include "core/text.hpp"
#include "strata/utils/plot.hpp"

namespace strata::utils {

namespace {

std::string escape_xml(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    }
    return out;
}

// A number as a tick label or coordinate: up to 6 significant digits, no trailing zeros.
std::string number(double v) {
    if (std::abs(v) < 1e-12) v = 0.0;
    std::ostringstream s;
    s.precision(6);
    s << v;
    return s.str();
}

// The tick spacing for about `target` ticks over `span`: 1, 2 or 5 times a power of ten.
double nice_step(double span, int target) {
    double raw = span / target;
    double power = std::pow(10.0, std::floor(std::log10(raw)));
    double fraction = raw / power;
    return (fraction <= 1.0 ? 1.0 : fraction <= 2.0 ? 2.0 : fraction <= 5.0 ? 5.0 : 10.0) * power;
}

struct Series {
    std::string name;
    std::vector<double> values;
};

// The panels: each metric with its "val_" twin; loss first, then the others by name.
std::vector<std::string> panel_metrics(const History& history) {
    std::set<std::string> bases;
    for (const auto& [key, values] : history.history) {
        if (values.empty()) continue;
        bases.insert(key.rfind("val_", 0) == 0 ? key.substr(4) : key);
    }
    std::vector<std::string> out;
    if (bases.count("loss")) out.push_back("loss");
    for (const std::string& b : bases)
        if (b != "loss") out.push_back(b);
    return out;
}

const char* const colors[] = {"#1f77b4", "#ff7f0e"};  // training, validation

void draw_panel(std::ostringstream& svg, const std::string& metric, const std::vector<Series>& series,
                const History& history, double left, double top, double width, double height) {
    const double margin_left = 64, margin_right = 16, margin_top = 48, margin_bottom = 44;
    double x0 = left + margin_left, x1 = left + width - margin_right;
    double y0 = top + height - margin_bottom, y1 = top + margin_top;  // y0: the bottom of the plot area

    // The epochs on x: History.epoch (0-based) shown from 1, as a person counts them.
    std::size_t n = 0;
    for (const Series& s : series) n = std::max(n, s.values.size());
    auto epoch_of = [&](std::size_t i) {
        return i < history.epoch.size() && history.epoch.size() >= n ? history.epoch[i] + 1.0 : static_cast<double>(i + 1);
    };
    double ex0 = epoch_of(0), ex1 = epoch_of(n - 1);
    if (ex1 <= ex0) ex0 -= 0.5, ex1 += 0.5;

    double lo = INFINITY, hi = -INFINITY;
    for (const Series& s : series)
        for (double v : s.values)
            if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
    if (!std::isfinite(lo)) lo = 0.0, hi = 1.0;  // nothing finite to draw: an empty frame
    if (hi - lo < 1e-12) {
        double pad = std::abs(lo) > 1e-12 ? std::abs(lo) * 0.05 : 0.5;
        lo -= pad, hi += pad;
    }
    double ystep = nice_step(hi - lo, 5);
    lo = std::floor(lo / ystep) * ystep;
    hi = std::ceil(hi / ystep) * ystep;
    double xstep = std::max(1.0, nice_step(ex1 - ex0, 6));

    auto px = [&](double e) { return x0 + (e - ex0) / (ex1 - ex0) * (x1 - x0); };
    auto py = [&](double v) { return y0 - (v - lo) / (hi - lo) * (y0 - y1); };

    svg << "<g class=\"panel\" id=\"panel-" << escape_xml(metric) << "\">\n";
    svg << "<text x=\"" << number(left + width / 2) << "\" y=\"" << number(top + 20)
        << "\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">" << escape_xml(metric) << "</text>\n";
    // Grid and ticks.
    for (double v = lo; v <= hi + ystep * 1e-9; v += ystep) {
        double y = py(v);
        svg << "<line x1=\"" << number(x0) << "\" y1=\"" << number(y) << "\" x2=\"" << number(x1) << "\" y2=\""
            << number(y) << "\" stroke=\"#e0e0e0\"/>\n";
        svg << "<text x=\"" << number(x0 - 6) << "\" y=\"" << number(y + 4)
            << "\" text-anchor=\"end\" font-size=\"11\">" << number(v) << "</text>\n";
    }
    for (double e = std::ceil(ex0 / xstep) * xstep; e <= ex1 + 1e-9; e += xstep) {
        double x = px(e);
        svg << "<line x1=\"" << number(x) << "\" y1=\"" << number(y0) << "\" x2=\"" << number(x) << "\" y2=\""
            << number(y0 + 5) << "\" stroke=\"black\"/>\n";
        svg << "<text x=\"" << number(x) << "\" y=\"" << number(y0 + 18)
            << "\" text-anchor=\"middle\" font-size=\"11\">" << number(e) << "</text>\n";
    }
    // Axes and their labels.
    svg << "<line x1=\"" << number(x0) << "\" y1=\"" << number(y0) << "\" x2=\"" << number(x1) << "\" y2=\""
        << number(y0) << "\" stroke=\"black\"/>\n";
    svg << "<line x1=\"" << number(x0) << "\" y1=\"" << number(y0) << "\" x2=\"" << number(x0) << "\" y2=\""
        << number(y1) << "\" stroke=\"black\"/>\n";
    svg << "<text x=\"" << number((x0 + x1) / 2) << "\" y=\"" << number(top + height - 8)
        << "\" text-anchor=\"middle\" font-size=\"12\">epoch</text>\n";
    double label_x = left + 14, label_y = (y0 + y1) / 2;
    svg << "<text x=\"" << number(label_x) << "\" y=\"" << number(label_y) << "\" text-anchor=\"middle\" font-size=\"12\""
        << " transform=\"rotate(-90 " << number(label_x) << " " << number(label_y) << ")\">" << escape_xml(metric)
        << "</text>\n";

    // The curves: a polyline per run of finite values (a NaN breaks the line), and a dot per epoch.
    for (std::size_t k = 0; k < series.size(); ++k) {
        const Series& s = series[k];
        const char* color = colors[k % 2];
        std::string points;
        auto flush = [&] {
            if (!points.empty())
                svg << "<polyline fill=\"none\" stroke=\"" << color << "\" stroke-width=\"2\""
                    << (k == 1 ? " stroke-dasharray=\"6 3\"" : "") << " points=\"" << points << "\"/>\n";
            points.clear();
        };
        for (std::size_t i = 0; i < s.values.size(); ++i) {
            if (!std::isfinite(s.values[i])) {
                flush();
                continue;
            }
            std::string p = number(px(epoch_of(i))) + "," + number(py(s.values[i]));
            points += (points.empty() ? "" : " ") + p;
            svg << "<circle cx=\"" << number(px(epoch_of(i))) << "\" cy=\"" << number(py(s.values[i]))
                << "\" r=\"2.5\" fill=\"" << color << "\"/>\n";
        }
        flush();
        // Legend entry, in a row between the title and the plot area, where no curve can hide it.
        double lx = x0 + 160 * static_cast<double>(k), ly = top + 36;
        svg << "<line x1=\"" << number(lx) << "\" y1=\"" << number(ly) << "\" x2=\"" << number(lx + 24)
            << "\" y2=\"" << number(ly) << "\" stroke=\"" << color << "\" stroke-width=\"2\""
            << (k == 1 ? " stroke-dasharray=\"6 3\"" : "") << "/>\n";
        svg << "<text x=\"" << number(lx + 30) << "\" y=\"" << number(ly + 4) << "\" font-size=\"11\">"
            << escape_xml(s.name) << "</text>\n";
    }
    svg << "</g>\n";
}

}  // namespace

void plot_history(const History& history, const std::string& path, const PlotHistoryOptions& options) {
    std::vector<std::string> available = panel_metrics(history);
    if (available.empty())
        throw ValueError("plot_history: the history is empty (no metric has a value); call fit() first");
    if (options.panel_width < 160 || options.panel_height < 120)
        throw ValueError("plot_history: panels must be at least 160 x 120 pixels, got " +
                         std::to_string(options.panel_width) + " x " + std::to_string(options.panel_height));
    if (options.columns < 1)
        throw ValueError("plot_history: columns must be at least 1, got " + std::to_string(options.columns));
    std::vector<std::string> metrics = options.metrics.empty() ? available : options.metrics;
    for (const std::string& m : metrics)
        if (std::find(available.begin(), available.end(), m) == available.end())
            throw ValueError("plot_history: the history has no metric \"" + m + "\"; it has " + text::join(available));

    int columns = std::min<int>(options.columns, static_cast<int>(metrics.size()));
    int rows = (static_cast<int>(metrics.size()) + columns - 1) / columns;
    double width = static_cast<double>(columns) * options.panel_width;
    double height = static_cast<double>(rows) * options.panel_height;

    std::ostringstream svg;
    svg << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << number(width) << "\" height=\"" << number(height)
        << "\" viewBox=\"0 0 " << number(width) << " " << number(height)
        << "\" font-family=\"Helvetica, Arial, sans-serif\">\n";
    svg << "<rect x=\"0\" y=\"0\" width=\"" << number(width) << "\" height=\"" << number(height) << "\" fill=\"white\"/>\n";
    for (std::size_t i = 0; i < metrics.size(); ++i) {
        std::vector<Series> series;
        for (const std::string& key : {metrics[i], "val_" + metrics[i]}) {
            auto it = history.history.find(key);
            if (it != history.history.end() && !it->second.empty()) series.push_back({key, it->second});
        }
        double left = static_cast<double>(static_cast<int>(i) % columns) * options.panel_width;
        double top = static_cast<double>(static_cast<int>(i) / columns) * options.panel_height;
        draw_panel(svg, metrics[i], series, history, left, top, options.panel_width, options.panel_height);
    }
    svg << "</svg>\n";
    io::write_file_atomically(path, "plot_history", svg.str());
}

}  // namespace strata::utils
