#include "strata/core/storage.hpp"

#include <array>
#include <cstdlib>
#include <new>

#include "strata/core/error.hpp"

namespace strata {

namespace {

// 64-byte aligned host memory: a cache line, and the width of an AVX-512 register.
class CpuAllocator final : public Allocator {
public:
    void* allocate(std::size_t bytes) override {
        std::size_t rounded = (bytes + 63) / 64 * 64;
        void* p = std::aligned_alloc(64, rounded == 0 ? 64 : rounded);
        if (!p) throw std::bad_alloc();
        return p;
    }
    void deallocate(void* pointer, std::size_t) override { std::free(pointer); }
};

std::array<Allocator*, 2>& allocators() {
    static CpuAllocator cpu;
    static std::array<Allocator*, 2> table{&cpu, nullptr};
    return table;
}

}  // namespace

Allocator& allocator_for(Device device) {
    Allocator* a = allocators()[static_cast<std::size_t>(device.kind())];
    if (!a) throw DeviceError("no allocator for device " + device.to_string() + ": this build has no backend for it");
    return *a;
}

void register_allocator(Device::Kind kind, Allocator* allocator) {
    allocators()[static_cast<std::size_t>(kind)] = allocator;
}

Storage::Storage(std::size_t bytes, Device device)
    : bytes_(bytes), device_(device), allocator_(&allocator_for(device)) {
    data_ = allocator_->allocate(bytes);
}

Storage::~Storage() { allocator_->deallocate(data_, bytes_); }

}  // namespace strata
