// The planned training step (src/training/planned/): fit and evaluate on a plannable model give what the
// eager step gives, to rounding, with the same shuffles and dropout masks; models and arrays outside the plan
// run eagerly and say why. Its other promise, no allocation per step, is checked in
// planned_step_allocations.cpp, a binary of its own.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include <strata/strata.hpp>

namespace strata {
namespace {

using layers::Activation;
using layers::Add;
using layers::Average;
using layers::AveragePooling2D;
using layers::Concatenate;
using layers::Conv2D;
using layers::Dense;
using layers::Dropout;
using layers::DenseOptions;
using layers::Flatten;
using layers::GlobalAveragePooling2D;
using layers::MaxPooling2D;
using layers::Multiply;
using layers::Subtract;

struct Case {
    const char* name;
    std::function<Model()> model;  // a Sequential or a functional Model
    std::function<CompileOptions()> compile;
    bool sparse;  // integer labels rather than one-hot rows
    Shape features;
    std::int64_t classes;
};

// A problem the models can learn a little of in a few epochs: the class of a row is the argmax of a fixed
// linear map of its features.
struct Data {
    Tensor x, y;
};

Data data_for(const Case& c, std::int64_t n) {
    Tensor x = random::normal(c.features.with_batch(n));
    Tensor w = random::normal({c.features.numel(), c.classes});
    Tensor labels = ops::matmul(x.reshape({n, c.features.numel()}), w).argmax(-1);
    return {x, c.sparse ? labels : utils::to_categorical(labels, c.classes)};
}

void expect_close(double planned, double eager, const std::string& what) {
    EXPECT_NEAR(planned, eager, 1e-5 * std::max(1.0, std::abs(eager))) << what;
}

std::vector<Case> cases() {
    return {
        {"seed model: relu, softmax, RMSprop, mse, accuracy",
         [] {
             Sequential m;
             m.add(Dense(32, "relu", {.input_shape = {20}}));
             m.add(Dense(10, "softmax"));
             return m;
         },
         [] { return CompileOptions{.optimizer = optimizers::RMSprop(0.001), .loss = "mse", .metrics = {"accuracy"}}; },
         false, {20}, 10},
        {"Flatten, tanh, Dropout, sigmoid, logits, Adam, categorical crossentropy, a metric the plan does not fuse",
         [] {
             Sequential m;
             m.add(Flatten({.input_shape = {4, 5}}));
             m.add(Dense(12, "tanh"));
             m.add(Dropout(0.25));
             m.add(Dense(6, "sigmoid"));
             m.add(Dense(4));
             return m;
         },
         [] {
             return CompileOptions{.optimizer = optimizers::Adam(0.01),
                                   .loss = losses::CategoricalCrossentropy({.from_logits = true}),
                                   .metrics = {"categorical_accuracy", "mae"}};
         },
         false, {4, 5}, 4},
        {"a frozen first layer, Activation softmax, SGD, sparse categorical crossentropy",
         [] {
             Sequential m;
             m.add(Dense(10, "relu", {.input_shape = {6}, .trainable = false}));
             m.add(Dense(3));
             m.add(Activation("softmax"));
             return m;
         },
         [] {
             return CompileOptions{.optimizer = optimizers::SGD(0.1), .loss = "sparse_categorical_crossentropy",
                                   .metrics = {"accuracy"}};
         },
         true, {6}, 3},
        {"a convnet: Conv2D relu, MaxPooling2D, Conv2D tanh strided 'same', AveragePooling2D 'same', Dropout, Adam",
         [] {
             Sequential m;
             m.add(Conv2D(4, {3, 3}, {.activation = "relu", .input_shape = {9, 8, 2}}));
             m.add(MaxPooling2D({2, 2}));
             m.add(Conv2D(6, {3, 2}, {.strides = {2, 1}, .padding = "same", .activation = "tanh"}));
             m.add(AveragePooling2D({2, 2}, {.padding = "same"}));
             m.add(Flatten());
             m.add(Dropout(0.3));
             m.add(Dense(3, "softmax"));
             return m;
         },
         [] {
             return CompileOptions{.optimizer = optimizers::Adam(0.01), .loss = "sparse_categorical_crossentropy",
                                   .metrics = {"accuracy"}};
         },
         true, {9, 8, 2}, 3},
        // Both convolutions run the max pooling's backward inside their own (conv_max_pool_backward.cpp): the
        // first over its output channels (one channel in, no input gradient), the second over its 16 input
        // channels, with the input's gradient.
        {"Keras's convnet in small: Conv2D relu, MaxPooling2D, Conv2D relu 'same', MaxPooling2D, Adam",
         [] {
             Sequential m;
             m.add(Conv2D(16, {3, 3}, {.activation = "relu", .input_shape = {10, 10, 1}}));
             m.add(MaxPooling2D({2, 2}));
             m.add(Conv2D(8, {3, 3}, {.padding = "same", .activation = "relu"}));
             m.add(MaxPooling2D({2, 2}));
             m.add(Flatten());
             m.add(Dense(3, "softmax"));
             return m;
         },
         [] {
             return CompileOptions{.optimizer = optimizers::Adam(0.01), .loss = "sparse_categorical_crossentropy",
                                   .metrics = {"accuracy"}};
         },
         true, {10, 10, 1}, 3},
        // Functional models: values read by several layers get the sum of their readers' gradients.
        {"functional, a residual Add: a Dense relu read by a Dense tanh and by the Add, Adam",
         [] {
             Tensor x = Input({12});
             Tensor h = Dense(16, "relu")(x);
             Tensor sum = Add()({h, Dense(16, "tanh")(h)});
             return Model(x, Dense(3, "softmax")(sum));
         },
         [] {
             return CompileOptions{.optimizer = optimizers::Adam(0.01), .loss = "categorical_crossentropy",
                                   .metrics = {"accuracy"}};
         },
         false, {12}, 3},
        {"functional, two convolution branches of the input joined by Concatenate on axis 1 and on the channels",
         [] {
             Tensor x = Input({6, 6, 2});
             Tensor a = MaxPooling2D({2, 2})(Conv2D(3, {3, 3}, {.padding = "same", .activation = "relu"})(x));
             Tensor b = AveragePooling2D({2, 2})(Conv2D(3, {1, 1})(x));
             Tensor rows = Flatten()(Concatenate({.axis = 1})({a, b}));  // 6 x 3 x 3
             Tensor channels = Flatten()(Concatenate()({a, b}));        // 3 x 3 x 6
             Tensor joined = Dropout(0.2)(Concatenate()({rows, channels}));
             return Model(x, Dense(3, "softmax")(joined));
         },
         [] {
             return CompileOptions{.optimizer = optimizers::Adam(0.01), .loss = "sparse_categorical_crossentropy",
                                   .metrics = {"accuracy"}};
         },
         true, {6, 6, 2}, 3},
        {"functional, Subtract, a Multiply of three inputs (one value twice) and Average, SGD, mse",
         [] {
             Tensor x = Input({8});
             Tensor a = Dense(5, "tanh")(x);
             Tensor b = Dense(5, "sigmoid")(x);
             Tensor difference = Subtract()({a, b});
             Tensor product = Multiply()({difference, a, a});
             return Model(x, Dense(2)(Average()({product, b, difference})));
         },
         [] { return CompileOptions{.optimizer = optimizers::SGD(0.1), .loss = "mse"}; },
         false, {8}, 2},
        {"functional, a frozen branch added twice to a trainable one, SGD, sparse categorical crossentropy",
         [] {
             Tensor x = Input({6});
             Tensor frozen = Dense(4, "relu", {.trainable = false})(x);
             Tensor sum = Add()({frozen, Dense(4)(x), frozen});
             return Model(x, Dense(3, "softmax")(sum));
         },
         [] {
             return CompileOptions{.optimizer = optimizers::SGD(0.1), .loss = "sparse_categorical_crossentropy",
                                   .metrics = {"accuracy"}};
         },
         true, {6}, 3},
        {"functional, a residual block of convolutions under max pooling, GlobalAveragePooling2D, Adam",
         [] {
             Tensor x = Input({6, 6, 2});
             Tensor pooled = MaxPooling2D({2, 2})(Conv2D(4, {3, 3}, {.padding = "same", .activation = "relu"})(x));
             Tensor h = Conv2D(4, {3, 3}, {.padding = "same", .activation = "relu"})(pooled);
             h = Conv2D(4, {3, 3}, {.padding = "same"})(h);
             Tensor block = Activation("relu")(Add()({pooled, h}));
             return Model(x, Dense(3, "softmax")(GlobalAveragePooling2D()(block)));
         },
         [] {
             return CompileOptions{.optimizer = optimizers::Adam(0.01), .loss = "sparse_categorical_crossentropy",
                                   .metrics = {"accuracy"}};
         },
         true, {6, 6, 2}, 3},
        {"Conv1D, GlobalAveragePooling1D keeping its axis, Flatten, RMSprop",
         [] {
             Sequential m;
             m.add(layers::Conv1D(4, 2, {.activation = "tanh", .input_shape = {5, 3}}));
             m.add(layers::GlobalAveragePooling1D({.keepdims = true}));
             m.add(Flatten());
             m.add(Dense(3, "softmax"));
             return m;
         },
         [] {
             return CompileOptions{.optimizer = optimizers::RMSprop(0.01), .loss = "categorical_crossentropy",
                                   .metrics = {"accuracy"}};
         },
         false, {5, 3}, 3},
    };
}

// Two models of the case with the same initial weights, compiled as given and with run_eagerly.
std::pair<Model, Model> planned_and_eager(const Case& c) {
    utils::set_random_seed(3);
    Model planned = c.model();
    utils::set_random_seed(3);
    Model eager = c.model();
    planned.compile(c.compile());
    CompileOptions eager_options = c.compile();
    eager_options.run_eagerly = true;
    eager.compile(eager_options);
    return {planned, eager};
}

// Each weight of `planned` is that of `eager`, to rounding.
void expect_same_weights(Model& planned, Model& eager) {
    std::vector<Tensor> wp = planned.get_weights(), we = eager.get_weights();
    ASSERT_EQ(wp.size(), we.size());
    for (std::size_t i = 0; i < wp.size(); ++i) {
        std::vector<float> a = wp[i].to_vector<float>(), b = we[i].to_vector<float>();
        for (std::size_t j = 0; j < a.size(); ++j) expect_close(a[j], b[j], "weight " + std::to_string(i));
    }
}

TEST(PlannedStepTest, TrainsAndEvaluatesAsTheEagerStepDoes) {
    for (const Case& c : cases()) {
        SCOPED_TRACE(c.name);
        utils::set_random_seed(11);
        Data d = data_for(c, 230);  // 184 training rows after the split: batches of 32 and a last one of 24
        auto [planned, eager] = planned_and_eager(c);

        FitOptions fit{.batch_size = 32, .epochs = 3, .verbose = 0, .validation_split = 0.2};
        utils::set_random_seed(21);  // the same shuffles and dropout masks on both paths
        History hp = planned.fit(d.x, d.y, fit);
        EXPECT_EQ(planned.eager_reason(), "");
        utils::set_random_seed(21);
        History he = eager.fit(d.x, d.y, fit);
        EXPECT_EQ(eager.eager_reason(), "compiled with run_eagerly");

        ASSERT_EQ(hp.history.size(), he.history.size());
        for (const auto& [name, values] : he.history) {
            ASSERT_EQ(hp.history[name].size(), values.size()) << name;
            for (std::size_t e = 0; e < values.size(); ++e)
                expect_close(hp.history[name][e], values[e], name + " of epoch " + std::to_string(e));
        }
        // The training changed the weights (so the comparison below says something), the same way.
        expect_same_weights(planned, eager);
        EXPECT_EQ(planned.optimizer()->iterations(), 18);  // 3 epochs of 6 batches
        EXPECT_EQ(eager.optimizer()->iterations(), 18);

        auto ep = planned.evaluate(d.x, d.y, {.batch_size = 50, .verbose = 0});
        auto ee = eager.evaluate(d.x, d.y, {.batch_size = 50, .verbose = 0});
        for (const auto& [name, value] : ee) expect_close(ep.at(name), value, "evaluate " + name);
    }
}

TEST(PlannedStepTest, TrainOnBatchRunsThePlanAndGivesTheEagerSteps) {
    for (const Case& c : cases()) {
        SCOPED_TRACE(c.name);
        utils::set_random_seed(11);
        Data d = data_for(c, 64);
        auto [planned, eager] = planned_and_eager(c);
        utils::set_random_seed(21);  // the same dropout masks on both paths
        std::vector<std::map<std::string, double>> lp, le;
        for (int step = 0; step < 4; ++step) lp.push_back(planned.train_on_batch(d.x, d.y));
        EXPECT_EQ(planned.eager_reason(), "");
        utils::set_random_seed(21);
        for (int step = 0; step < 4; ++step) le.push_back(eager.train_on_batch(d.x, d.y));
        for (int step = 0; step < 4; ++step)
            for (const auto& [name, value] : le[static_cast<std::size_t>(step)])
                expect_close(lp[static_cast<std::size_t>(step)].at(name), value, name + " of step " + std::to_string(step));
        expect_same_weights(planned, eager);
        EXPECT_EQ(planned.optimizer()->iterations(), 4);
    }
    // A batch the plan refuses (sample weights) runs eagerly, and the next plain batch is planned again.
    Case c = cases()[0];
    utils::set_random_seed(11);
    Data d = data_for(c, 40);
    Model m = c.model();
    m.compile(c.compile());
    m.train_on_batch(d.x, d.y, Tensor::ones({40}));
    EXPECT_NE(m.eager_reason().find("sample weights"), std::string::npos);
    m.train_on_batch(d.x, d.y, Tensor::ones({40}));
    m.train_on_batch(d.x, d.y);
    EXPECT_EQ(m.eager_reason(), "");
    EXPECT_EQ(m.optimizer()->iterations(), 3);
}

TEST(PlannedStepTest, StartsFromTheFirstStepSoThatAResumedFitGivesTheSameBits) {
    // The plan resolves the losses from the shapes, so the first step of a fresh fit is planned too: two fits
    // of one epoch each give exactly what one fit of two epochs gives.
    utils::set_random_seed(11);
    Case c = cases()[0];
    Data d = data_for(c, 96);
    utils::set_random_seed(3);
    Model once = c.model();
    utils::set_random_seed(3);
    Model twice = c.model();
    once.compile(c.compile());
    twice.compile(c.compile());
    utils::set_random_seed(5);
    once.fit(d.x, d.y, {.batch_size = 32, .epochs = 2, .verbose = 0, .shuffle = false});
    twice.fit(d.x, d.y, {.batch_size = 32, .epochs = 1, .verbose = 0, .shuffle = false});
    twice.fit(d.x, d.y, {.batch_size = 32, .epochs = 1, .verbose = 0, .shuffle = false});
    std::vector<Tensor> a = once.get_weights(), b = twice.get_weights();
    for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].to_vector<float>(), b[i].to_vector<float>()) << i;
}

