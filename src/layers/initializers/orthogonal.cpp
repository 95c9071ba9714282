// Orthogonal, as Keras's: the Q factor of a normal matrix, made unique by giving R a positive diagonal
// (Saxe et al., 2014). The QR is a Householder factorisation in double: it keeps Q orthogonal to rounding
// where Gram-Schmidt drifts, and the sign correction makes the result independent of the algorithm, so it
// matches numpy.linalg.qr on the same draws.
#include <algorithm>
#include <cmath>
#include <vector>

#include "common.hpp"
#include "strata/layers/initializers.hpp"
#include "strata/ops/random.hpp"
#include "strata/ops/shape.hpp"

namespace strata::initializers {

namespace {

// Thin QR of the row-major m x n matrix `a` (m >= n): Q (m x n, orthonormal columns) with each column j
// multiplied by the sign of R[j][j], so that the R it pairs with has a non-negative diagonal.
std::vector<double> sign_corrected_q(std::vector<double> a, std::size_t m, std::size_t n) {
    std::vector<std::vector<double>> reflectors(n);  // unit v_k of length m - k; empty for a zero column
    std::vector<double> r_diag(n, 0.0);
    std::vector<double> dots(n);
    for (std::size_t k = 0; k < n; ++k) {
        double norm = 0.0;
        for (std::size_t i = k; i < m; ++i) norm += a[i * n + k] * a[i * n + k];
        norm = std::sqrt(norm);
        if (norm == 0.0) continue;
        // Reflect x onto alpha * e_0 with alpha of the opposite sign to x_0, so that v = x - alpha e_0 cancels
        // nothing.
        double alpha = a[k * n + k] > 0.0 ? -norm : norm;
        std::vector<double> v(m - k);
        for (std::size_t i = k; i < m; ++i) v[i - k] = a[i * n + k];
        v[0] -= alpha;
        double v_norm = 0.0;
        for (double x : v) v_norm += x * x;
        v_norm = std::sqrt(v_norm);
        for (double& x : v) x /= v_norm;
        // A[k:, k:] -= 2 v (v^T A[k:, k:]), row by row for contiguous access.
        std::fill(dots.begin() + static_cast<std::ptrdiff_t>(k), dots.end(), 0.0);
        for (std::size_t i = k; i < m; ++i)
            for (std::size_t j = k; j < n; ++j) dots[j] += v[i - k] * a[i * n + j];
        for (std::size_t i = k; i < m; ++i)
            for (std::size_t j = k; j < n; ++j) a[i * n + j] -= 2.0 * v[i - k] * dots[j];
        r_diag[k] = alpha;
        reflectors[k] = std::move(v);
    }
    // Q = H_0 H_1 ... H_{n-1} applied to the first n columns of the identity, innermost reflector first.
    std::vector<double> q(m * n, 0.0);
    for (std::size_t j = 0; j < n; ++j) q[j * n + j] = 1.0;
    for (std::size_t k = n; k-- > 0;) {
        const std::vector<double>& v = reflectors[k];
        if (v.empty()) continue;
        std::fill(dots.begin(), dots.end(), 0.0);
        for (std::size_t i = k; i < m; ++i)
            for (std::size_t j = 0; j < n; ++j) dots[j] += v[i - k] * q[i * n + j];
        for (std::size_t i = k; i < m; ++i)
            for (std::size_t j = 0; j < n; ++j) q[i * n + j] -= 2.0 * v[i - k] * dots[j];
    }
    // Keras multiplies by sign(diag(R)); a zero pivot (probability zero) keeps its column as it is rather than
    // zeroing it.
    for (std::size_t j = 0; j < n; ++j)
        if (r_diag[j] < 0.0)
            for (std::size_t i = 0; i < m; ++i) q[i * n + j] = -q[i * n + j];
    return q;
}

}  // namespace

Tensor Orthogonal::operator()(const Shape& shape, DType dtype) const {
    if (shape.rank() < 2)
        throw ValueError("Orthogonal: the tensor to initialize must be at least two-dimensional, got shape " +
                         shape.to_string() + " of rank " + std::to_string(shape.rank()));
    detail::check_shape(shape, "Orthogonal");
    detail::check_floating(dtype, "Orthogonal");

    // Flatten all but the last axis, so a convolution kernel gets orthogonal filters.
    std::int64_t rows = 1;
    for (int axis = 0; axis < shape.rank() - 1; ++axis) rows *= shape[axis];
    std::int64_t cols = shape.at(-1);
    if (rows == 0 || cols == 0) return Tensor::zeros(shape, dtype);

    // Factor the tall orientation (max, min) and transpose back when the matrix is wide, as Keras does.
    auto m = static_cast<std::size_t>(std::max(rows, cols));
    auto n = static_cast<std::size_t>(std::min(rows, cols));
    std::vector<double> a = random::normal(Shape{static_cast<std::int64_t>(m), static_cast<std::int64_t>(n)}, 0.0,
                                           1.0, float64)
                                .to_vector<double>();
    std::vector<double> q = sign_corrected_q(std::move(a), m, n);

    std::vector<double> out(m * n);
    if (rows >= cols) {
        for (std::size_t i = 0; i < m * n; ++i) out[i] = gain_ * q[i];
    } else {
        for (std::size_t i = 0; i < m; ++i)
            for (std::size_t j = 0; j < n; ++j) out[j * m + i] = gain_ * q[i * n + j];
    }
    Tensor t = Tensor::from_vector(out, shape);
    return dtype == float64 ? t : ops::cast(t, dtype);
}

nlohmann::json Orthogonal::get_config() const { return {{"seed", nullptr}, {"gain", gain_}}; }

}  // namespace strata::initializers
