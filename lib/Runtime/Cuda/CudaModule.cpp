//===- CudaModule.cpp - PTX modules and kernel launches -------------------===//

#include "CudaDevice.h"

#include "terra/Runtime/Tensor.h"

namespace terra {
namespace cuda {

std::unique_ptr<Module> Module::loadPtx(int device, const std::string &ptx) {
  ScopedDevice scope(device);
  // The JIT's log says which line of the PTX it rejected and why.
  char log[16384] = {};
  CUjit_option options[] = {CU_JIT_ERROR_LOG_BUFFER,
                            CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *values[] = {log, reinterpret_cast<void *>(sizeof(log) - 1)};
  CUmodule handle = nullptr;
  check(scope.api.moduleLoadDataEx(&handle, ptx.c_str(), 2, options, values),
        "cuModuleLoadDataEx", log);
  return std::unique_ptr<Module>(new Module(device, handle));
}

Module::~Module() {
  // Unloading can only fail once the context is gone (process exit).
  ScopedDevice scope(device_);
  scope.api.moduleUnload(static_cast<CUmodule>(handle_));
}

void *Module::kernel(const std::string &name) {
  ScopedDevice scope(device_);
  CUfunction function = nullptr;
  if (scope.api.moduleGetFunction(&function, static_cast<CUmodule>(handle_),
                                  name.c_str()) != CUDA_SUCCESS)
    throwError(Error::Kind::Runtime,
               "terra: the CUDA module has no kernel '" + name + "'");
  return function;
}

void launch(int device, void *kernel, const unsigned grid[3],
            const unsigned block[3], unsigned sharedBytes, void **arguments) {
  ScopedDevice scope(device);
  check(scope.api.launchKernel(static_cast<CUfunction>(kernel), grid[0],
                               grid[1], grid[2], block[0], block[1], block[2],
                               sharedBytes, scope.stream, arguments, nullptr),
        "cuLaunchKernel");
}

} // namespace cuda
} // namespace terra
