#include "strata/core/device.hpp"

#include <atomic>

namespace strata {

namespace {
thread_local Device current_device = Device::cpu();
// Set by the CUDA backend when it is built and loaded; a build without it has no CUDA device.
std::atomic<bool (*)()> cuda_probe{nullptr};
}  // namespace

void register_cuda_probe(bool (*probe)()) { cuda_probe.store(probe); }

bool Device::cuda_available() {
    bool (*probe)() = cuda_probe.load();
    return probe != nullptr && probe();
}

std::string Device::to_string() const { return is_cpu() ? "cpu" : "cuda:" + std::to_string(index_); }

Device Device::current() { return current_device; }

DeviceScope::DeviceScope(Device device) : previous_(current_device) { current_device = device; }
DeviceScope::~DeviceScope() { current_device = previous_; }

}  // namespace strata
