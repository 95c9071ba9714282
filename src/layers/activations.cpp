#include "core/text.hpp"
#include "strata/layers/activations.hpp"

#include <map>

#include "strata/ops/elementwise.hpp"
#include "strata/ops/nn.hpp"

namespace strata::activations {

Tensor linear(const Tensor& x) { return x; }
Tensor relu(const Tensor& x) { return ops::relu(x); }
Tensor sigmoid(const Tensor& x) { return ops::sigmoid(x); }
Tensor tanh(const Tensor& x) { return ops::tanh(x); }
Tensor softmax(const Tensor& x) { return ops::softmax(x, -1); }
Tensor elu(const Tensor& x) { return ops::elu(x, 1.0); }
Tensor selu(const Tensor& x) { return ops::selu(x); }
Tensor gelu(const Tensor& x) { return ops::gelu(x, false); }
Tensor softplus(const Tensor& x) { return ops::softplus(x); }
Tensor softsign(const Tensor& x) { return ops::softsign(x); }
Tensor silu(const Tensor& x) { return ops::silu(x); }
Tensor leaky_relu(const Tensor& x) { return ops::leaky_relu(x, 0.2); }
Tensor exponential(const Tensor& x) { return ops::exp(x); }
Tensor hard_sigmoid(const Tensor& x) { return ops::hard_sigmoid(x); }

namespace {

const std::map<std::string, Tensor (*)(const Tensor&)>& table() {
    static const std::map<std::string, Tensor (*)(const Tensor&)> t{
        {"linear", linear},       {"relu", relu},         {"sigmoid", sigmoid},       {"tanh", tanh},
        {"softmax", softmax},     {"elu", elu},           {"selu", selu},             {"gelu", gelu},
        {"softplus", softplus},   {"softsign", softsign}, {"silu", silu},             {"swish", silu},
        {"leaky_relu", leaky_relu}, {"exponential", exponential}, {"hard_sigmoid", hard_sigmoid},
    };
    return t;
}

}  // namespace

std::vector<std::string> names() { return text::keys(table()); }

ActivationFn get(const std::string& name) {
    auto it = table().find(name);
    if (it == table().end()) {
        throw ValueError("unknown activation \"" + name + "\"; known activations: " + text::join(names()));
    }
    return it->second;
}

ActivationSpec::ActivationSpec(std::string name) : name_(name.empty() ? "linear" : std::move(name)), fn_(get(name_)) {
    using backend::Epilogue;
    from_name_ = true;
    if (name_ == "linear") fusable_ = true;
    else if (name_ == "relu") fusable_ = true, epilogue_ = Epilogue::relu;
    else if (name_ == "sigmoid") fusable_ = true, epilogue_ = Epilogue::sigmoid;
    else if (name_ == "tanh") fusable_ = true, epilogue_ = Epilogue::tanh;
}

ActivationSpec::ActivationSpec(ActivationFn fn, std::string name) : name_(std::move(name)), fn_(std::move(fn)) {
    if (!fn_) throw ValueError("activation \"" + name_ + "\": the callable is empty");
}

}  // namespace strata::activations
