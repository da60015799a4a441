//===- Cuda.h - NVIDIA GPUs through the CUDA driver API ---------*- C++ -*-===//
//
// Terra reaches GPUs through the CUDA driver API, loaded at run time with
// dlopen("libcuda.so.1"): nothing links against a driver, so the same build
// runs on machines with and without one, and without one `available()` is
// false and every other entry point throws a terra::Error that says why.
// TERRA_CUDA_DRIVER names another driver library (a path or a soname).
//
// Per device: its primary context, one stream that every copy and launch
// goes to in order, a caching allocator for device memory and pinned host
// staging for copies, and modules loaded from PTX.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_RUNTIME_CUDA_H
#define TERRA_RUNTIME_CUDA_H

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace terra {
namespace cuda {

/// Whether a driver loaded and initialised and reports at least one device.
bool available();

/// Why `available()` is false ("" when it is true): the driver library that
/// could not be opened, or the driver call that failed and its error.
std::string unavailableReason();

/// Devices the driver reports (0 without a driver).
int deviceCount();

struct DeviceProperties {
  std::string name;
  int major = 0, minor = 0; // Compute capability.
  int multiProcessors = 0;
  size_t totalMemory = 0;
};

/// Throws unless `0 <= device < deviceCount()`.
DeviceProperties deviceProperties(int device);

/// Device memory from the caching allocator: freed blocks are kept, by size,
/// for the next allocation of that size class.
void *allocate(int device, size_t bytes);
void release(int device, void *pointer);
/// Returns the cached blocks to the driver (torch.cuda.empty_cache).
void emptyCache(int device);

struct MemoryStats {
  size_t allocated = 0; // Bytes handed out and not released.
  size_t reserved = 0;  // Bytes obtained from the driver (cached included).
  size_t peakAllocated = 0;
};
MemoryStats memoryStats(int device);

/// Copies on the device's stream, in order with its launches. Host memory is
/// staged through pinned buffers, so `host` may be reused when the call
/// returns; copyToHost returns once the bytes are there.
void copyToDevice(int device, void *deviceDestination, const void *host,
                  size_t bytes);
void copyToHost(int device, void *host, const void *deviceSource, size_t bytes);
void copyOnDevice(int device, void *destination, const void *source,
                  size_t bytes);

/// Waits until everything queued on the device's stream has run.
void synchronize(int device);

/// Launches `kernel` (from Module::kernel) on the device's stream;
/// `arguments` point at each kernel parameter's value, as cuLaunchKernel
/// takes them.
void launch(int device, void *kernel, const unsigned grid[3],
            const unsigned block[3], unsigned sharedBytes, void **arguments);

/// A module loaded from PTX. Loading PTX the driver's JIT rejects throws
/// with its error log.
class Module {
public:
  static std::unique_ptr<Module> loadPtx(int device, const std::string &ptx);
  ~Module();

  int device() const { return device_; }

  /// The kernel called `name`; throws if the module has none.
  void *kernel(const std::string &name);

  void launch(const std::string &name, const unsigned grid[3],
              const unsigned block[3], unsigned sharedBytes,
              std::vector<void *> &arguments) {
    cuda::launch(device_, kernel(name), grid, block, sharedBytes,
                 arguments.data());
  }

private:
  Module(int device, void *handle) : device_(device), handle_(handle) {}
  int device_;
  void *handle_;
};

/// The first error raised inside the GPU runtime calls that compiled host
/// code makes (mgpuLaunchKernel, ...), which cannot throw through it;
/// empty if none. Taking it clears it.
std::string takeHostCodeError();

} // namespace cuda
} // namespace terra

#endif // TERRA_RUNTIME_CUDA_H
