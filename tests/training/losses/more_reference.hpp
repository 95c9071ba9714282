// Independent references for the losses of loss_functions.hpp: the Keras formulas written out in plain doubles,
// row by row, for a [rows, cols] layout reduced over cols.
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

namespace strata::testing::reference {

inline constexpr double kEpsMore = 1e-7;

// out[r] = reduce over c of f(t, p), divided by cols when `mean`.
inline std::vector<double> per_row(const std::vector<double>& t, const std::vector<double>& p, int rows, int cols,
                                   bool mean, const std::function<double(double, double)>& f) {
    std::vector<double> out(rows, 0.0);
    for (int r = 0; r < rows; ++r) {
        for (int c = 0; c < cols; ++c) out[r] += f(t[r * cols + c], p[r * cols + c]);
        if (mean) out[r] /= cols;
    }
    return out;
}

inline std::vector<double> huber(const std::vector<double>& t, const std::vector<double>& p, int rows, int cols,
                                 double delta) {
    return per_row(t, p, rows, cols, true, [delta](double y, double x) {
        double e = std::abs(x - y);
        return e <= delta ? 0.5 * e * e : delta * e - 0.5 * delta * delta;
    });
}

inline std::vector<double> log_cosh(const std::vector<double>& t, const std::vector<double>& p, int rows, int cols) {
    return per_row(t, p, rows, cols, true, [](double y, double x) { return std::log(std::cosh(x - y)); });
}

inline std::vector<double> poisson(const std::vector<double>& t, const std::vector<double>& p, int rows, int cols) {
    return per_row(t, p, rows, cols, true, [](double y, double x) { return x - y * std::log(x + kEpsMore); });
}

inline std::vector<double> kl_divergence(const std::vector<double>& t, const std::vector<double>& p, int rows,
                                         int cols) {
    return per_row(t, p, rows, cols, false, [](double y, double x) {
        y = std::clamp(y, kEpsMore, 1.0);
        x = std::clamp(x, kEpsMore, 1.0);
        return y * std::log(y / x);
    });
}

// Labels already in {-1, 1}.
inline std::vector<double> hinge(const std::vector<double>& t, const std::vector<double>& p, int rows, int cols,
                                 bool squared) {
    return per_row(t, p, rows, cols, true, [squared](double y, double x) {
        double m = std::max(1.0 - y * x, 0.0);
        return squared ? m * m : m;
    });
}

inline std::vector<double> categorical_hinge(const std::vector<double>& t, const std::vector<double>& p, int rows,
                                             int cols) {
    std::vector<double> out(rows);
    for (int r = 0; r < rows; ++r) {
        double pos = 0.0;
        double neg = -1e300;
        for (int c = 0; c < cols; ++c) {
            pos += t[r * cols + c] * p[r * cols + c];
            neg = std::max(neg, (1.0 - t[r * cols + c]) * p[r * cols + c]);
        }
        out[r] = std::max(neg - pos + 1.0, 0.0);
    }
    return out;
}

inline std::vector<double> msle(const std::vector<double>& t, const std::vector<double>& p, int rows, int cols) {
    return per_row(t, p, rows, cols, true, [](double y, double x) {
        double d = std::log(std::max(x, kEpsMore) + 1.0) - std::log(std::max(y, kEpsMore) + 1.0);
        return d * d;
    });
}

inline std::vector<double> mape(const std::vector<double>& t, const std::vector<double>& p, int rows, int cols) {
    return per_row(t, p, rows, cols, true,
                   [](double y, double x) { return 100.0 * std::abs((y - x) / std::max(std::abs(y), kEpsMore)); });
}

inline std::vector<double> cosine(const std::vector<double>& t, const std::vector<double>& p, int rows, int cols) {
    std::vector<double> out(rows);
    for (int r = 0; r < rows; ++r) {
        double tt = 0, pp = 0, tp = 0;
        for (int c = 0; c < cols; ++c) {
            tt += t[r * cols + c] * t[r * cols + c];
            pp += p[r * cols + c] * p[r * cols + c];
            tp += t[r * cols + c] * p[r * cols + c];
        }
        out[r] = -tp / (std::max(std::sqrt(tt), kEpsMore) * std::max(std::sqrt(pp), kEpsMore));
    }
    return out;
}

inline std::vector<double> categorical_focal(std::vector<double> t, const std::vector<double>& p, int rows, int cols,
                                             double alpha, double gamma, bool from_logits, double ls) {
    for (double& v : t) v = v * (1.0 - ls) + ls / cols;
    std::vector<double> out(rows, 0.0);
    for (int r = 0; r < rows; ++r) {
        std::vector<double> q(p.begin() + r * cols, p.begin() + (r + 1) * cols);
        if (from_logits) {
            double m = *std::max_element(q.begin(), q.end());
            for (double& v : q) v = std::exp(v - m);
        }
        double s = 0.0;
        for (double v : q) s += v;
        for (int c = 0; c < cols; ++c) {
            double o = std::clamp(q[c] / s, kEpsMore, 1.0 - kEpsMore);
            out[r] += alpha * std::pow(1.0 - o, gamma) * -t[r * cols + c] * std::log(o);
        }
    }
    return out;
}

inline std::vector<double> binary_focal(const std::vector<double>& t, const std::vector<double>& p, int rows,
                                        int cols, bool balance, double alpha, double gamma, bool from_logits,
                                        double ls) {
    return per_row(t, p, rows, cols, true, [=](double y, double x) {
        y = y * (1.0 - ls) + 0.5 * ls;
        if (from_logits) x = 1.0 / (1.0 + std::exp(-x));
        double c = std::clamp(x, kEpsMore, 1.0 - kEpsMore);
        double bce = -(y * std::log(c) + (1.0 - y) * std::log(1.0 - c));
        double p_t = y * x + (1.0 - y) * (1.0 - x);
        double v = std::pow(1.0 - p_t, gamma) * bce;
        if (balance) v *= y * alpha + (1.0 - y) * (1.0 - alpha);
        return v;
    });
}

}  // namespace strata::testing::reference