TEST(PlannedStepTest, GivesTheSameBitsOnOneThreadAndOnTwo) {
    // On two threads the next batch is gathered on the second while the first computes, and the
    // convolutions' slices are shared out; the numbers must not change (DESIGN.md: a seed gives the same bits
    // whatever the thread count).
    const int threads_before = backend::num_threads();
    // Flatten first (the gathered input is viewed), Dropout, Adam; Keras's convnet in small (the fused
    // convolution and pooling kernels); a residual block of convolutions.
    for (std::size_t which : {1u, 4u, 9u}) {
        const Case c = cases()[which];
        SCOPED_TRACE(c.name);
        std::vector<std::vector<float>> weights[2];
        for (int threads : {1, 2}) {
            backend::set_num_threads(threads);
            utils::set_random_seed(11);
            Data d = data_for(c, 230);
            utils::set_random_seed(3);
            Model m = c.model();
            m.compile(c.compile());
            m.fit(d.x, d.y, {.batch_size = 32, .epochs = 2, .verbose = 0});
            EXPECT_EQ(m.eager_reason(), "");
            for (const Tensor& w : m.get_weights()) weights[threads - 1].push_back(w.to_vector<float>());
        }
        EXPECT_EQ(weights[0], weights[1]);
    }
    backend::set_num_threads(threads_before);
}

