//===- CudaDriver.h - The CUDA driver API, resolved with dlsym --*- C++ -*-===//
//
// cuda.h supplies the types and signatures only; each entry point is looked
// up by its versioned symbol name in the library dlopen found, so nothing
// links against libcuda.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_LIB_RUNTIME_CUDA_CUDADRIVER_H
#define TERRA_LIB_RUNTIME_CUDA_CUDADRIVER_H

#include <cuda.h>

namespace terra {
namespace cuda {

// X(member, symbol, signature source): the entry points Terra calls.
#define TERRA_CUDA_DRIVER_FUNCTIONS(X)                                         \
  X(init, "cuInit", cuInit)                                                    \
  X(getErrorName, "cuGetErrorName", cuGetErrorName)                            \
  X(getErrorString, "cuGetErrorString", cuGetErrorString)                      \
  X(deviceGetCount, "cuDeviceGetCount", cuDeviceGetCount)                      \
  X(deviceGet, "cuDeviceGet", cuDeviceGet)                                     \
  X(deviceGetName, "cuDeviceGetName", cuDeviceGetName)                         \
  X(deviceGetAttribute, "cuDeviceGetAttribute", cuDeviceGetAttribute)          \
  X(deviceTotalMem, "cuDeviceTotalMem_v2", cuDeviceTotalMem_v2)                \
  X(primaryCtxRetain, "cuDevicePrimaryCtxRetain", cuDevicePrimaryCtxRetain)    \
  X(ctxSetCurrent, "cuCtxSetCurrent", cuCtxSetCurrent)                         \
  X(streamCreate, "cuStreamCreate", cuStreamCreate)                            \
  X(streamSynchronize, "cuStreamSynchronize", cuStreamSynchronize)             \
  X(memAlloc, "cuMemAlloc_v2", cuMemAlloc_v2)                                  \
  X(memFree, "cuMemFree_v2", cuMemFree_v2)                                     \
  X(memHostAlloc, "cuMemHostAlloc", cuMemHostAlloc)                            \
  X(memFreeHost, "cuMemFreeHost", cuMemFreeHost)                               \
  X(memcpyHtoDAsync, "cuMemcpyHtoDAsync_v2", cuMemcpyHtoDAsync_v2)             \
  X(memcpyDtoHAsync, "cuMemcpyDtoHAsync_v2", cuMemcpyDtoHAsync_v2)             \
  X(memcpyDtoDAsync, "cuMemcpyDtoDAsync_v2", cuMemcpyDtoDAsync_v2)             \
  X(moduleLoadDataEx, "cuModuleLoadDataEx", cuModuleLoadDataEx)                \
  X(moduleUnload, "cuModuleUnload", cuModuleUnload)                            \
  X(moduleGetFunction, "cuModuleGetFunction", cuModuleGetFunction)             \
  X(launchKernel, "cuLaunchKernel", cuLaunchKernel)

/// The loaded driver's entry points.
struct Driver {
#define TERRA_CUDA_DRIVER_MEMBER(member, symbol, function)                     \
  decltype(&::function) member = nullptr;
  TERRA_CUDA_DRIVER_FUNCTIONS(TERRA_CUDA_DRIVER_MEMBER)
#undef TERRA_CUDA_DRIVER_MEMBER
};

/// The driver, loaded and initialised on first use; throws terra::Error
/// (with unavailableReason()) when there is none.
const Driver &driver();

/// Throws terra::Error naming `call` and the driver's error, then `detail`
/// on a line of its own if any, unless `result` is CUDA_SUCCESS;
/// CUDA_ERROR_OUT_OF_MEMORY raises MemoryError in Python.
void check(CUresult result, const char *call, const char *detail = "");

} // namespace cuda
} // namespace terra

#endif // TERRA_LIB_RUNTIME_CUDA_CUDADRIVER_H
