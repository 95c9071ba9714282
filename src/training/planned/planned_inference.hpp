// The planned forward of predict_on_batch and predict for small batches (one image, a few requests): the
// layers of planned_layers.hpp run forward on buffers made once per batch size, with no graph, no layer-call
// bookkeeping and no thread woken for a product of a few rows. A call allocates only the tensor it returns.
//
// One plan serves every thread at once: each call takes a set of buffers from a pool (making one when all are
// in use, so the pool grows to the number of concurrent callers) and gives it back, and the layers keep
// nothing of a call themselves. A given input gives the same bits on any thread, as the eager path does.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "planned_layers.hpp"

namespace strata::detail {

struct Graph;

class InferencePlan {
public:
    // Batches of at most this many rows run planned; larger ones gain nothing from it (their products
    // dominate) and would each keep buffers of their own size.
    static constexpr std::int64_t kMaxRows = 64;

    // The plan of a built model's forward, or null with the reason in `why`.
    static std::unique_ptr<InferencePlan> make(const Graph& graph, std::string& why);

    // True for one float32 CPU input of the model's shape with 1 to kMaxRows rows.
    bool accepts(const Tensor& x) const;
    // False once the graph was rebuilt or a layer's weights replaced.
    bool still_valid(const Graph& graph) const;
    // The model's output for `x` (accepted), in a tensor of its own.
    Tensor predict(const Tensor& x);
    // True when `out` is a float32 CPU tensor of the output's shape for `rows` rows; predict_into then writes
    // the output for `x` (accepted, of `rows` rows) into it, allocating nothing.
    bool output_fits(const Tensor& out, std::int64_t rows) const;
    void predict_into(const Tensor& x, Tensor& out);

private:
    struct Buffers {
        std::vector<Tensor> activations;  // [0] the input, [i + 1] the output of layer i
        std::vector<LayerScratch> scratch;
        std::vector<std::vector<const Tensor*>> merge_x;  // per layer, one pointer per input, set by each call
    };
    std::unique_ptr<Buffers> take(std::int64_t rows);
    void give_back(std::int64_t rows, std::unique_ptr<Buffers> buffers);
    // Copies `x` into b's input and runs the forward; the output is b's last activation.
    void forward(Buffers& b, const Tensor& x);

    std::vector<std::unique_ptr<PlannedLayer>> layers_;  // the model's layer calls in topological order
    std::vector<std::vector<std::size_t>> inputs_;       // per layer: the values it reads (layer_graph)
    Shape input_features_;
    std::size_t node_count_ = 0;
    const void* last_call_ = nullptr;  // the graph's last layer call, to tell a rebuilt graph apart
    std::mutex mutex_;
    std::map<std::int64_t, std::vector<std::unique_ptr<Buffers>>> free_;  // by rows; room reserved as it grows
};

}  // namespace strata::detail
