#include <array>
#include <atomic>

#include "cpu/cpu_backend.hpp"
#include "strata/backend/backend.hpp"

namespace strata::backend {

namespace {
// The CPU's table is always there; other devices' backends register theirs when they load.
std::array<std::atomic<const Backend*>, 2> tables{};
}  // namespace

const Backend& of(Device device) {
    if (device.is_cpu()) return cpu::instance();
    const Backend* b = tables[static_cast<std::size_t>(device.kind())].load();
    if (!b) throw DeviceError("no backend for device " + device.to_string() + ": this build has no CUDA backend");
    return *b;
}

void register_backend(Device::Kind kind, const Backend* backend) {
    tables[static_cast<std::size_t>(kind)].store(backend);
}

}  // namespace strata::backend
