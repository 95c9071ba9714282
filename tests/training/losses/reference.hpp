// Independent references for the loss tests: the Keras formulas written out in plain doubles, row by row, for
// a [rows, classes] layout.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace strata::testing::reference {

inline constexpr double kEps = 1e-7;

inline std::vector<double> mse(const std::vector<double>& t, const std::vector<double>& p, int rows, int cols) {
    std::vector<double> out(rows, 0.0);
    for (int r = 0; r < rows; ++r) {
        for (int c = 0; c < cols; ++c) out[r] += std::pow(t[r * cols + c] - p[r * cols + c], 2);
        out[r] /= cols;
    }
    return out;
}

inline std::vector<double> mae(const std::vector<double>& t, const std::vector<double>& p, int rows, int cols) {
    std::vector<double> out(rows, 0.0);
    for (int r = 0; r < rows; ++r) {
        for (int c = 0; c < cols; ++c) out[r] += std::abs(t[r * cols + c] - p[r * cols + c]);
        out[r] /= cols;
    }
    return out;
}

inline std::vector<double> cce(std::vector<double> t, const std::vector<double>& p, int rows, int cols,
                               bool from_logits, double label_smoothing = 0.0) {
    std::vector<double> out(rows, 0.0);
    for (double& v : t) v = v * (1.0 - label_smoothing) + label_smoothing / cols;
    for (int r = 0; r < rows; ++r) {
        const double* x = &p[r * cols];
        std::vector<double> logp(cols);
        if (from_logits) {
            double m = *std::max_element(x, x + cols);
            double s = 0.0;
            for (int c = 0; c < cols; ++c) s += std::exp(x[c] - m);
            for (int c = 0; c < cols; ++c) logp[c] = x[c] - m - std::log(s);
        } else {
            double s = 0.0;
            for (int c = 0; c < cols; ++c) s += x[c];
            for (int c = 0; c < cols; ++c) logp[c] = std::log(std::clamp(x[c] / s, kEps, 1.0 - kEps));
        }
        for (int c = 0; c < cols; ++c) out[r] -= t[r * cols + c] * logp[c];
    }
    return out;
}

inline std::vector<double> scce(const std::vector<std::int64_t>& labels, const std::vector<double>& p, int rows,
                                int cols, bool from_logits) {
    std::vector<double> t(rows * cols, 0.0);
    for (int r = 0; r < rows; ++r) t[r * cols + labels[r]] = 1.0;
    return cce(t, p, rows, cols, from_logits);
}

inline std::vector<double> bce(std::vector<double> t, const std::vector<double>& p, int rows, int cols,
                               bool from_logits, double label_smoothing = 0.0) {
    std::vector<double> out(rows, 0.0);
    for (double& v : t) v = v * (1.0 - label_smoothing) + 0.5 * label_smoothing;
    for (int r = 0; r < rows; ++r) {
        for (int c = 0; c < cols; ++c) {
            double y = t[r * cols + c], x = p[r * cols + c];
            double l;
            if (from_logits) {
                // -(y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))), written directly.
                double s = 1.0 / (1.0 + std::exp(-x));
                l = -(y * std::log(s) + (1.0 - y) * std::log(1.0 - s));
            } else {
                double q = std::clamp(x, kEps, 1.0 - kEps);
                l = -(y * std::log(q) + (1.0 - y) * std::log(1.0 - q));
            }
            out[r] += l;
        }
        out[r] /= cols;
    }
    return out;
}

}  // namespace strata::testing::reference
