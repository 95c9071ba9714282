// Storage: one reference-counted block of device memory, shared by the tensors that view it. Each device
// has one Allocator; the CPU's hands out 64-byte aligned blocks so that vector loads never straddle lines.
#pragma once

#include <cstddef>
#include <memory>

#include "strata/core/device.hpp"

namespace strata {

class Allocator {
public:
    virtual ~Allocator() = default;
    virtual void* allocate(std::size_t bytes) = 0;
    virtual void deallocate(void* pointer, std::size_t bytes) = 0;
};

// The allocator of a device; throws DeviceError where the device has none.
Allocator& allocator_for(Device device);
// Backends of other devices register their allocator at start-up.
void register_allocator(Device::Kind kind, Allocator* allocator);

class Storage {
public:
    Storage(std::size_t bytes, Device device);
    ~Storage();
    Storage(const Storage&) = delete;
    Storage& operator=(const Storage&) = delete;

    void* data() const { return data_; }
    std::size_t bytes() const { return bytes_; }
    Device device() const { return device_; }

private:
    void* data_ = nullptr;
    std::size_t bytes_ = 0;
    Device device_;
    Allocator* allocator_ = nullptr;
};

}  // namespace strata
