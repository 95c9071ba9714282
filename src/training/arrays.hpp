// The arrays fit, evaluate and predict work on: one tensor per model input and per output, and optional
// per-sample weights, all with the samples along the first axis; and the batches cut from them.
#pragma once

#include <cstdint>
#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "strata/core/tensor.hpp"

namespace strata::detail {

struct Arrays {
    std::vector<Tensor> x;
    std::vector<Tensor> y;  // empty for predict
    Tensor sample_weight;

    std::int64_t size() const { return x.empty() ? 0 : x[0].shape()[0]; }
    // Samples [begin, end): views when `order` is undefined, else the rows order[begin:end] gathered.
    Arrays rows(const Tensor& order, std::int64_t begin, std::int64_t end) const;
};

// Checks that every array holds the same number of samples, naming `method` and the offending shapes.
void check_arrays(const std::string& method, const Arrays& arrays);

// Keras's class_weight_to_sample_weights: each sample weighs its class's weight (1 when not listed); the
// class is y's argmax when y has a last axis wider than 1, else y rounded. `classes` is the number of classes
// the model's output tells apart; a class_weight key outside [0, classes) is a ValueError.
Tensor class_weight_to_sample_weights(const Tensor& y, const std::map<std::int64_t, double>& class_weight,
                                      std::int64_t classes);

// Walks the samples in batches, epoch after epoch, as Keras's epoch iterator: reshuffled (when asked) each
// time all of them have been seen.
class BatchCursor {
public:
    BatchCursor(std::int64_t samples, std::int64_t batch_size, bool shuffle)
        : samples_(samples), batch_size_(batch_size), shuffle_(shuffle) {}
    std::int64_t batches_per_pass() const { return (samples_ + batch_size_ - 1) / batch_size_; }
    // True when a pass over the data has just ended (or none has begun).
    bool at_pass_start() const { return next_ == 0; }
    // Starts a new pass: a new order when shuffling.
    void restart();
    // The next batch of the current pass: order (undefined without shuffling), begin and end.
    struct Batch {
        std::int64_t begin, end;
    };
    Batch next();
    // The batch next() will give, unless the pass ends first (then a new pass will reshuffle).
    std::optional<Batch> peek() const {
        if (exhausted()) return std::nullopt;
        return Batch{next_, std::min(samples_, next_ + batch_size_)};
    }
    const Tensor& order() const { return order_; }
    bool exhausted() const { return next_ >= samples_; }

private:
    std::int64_t samples_, batch_size_;
    bool shuffle_;
    std::int64_t next_ = 0;
    Tensor order_;
};

}  // namespace strata::detail
