#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include <strata/strata.hpp>

#include "strata/training/callbacks/backup_and_restore.hpp"

namespace strata {
namespace {

namespace fs = std::filesystem;
using callbacks::BackupAndRestore;

struct Interrupt : Callback {
    int at_epoch;
    explicit Interrupt(int epoch) : at_epoch(epoch) {}
    void on_epoch_end(int epoch, const Logs&) override {
        if (epoch == at_epoch) throw std::runtime_error("interrupted");
    }
};

struct EpochRecorder : Callback {
    std::vector<int> epochs;
    void on_epoch_begin(int epoch, const Logs&) override { epochs.push_back(epoch); }
};

class BackupAndRestoreTest : public ::testing::Test {
protected:
    fs::path dir;
    void SetUp() override {
        dir = fs::temp_directory_path() / ("strata-backup-" + std::to_string(::getpid()));
        fs::remove_all(dir);
    }
    void TearDown() override { fs::remove_all(dir); }

    // A model with dropout and Adam (state that a resume must carry: moments, iterations, the random stream).
    static Sequential model_with_seed(std::uint64_t seed) {
        clear_session();
        utils::set_random_seed(seed);
        Sequential model;
        model.add(layers::Dense(16, "relu", {.input_shape = {6}}));
        model.add(layers::Dropout(0.3));
        model.add(layers::Dense(3, "softmax"));
        model.compile({.optimizer = optimizers::Adam(0.01), .loss = "sparse_categorical_crossentropy"});
        return model;
    }
    struct Data {
        Tensor x, y;
    };
    static Data data() {
        utils::set_random_seed(99);
        Tensor x = random::normal({96, 6});
        Tensor y = ops::floor(random::uniform({96}) * 3.0).astype(int64);
        return {x, y};
    }
};

TEST_F(BackupAndRestoreTest, KerasDefaultsAndFileNames) {
    // Keras 3: BackupAndRestore(backup_dir, save_freq="epoch", double_checkpoint=False, delete_checkpoint=True).
    callbacks::BackupAndRestoreOptions options;
    EXPECT_TRUE(options.save_freq.per_epoch());
    EXPECT_FALSE(options.double_checkpoint);
    EXPECT_TRUE(options.delete_checkpoint);
    BackupAndRestore backup((dir / "b").string());
    EXPECT_EQ(fs::path(backup.weights_path()).filename(), "latest.weights.h5");
    EXPECT_EQ(fs::path(backup.metadata_path()).filename(), "training_metadata.json");
    EXPECT_THROW(BackupAndRestore(""), ValueError);
}

TEST_F(BackupAndRestoreTest, AResumedFitEndsWithTheSameWeightsAsAnUninterruptedOne) {
    Data d = data();
    FitOptions fit{.batch_size = 16, .epochs = 5, .verbose = 0};

    // Uninterrupted.
    Sequential whole = model_with_seed(7);
    fit.callbacks = {std::make_shared<BackupAndRestore>((dir / "whole").string())};
    whole.fit(d.x, d.y, fit);
    EXPECT_FALSE(fs::exists(dir / "whole"));  // deleted at the end of a finished fit

    // Interrupted after the third epoch (index 2), after the backup was written...
    Sequential first = model_with_seed(7);
    auto backup = std::make_shared<BackupAndRestore>((dir / "resumed").string());
    fit.callbacks = {backup, std::make_shared<Interrupt>(2)};
    EXPECT_THROW(first.fit(d.x, d.y, fit), std::runtime_error);
    EXPECT_TRUE(fs::exists(dir / "resumed" / "latest.weights.h5"));

    // ...and resumed by a fresh model in a fresh "process": other initial weights, another random state.
    Sequential second = model_with_seed(1234);
    auto recorder = std::make_shared<EpochRecorder>();
    fit.callbacks = {std::make_shared<BackupAndRestore>((dir / "resumed").string()), recorder};
    second.fit(d.x, d.y, fit);
    EXPECT_EQ(recorder->epochs, (std::vector<int>{3, 4}));
    EXPECT_EQ(second.optimizer()->iterations(), whole.optimizer()->iterations());

    std::vector<Tensor> a = whole.get_weights(), b = second.get_weights();
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].to_vector<float>(), b[i].to_vector<float>()) << i;
}

TEST_F(BackupAndRestoreTest, ABrokenBackupIsAClearErrorAndTheKeptPreviousOneIsUsed) {
    Data d = data();
    fs::create_directories(dir / "broken");
    {
        std::ofstream(dir / "broken" / "latest.weights.h5") << "not an HDF5 file";
    }
    Sequential model = model_with_seed(7);
    model.predict(d.x.slice(0, 1), {.verbose = 0});  // built
    EXPECT_THROW(model.fit(d.x, d.y, {.epochs = 1, .verbose = 0,
                                      .callbacks = {std::make_shared<BackupAndRestore>((dir / "broken").string())}}),
                 IOError);

    // With double_checkpoint, the previous backup stands in for a broken latest one.
    FitOptions fit{.batch_size = 16, .epochs = 3, .verbose = 0};
    callbacks::BackupAndRestoreOptions keep{.double_checkpoint = true};
    fit.callbacks = {std::make_shared<BackupAndRestore>((dir / "double").string(), keep), std::make_shared<Interrupt>(1)};
    EXPECT_THROW(model.fit(d.x, d.y, fit), std::runtime_error);
    ASSERT_TRUE(fs::exists(dir / "double" / "latest.weights.h5.bkp"));
    {
        std::ofstream(dir / "double" / "latest.weights.h5") << "cut off";
    }
    auto recorder = std::make_shared<EpochRecorder>();
    fit.callbacks = {std::make_shared<BackupAndRestore>((dir / "double").string(), keep), recorder};
    model.fit(d.x, d.y, fit);
    EXPECT_EQ(recorder->epochs, (std::vector<int>{1, 2}));  // the .bkp had one epoch done
}

}  // namespace
}  // namespace strata
