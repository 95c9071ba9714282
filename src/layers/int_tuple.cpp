#include "strata/layers/int_tuple.hpp"

#include "strata/core/error.hpp"

namespace strata::layers {

namespace {
std::string describe(const std::vector<std::int64_t>& values, bool scalar) {
    if (scalar) return std::to_string(values[0]);
    std::string out = "(";
    for (std::size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + std::to_string(values[i]);
    return out + (values.size() == 1 ? ",)" : ")");
}
}  // namespace

std::vector<std::int64_t> IntTuple::expand(std::size_t rank, const std::string& layer, const std::string& argument,
                                           std::int64_t minimum) const {
    std::vector<std::int64_t> out = scalar_ ? std::vector<std::int64_t>(rank, values_[0]) : values_;
    std::string expected = "an integer or a tuple of " + std::to_string(rank) + " integers";
    if (out.size() != rank)
        throw ValueError(layer + ": the `" + argument + "` argument must be " + expected + ", got " +
                         (values_.empty() ? std::string("nothing") : describe(values_, scalar_)));
    for (std::int64_t v : out)
        if (v < minimum)
            throw ValueError(layer + ": the `" + argument + "` argument must be " + expected + " of at least " +
                             std::to_string(minimum) + ", got " + describe(values_, scalar_));
    return out;
}

}  // namespace strata::layers
