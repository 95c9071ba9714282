// Memory a kernel needs only during one call (oneDNN's scratchpads, weights in a kernel's own layout,
// activations reordered for it, per-slice partial sums), kept by the calling thread and grown as needed.
// A training step asks for the same sizes every time: taking them from the allocator instead made every
// step fault in fresh pages (glibc returns large blocks to the kernel when they are freed), about a tenth of
// a convnet's step.
#pragma once

#include <cstddef>

namespace strata::backend::cpu {

// What a block is for: two uses within one call need two purposes.
enum class Scratch {
    primitive, reorder, weights, weights_tail, partial, diff_weights, relayout0, relayout1, sparse_terms, count
};

// At least `bytes` bytes, 64-byte aligned, that stay this thread's until its next call for `purpose`.
void* thread_scratch(Scratch purpose, std::size_t bytes);

}  // namespace strata::backend::cpu
