// Loss names and LossSpec: what compile(loss=...) takes, resolved as Keras 3's losses.get and
// compile_utils.get_loss do (keras/src/losses/__init__.py, keras/src/trainers/compile_utils.py).
#include <algorithm>
#include <cctype>
#include <map>

#include "core/text.hpp"
#include "strata/training/loss_functions.hpp"
#include "strata/training/losses.hpp"

namespace strata::losses {

namespace {

using Factory = std::shared_ptr<Loss> (*)(const std::string& identifier);

template <class L>
std::shared_ptr<Loss> make_class(const std::string&) {
    return std::make_shared<L>();
}

// A function name becomes the function wrapped in a LossFunctionWrapper named after the string, as compile()
// does with keras.losses.get's function.
template <Tensor (*Fn)(const Tensor&, const Tensor&)>
std::shared_ptr<Loss> make_wrapper(const std::string& identifier) {
    return std::make_shared<LossFunctionWrapper>(Fn, LossFunctionWrapperOptions{.name = identifier});
}

Tensor cce(const Tensor& t, const Tensor& p) { return categorical_crossentropy(t, p); }
Tensor scce(const Tensor& t, const Tensor& p) { return sparse_categorical_crossentropy(t, p); }
Tensor bce(const Tensor& t, const Tensor& p) { return binary_crossentropy(t, p); }
Tensor huber_default(const Tensor& t, const Tensor& p) { return huber(t, p); }
Tensor cosine(const Tensor& t, const Tensor& p) { return cosine_similarity(t, p); }
Tensor cfce(const Tensor& t, const Tensor& p) { return categorical_focal_crossentropy(t, p); }
Tensor bfce(const Tensor& t, const Tensor& p) { return binary_focal_crossentropy(t, p); }

// Keras's ALL_OBJECTS_DICT for the losses strata has: class names, function names and the aliases.
const std::map<std::string, Factory>& registry() {
    static const std::map<std::string, Factory> r = {
        {"MeanSquaredError", &make_class<MeanSquaredError>},
        {"MeanAbsoluteError", &make_class<MeanAbsoluteError>},
        {"CategoricalCrossentropy", &make_class<CategoricalCrossentropy>},
        {"SparseCategoricalCrossentropy", &make_class<SparseCategoricalCrossentropy>},
        {"BinaryCrossentropy", &make_class<BinaryCrossentropy>},
        {"Huber", &make_class<Huber>},
        {"LogCosh", &make_class<LogCosh>},
        {"Poisson", &make_class<Poisson>},
        {"KLDivergence", &make_class<KLDivergence>},
        {"Hinge", &make_class<Hinge>},
        {"SquaredHinge", &make_class<SquaredHinge>},
        {"CategoricalHinge", &make_class<CategoricalHinge>},
        {"MeanSquaredLogarithmicError", &make_class<MeanSquaredLogarithmicError>},
        {"MeanAbsolutePercentageError", &make_class<MeanAbsolutePercentageError>},
        {"CosineSimilarity", &make_class<CosineSimilarity>},
        {"CategoricalFocalCrossentropy", &make_class<CategoricalFocalCrossentropy>},
        {"BinaryFocalCrossentropy", &make_class<BinaryFocalCrossentropy>},
        {"mean_squared_error", &make_wrapper<mean_squared_error>},
        {"mse", &make_wrapper<mean_squared_error>},
        {"MSE", &make_wrapper<mean_squared_error>},
        {"mean_absolute_error", &make_wrapper<mean_absolute_error>},
        {"mae", &make_wrapper<mean_absolute_error>},
        {"MAE", &make_wrapper<mean_absolute_error>},
        {"categorical_crossentropy", &make_wrapper<cce>},
        {"sparse_categorical_crossentropy", &make_wrapper<scce>},
        {"binary_crossentropy", &make_wrapper<bce>},
        {"bce", &make_wrapper<bce>},
        {"BCE", &make_wrapper<bce>},
        {"huber", &make_wrapper<huber_default>},
        {"log_cosh", &make_wrapper<log_cosh>},
        {"poisson", &make_wrapper<poisson>},
        {"kl_divergence", &make_wrapper<kl_divergence>},
        {"kld", &make_wrapper<kl_divergence>},
        {"KLD", &make_wrapper<kl_divergence>},
        {"hinge", &make_wrapper<hinge>},
        {"squared_hinge", &make_wrapper<squared_hinge>},
        {"categorical_hinge", &make_wrapper<categorical_hinge>},
        {"mean_squared_logarithmic_error", &make_wrapper<mean_squared_logarithmic_error>},
        {"msle", &make_wrapper<mean_squared_logarithmic_error>},
        {"MSLE", &make_wrapper<mean_squared_logarithmic_error>},
        {"mean_absolute_percentage_error", &make_wrapper<mean_absolute_percentage_error>},
        {"mape", &make_wrapper<mean_absolute_percentage_error>},
        {"MAPE", &make_wrapper<mean_absolute_percentage_error>},
        {"cosine_similarity", &make_wrapper<cosine>},
        {"categorical_focal_crossentropy", &make_wrapper<cfce>},
        {"binary_focal_crossentropy", &make_wrapper<bfce>},
    };
    return r;
}

bool is_crossentropy_shorthand(const std::string& identifier) {
    std::string l = text::to_lower(identifier);
    return l == "crossentropy" || l == "ce";
}

std::string function_name(Tensor (*fn)(const Tensor&, const Tensor&)) {
    if (fn == &mean_squared_error) return "mean_squared_error";
    if (fn == &mean_absolute_error) return "mean_absolute_error";
    if (fn == &log_cosh) return "log_cosh";
    if (fn == &poisson) return "poisson";
    if (fn == &kl_divergence) return "kl_divergence";
    if (fn == &hinge) return "hinge";
    if (fn == &squared_hinge) return "squared_hinge";
    if (fn == &categorical_hinge) return "categorical_hinge";
    if (fn == &mean_squared_logarithmic_error) return "mean_squared_logarithmic_error";
    if (fn == &mean_absolute_percentage_error) return "mean_absolute_percentage_error";
    return "custom";
}

}  // namespace

std::vector<std::string> names() { return text::keys(registry()); }

std::shared_ptr<Loss> get(const std::string& name) {
    auto it = registry().find(name);
    if (it == registry().end()) {
        throw ValueError("Could not interpret loss identifier: \"" + name + "\"; known losses: " + text::join(names()) +
                         (is_crossentropy_shorthand(name) ? " (\"" + name +
                                                                "\" is resolved from the shapes of y_true and "
                                                                "y_pred by compile)"
                                                          : ""));
    }
    return it->second(name);
}

LossSpec::LossSpec(std::string name) : identifier_(std::move(name)) {}

LossSpec::LossSpec(std::shared_ptr<Loss> loss) : loss_(std::move(loss)) {}

LossSpec::LossSpec(Tensor (*fn)(const Tensor&, const Tensor&)) : fn_(fn), fn_name_(function_name(fn)) {}

std::string wrapped_function_name(const LossFunctionWrapper& loss) {
    using Fn = Tensor (*)(const Tensor&, const Tensor&);
    const Fn* fn = loss.fn().target<Fn>();
    if (!fn) return "custom";
    // The defaults-only forms that names resolve to ("categorical_crossentropy" wraps cce).
    if (*fn == &cce) return "categorical_crossentropy";
    if (*fn == &scce) return "sparse_categorical_crossentropy";
    if (*fn == &bce) return "binary_crossentropy";
    return function_name(*fn);
}

LossSpec::LossSpec(LossFn fn, std::string name) : fn_(std::move(fn)), fn_name_(std::move(name)) {}

std::shared_ptr<Loss> LossSpec::get() const {
    if (loss_) return loss_;
    if (fn_) return std::make_shared<LossFunctionWrapper>(fn_, LossFunctionWrapperOptions{.name = fn_name_});
    if (identifier_.empty()) return nullptr;
    return losses::get(identifier_);
}

std::shared_ptr<Loss> LossSpec::get(const Shape& y_true_shape, const Shape& y_pred_shape) const {
    if (!is_crossentropy_shorthand(identifier_)) return get();
    if (y_true_shape.rank() == 0 || y_pred_shape.rank() == 0)
        throw ShapeError("loss \"" + identifier_ + "\": cannot choose a crossentropy for y_true " +
                         y_true_shape.to_string() + " and y_pred " + y_pred_shape.to_string());
    // Keras's is_binary_or_sparse_categorical.
    const std::int64_t t_last = y_true_shape.at(-1);
    const std::int64_t p_last = y_pred_shape.at(-1);
    const bool is_binary = p_last == 1;
    const bool is_sparse = y_true_shape.rank() < y_pred_shape.rank() || (t_last == 1 && p_last > 1);
    LossFunctionWrapperOptions options{.name = identifier_};
    if (is_binary) return std::make_shared<LossFunctionWrapper>(&bce, options);
    if (is_sparse) return std::make_shared<LossFunctionWrapper>(&scce, options);
    return std::make_shared<LossFunctionWrapper>(&cce, options);
}

std::string LossSpec::name() const {
    if (!identifier_.empty()) return identifier_;
    if (loss_) return loss_->name();
    return fn_name_;
}

}  // namespace strata::losses
