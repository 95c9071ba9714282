// Callbacks: Keras's hooks into fit, evaluate and predict, and the logs they receive. `History` records
// every epoch's logs; fit() returns it.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace strata {

class Model;

// Metric name -> value, sorted by name as Keras 3's logs are ("accuracy", "loss", "val_accuracy", ...).
using Logs = std::map<std::string, double>;

class Callback {
public:
    virtual ~Callback() = default;

    void set_model(Model* model) { model_ = model; }
    Model* model() const { return model_; }
    // Keras's params: "epochs", "steps", "verbose".
    void set_params(std::map<std::string, double> params) { params_ = std::move(params); }
    const std::map<std::string, double>& params() const { return params_; }

    virtual void on_train_begin(const Logs& logs) {}
    virtual void on_train_end(const Logs& logs) {}
    virtual void on_epoch_begin(int epoch, const Logs& logs) {}
    virtual void on_epoch_end(int epoch, const Logs& logs) {}
    virtual void on_train_batch_begin(int batch, const Logs& logs) {}
    virtual void on_train_batch_end(int batch, const Logs& logs) {}
    virtual void on_test_begin(const Logs& logs) {}
    virtual void on_test_end(const Logs& logs) {}
    virtual void on_test_batch_begin(int batch, const Logs& logs) {}
    virtual void on_test_batch_end(int batch, const Logs& logs) {}
    virtual void on_predict_begin(const Logs& logs) {}
    virtual void on_predict_end(const Logs& logs) {}
    virtual void on_predict_batch_begin(int batch, const Logs& logs) {}
    virtual void on_predict_batch_end(int batch, const Logs& logs) {}

private:
    Model* model_ = nullptr;
    std::map<std::string, double> params_;
};

// Keras's History: history["loss"][epoch], and the epochs seen.
class History : public Callback {
public:
    std::map<std::string, std::vector<double>> history;
    std::vector<int> epoch;

    void on_train_begin(const Logs&) override {
        history.clear();
        epoch.clear();
    }
    void on_epoch_end(int e, const Logs& logs) override {
        epoch.push_back(e);
        for (const auto& [name, value] : logs) history[name].push_back(value);
    }
};

// keras.callbacks.Callback and keras.callbacks.History, where the other callbacks live.
namespace callbacks {
using strata::Callback;
using strata::History;
}  // namespace callbacks

}  // namespace strata
