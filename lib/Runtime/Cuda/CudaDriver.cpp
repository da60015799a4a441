//===- CudaDriver.cpp - Loading the CUDA driver and reading devices -------===//

#include "CudaDriver.h"

#include "terra/Runtime/Cuda.h"
#include "terra/Runtime/Tensor.h"

#include <cstdlib>
#include <dlfcn.h>

namespace terra {
namespace cuda {

namespace {

struct LoadedDriver {
  Driver driver;
  std::string unavailableReason;
  int devices = 0;
};

/// "CUDA_ERROR_X (what it means)", from the driver when it can say.
std::string describe(const Driver &driver, CUresult result) {
  const char *name = nullptr, *text = nullptr;
  if (driver.getErrorName)
    driver.getErrorName(result, &name);
  if (driver.getErrorString)
    driver.getErrorString(result, &text);
  std::string description =
      name ? name : "CUDA error " + std::to_string(static_cast<int>(result));
  if (text)
    description += std::string(" (") + text + ")";
  return description;
}

LoadedDriver load() {
  LoadedDriver loaded;
  const char *library = std::getenv("TERRA_CUDA_DRIVER");
  if (!library || !*library)
    library = "libcuda.so.1";
  // Never closed: kernels and memory live as long as the process.
  void *handle = dlopen(library, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *error = dlerror();
    loaded.unavailableReason = std::string("found no NVIDIA driver (") +
                               (error ? error : library) + ")";
    return loaded;
  }
  Driver driver;
#define TERRA_CUDA_DRIVER_RESOLVE(member, symbol, function)                    \
  driver.member =                                                              \
      reinterpret_cast<decltype(driver.member)>(dlsym(handle, symbol));        \
  if (!driver.member) {                                                        \
    loaded.unavailableReason = std::string("the CUDA driver ") + library +     \
                               " has no " + symbol + " (too old?)";            \
    return loaded;                                                             \
  }
  TERRA_CUDA_DRIVER_FUNCTIONS(TERRA_CUDA_DRIVER_RESOLVE)
#undef TERRA_CUDA_DRIVER_RESOLVE
  if (CUresult result = driver.init(0); result != CUDA_SUCCESS) {
    loaded.unavailableReason = "cuInit failed: " + describe(driver, result);
    return loaded;
  }
  int count = 0;
  if (CUresult result = driver.deviceGetCount(&count); result != CUDA_SUCCESS) {
    loaded.unavailableReason =
        "cuDeviceGetCount failed: " + describe(driver, result);
    return loaded;
  }
  if (count == 0) {
    loaded.unavailableReason = "the NVIDIA driver reports no GPU";
    return loaded;
  }
  loaded.driver = driver;
  loaded.devices = count;
  return loaded;
}

const LoadedDriver &loadedDriver() {
  static const LoadedDriver loaded = load();
  return loaded;
}

int attribute(CUdevice device, CUdevice_attribute which) {
  int value = 0;
  check(driver().deviceGetAttribute(&value, which, device),
        "cuDeviceGetAttribute");
  return value;
}

} // namespace

const Driver &driver() {
  const LoadedDriver &loaded = loadedDriver();
  if (loaded.devices == 0)
    throwError(Error::Kind::Runtime,
               "terra: CUDA is not available: " + loaded.unavailableReason);
  return loaded.driver;
}

void check(CUresult result, const char *call, const char *detail) {
  if (result == CUDA_SUCCESS)
    return;
  throwError(result == CUDA_ERROR_OUT_OF_MEMORY ? Error::Kind::Memory
                                                : Error::Kind::Runtime,
             std::string("terra: CUDA error in ") + call + ": " +
                 describe(loadedDriver().driver, result) +
                 (*detail ? std::string("\n") + detail : std::string()));
}

bool available() { return loadedDriver().devices > 0; }

std::string unavailableReason() { return loadedDriver().unavailableReason; }

int deviceCount() { return loadedDriver().devices; }

DeviceProperties deviceProperties(int index) {
  if (index < 0 || index >= deviceCount())
    throwError(Error::Kind::Runtime,
               "terra: invalid CUDA device " + std::to_string(index) + " (" +
                   std::to_string(deviceCount()) + " available)");
  const Driver &api = driver();
  CUdevice device;
  check(api.deviceGet(&device, index), "cuDeviceGet");
  DeviceProperties properties;
  char name[256] = {};
  check(api.deviceGetName(name, sizeof(name) - 1, device), "cuDeviceGetName");
  properties.name = name;
  properties.major =
      attribute(device, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
  properties.minor =
      attribute(device, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
  properties.multiProcessors =
      attribute(device, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
  check(api.deviceTotalMem(&properties.totalMemory, device),
        "cuDeviceTotalMem");
  return properties;
}

} // namespace cuda
} // namespace terra
