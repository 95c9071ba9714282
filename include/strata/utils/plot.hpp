// Pictures of a model and of its training: keras.utils.plot_model (the layer graph, drawn by Graphviz) and
// plot_history (each metric over the epochs, training and validation, as an SVG written by hand).
#pragma once

#include <string>
#include <vector>

#include "strata/models/model.hpp"
#include "strata/training/callbacks.hpp"

namespace strata::utils {

// Keras 3: plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False, show_layer_names=False,
// rankdir="TB", expand_nested=False, dpi=200, show_layer_activations=False, show_trainable=False,
// splines="ortho").
struct PlotModelOptions {
    bool show_shapes = false;
    bool show_dtype = false;
    bool show_layer_names = false;
    std::string rankdir = "TB";  // "TB" top to bottom, "LR" left to right (also "BT", "RL")
    bool expand_nested = false;  // strata's models are never nested, so there is nothing to expand
    int dpi = 200;
    bool show_layer_activations = false;
    bool show_trainable = false;
    std::string splines = "ortho";
};

// The graph in Graphviz's DOT language, as Keras's model_to_dot: one node per layer (an HTML-like table with
// the layer's name and class, and with the options its shapes, dtype, activation, trainability), one edge
// per connection of the functional graph. ValueError when the model is not built.
std::string model_to_dot(const Model& model, const PlotModelOptions& options = {});

// Writes the graph to `path`: DOT text itself for a path ending in ".dot", otherwise the drawing made by
// Graphviz's `dot` in the format of the extension (.svg, .png, .pdf, ...). The file appears complete or not
// at all. IOError when `dot` is not installed (naming the Graphviz package), when it fails, or when the path
// cannot be written.
void plot_model(const Model& model, const std::string& path, const PlotModelOptions& options = {});

struct PlotHistoryOptions {
    std::vector<std::string> metrics;  // the metrics to draw (without "val_"); empty: every one in the history
    int panel_width = 480;             // pixels per panel
    int panel_height = 320;
    int columns = 2;  // panels per row
};

// An SVG with one panel per metric (loss first, then the others by name): the training curve and its
// "val_" curve over the epochs, axes with ticks and labels, a legend. ValueError for an empty history or
// an unknown metric; IOError when the path cannot be written.
void plot_history(const History& history, const std::string& path, const PlotHistoryOptions& options = {});

}  // namespace strata::utils