TEST(PlannedStepTest, GivesTheSameBitsOnAnyThreadCountWhereProductsAreSliced) {
    // 64 -> 256 -> 10 on 700 rows: the first layer's products (2.1M multiply-adds each at batch 128) are cut
    // into slices, and RMSprop's update of its kernel into halves. On two threads the step's helper thread
    // shares them with the caller; on three, a batch of 128 does so too while one of 300 runs them on
    // OpenMP's pool. None may change the bits.
    const int threads_before = backend::num_threads();
    for (std::int64_t batch : {128, 300}) {
        std::vector<std::vector<float>> weights[3];
        for (int threads : {1, 2, 3}) {
            backend::set_num_threads(threads);
            utils::set_random_seed(5);
            Tensor x = random::normal({700, 64});
            Tensor y = utils::to_categorical(random::uniform({700}, 0.0, 10.0).astype(int64), 10);
            Sequential m;
            m.add(Dense(256, "relu", {.input_shape = {64}}));
            m.add(Dense(10, "softmax"));
            m.compile({.optimizer = optimizers::RMSprop(0.001), .loss = "mse", .metrics = {"accuracy"}});
            m.fit(x, y, {.batch_size = batch, .epochs = 2, .verbose = 0});
            EXPECT_EQ(m.eager_reason(), "");
            for (const Tensor& w : m.get_weights()) weights[threads - 1].push_back(w.to_vector<float>());
        }
        EXPECT_EQ(weights[0], weights[1]) << "batch " << batch << ", two threads";
        EXPECT_EQ(weights[0], weights[2]) << "batch " << batch << ", three threads";
    }
    backend::set_num_threads(threads_before);
}

