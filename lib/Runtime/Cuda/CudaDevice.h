//===- CudaDevice.h - A device's context and stream, held -------*- C++ -*-===//

#ifndef TERRA_LIB_RUNTIME_CUDA_CUDADEVICE_H
#define TERRA_LIB_RUNTIME_CUDA_CUDADEVICE_H

#include "CudaDriver.h"

#include "terra/Runtime/Cuda.h"

#include <mutex>

namespace terra {
namespace cuda {

struct DeviceState;

/// Holds a device's lock with its context current on this thread, its
/// context and stream created on first use. One thread at a time drives a
/// device's stream, the allocator and the staging buffer.
class ScopedDevice {
public:
  explicit ScopedDevice(int device);

  const Driver &api;
  CUstream stream = nullptr;
  DeviceState &state() { return state_; }

private:
  DeviceState &state_;
  std::unique_lock<std::mutex> lock_;
};

} // namespace cuda
} // namespace terra

#endif // TERRA_LIB_RUNTIME_CUDA_CUDADEVICE_H
