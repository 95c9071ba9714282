// The global random stream. std::mt19937_64 is specified bit for bit by the standard; the distributions
// of <random> are not, so the transforms are written here and a seed gives the same numbers everywhere.
#include "strata/ops/random.hpp"

#include <cmath>
#include <mutex>
#include <numbers>
#include <numeric>
#include <random>
#include <sstream>

#include "strata/ops/shape.hpp"

namespace strata::random {

namespace {

std::mutex mutex;
std::mt19937_64& engine() {
    static std::mt19937_64 e(1337);
    return e;
}

// A double in [0, 1) from the top 53 bits.
double unit(std::mt19937_64& e) { return static_cast<double>(e() >> 11) * 0x1.0p-53; }

// Box-Muller: two uniforms to one standard normal (the second is dropped to keep the stream simple).
double standard_normal(std::mt19937_64& e) {
    double u1 = unit(e), u2 = unit(e);
    return std::sqrt(-2.0 * std::log(1.0 - u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

template <class Draw>
Tensor generate(const Shape& shape, DType dtype, Draw draw) {
    if (!is_floating(dtype)) throw TypeError("random: expected float32 or float64, got " + dtype_name(dtype));
    std::int64_t n = shape.numel();
    std::vector<double> values(static_cast<std::size_t>(n));
    {
        std::lock_guard lock(mutex);
        for (double& v : values) v = draw(engine());
    }
    Tensor t = Tensor::from_vector(values, shape);
    return dtype == float64 ? t : ops::cast(t, dtype);
}

}  // namespace

void seed(std::uint64_t s) {
    std::lock_guard lock(mutex);
    engine().seed(s);
}

std::uint64_t next_seed() {
    std::lock_guard lock(mutex);
    return engine()();
}

std::string get_state() {
    std::lock_guard lock(mutex);
    std::ostringstream out;
    out << engine();
    return out.str();
}

void set_state(const std::string& state) {
    std::istringstream in(state);
    std::mt19937_64 restored;
    in >> restored;
    if (in.fail()) throw ValueError("random.set_state: the text is not a generator state (" + std::to_string(state.size()) + " characters)");
    std::lock_guard lock(mutex);
    engine() = restored;
}

Tensor normal(const Shape& shape, double mean, double stddev, DType dtype) {
    return generate(shape, dtype, [=](std::mt19937_64& e) { return mean + stddev * standard_normal(e); });
}

Tensor uniform(const Shape& shape, double minval, double maxval, DType dtype) {
    if (!(minval < maxval))
        throw ValueError("random.uniform: expected minval < maxval, got " + std::to_string(minval) + " and " +
                         std::to_string(maxval));
    return generate(shape, dtype, [=](std::mt19937_64& e) { return minval + (maxval - minval) * unit(e); });
}

void fill_uniform(std::span<double> out) {
    std::lock_guard lock(mutex);
    for (double& v : out) v = unit(engine());
}

Tensor truncated_normal(const Shape& shape, double mean, double stddev, DType dtype) {
    return generate(shape, dtype, [=](std::mt19937_64& e) {
        double z;
        do z = standard_normal(e);
        while (std::abs(z) > 2.0);
        return mean + stddev * z;
    });
}

Tensor permutation(std::int64_t n) {
    if (n < 0) throw ValueError("random.permutation: expected n >= 0, got " + std::to_string(n));
    std::vector<std::int64_t> p(static_cast<std::size_t>(n));
    std::iota(p.begin(), p.end(), 0);
    std::lock_guard lock(mutex);
    // Fisher-Yates with our own bounded draw (std::shuffle's draws are implementation-defined).
    for (std::int64_t i = n - 1; i > 0; --i) {
        auto j = static_cast<std::int64_t>(unit(engine()) * static_cast<double>(i + 1));
        std::swap(p[static_cast<std::size_t>(i)], p[static_cast<std::size_t>(j)]);
    }
    return Tensor::from_vector(p);
}

}  // namespace strata::random