TEST(PlannedStepTest, WhatThePlanDoesNotCoverRunsEagerlyAndSaysWhy) {
    utils::set_random_seed(1);
    Tensor x = random::normal({64, 6});
    Tensor y = utils::to_categorical(random::uniform({64}, 0.0, 3.0).astype(int64), 3);
    auto fit_and_reason = [&](Model model, CompileOptions options, FitOptions fit = {.verbose = 0}) {
        model.compile(std::move(options));
        model.fit(x, y, std::move(fit));
        return model.eager_reason();
    };
    auto mlp = [](DenseOptions first = {}) {
        first.input_shape = {6};
        Sequential m;
        m.add(Dense(8, "relu", first));
        m.add(Dense(3, "softmax"));
        return m;
    };
    EXPECT_EQ(fit_and_reason(mlp(), {.loss = "categorical_crossentropy"}), "");
    EXPECT_NE(fit_and_reason(mlp({.kernel_regularizer = regularizers::L2(0.01)}), {.loss = "categorical_crossentropy"})
                  .find("regularizer"),
              std::string::npos);
    EXPECT_NE(fit_and_reason(mlp(), {.loss = "mae"}).find("not one the plan computes"), std::string::npos);
    EXPECT_NE(fit_and_reason(mlp(), {.optimizer = optimizers::SGD(0.1, {.clipnorm = 1.0}), .loss = "mse"})
                  .find("clips"),
              std::string::npos);
    EXPECT_NE(fit_and_reason(mlp(), {.loss = "mse"}, {.verbose = 0, .sample_weight = Tensor::ones({64})})
                  .find("sample weights"),
              std::string::npos);
    Sequential selu;
    selu.add(Dense(3, "selu", {.input_shape = {6}}));
    EXPECT_NE(fit_and_reason(selu, {.loss = "mse"}).find("activation"), std::string::npos);
    // Functional models the plan leaves to the eager step: shared weights, a merge it does not run, and a
    // reshape of a value another layer reads too (the view would share that value's gradient).
    Tensor in = Input({6});
    Dense shared(3);
    EXPECT_NE(fit_and_reason(Model(in, Add()({shared(in), shared(in)})), {.loss = "mse"}).find("called more than once"),
              std::string::npos);
    EXPECT_NE(fit_and_reason(Model(in, layers::Maximum()({Dense(3)(in), Dense(3)(in)})), {.loss = "mse"})
                  .find("the plan takes the Add, Subtract, Multiply and Average merges"),
              std::string::npos);
    EXPECT_NE(fit_and_reason(Model(in, Add()({Dense(3)(Flatten()(in)), Dense(3)(in)})), {.loss = "mse"})
                  .find("reshapes a value that other layers also read"),
              std::string::npos);
    EXPECT_EQ(mlp().eager_reason(), "not compiled");
}

