#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include <strata/layers/regularization.hpp>
#include <strata/strata.hpp>
#include <strata/utils/plot.hpp>

namespace strata {
namespace {

namespace fs = std::filesystem;

class PlotTest : public ::testing::Test {
protected:
    void SetUp() override {
        clear_session();
        utils::set_random_seed(1);
        dir_ = fs::temp_directory_path() / ("strata-plot-test-" + std::to_string(::getpid()));
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path dir_;
};

std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Enough of an XML parser to say the document is well formed: every element closes, in order, and there is
// one root. Returns the root element's name ("" when malformed).
std::string xml_root(const std::string& doc) {
    std::vector<std::string> open;
    std::string root;
    std::size_t i = 0;
    while ((i = doc.find('<', i)) != std::string::npos) {
        if (doc.compare(i, 4, "<!--") == 0) {
            i = doc.find("-->", i);
            if (i == std::string::npos) return "";
            continue;
        }
        std::size_t end = doc.find('>', i);
        if (end == std::string::npos) return "";
        std::string tag = doc.substr(i + 1, end - i - 1);
        i = end + 1;
        if (tag.empty() || tag[0] == '?' || tag[0] == '!') continue;
        if (tag[0] == '/') {
            std::string name = tag.substr(1);
            if (open.empty() || open.back() != name) return "";
            open.pop_back();
            continue;
        }
        std::string name = tag.substr(0, tag.find_first_of(" \t\n/"));
        if (open.empty()) {
            if (!root.empty()) return "";  // a second root
            root = name;
        }
        if (tag.back() != '/') open.push_back(name);
    }
    return open.empty() ? root : "";
}

Sequential small_model() {
    Sequential model;
    model.add(layers::Dense(64, "relu", {.kernel_regularizer = regularizers::L2(1e-4), .input_shape = {784}}));
    model.add(layers::Dropout(0.2));
    model.add(layers::Dense(10, "softmax", {.name = "logits"}));
    return model;
}

TEST_F(PlotTest, KerasDefaults) {
    // Keras 3: plot_model(..., show_shapes=False, show_dtype=False, show_layer_names=False, rankdir="TB",
    // expand_nested=False, dpi=200, show_layer_activations=False, show_trainable=False, splines="ortho").
    utils::PlotModelOptions o;
    EXPECT_FALSE(o.show_shapes);
    EXPECT_FALSE(o.show_dtype);
    EXPECT_FALSE(o.show_layer_names);
    EXPECT_EQ(o.rankdir, "TB");
    EXPECT_FALSE(o.expand_nested);
    EXPECT_EQ(o.dpi, 200);
    EXPECT_FALSE(o.show_layer_activations);
    EXPECT_FALSE(o.show_trainable);
    EXPECT_EQ(o.splines, "ortho");
}

TEST_F(PlotTest, DotHasOneNodePerLayerAndTheSequentialEdges) {
    Sequential model = small_model();
    std::string dot = utils::model_to_dot(model, {.show_shapes = true, .show_layer_names = true,
                                                  .show_layer_activations = true, .show_trainable = true});
    EXPECT_EQ(dot.rfind("digraph", 0), 0u);
    for (const char* name : {"dense", "dropout", "logits"}) EXPECT_NE(dot.find(std::string("<b>") + name + "</b>"), std::string::npos) << name;
    EXPECT_NE(dot.find("(Dense)"), std::string::npos);
    EXPECT_NE(dot.find("Input shape: <b>(None, 784)</b>"), std::string::npos);
    EXPECT_NE(dot.find("Output shape: <b>(None, 64)</b>"), std::string::npos);
    EXPECT_NE(dot.find("Output shape: <b>(None, 10)</b>"), std::string::npos);
    EXPECT_NE(dot.find("Activation: <b>softmax</b>"), std::string::npos);
    EXPECT_NE(dot.find("Trainable"), std::string::npos);
    EXPECT_EQ(dot.find("InputLayer"), std::string::npos);  // Keras leaves a Sequential's InputLayer out
    EXPECT_NE(dot.find("layer_0 -> layer_1"), std::string::npos);
    EXPECT_NE(dot.find("layer_1 -> layer_2"), std::string::npos);
    EXPECT_NE(dot.find("rankdir=\"TB\""), std::string::npos);
    EXPECT_NE(dot.find("dpi=200"), std::string::npos);

    // Without show_layer_names (Keras's plot_model default) a node shows its class only.
    std::string plain = utils::model_to_dot(model);
    EXPECT_EQ(plain.find("logits"), std::string::npos);
    EXPECT_NE(plain.find("<b>Dense</b>"), std::string::npos);
    EXPECT_EQ(plain.find("Output shape"), std::string::npos);
}

TEST_F(PlotTest, FunctionalGraphEdgesFollowTheCalls) {
    Tensor a = Input({4}, {.name = "left"}), b = Input({6}, {.name = "right"});
    layers::Dense da(3, {}, {.name = "from_left"}), db(3, {}, {.name = "from_right"});
    Tensor ya = da(a), yb = db(b);
    Model model({a, b}, {ya, yb});
    std::string dot = utils::model_to_dot(model, {.show_shapes = true, .show_layer_names = true});
    EXPECT_NE(dot.find("<b>left</b> (InputLayer)"), std::string::npos);
    EXPECT_NE(dot.find("<b>right</b> (InputLayer)"), std::string::npos);
    std::size_t edges = 0;
    for (std::size_t i = 0; (i = dot.find("->", i)) != std::string::npos; ++i) ++edges;
    EXPECT_EQ(edges, 2u);
    EXPECT_NE(dot.find("Input shape: <b>(None, 6)</b>"), std::string::npos);
}

TEST_F(PlotTest, PlotModelWritesAWellFormedSvgThroughGraphviz) {
    Sequential model = small_model();
    fs::path svg = dir_ / "model.svg";
    utils::plot_model(model, svg.string(), {.show_shapes = true, .show_layer_names = true});
    ASSERT_TRUE(fs::exists(svg));
    std::string text = read(svg);
    EXPECT_EQ(xml_root(text), "svg");
    for (const char* name : {"dense", "dropout", "logits", "Dense", "Dropout"}) EXPECT_NE(text.find(name), std::string::npos) << name;
    EXPECT_NE(text.find("None, 784"), std::string::npos);
    // The contract's call.
    utils::plot_model(model, (dir_ / "contract.svg").string(), {.show_shapes = true});
    EXPECT_TRUE(fs::exists(dir_ / "contract.svg"));
    // A .dot path gets the DOT text itself.
    utils::plot_model(model, (dir_ / "model.dot").string());
    EXPECT_EQ(read(dir_ / "model.dot"), utils::model_to_dot(model));
    // Nothing else is left in the directory (no temporary files).
    std::size_t files = 0;
    for (const auto& entry : fs::directory_iterator(dir_)) files += entry.is_regular_file();
    EXPECT_EQ(files, 3u);
}

TEST_F(PlotTest, PlotModelErrors) {
    Sequential unbuilt{layers::Dense(3)};
    EXPECT_THROW(utils::plot_model(unbuilt, (dir_ / "x.svg").string()), ValueError);
    Sequential model = small_model();
    EXPECT_THROW(utils::plot_model(model, (dir_ / "missing" / "x.svg").string()), IOError);
    EXPECT_THROW(utils::model_to_dot(model, {.rankdir = "UP"}), ValueError);
    // Graphviz missing from the PATH: an IOError that says to install it.
    std::string saved = std::getenv("PATH") ? std::getenv("PATH") : "";
    ::setenv("PATH", (dir_ / "empty").c_str(), 1);
    try {
        utils::plot_model(model, (dir_ / "x.svg").string());
        ADD_FAILURE() << "expected an IOError";
    } catch (const IOError& e) {
        EXPECT_NE(std::string(e.what()).find("Graphviz"), std::string::npos) << e.what();
    }
    ::setenv("PATH", saved.c_str(), 1);
    EXPECT_FALSE(fs::exists(dir_ / "x.svg"));
}

History sample_history() {
    History h;
    h.epoch = {0, 1, 2, 3};
    h.history["loss"] = {1.2, 0.8, 0.6, 0.55};
    h.history["val_loss"] = {1.3, 0.9, 0.7, 0.72};
    h.history["accuracy"] = {0.5, 0.7, 0.8, 0.83};
    h.history["val_accuracy"] = {0.45, 0.66, 0.75, 0.74};
    h.history["learning_rate"] = {0.001, 0.001, 0.0005, 0.0005};
    return h;
}

TEST_F(PlotTest, PlotHistoryDrawsOnePanelPerMetricWithItsValidationCurve) {
    fs::path svg = dir_ / "history.svg";
    utils::plot_history(sample_history(), svg.string());
    std::string text = read(svg);
    EXPECT_EQ(xml_root(text), "svg");
    for (const char* name : {"loss", "val_loss", "accuracy", "val_accuracy", "learning_rate", "epoch"})
        EXPECT_NE(text.find(std::string(">") + name + "<"), std::string::npos) << name;
    std::size_t panels = 0;
    for (std::size_t i = 0; (i = text.find("class=\"panel\"", i)) != std::string::npos; ++i) ++panels;
    EXPECT_EQ(panels, 3u);
    EXPECT_LT(text.find("panel-loss"), text.find("panel-accuracy"));  // loss first
    // A chosen subset, and a NaN (a run stopped by TerminateOnNaN) that breaks the curve without failing.
    History h = sample_history();
    h.history["loss"][2] = std::nan("");
    utils::plot_history(h, svg.string(), {.metrics = {"loss"}});
    text = read(svg);
    EXPECT_EQ(xml_root(text), "svg");
    EXPECT_EQ(text.find("panel-accuracy"), std::string::npos);
    EXPECT_EQ(text.find("nan"), std::string::npos);
    // One epoch still draws.
    History one;
    one.epoch = {0};
    one.history["loss"] = {0.3};
    utils::plot_history(one, svg.string());
    EXPECT_EQ(xml_root(read(svg)), "svg");
}

TEST_F(PlotTest, PlotHistoryErrors) {
    EXPECT_THROW(utils::plot_history(History{}, (dir_ / "h.svg").string()), ValueError);
    EXPECT_THROW(utils::plot_history(sample_history(), (dir_ / "h.svg").string(), {.metrics = {"precision"}}), ValueError);
    EXPECT_THROW(utils::plot_history(sample_history(), (dir_ / "no" / "such" / "h.svg").string()), IOError);
    EXPECT_FALSE(fs::exists(dir_ / "h.svg"));
}

TEST_F(PlotTest, PlotHistoryOfARealFit) {
    Sequential model = small_model();
    model.compile({.optimizer = "adam", .loss = "sparse_categorical_crossentropy", .metrics = {"accuracy"}});
    Tensor x = random::normal({64, 784});
    Tensor y = Tensor::from_vector(std::vector<std::int64_t>(64, 3));
    History history = model.fit(x, y, {.batch_size = 32, .epochs = 2, .verbose = 0, .validation_split = 0.25});
    fs::path svg = dir_ / "fit.svg";
    utils::plot_history(history, svg.string());
    std::string text = read(svg);
    EXPECT_EQ(xml_root(text), "svg");
    for (const char* name : {"loss", "val_loss", "accuracy", "val_accuracy"})
        EXPECT_NE(text.find(std::string(">") + name + "<"), std::string::npos) << name;
}

}  // namespace
}  // namespace strata
