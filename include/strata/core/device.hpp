// Devices. The CPU is always present; CUDA devices exist only in a build with the CUDA backend and on a
// machine with a card. New tensors go to the device of the innermost DeviceScope, the CPU by default.
#pragma once

#include <string>

namespace strata {

class Device {
public:
    enum class Kind { cpu, cuda };

    static Device cpu() { return Device(Kind::cpu, 0); }
    // Names a CUDA device; using it where none is present throws DeviceError.
    static Device cuda(int index = 0) { return Device(Kind::cuda, index); }
    // True when this build has a CUDA backend and the machine a CUDA device.
    static bool cuda_available();

    Kind kind() const { return kind_; }
    int index() const { return index_; }
    bool is_cpu() const { return kind_ == Kind::cpu; }
    bool is_cuda() const { return kind_ == Kind::cuda; }
    std::string to_string() const;

    friend bool operator==(const Device&, const Device&) = default;

    // The device new tensors are created on.
    static Device current();

private:
    Device(Kind kind, int index) : kind_(kind), index_(index) {}
    Kind kind_;
    int index_;
};

// The CUDA backend, where built, registers how to ask the driver whether a card is present.
void register_cuda_probe(bool (*probe)());

// Makes `device` the current device for this thread until the scope ends.
class DeviceScope {
public:
    explicit DeviceScope(Device device);
    ~DeviceScope();
    DeviceScope(const DeviceScope&) = delete;
    DeviceScope& operator=(const DeviceScope&) = delete;

private:
    Device previous_;
};

}  // namespace strata