TEST(PlannedStepTest, ALabelOutOfRangeIsTheEagerStepsError) {
    utils::set_random_seed(1);
    Sequential m;
    m.add(Dense(3, "softmax", {.input_shape = {4}}));
    m.compile({.loss = "sparse_categorical_crossentropy"});
    Tensor x = random::normal({40, 4});
    std::vector<std::int64_t> labels(40, 1);
    m.fit(x, Tensor::from_vector(labels), {.batch_size = 8, .verbose = 0});
    EXPECT_EQ(m.eager_reason(), "");
    labels[37] = 3;  // one past the last class, in the last batch
    EXPECT_THROW(m.fit(x, Tensor::from_vector(labels), {.batch_size = 8, .verbose = 0, .shuffle = false}),
                 ValueError);
}

TEST(PlannedStepTest, ALayerFrozenBetweenFitsIsPlannedAgain) {
    utils::set_random_seed(1);
    Tensor x = random::normal({64, 5});
    Tensor y = random::normal({64, 2});
    auto make = [] {
        utils::set_random_seed(9);
        Sequential m;
        m.add(Dense(4, "tanh", {.input_shape = {5}}));
        m.add(Dense(2));
        return m;
    };
    Sequential planned = make(), eager = make();
    planned.compile({.optimizer = optimizers::SGD(0.05), .loss = "mse"});
    eager.compile({.optimizer = optimizers::SGD(0.05), .loss = "mse", .run_eagerly = true});
    for (Sequential* m : {&planned, &eager}) {
        m->fit(x, y, {.batch_size = 16, .verbose = 0, .shuffle = false});
        m->layers()[0]->set_trainable(false);
        m->fit(x, y, {.batch_size = 16, .verbose = 0, .shuffle = false});
    }
    EXPECT_EQ(planned.eager_reason(), "");
    std::vector<Tensor> a = planned.get_weights(), b = eager.get_weights();
    for (std::size_t i = 0; i < a.size(); ++i) {
        std::vector<float> p = a[i].to_vector<float>(), e = b[i].to_vector<float>();
        for (std::size_t j = 0; j < p.size(); ++j) expect_close(p[j], e[j], "weight " + std::to_string(i));
    }
}

