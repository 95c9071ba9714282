#include "training_kernels.hpp"

#include <cmath>
#include <cstring>

#include "parallel.hpp"

namespace strata::backend::cpu {

void activation_backward(Epilogue activation, const float* y, const float* g, float* out, std::int64_t n) {
    // A convolution's output can be millions of elements: split it, as any elementwise loop.
    parallel_for(n, 2, [&](std::int64_t begin, std::int64_t end) {
        switch (activation) {
            case Epilogue::none:
                if (out != g) std::memcpy(out + begin, g + begin, static_cast<std::size_t>(end - begin) * sizeof(float));
                return;
            case Epilogue::relu:
                // g * [y > 0], as the eager backward multiplies by the step: a negative g times 0 gives -0 there too.
#pragma omp simd
                for (std::int64_t i = begin; i < end; ++i) out[i] = g[i] * (y[i] > 0.0f ? 1.0f : 0.0f);
                return;
            case Epilogue::sigmoid:
#pragma omp simd
                for (std::int64_t i = begin; i < end; ++i) out[i] = g[i] * y[i] * (1.0f - y[i]);
                return;
            case Epilogue::tanh:
#pragma omp simd
                for (std::int64_t i = begin; i < end; ++i) out[i] = g[i] * (1.0f - y[i] * y[i]);
                return;
        }
    });
}

void softmax_backward(const float* y, const float* g, float* out, std::int64_t rows, std::int64_t cols) {
    for (std::int64_t r = 0; r < rows; ++r) {
        const float* yr = y + r * cols;
        const float* gr = g + r * cols;
        float* o = out + r * cols;
        float dot = 0.0f;
        for (std::int64_t c = 0; c < cols; ++c) dot += gr[c] * yr[c];
        for (std::int64_t c = 0; c < cols; ++c) o[c] = yr[c] * (gr[c] - dot);
    }
}

void column_sums(const float* x, std::int64_t rows, std::int64_t cols, float* out) {
    std::memset(out, 0, static_cast<std::size_t>(cols) * sizeof(float));
    for (std::int64_t r = 0; r < rows; ++r) {
        const float* row = x + r * cols;
#pragma omp simd
        for (std::int64_t c = 0; c < cols; ++c) out[c] += row[c];
    }
}

void gather_rows(const void* source, std::size_t row_bytes, const std::int64_t* order, std::int64_t begin,
                 std::int64_t end, void* out) {
    const auto* from = static_cast<const unsigned char*>(source);
    auto* to = static_cast<unsigned char*>(out);
    if (!order) {
        std::memcpy(to, from + static_cast<std::size_t>(begin) * row_bytes,
                    static_cast<std::size_t>(end - begin) * row_bytes);
        return;
    }
    // Shuffled rows are scattered over the dataset: ask for a row a few ahead while copying this one, so
    // that its first cache lines are on their way (the hardware prefetcher then follows each row).
    constexpr std::int64_t kAhead = 4;
    constexpr std::size_t kLine = 64;
    for (std::int64_t i = begin; i < end; ++i, to += row_bytes) {
        if (i + kAhead < end) {
            const unsigned char* ahead = from + static_cast<std::size_t>(order[i + kAhead]) * row_bytes;
            for (std::size_t offset = 0; offset < row_bytes && offset < 8 * kLine; offset += kLine)
                __builtin_prefetch(ahead + offset);
        }
        std::memcpy(to, from + static_cast<std::size_t>(order[i]) * row_bytes, row_bytes);
    }
}

double mean_squared_error(const float* p, const float* y, std::int64_t rows, std::int64_t cols, float* grad) {
    const std::int64_t n = rows * cols;
    // d/dp of mean((p - y)^2) over n elements.
    const float scale = 2.0f / static_cast<float>(n);
    double total = 0.0;
    for (std::int64_t i = 0; i < n; ++i) {
        const float d = p[i] - y[i];
        total += static_cast<double>(d * d);
        if (grad) grad[i] = d * scale;
    }
    return total / static_cast<double>(n);
}

namespace {

// y[r, c] of the dense one-hot row, or 1 where c is the row's label.
inline float target(const float* y, const std::int64_t* labels, std::int64_t r, std::int64_t cols, std::int64_t c) {
    return y ? y[r * cols + c] : (labels[r] == c ? 1.0f : 0.0f);
}

}  // namespace

double crossentropy(const float* p, const float* y, const std::int64_t* labels, std::int64_t rows,
                    std::int64_t cols, bool from_logits, float epsilon, float* grad) {
    const float inv_rows = 1.0f / static_cast<float>(rows);
    double total = 0.0;
    for (std::int64_t r = 0; r < rows; ++r) {
        const float* pr = p + r * cols;
        float* gr = grad ? grad + r * cols : nullptr;
        if (from_logits) {
            // log_softmax(z) = z - max - log(sum(exp(z - max))); dL/dz = (softmax(z) sum(y) - y) / rows.
            float m = pr[0];
            for (std::int64_t c = 1; c < cols; ++c) m = pr[c] > m ? pr[c] : m;
            float sum = 0.0f;
            for (std::int64_t c = 0; c < cols; ++c) sum += std::exp(pr[c] - m);
            const float log_sum = std::log(sum);
            float loss = 0.0f, y_sum = 0.0f;
            for (std::int64_t c = 0; c < cols; ++c) {
                const float t = target(y, labels, r, cols, c);
                loss -= t * (pr[c] - m - log_sum);
                y_sum += t;
            }
            total += loss;
            if (gr)
                for (std::int64_t c = 0; c < cols; ++c)
                    gr[c] = (std::exp(pr[c] - m - log_sum) * y_sum - target(y, labels, r, cols, c)) * inv_rows;
            continue;
        }
        // q = p / sum(p), clipped to [epsilon, 1 - epsilon]; L = -sum(y log q) / rows.
        float s = 0.0f;
        for (std::int64_t c = 0; c < cols; ++c) s += pr[c];
        const float hi = 1.0f - epsilon;
        float loss = 0.0f, dot = 0.0f;
        for (std::int64_t c = 0; c < cols; ++c) {
            const float q = pr[c] / s;
            const bool inside = q >= epsilon && q <= hi;
            const float clipped = inside ? q : (q < epsilon ? epsilon : hi);
            const float t = target(y, labels, r, cols, c);
            loss -= t * std::log(clipped);
            // dL/dq, zero where the clip holds q.
            const float dq = inside ? -t / clipped * inv_rows : 0.0f;
            if (gr) gr[c] = dq;
            dot += dq * q;
        }
        total += loss;
        // Through the renormalisation: dL/dp = (dL/dq - sum(dL/dq * q)) / sum(p).
        if (gr)
            for (std::int64_t c = 0; c < cols; ++c) gr[c] = (gr[c] - dot) / s;
    }
    return total / static_cast<double>(rows);
}

std::int64_t class_matches(const float* p, const float* y, const std::int64_t* labels, std::int64_t rows,
                           std::int64_t cols) {
    auto first_max = [cols](const float* row) {
        std::int64_t best = 0;
        for (std::int64_t c = 1; c < cols; ++c)
            if (row[c] > row[best]) best = c;
        return best;
    };
    std::int64_t matches = 0;
    for (std::int64_t r = 0; r < rows; ++r) {
        const std::int64_t truth = y ? first_max(y + r * cols) : labels[r];
        matches += first_max(p + r * cols) == truth;
    }
    return matches;
}

}  // namespace strata::backend::cpu
