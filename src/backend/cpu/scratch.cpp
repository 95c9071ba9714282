#include "scratch.hpp"

#include <array>
#include <cstdlib>
#include <new>

namespace strata::backend::cpu {

namespace {

class Block {
public:
    Block() = default;
    Block(const Block&) = delete;
    Block& operator=(const Block&) = delete;
    ~Block() { std::free(data_); }

    void* at_least(std::size_t bytes) {
        if (bytes <= size_ && data_) return data_;
        std::free(data_);
        size_ = (bytes + 63) / 64 * 64;
        data_ = std::aligned_alloc(64, size_ == 0 ? 64 : size_);
        if (!data_) {
            size_ = 0;
            throw std::bad_alloc();
        }
        return data_;
    }

private:
    void* data_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace

void* thread_scratch(Scratch purpose, std::size_t bytes) {
    thread_local std::array<Block, static_cast<std::size_t>(Scratch::count)> blocks;
    return blocks[static_cast<std::size_t>(purpose)].at_least(bytes);
}

}  // namespace strata::backend::cpu