TEST(PlannedInferenceTest, PredictOnBatchAndPredictGiveTheEagerForward) {
    utils::set_random_seed(4);
    Sequential m;
    m.add(Flatten({.input_shape = {3, 4}}));
    m.add(Dense(16, "tanh", {.kernel_regularizer = regularizers::L2(0.1)}));  // no matter for the forward
    m.add(Dropout(0.5));                                                      // the identity outside training
    m.add(Dense(6, "sigmoid"));
    m.add(Dense(3));
    m.add(Activation("softmax"));
    auto expect_eager = [&](const Tensor& got, const Tensor& x) {
        Tensor want = m(x);  // a concrete call of the model: the eager forward
        ASSERT_EQ(got.shape(), want.shape());
        std::vector<float> a = got.to_vector<float>(), b = want.to_vector<float>();
        for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-6) << i;
    };
    for (std::int64_t rows : {1, 3, 64, 65}) {  // 65: over the planned forward's limit, eager
        Tensor x = random::normal({rows, 3, 4});
        expect_eager(m.predict_on_batch(x), x);
    }
    Tensor many = random::normal({100, 3, 4});
    expect_eager(m.predict(many, {.batch_size = 32, .verbose = 0}), many);
    // New weights are seen at once: the plan reads the layers' own weights.
    std::vector<Tensor> weights = m.get_weights();
    for (Tensor& w : weights) w = w * 2.0;
    m.set_weights(weights);
    Tensor x = random::normal({2, 3, 4});
    expect_eager(m.predict_on_batch(x), x);
    // A bad input is the eager path's error.
    EXPECT_THROW(m.predict_on_batch(random::normal({2, 4, 3})), ShapeError);

    // Into a tensor the caller keeps: planned (2 rows) and eager (65 rows, over the plan's limit) alike.
    for (std::int64_t rows : {2, 65}) {
        Tensor xs = random::normal({rows, 3, 4});
        Tensor out = Tensor::empty({rows, 3});
        m.predict_on_batch(xs, out);
        expect_eager(out, xs);
    }
    // An `out` that does not match says so, naming both.
    Tensor small = random::normal({2, 3, 4});
    Tensor wrong_shape = Tensor::empty({2, 4});
    try {
        m.predict_on_batch(small, wrong_shape);
        ADD_FAILURE() << "no error for an out of the wrong shape";
    } catch (const ShapeError& e) {
        EXPECT_NE(std::string(e.what()).find("has shape (2, 4), the output (2, 3)"), std::string::npos) << e.what();
    }
    Tensor wrong_dtype = Tensor::empty({2, 3}, float64);
    EXPECT_THROW(m.predict_on_batch(small, wrong_dtype), TypeError);
    Tensor undefined;
    EXPECT_THROW(m.predict_on_batch(small, undefined), ValueError);
}

