//===- FakeCudaDriver.cpp - A libcuda stand-in for tests without a GPU ----===//
//
// Implements the driver entry points Terra resolves (lib/Runtime/Cuda) on
// host memory, so that CudaTest runs the runtime's paths through a "driver"
// on machines with no GPU: memory is malloc'd (FAKE_CUDA_MEMORY bytes at
// most, default 64 MiB), copies are memcpy, PTX without an `.entry` is
// rejected with a log as the JIT would, launches are counted. Loaded with
// TERRA_CUDA_DRIVER=<path of this library>.
//
//===----------------------------------------------------------------------===//

#include <cuda.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

namespace {

size_t memoryLimit() {
  const char *limit = std::getenv("FAKE_CUDA_MEMORY");
  return limit ? std::strtoull(limit, nullptr, 10) : size_t(64) << 20;
}

std::map<CUdeviceptr, size_t> &allocations() {
  static std::map<CUdeviceptr, size_t> live;
  return live;
}

size_t allocatedBytes = 0;
int launches = 0;
int contextTag = 0, streamTag = 0;

struct FakeModule {
  std::string ptx;
};

} // namespace

extern "C" {

/// How many kernels were launched (read by the test through dlsym).
int fakeCudaLaunches() { return launches; }

CUresult cuInit(unsigned) { return CUDA_SUCCESS; }

CUresult cuGetErrorName(CUresult error, const char **name) {
  switch (error) {
  case CUDA_SUCCESS:
    *name = "CUDA_SUCCESS";
    return CUDA_SUCCESS;
  case CUDA_ERROR_OUT_OF_MEMORY:
    *name = "CUDA_ERROR_OUT_OF_MEMORY";
    return CUDA_SUCCESS;
  case CUDA_ERROR_INVALID_PTX:
    *name = "CUDA_ERROR_INVALID_PTX";
    return CUDA_SUCCESS;
  case CUDA_ERROR_NOT_FOUND:
    *name = "CUDA_ERROR_NOT_FOUND";
    return CUDA_SUCCESS;
  default:
    *name = nullptr;
    return CUDA_ERROR_INVALID_VALUE;
  }
}

CUresult cuGetErrorString(CUresult error, const char **text) {
  switch (error) {
  case CUDA_ERROR_OUT_OF_MEMORY:
    *text = "out of memory";
    return CUDA_SUCCESS;
  case CUDA_ERROR_INVALID_PTX:
    *text = "a PTX JIT compilation failed";
    return CUDA_SUCCESS;
  default:
    *text = nullptr;
    return CUDA_ERROR_INVALID_VALUE;
  }
}

CUresult cuDeviceGetCount(int *count) {
  const char *devices = std::getenv("FAKE_CUDA_DEVICES");
  *count = devices ? std::atoi(devices) : 1;
  return CUDA_SUCCESS;
}

CUresult cuDeviceGet(CUdevice *device, int ordinal) {
  *device = ordinal;
  return CUDA_SUCCESS;
}

CUresult cuDeviceGetName(char *name, int length, CUdevice) {
  std::strncpy(name, "Terra Fake GPU", length);
  return CUDA_SUCCESS;
}

CUresult cuDeviceGetAttribute(int *value, CUdevice_attribute attribute,
                              CUdevice) {
  switch (attribute) {
  case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR:
    *value = 9;
    return CUDA_SUCCESS;
  case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR:
    *value = 0;
    return CUDA_SUCCESS;
  case CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT:
    *value = 132;
    return CUDA_SUCCESS;
  default:
    return CUDA_ERROR_INVALID_VALUE;
  }
}

CUresult cuDeviceTotalMem_v2(size_t *bytes, CUdevice) {
  *bytes = memoryLimit();
  return CUDA_SUCCESS;
}

CUresult cuDevicePrimaryCtxRetain(CUcontext *context, CUdevice) {
  *context = reinterpret_cast<CUcontext>(&contextTag);
  return CUDA_SUCCESS;
}

CUresult cuCtxSetCurrent(CUcontext) { return CUDA_SUCCESS; }

CUresult cuStreamCreate(CUstream *stream, unsigned) {
  *stream = reinterpret_cast<CUstream>(&streamTag);
  return CUDA_SUCCESS;
}

CUresult cuStreamSynchronize(CUstream) { return CUDA_SUCCESS; }

CUresult cuMemAlloc_v2(CUdeviceptr *pointer, size_t bytes) {
  if (allocatedBytes + bytes > memoryLimit())
    return CUDA_ERROR_OUT_OF_MEMORY;
  *pointer = reinterpret_cast<CUdeviceptr>(std::malloc(bytes));
  allocations()[*pointer] = bytes;
  allocatedBytes += bytes;
  return CUDA_SUCCESS;
}

CUresult cuMemFree_v2(CUdeviceptr pointer) {
  auto found = allocations().find(pointer);
  if (found == allocations().end())
    return CUDA_ERROR_INVALID_VALUE;
  allocatedBytes -= found->second;
  allocations().erase(found);
  std::free(reinterpret_cast<void *>(pointer));
  return CUDA_SUCCESS;
}

CUresult cuMemHostAlloc(void **pointer, size_t bytes, unsigned) {
  *pointer = std::malloc(bytes);
  return CUDA_SUCCESS;
}

CUresult cuMemFreeHost(void *pointer) {
  std::free(pointer);
  return CUDA_SUCCESS;
}

CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr destination, const void *source,
                              size_t bytes, CUstream) {
  std::memcpy(reinterpret_cast<void *>(destination), source, bytes);
  return CUDA_SUCCESS;
}

CUresult cuMemcpyDtoHAsync_v2(void *destination, CUdeviceptr source,
                              size_t bytes, CUstream) {
  std::memcpy(destination, reinterpret_cast<const void *>(source), bytes);
  return CUDA_SUCCESS;
}

CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr destination, CUdeviceptr source,
                              size_t bytes, CUstream) {
  std::memmove(reinterpret_cast<void *>(destination),
               reinterpret_cast<const void *>(source), bytes);
  return CUDA_SUCCESS;
}

CUresult cuModuleLoadDataEx(CUmodule *module, const void *image, unsigned count,
                            CUjit_option *options, void **values) {
  std::string ptx = static_cast<const char *>(image);
  if (ptx.find(".entry") != std::string::npos) {
    *module = reinterpret_cast<CUmodule>(new FakeModule{ptx});
    return CUDA_SUCCESS;
  }
  for (unsigned i = 0; i < count; ++i)
    if (options[i] == CU_JIT_ERROR_LOG_BUFFER)
      std::strcpy(static_cast<char *>(values[i]),
                  "ptxas application ptx input, line 1; fatal   : Parsing "
                  "error near 'garbage': syntax error");
  return CUDA_ERROR_INVALID_PTX;
}

CUresult cuModuleUnload(CUmodule module) {
  delete reinterpret_cast<FakeModule *>(module);
  return CUDA_SUCCESS;
}

CUresult cuModuleGetFunction(CUfunction *function, CUmodule module,
                             const char *name) {
  const std::string &ptx = reinterpret_cast<FakeModule *>(module)->ptx;
  if (ptx.find(std::string(".entry ") + name + "(") == std::string::npos)
    return CUDA_ERROR_NOT_FOUND;
  *function = reinterpret_cast<CUfunction>(module);
  return CUDA_SUCCESS;
}

CUresult cuLaunchKernel(CUfunction, unsigned, unsigned, unsigned, unsigned,
                        unsigned, unsigned, unsigned, CUstream, void **,
                        void **) {
  ++launches;
  return CUDA_SUCCESS;
}

} // extern "C"
