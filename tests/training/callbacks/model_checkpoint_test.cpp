#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <strata/strata.hpp>
#include <strata/training/callbacks/model_checkpoint.hpp>

#include "callback_test_model.hpp"
#include "support/error_of.hpp"

namespace strata {
namespace {

using callbacks::ModelCheckpoint;
using callbacks::ModelCheckpointOptions;
using testing::callback_test_data;
using testing::callback_test_model;

using testing::error_of;

class ModelCheckpointTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("strata_model_checkpoint_" + std::to_string(::getpid()) + "_" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::string path(const std::string& name) const { return (dir_ / name).string(); }
    std::set<std::string> files() const {
        std::set<std::string> names;
        for (const auto& entry : std::filesystem::directory_iterator(dir_)) names.insert(entry.path().filename());
        return names;
    }
    std::filesystem::path dir_;
};

// Sets every weight of the model to `value`, so that a saved file tells which epoch wrote it.
void fill_weights(Model& model, float value) {
    std::vector<Tensor> values;
    for (const Tensor& w : model.weights()) values.push_back(Tensor::full(w.shape(), value));
    model.set_weights(values);
}

float first_weight_in(const std::string& file) {
    Sequential probe = callback_test_model();
    probe.load_weights(file);
    return probe.get_weights()[0].to_vector<float>()[0];
}

// Feeds the values of `monitor` as epochs 0, 1, ...; before each, the weights are set to the epoch number.
void drive(ModelCheckpoint& cb, Model& model, const std::vector<double>& values,
           const std::string& monitor = "val_loss") {
    cb.set_model(&model);
    cb.on_train_begin({});
    for (int epoch = 0; epoch < static_cast<int>(values.size()); ++epoch) {
        cb.on_epoch_begin(epoch, {});
        fill_weights(model, static_cast<float>(epoch));
        cb.on_epoch_end(epoch, {{"loss", 1.0}, {monitor, values[epoch]}});
    }
    cb.on_train_end({});
}

TEST_F(ModelCheckpointTest, KerasDefaults) {
    // Keras 3: ModelCheckpoint(filepath, monitor="val_loss", verbose=0, save_best_only=False,
    // save_weights_only=False, mode="auto", save_freq="epoch", initial_value_threshold=None).
    ModelCheckpointOptions o;
    EXPECT_EQ(o.monitor, "val_loss");
    EXPECT_EQ(o.verbose, 0);
    EXPECT_FALSE(o.save_best_only);
    EXPECT_FALSE(o.save_weights_only);
    EXPECT_EQ(o.mode, "auto");
    EXPECT_TRUE(o.save_freq.per_epoch());
    EXPECT_FALSE(o.initial_value_threshold.has_value());
}

TEST_F(ModelCheckpointTest, SavesEveryEpochThroughFitWithAFormattedPath) {
    Sequential model = callback_test_model();
    auto data = callback_test_data(16);
    auto cb = std::make_shared<ModelCheckpoint>(path("ckpt-{epoch:02d}-{loss:.2f}.weights.h5"));
    History history = model.fit(data.x, data.y, {.batch_size = 8, .epochs = 3, .verbose = 0, .callbacks = {cb}});
    std::set<std::string> expected;
    for (int e = 0; e < 3; ++e) {
        char name[64];
        std::snprintf(name, sizeof name, "ckpt-%02d-%.2f.weights.h5", e + 1, history.history["loss"][e]);
        expected.insert(name);
    }
    EXPECT_EQ(files(), expected);
    // The last one holds the final weights.
    char last[64];
    std::snprintf(last, sizeof last, "ckpt-03-%.2f.weights.h5", history.history["loss"][2]);
    Sequential loaded = callback_test_model();
    loaded.load_weights(path(last));
    EXPECT_EQ(loaded.get_weights()[0].to_vector<float>(), model.get_weights()[0].to_vector<float>());
}

TEST_F(ModelCheckpointTest, ContractBestWeightsThroughFitWithValidation) {
    Sequential model = callback_test_model();
    auto data = callback_test_data(20);
    auto cb = std::make_shared<ModelCheckpoint>(path("best.weights.h5"), ModelCheckpointOptions{.save_best_only = true});
    model.fit(data.x, data.y, {.batch_size = 4, .epochs = 2, .verbose = 0, .callbacks = {cb}, .validation_split = 0.2});
    EXPECT_EQ(files(), std::set<std::string>{"best.weights.h5"});
    EXPECT_LT(cb->best(), std::numeric_limits<double>::infinity());
    Sequential loaded = callback_test_model();
    EXPECT_NO_THROW(loaded.load_weights(path("best.weights.h5")));
}

TEST_F(ModelCheckpointTest, SaveBestOnlyKeepsTheBestEpoch) {
    Sequential model = callback_test_model();
    ModelCheckpoint cb(path("best.weights.h5"), {.save_best_only = true});
    drive(cb, model, {1.0, 0.8, 0.9, 0.5, 0.7});
    EXPECT_EQ(cb.best(), 0.5);
    EXPECT_EQ(first_weight_in(path("best.weights.h5")), 3.0f);
    // With the epoch in the path, only improving epochs write a file.
    ModelCheckpoint each(path("e{epoch}.weights.h5"), {.save_best_only = true});
    drive(each, model, {1.0, 0.8, 0.9, 0.5, 0.7});
    EXPECT_EQ(files(), (std::set<std::string>{"best.weights.h5", "e1.weights.h5", "e2.weights.h5", "e4.weights.h5"}));
}

TEST_F(ModelCheckpointTest, ModeDecidesTheDirection) {
    Sequential model = callback_test_model();
    // Keras 3: mode="auto" maximises accuracy-like metrics and minimises losses.
    ModelCheckpoint accuracy(path("acc.weights.h5"), {.monitor = "val_accuracy", .save_best_only = true});
    EXPECT_TRUE(accuracy.maximizes());
    drive(accuracy, model, {0.5, 0.7, 0.6}, "val_accuracy");
    EXPECT_EQ(first_weight_in(path("acc.weights.h5")), 1.0f);
    ModelCheckpoint forced_max(path("max.weights.h5"), {.save_best_only = true, .mode = "max"});
    EXPECT_TRUE(forced_max.maximizes());
    drive(forced_max, model, {0.5, 0.7, 0.6});
    EXPECT_EQ(first_weight_in(path("max.weights.h5")), 1.0f);
    ModelCheckpoint forced_min(path("min.weights.h5"), {.monitor = "val_accuracy", .save_best_only = true, .mode = "min"});
    EXPECT_FALSE(forced_min.maximizes());
    drive(forced_min, model, {0.5, 0.7, 0.4}, "val_accuracy");
    EXPECT_EQ(first_weight_in(path("min.weights.h5")), 2.0f);
}

TEST_F(ModelCheckpointTest, InitialValueThresholdMustBeBeaten) {
    Sequential model = callback_test_model();
    ModelCheckpoint cb(path("best.weights.h5"), {.save_best_only = true, .initial_value_threshold = 0.5});
    EXPECT_EQ(cb.best(), 0.5);
    drive(cb, model, {0.7, 0.6});
    EXPECT_TRUE(files().empty());
    drive(cb, model, {0.7, 0.4});
    EXPECT_EQ(first_weight_in(path("best.weights.h5")), 1.0f);
}

TEST_F(ModelCheckpointTest, SaveFreqCountsBatchesAcrossEpochs) {
    // Keras 3: save_freq=N saves after every N training batches, counting across epoch boundaries, with the
    // epoch and the batch (1-based) in the path.
    Sequential model = callback_test_model();
    auto data = callback_test_data(10);
    auto cb = std::make_shared<ModelCheckpoint>(path("{epoch}-{batch}.weights.h5"), ModelCheckpointOptions{.save_freq = 2});
    model.fit(data.x, data.y, {.batch_size = 2, .epochs = 2, .verbose = 0, .callbacks = {cb}});
    EXPECT_EQ(files(), (std::set<std::string>{"1-2.weights.h5", "1-4.weights.h5", "2-1.weights.h5", "2-3.weights.h5",
                                             "2-5.weights.h5"}));
}

TEST_F(ModelCheckpointTest, SaveFreqRejectsOtherWords) {
    std::string message = error_of<ValueError>([] { callbacks::SaveFreq freq("batch"); });
    EXPECT_NE(message.find("Unrecognized save_freq: batch"), std::string::npos) << message;
}

TEST_F(ModelCheckpointTest, VerboseMessagesAreKeras) {
    Sequential model = callback_test_model();
    std::string p = path("best.weights.h5");
    ModelCheckpoint cb(p, {.verbose = 1, .save_best_only = true});
    ::testing::internal::CaptureStdout();
    drive(cb, model, {0.5, 0.75});
    std::string out = ::testing::internal::GetCapturedStdout();
    EXPECT_EQ(out, "\nEpoch 1: val_loss improved from inf to 0.50000, saving model to " + p + "\n" +
                       "\nEpoch 1: finished saving model to " + p + "\n" +
                       "\nEpoch 2: val_loss did not improve from 0.50000\n");
    ModelCheckpoint every(p, {.verbose = 1});
    ::testing::internal::CaptureStdout();
    drive(every, model, {0.5});
    EXPECT_EQ(::testing::internal::GetCapturedStdout(),
              "\nEpoch 1: saving model to " + p + "\n\nEpoch 1: finished saving model to " + p + "\n");
}

TEST_F(ModelCheckpointTest, MissingMonitorWarnsOnceAndSaves) {
    // Keras 3: "Can save best model only with val_loss available." (a warning), then saves anyway.
    Sequential model = callback_test_model();
    ModelCheckpoint cb(path("e{epoch}.weights.h5"), {.save_best_only = true});
    ::testing::internal::CaptureStderr();
    drive(cb, model, {0.5, 0.4}, "loss_typo");
    std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(err.find("Can save best model only with val_loss available"), std::string::npos) << err;
    EXPECT_EQ(err.find("Can save"), err.rfind("Can save")) << err;
    EXPECT_EQ(files(), (std::set<std::string>{"e1.weights.h5", "e2.weights.h5"}));
}

TEST_F(ModelCheckpointTest, PathRules) {
    // A .weights.h5 path saves weights whatever save_weights_only says (the contract's usage).
    EXPECT_NO_THROW(ModelCheckpoint(path("a.weights.h5")));
    EXPECT_NO_THROW(ModelCheckpoint(path("a.weights.h5"), {.save_weights_only = true}));
    // Whole-model paths are refused until whole-model saving exists.
    for (const char* name : {"m.keras", "m.h5"}) {
        std::string message = error_of<ValueError>([&] { ModelCheckpoint cb(path(name)); });
        EXPECT_NE(message.find("not available yet"), std::string::npos) << message;
        EXPECT_NE(message.find(".weights.h5"), std::string::npos) << message;
    }
    // Keras 3's refusals.
    std::string weights_only = error_of<ValueError>([&] { ModelCheckpoint cb(path("m.h5"), {.save_weights_only = true}); });
    EXPECT_NE(weights_only.find("must end in `.weights.h5`"), std::string::npos) << weights_only;
    std::string other = error_of<ValueError>([&] { ModelCheckpoint cb(path("m.ckpt")); });
    EXPECT_NE(other.find("must end in `.keras`"), std::string::npos) << other;
}

TEST_F(ModelCheckpointTest, FormatsThePathAsPythonsStrFormat) {
    Logs logs = {{"loss", 0.123456}, {"val_loss", 1.5}, {"neg", -2.25}};
    auto formatted = [&](const std::string& pattern, int epoch = 2, std::optional<int> batch = std::nullopt) {
        return ModelCheckpoint(pattern + ".weights.h5").file_path(epoch, batch, logs);
    };
    EXPECT_EQ(formatted("{epoch:02d}"), "03.weights.h5");
    EXPECT_EQ(formatted("{epoch}"), "3.weights.h5");
    EXPECT_EQ(formatted("{epoch:>4d}|{epoch:<4}|{epoch:*^5}"), "   3|3   |**3**.weights.h5");
    EXPECT_EQ(formatted("{loss:.2f}"), "0.12.weights.h5");
    EXPECT_EQ(formatted("{loss:08.3f}"), "0000.123.weights.h5");
    EXPECT_EQ(formatted("{neg:08.2f}"), "-0002.25.weights.h5");
    EXPECT_EQ(formatted("{loss:+.1f}"), "+0.1.weights.h5");
    EXPECT_EQ(formatted("{loss:.3e}"), "1.235e-01.weights.h5");
    EXPECT_EQ(formatted("{loss:E}"), "1.234560E-01.weights.h5");
    EXPECT_EQ(formatted("{loss:g}"), "0.123456.weights.h5");
    EXPECT_EQ(formatted("{loss:.2g}"), "0.12.weights.h5");
    EXPECT_EQ(formatted("{val_loss:.1%}"), "150.0%.weights.h5");
    EXPECT_EQ(formatted("{loss}"), "0.123456.weights.h5");
    EXPECT_EQ(formatted("{val_loss}"), "1.5.weights.h5");
    EXPECT_EQ(formatted("{val_loss:.1}"), "2e+00.weights.h5");
    EXPECT_EQ(formatted("{val_loss:.3}"), "1.5.weights.h5");
    EXPECT_EQ(formatted("{epoch:.2f}"), "3.00.weights.h5");
    EXPECT_EQ(formatted("{{epoch}}-{epoch}"), "{epoch}-3.weights.h5");
    EXPECT_EQ(formatted("{epoch}-{batch:03d}", 0, 9), "1-010.weights.h5");
    // A name that is not in the logs, and a spec Python refuses, are errors naming the filepath.
    std::string missing = error_of<ValueError>([&] { formatted("{val_acc:.2f}"); });
    EXPECT_NE(missing.find("Failed to format this callback filepath: \"{val_acc:.2f}.weights.h5\""), std::string::npos)
        << missing;
    EXPECT_NE(missing.find("'val_acc'"), std::string::npos) << missing;
    std::string wrong = error_of<ValueError>([&] { formatted("{loss:02d}"); });
    EXPECT_NE(wrong.find("Unknown format code 'd' for object of type 'float'"), std::string::npos) << wrong;
    EXPECT_NE(error_of<ValueError>([&] { formatted("{epoch"); }).find("Single '{'"), std::string::npos);
}

TEST_F(ModelCheckpointTest, CreatesAMissingDirectoryAsKerasDoes) {
    Sequential model = callback_test_model();
    ModelCheckpoint cb(path("runs/{epoch}/w.weights.h5"));
    drive(cb, model, {1.0});
    EXPECT_TRUE(std::filesystem::exists(path("runs/1/w.weights.h5")));
}

TEST_F(ModelCheckpointTest, AnUnwritableLocationIsAnIOErrorAtTheFirstSave) {
    Sequential model = callback_test_model();
    std::ofstream(path("plain_file")) << "x";
    ModelCheckpoint cb(path("plain_file/w.weights.h5"));
    cb.set_model(&model);
    std::string message = error_of<IOError>([&] { cb.on_epoch_end(0, {{"val_loss", 1.0}}); });
    EXPECT_NE(message.find("plain_file"), std::string::npos) << message;
    // A path that is an existing directory.
    std::filesystem::create_directories(path("d.weights.h5"));
    ModelCheckpoint onto_directory(path("d.weights.h5"));
    onto_directory.set_model(&model);
    std::string directory = error_of<IOError>([&] { onto_directory.on_epoch_end(0, {{"val_loss", 1.0}}); });
    EXPECT_NE(directory.find("non-directory filepath"), std::string::npos) << directory;
}

}  // namespace
}  // namespace strata
