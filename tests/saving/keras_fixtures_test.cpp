// Real files written by Keras (tests/saving/data/keras, README.md there gives each one's source): those made
// of layers strata has load and predict what a float64 reference computed here from their weights predicts;
// the others are refused with an error that names why.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include <strata/strata.hpp>

#include "saving/hdf5.hpp"
#include "saving/zip_archive.hpp"
#include "support/error_of.hpp"

namespace strata {
namespace {

std::string fixture(const std::string& name) {
    return std::string(STRATA_TEST_DATA_DIR) + "/../saving/data/keras/" + name;
}

using testing::error_of;

// ---- a float64 reference, written from the formulas and the raw weights, not from strata's layers ----

// A batch of activations: n rows of `shape` (without the batch axis), row-major, channels last.
struct Activations {
    std::int64_t n = 0;
    std::vector<std::int64_t> shape;
    std::vector<double> v;
    std::int64_t row() const {
        std::int64_t r = 1;
        for (auto d : shape) r *= d;
        return r;
    }
};

std::vector<double> read(const saving::h5::Group& vars, const std::string& i) {
    return vars.read_dataset(i, float64).to_vector<double>();
}

double activate(double x, const std::string& activation) {
    if (activation == "relu") return std::max(0.0, x);
    if (activation == "sigmoid") return 1.0 / (1.0 + std::exp(-x));
    return x;
}

Activations dense(const Activations& in, const saving::h5::Group& vars, const std::string& activation) {
    std::int64_t units = vars.dataset_info("0").shape[1], k = in.row();
    std::vector<double> w = read(vars, "0"), b = read(vars, "1");
    Activations out{in.n, {units}, std::vector<double>(static_cast<std::size_t>(in.n * units))};
    for (std::int64_t s = 0; s < in.n; ++s) {
        for (std::int64_t u = 0; u < units; ++u) {
            double acc = b[u];
            for (std::int64_t i = 0; i < k; ++i) acc += in.v[s * k + i] * w[i * units + u];
            out.v[s * units + u] = activate(acc, activation);
        }
    }
    if (activation == "softmax") {
        for (std::int64_t s = 0; s < in.n; ++s) {
            double m = -1e300, z = 0;
            for (std::int64_t u = 0; u < units; ++u) m = std::max(m, out.v[s * units + u]);
            for (std::int64_t u = 0; u < units; ++u) z += std::exp(out.v[s * units + u] - m);
            for (std::int64_t u = 0; u < units; ++u) out.v[s * units + u] = std::exp(out.v[s * units + u] - m) / z;
        }
    }
    return out;
}

// BatchNormalization in inference: gamma * (x - moving_mean) / sqrt(moving_variance + epsilon) + beta.
Activations batch_norm(Activations x, const saving::h5::Group& vars, double epsilon) {
    std::vector<double> gamma = read(vars, "0"), beta = read(vars, "1"), mean = read(vars, "2"), var = read(vars, "3");
    std::size_t c = gamma.size();
    for (std::size_t i = 0; i < x.v.size(); ++i) {
        std::size_t j = i % c;
        x.v[i] = gamma[j] * (x.v[i] - mean[j]) / std::sqrt(var[j] + epsilon) + beta[j];
    }
    return x;
}

// Conv2D, valid padding, stride 1, kernel (kh, kw, in, out), then the activation.
Activations conv2d(const Activations& in, const saving::h5::Group& vars, const std::string& activation) {
    Shape k = vars.dataset_info("0").shape;
    std::int64_t kh = k[0], kw = k[1], ci = k[2], co = k[3], h = in.shape[0], w = in.shape[1];
    std::int64_t oh = h - kh + 1, ow = w - kw + 1;
    std::vector<double> kernel = read(vars, "0"), bias = read(vars, "1");
    Activations out{in.n, {oh, ow, co}, std::vector<double>(static_cast<std::size_t>(in.n * oh * ow * co))};
    for (std::int64_t s = 0; s < in.n; ++s)
        for (std::int64_t y = 0; y < oh; ++y)
            for (std::int64_t x = 0; x < ow; ++x)
                for (std::int64_t o = 0; o < co; ++o) {
                    double acc = bias[o];
                    for (std::int64_t dy = 0; dy < kh; ++dy)
                        for (std::int64_t dx = 0; dx < kw; ++dx)
                            for (std::int64_t c = 0; c < ci; ++c)
                                acc += in.v[((s * h + y + dy) * w + x + dx) * ci + c] *
                                       kernel[((dy * kw + dx) * ci + c) * co + o];
                    out.v[((s * oh + y) * ow + x) * co + o] = activate(acc, activation);
                }
    return out;
}

// MaxPooling2D(2), valid: the floor of each extent over 2.
Activations max_pool(const Activations& in) {
    std::int64_t h = in.shape[0], w = in.shape[1], c = in.shape[2], oh = h / 2, ow = w / 2;
    Activations out{in.n, {oh, ow, c}, std::vector<double>(static_cast<std::size_t>(in.n * oh * ow * c))};
    for (std::int64_t s = 0; s < in.n; ++s)
        for (std::int64_t y = 0; y < oh; ++y)
            for (std::int64_t x = 0; x < ow; ++x)
                for (std::int64_t k = 0; k < c; ++k) {
                    double m = -1e300;
                    for (std::int64_t dy = 0; dy < 2; ++dy)
                        for (std::int64_t dx = 0; dx < 2; ++dx)
                            m = std::max(m, in.v[((s * h + 2 * y + dy) * w + 2 * x + dx) * c + k]);
                    out.v[((s * oh + y) * ow + x) * c + k] = m;
                }
    return out;
}

// The weights file of a .keras archive, opened in memory.
saving::h5::File weights_of(const std::string& archive) {
    return saving::h5::File::open_image(saving::ZipReader::open(archive).read("model.weights.h5"), archive);
}

Activations input_of(const Tensor& x) {
    Activations a{x.shape()[0], {}, x.astype(float64).to_vector<double>()};
    for (int i = 1; i < x.rank(); ++i) a.shape.push_back(x.shape()[i]);
    return a;
}

void expect_close(const Tensor& got, const Activations& want, double tolerance) {
    std::vector<double> g = got.astype(float64).to_vector<double>();
    ASSERT_EQ(g.size(), want.v.size());
    for (std::size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(g[i], want.v[i], tolerance) << "element " << i;
}

TEST(KerasFixtures, SequentialMlpPredictsItsReference) {
    Model model = models::load_model(fixture("mlp_churn_keras3.keras"));
    ASSERT_EQ(model.layers().size(), 3u);
    // README: config names dense_6..8, stored as layers/dense, dense_1, dense_2.
    EXPECT_EQ(model.layers()[0]->name(), "dense_6");
    Tensor x = random::normal({5, 12});
    saving::h5::File file = weights_of(fixture("mlp_churn_keras3.keras"));
    saving::h5::Group layers = file.root().open_group("layers");
    Activations a = input_of(x);
    a = dense(a, layers.open_group("dense").open_group("vars"), "relu");
    a = dense(a, layers.open_group("dense_1").open_group("vars"), "relu");
    a = dense(a, layers.open_group("dense_2").open_group("vars"), "sigmoid");
    expect_close(model.predict(x, {.verbose = 0}), a, 1e-5);
    // Its compile_config: Adam, binary cross-entropy, accuracy.
    EXPECT_TRUE(model.compiled());
}

TEST(KerasFixtures, FunctionalWithBatchNormalizationPredictsItsReference) {
    Model model = models::load_model(fixture("functional_bn_dropout_saheart_keras3.keras"));
    Tensor x = random::normal({6, 11});
    saving::h5::File file = weights_of(fixture("functional_bn_dropout_saheart_keras3.keras"));
    saving::h5::Group layers = file.root().open_group("layers");
    Activations a = input_of(x);
    a = dense(a, layers.open_group("dense").open_group("vars"), "relu");
    a = batch_norm(a, layers.open_group("batch_normalization").open_group("vars"), 1e-3);
    a = dense(a, layers.open_group("dense_1").open_group("vars"), "relu");
    a = dense(a, layers.open_group("dense_2").open_group("vars"), "sigmoid");
    expect_close(model.predict(x, {.verbose = 0}), a, 1e-5);
}

TEST(KerasFixtures, ConvnetPredictsItsReference) {
    Model model = models::load_model(fixture("cnn_fashion_mnist_keras3.keras"));
    Tensor x = random::uniform({2, 28, 28, 1});
    saving::h5::File file = weights_of(fixture("cnn_fashion_mnist_keras3.keras"));
    saving::h5::Group layers = file.root().open_group("layers");
    Activations a = input_of(x);
    a = max_pool(conv2d(a, layers.open_group("conv2d").open_group("vars"), "relu"));
    a = max_pool(conv2d(a, layers.open_group("conv2d_1").open_group("vars"), "relu"));
    a.shape = {a.row()};  // Flatten (channels last, as the kernel's rows are ordered)
    a = dense(a, layers.open_group("dense").open_group("vars"), "relu");
    a = dense(a, layers.open_group("dense_1").open_group("vars"), "softmax");
    expect_close(model.predict(x, {.verbose = 0}), a, 1e-5);
}

TEST(KerasFixtures, MlpWithScheduleAndUnnamedVarsPredictsItsReference) {
    // Keras 3.5: no `name` attribute on the vars groups, and a CosineDecay learning rate.
    Model model = models::load_model(fixture("mlp_bn_dropout_diabetes_keras3.keras"));
    Tensor x = random::normal({4, 4});
    saving::h5::File file = weights_of(fixture("mlp_bn_dropout_diabetes_keras3.keras"));
    saving::h5::Group layers = file.root().open_group("layers");
    Activations a = input_of(x);
    a = dense(a, layers.open_group("dense").open_group("vars"), "relu");
    a = batch_norm(a, layers.open_group("batch_normalization").open_group("vars"), 1e-3);
    a = dense(a, layers.open_group("dense_1").open_group("vars"), "relu");
    a = batch_norm(a, layers.open_group("batch_normalization_1").open_group("vars"), 1e-3);
    a = dense(a, layers.open_group("dense_2").open_group("vars"), "sigmoid");
    expect_close(model.predict(x, {.verbose = 0}), a, 1e-5);
}

TEST(KerasFixtures, LegacyFunctionalDagPredictsItsReference) {
    // Keras 2.13's whole-model HDF5: Input(30) -> Dense16 -> Dense8; Concat(d, d1) -> Dense8;
    // Concat(concat, d2) -> Dense1 sigmoid; the model and its layers are not trainable.
    Model model = models::load_model(fixture("legacy_functional_concat_keras2.h5"));
    // Its training_config: tf.keras 2.13's "Custom>Adam" at learning rate 2e-4.
    ASSERT_TRUE(model.compiled());
    EXPECT_EQ(model.optimizer()->get_config().at("learning_rate").get<double>(), 0.00020000000949949026);
    EXPECT_FALSE(model.trainable());
    EXPECT_TRUE(model.trainable_weights().empty());
    Tensor x = random::normal({3, 30});
    saving::h5::File file = saving::h5::File::open(fixture("legacy_functional_concat_keras2.h5"));
    saving::h5::Group weights = file.root().open_group("model_weights");
    auto vars = [&](const std::string& layer) {
        // model_weights/<name>/<name>/{kernel,bias}:0, in weight_names order.
        return weights.open_group(layer).open_group(layer);
    };
    auto dense_legacy = [&](const Activations& in, const std::string& layer, const std::string& activation) {
        saving::h5::Group g = vars(layer);
        std::int64_t units = g.dataset_info("kernel:0").shape[1], k = in.row();
        std::vector<double> w = g.read_dataset("kernel:0", float64).to_vector<double>();
        std::vector<double> b = g.read_dataset("bias:0", float64).to_vector<double>();
        Activations out{in.n, {units}, std::vector<double>(static_cast<std::size_t>(in.n * units))};
        for (std::int64_t s = 0; s < in.n; ++s)
            for (std::int64_t u = 0; u < units; ++u) {
                double acc = b[u];
                for (std::int64_t i = 0; i < k; ++i) acc += in.v[s * k + i] * w[i * units + u];
                out.v[s * units + u] = activate(acc, activation);
            }
        return out;
    };
    auto concat = [](const Activations& a, const Activations& b) {
        Activations out{a.n, {a.row() + b.row()}, {}};
        for (std::int64_t s = 0; s < a.n; ++s) {
            out.v.insert(out.v.end(), a.v.begin() + s * a.row(), a.v.begin() + (s + 1) * a.row());
            out.v.insert(out.v.end(), b.v.begin() + s * b.row(), b.v.begin() + (s + 1) * b.row());
        }
        return out;
    };
    std::string activation_2 = model.get_layer("dense_2")->get_config().at("activation");
    Activations in = input_of(x);
    Activations d = dense_legacy(in, "dense", "relu");
    Activations d1 = dense_legacy(d, "dense_1", "relu");
    Activations d2 = dense_legacy(concat(d, d1), "dense_2", activation_2);
    Activations y = dense_legacy(concat(concat(d, d1), d2), "dense_3", "sigmoid");
    expect_close(model.predict(x, {.verbose = 0}), y, 1e-5);
}

TEST(KerasFixtures, LegacyH5WrittenByKeras3MatchesTheSameModelsArchive) {
    // README: legacy_mlp_keras3_h5format.h5 is the same model as mlp_churn_keras3.keras.
    Model legacy = models::load_model(fixture("legacy_mlp_keras3_h5format.h5"));
    Model archive = models::load_model(fixture("mlp_churn_keras3.keras"));
    Tensor x = random::normal({4, 12});
    std::vector<float> a = legacy.predict(x, {.verbose = 0}).to_vector<float>();
    std::vector<float> b = archive.predict(x, {.verbose = 0}).to_vector<float>();
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-6) << i;
}

TEST(KerasFixtures, ModelsWithLayersStrataLacksAreRefusedNamingTheLayer) {
    struct Case {
        const char* file;
        const char* layer;
    };
    for (Case c : {Case{"lstm_stock_keras3.keras", "LSTM"}, Case{"gru_forecast_keras3.keras", "GRU"},
                   Case{"embedding_simplernn_spam_keras3.keras", "Embedding"}, Case{"legacy_lstm_keras2.h5", "LSTM"},
                   // an HDF5 model under a .keras name: told by its bytes, then refused for its Embedding
                   Case{"legacy_embedding_keras2_hdf5_misnamed.keras", "Embedding"}}) {
        std::string message = error_of<ValueError>([&] { models::load_model(fixture(c.file)); });
        EXPECT_NE(message.find(c.layer), std::string::npos) << c.file << ": " << message;
    }
}

TEST(KerasFixtures, HostileAndWeightsOnlyFilesAreRefused) {
    // Two entries named model.weights.npz, the second a pickle that would run os.system: refused before
    // anything is read.
    std::string npz = error_of<IOError>([] { models::load_model(fixture("evil_npz_pickle.keras")); });
    EXPECT_NE(npz.find("model.weights.npz"), std::string::npos) << npz;
    // A subclassed model whose class lives in the attacker's Python module.
    std::string custom = error_of<ValueError>([] { models::load_model(fixture("evil_custom_class.keras")); });
    EXPECT_NE(custom.find("MaliciousModel"), std::string::npos) << custom;
    std::string weights_only = error_of<IOError>([] { models::load_model(fixture("legacy_weights_only_keras2.h5")); });
    EXPECT_NE(weights_only.find("only weights"), std::string::npos) << weights_only;
}

}  // namespace
}  // namespace strata
