//===- CudaDevice.cpp - Contexts, streams, device memory and copies -------===//

#include "CudaDevice.h"

#include "terra/Runtime/Tensor.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <unordered_map>

namespace terra {
namespace cuda {

struct DeviceState {
  std::mutex mutex;
  CUcontext context = nullptr;
  CUstream stream = nullptr;
  std::unordered_map<CUdeviceptr, size_t> live; // Pointer -> size class.
  std::multimap<size_t, CUdeviceptr> cached;    // Size class -> free blocks.
  MemoryStats stats;
  void *staging = nullptr;
};

namespace {

/// Pinned staging buffer per device: copies go through it in chunks.
constexpr size_t kStagingBytes = size_t(16) << 20;

/// Requests are rounded to size classes so that a freed block serves later
/// requests of about its size: 512-byte steps up to 1 MiB, 2 MiB steps above.
size_t sizeClass(size_t bytes) {
  size_t step = bytes <= (size_t(1) << 20) ? 512 : size_t(2) << 20;
  return (std::max<size_t>(bytes, 1) + step - 1) / step * step;
}

DeviceState &deviceState(int device) {
  static const int count = deviceCount();
  // Never destroyed: freeing device memory while the process exits races
  // the driver's own teardown.
  static DeviceState *states = new DeviceState[count];
  if (device < 0 || device >= count)
    throwError(Error::Kind::Runtime, "terra: invalid CUDA device " +
                                         std::to_string(device) + " (" +
                                         std::to_string(count) + " available)");
  return states[device];
}

void freeCached(const Driver &api, DeviceState &state) {
  for (auto &[bytes, pointer] : state.cached) {
    check(api.memFree(pointer), "cuMemFree");
    state.stats.reserved -= bytes;
  }
  state.cached.clear();
}

} // namespace

ScopedDevice::ScopedDevice(int device)
    : api(driver()), state_(deviceState(device)), lock_(state_.mutex) {
  if (!state_.context) {
    CUdevice handle;
    check(api.deviceGet(&handle, device), "cuDeviceGet");
    check(api.primaryCtxRetain(&state_.context, handle),
          "cuDevicePrimaryCtxRetain");
  }
  // Driver calls act on the calling thread's current context.
  check(api.ctxSetCurrent(state_.context), "cuCtxSetCurrent");
  if (!state_.stream)
    check(api.streamCreate(&state_.stream, CU_STREAM_NON_BLOCKING),
          "cuStreamCreate");
  stream = state_.stream;
}

void *allocate(int device, size_t bytes) {
  ScopedDevice scope(device);
  DeviceState &state = scope.state();
  size_t size = sizeClass(bytes);
  CUdeviceptr pointer = 0;
  if (auto found = state.cached.find(size); found != state.cached.end()) {
    pointer = found->second;
    state.cached.erase(found);
  } else {
    CUresult result = scope.api.memAlloc(&pointer, size);
    if (result == CUDA_ERROR_OUT_OF_MEMORY && !state.cached.empty()) {
      freeCached(scope.api, state);
      result = scope.api.memAlloc(&pointer, size);
    }
    check(result, "cuMemAlloc");
    state.stats.reserved += size;
  }
  state.live.emplace(pointer, size);
  state.stats.allocated += size;
  state.stats.peakAllocated =
      std::max(state.stats.peakAllocated, state.stats.allocated);
  return reinterpret_cast<void *>(pointer);
}

void release(int device, void *pointer) {
  if (!pointer)
    return;
  ScopedDevice scope(device);
  DeviceState &state = scope.state();
  auto found = state.live.find(reinterpret_cast<CUdeviceptr>(pointer));
  if (found == state.live.end())
    throwError(Error::Kind::Runtime,
               "terra: releasing device memory that this allocator did not "
               "hand out");
  state.cached.emplace(found->second, found->first);
  state.stats.allocated -= found->second;
  state.live.erase(found);
}

void emptyCache(int device) {
  ScopedDevice scope(device);
  freeCached(scope.api, scope.state());
}

MemoryStats memoryStats(int device) {
  ScopedDevice scope(device);
  return scope.state().stats;
}

namespace {

void *staging(ScopedDevice &scope) {
  DeviceState &state = scope.state();
  if (!state.staging)
    check(scope.api.memHostAlloc(&state.staging, kStagingBytes, 0),
          "cuMemHostAlloc");
  return state.staging;
}

} // namespace

void copyToDevice(int device, void *deviceDestination, const void *host,
                  size_t bytes) {
  ScopedDevice scope(device);
  char *buffer = static_cast<char *>(staging(scope));
  for (size_t done = 0; done < bytes; done += kStagingBytes) {
    size_t chunk = std::min(kStagingBytes, bytes - done);
    std::memcpy(buffer, static_cast<const char *>(host) + done, chunk);
    check(scope.api.memcpyHtoDAsync(
              reinterpret_cast<CUdeviceptr>(deviceDestination) + done, buffer,
              chunk, scope.stream),
          "cuMemcpyHtoDAsync");
    // The staging buffer is reused by the next chunk and the next copy.
    check(scope.api.streamSynchronize(scope.stream), "cuStreamSynchronize");
  }
}

void copyToHost(int device, void *host, const void *deviceSource,
                size_t bytes) {
  ScopedDevice scope(device);
  char *buffer = static_cast<char *>(staging(scope));
  for (size_t done = 0; done < bytes; done += kStagingBytes) {
    size_t chunk = std::min(kStagingBytes, bytes - done);
    check(scope.api.memcpyDtoHAsync(
              buffer, reinterpret_cast<CUdeviceptr>(deviceSource) + done, chunk,
              scope.stream),
          "cuMemcpyDtoHAsync");
    check(scope.api.streamSynchronize(scope.stream), "cuStreamSynchronize");
    std::memcpy(static_cast<char *>(host) + done, buffer, chunk);
  }
}

void copyOnDevice(int device, void *destination, const void *source,
                  size_t bytes) {
  ScopedDevice scope(device);
  check(scope.api.memcpyDtoDAsync(reinterpret_cast<CUdeviceptr>(destination),
                                  reinterpret_cast<CUdeviceptr>(source), bytes,
                                  scope.stream),
        "cuMemcpyDtoDAsync");
}

void synchronize(int device) {
  ScopedDevice scope(device);
  check(scope.api.streamSynchronize(scope.stream), "cuStreamSynchronize");
}

} // namespace cuda
} // namespace terra