TEST(PlannedInferenceTest, AFunctionalModelsBranchesRunPlannedAsTheyDoEagerly) {
    utils::set_random_seed(6);
    Tensor in = Input({3, 4});
    Tensor flat = Flatten()(in);  // read by both branches
    Tensor a = Dense(8, "relu")(flat);
    Tensor b = Dense(8, "tanh")(flat);
    Tensor joined = Concatenate()({Add()({a, b}), Multiply()({a, b}), Subtract()({a, b})});
    Model m(in, Dense(3)(Average()({Dense(3, "sigmoid")(joined), Dense(3)(a)})));
    for (std::int64_t rows : {1, 5}) {
        Tensor x = random::normal({rows, 3, 4});
        Tensor got = m.predict_on_batch(x), want = m(x);
        ASSERT_EQ(got.shape(), want.shape());
        std::vector<float> p = got.to_vector<float>(), e = want.to_vector<float>();
        for (std::size_t i = 0; i < p.size(); ++i) EXPECT_NEAR(p[i], e[i], 1e-6) << "rows " << rows << ", " << i;
    }
    // A layer called twice: the forward runs its weights twice (a training step would not be planned).
    Dense shared(12, "tanh");
    Tensor square = Input({12});
    Model twice(square, shared(shared(square)));
    Tensor x = random::normal({3, 12});
    std::vector<float> p = twice.predict_on_batch(x).to_vector<float>(), e = twice(x).to_vector<float>();
    ASSERT_EQ(p.size(), e.size());
    for (std::size_t i = 0; i < p.size(); ++i) EXPECT_NEAR(p[i], e[i], 1e-6) << "shared layer, " << i;
}

}  // namespace
}  // namespace strata
