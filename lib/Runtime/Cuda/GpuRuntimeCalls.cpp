//===- GpuRuntimeCalls.cpp - The runtime calls of GPU blocks' host code ---===//
//
// The host code that terra-lower-to-nvvm produces (gpu-to-llvm, and the
// translation of gpu.binary and gpu.launch_func to LLVM IR) calls these
// functions: global constructors load each kernel module from its PTX, and
// the block allocates device buffers, launches kernels, frees buffers and
// synchronises on a stream. They run on Terra's CUDA runtime, so compiled
// blocks share the caching allocator and the device's one stream (which
// keeps every launch, copy and reuse of a freed buffer in order) with the
// rest of Terra. Everything goes to device 0 for now.
//
// An error cannot unwind through compiled code: the first one is kept for
// takeHostCodeError(), and until it is taken allocations return null and
// launches do nothing.
//
//===----------------------------------------------------------------------===//

#include "terra/Runtime/Cuda.h"
#include "terra/Runtime/Tensor.h"

#include <cstdint>
#include <mutex>

using namespace terra;

namespace {

constexpr int kDevice = 0;

std::mutex errorMutex;
std::string hostCodeError;

bool errorPending() {
  std::lock_guard<std::mutex> lock(errorMutex);
  return !hostCodeError.empty();
}

/// Runs `body`, keeping its error (the first one) instead of throwing.
template <typename Result, typename Body>
Result guarded(Result failed, Body body) {
  if (errorPending())
    return failed;
  try {
    return body();
  } catch (const std::exception &error) {
    std::lock_guard<std::mutex> lock(errorMutex);
    if (hostCodeError.empty())
      hostCodeError = error.what();
  }
  return failed;
}

/// The stream handle handed to compiled code: every call uses the device's
/// one stream, so the handle only has to be non-null.
int streamToken;

} // namespace

std::string cuda::takeHostCodeError() {
  std::lock_guard<std::mutex> lock(errorMutex);
  std::string error;
  error.swap(hostCodeError);
  return error;
}

extern "C" {

void *mgpuStreamCreate() { return &streamToken; }

void mgpuStreamDestroy(void *) {}

void mgpuStreamSynchronize(void *) {
  guarded(0, [] {
    cuda::synchronize(kDevice);
    return 0;
  });
}

void *mgpuMemAlloc(uint64_t bytes, void *, bool hostShared) {
  return guarded<void *>(nullptr, [&] {
    if (hostShared)
      throwError(Error::Kind::Runtime,
                 "terra: compiled code asked for host-shared (managed) GPU "
                 "memory, which Terra does not allocate");
    return cuda::allocate(kDevice, bytes);
  });
}

void mgpuMemFree(void *pointer, void *) {
  guarded(0, [&] {
    cuda::release(kDevice, pointer);
    return 0;
  });
}

void *mgpuModuleLoadJIT(void *ptx, int) {
  return guarded<void *>(nullptr, [&] {
    return cuda::Module::loadPtx(kDevice, static_cast<const char *>(ptx))
        .release();
  });
}

void mgpuModuleUnload(void *module) {
  guarded(0, [&] {
    delete static_cast<cuda::Module *>(module);
    return 0;
  });
}

void *mgpuModuleGetFunction(void *module, const char *name) {
  return guarded<void *>(nullptr, [&]() -> void * {
    if (!module)
      return nullptr; // Its load failed; that error is kept.
    return static_cast<cuda::Module *>(module)->kernel(name);
  });
}

void mgpuLaunchKernel(void *kernel, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t sharedBytes, void *,
                      void **arguments, void **, size_t) {
  guarded(0, [&] {
    if (!kernel)
      return 0;
    unsigned grid[3] = {unsigned(gridX), unsigned(gridY), unsigned(gridZ)};
    unsigned block[3] = {unsigned(blockX), unsigned(blockY), unsigned(blockZ)};
    cuda::launch(kDevice, kernel, grid, block, unsigned(sharedBytes),
                 arguments);
    return 0;
  });
}

} // extern "C"
