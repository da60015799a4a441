//===- CudaFunctions.cpp - _terra's view of the CUDA runtime --------------===//
//
// What terra.cuda reports about the driver and its devices
// (include/terra/Runtime/Cuda.h). Tensors do not live on GPUs yet, so
// terra.cuda.is_available() stays False; these say whether a driver and
// devices are there and, if not, why.
//
//===----------------------------------------------------------------------===//

#include "CudaFunctions.h"

#include "TensorObject.h"

#include "terra/Runtime/Cuda.h"

namespace terra {
namespace python {

namespace {

/// Parses the one device-index argument of `name` and runs `body(index)`
/// with runtime errors turned into Python exceptions.
template <typename Body>
PyObject *onDevice(PyObject *const *args, Py_ssize_t nargs, const char *name,
                   Body body) {
  if (nargs != 1 || !PyLong_Check(args[0]))
    return PyErr_Format(PyExc_TypeError, "%s() takes a device index (int)",
                        name);
  int index = static_cast<int>(PyLong_AsLong(args[0]));
  if (PyErr_Occurred())
    return nullptr;
  return guarded([&]() -> PyObject * { return body(index); });
}

PyObject *fn_cuda_driver(PyObject *, PyObject *const *, Py_ssize_t) {
  return guarded([&]() -> PyObject * {
    return Py_BuildValue("{s:O,s:i,s:s}", "available",
                         cuda::available() ? Py_True : Py_False, "devices",
                         cuda::deviceCount(), "reason",
                         cuda::unavailableReason().c_str());
  });
}

PyObject *fn_cuda_device_properties(PyObject *, PyObject *const *args,
                                    Py_ssize_t nargs) {
  return onDevice(args, nargs, "_cuda_device_properties", [](int index) {
    cuda::DeviceProperties properties = cuda::deviceProperties(index);
    return Py_BuildValue("{s:s,s:i,s:i,s:i,s:K}", "name",
                         properties.name.c_str(), "major", properties.major,
                         "minor", properties.minor, "multi_processor_count",
                         properties.multiProcessors, "total_memory",
                         (unsigned long long)properties.totalMemory);
  });
}

PyObject *fn_cuda_memory_stats(PyObject *, PyObject *const *args,
                               Py_ssize_t nargs) {
  return onDevice(args, nargs, "_cuda_memory_stats", [](int index) {
    cuda::MemoryStats stats = cuda::memoryStats(index);
    return Py_BuildValue("{s:K,s:K,s:K}", "allocated",
                         (unsigned long long)stats.allocated, "reserved",
                         (unsigned long long)stats.reserved, "peak_allocated",
                         (unsigned long long)stats.peakAllocated);
  });
}

PyObject *fn_cuda_synchronize(PyObject *, PyObject *const *args,
                              Py_ssize_t nargs) {
  return onDevice(args, nargs, "_cuda_synchronize", [](int index) {
    cuda::synchronize(index);
    Py_RETURN_NONE;
  });
}

PyObject *fn_cuda_empty_cache(PyObject *, PyObject *const *args,
                              Py_ssize_t nargs) {
  return onDevice(args, nargs, "_cuda_empty_cache", [](int index) {
    cuda::emptyCache(index);
    Py_RETURN_NONE;
  });
}

#define TERRA_CUDA_FUNCTION(NAME, DOC)                                         \
  {#NAME, reinterpret_cast<PyCFunction>(fn##NAME), METH_FASTCALL, DOC}

PyMethodDef cudaFunctions[] = {
    TERRA_CUDA_FUNCTION(_cuda_driver,
                        "_cuda_driver() -> dict: whether the CUDA driver "
                        "loaded, its device count, and why not"),
    TERRA_CUDA_FUNCTION(_cuda_device_properties,
                        "_cuda_device_properties(index) -> dict: name, "
                        "compute capability, SMs, memory"),
    TERRA_CUDA_FUNCTION(_cuda_memory_stats,
                        "_cuda_memory_stats(index) -> dict: bytes allocated, "
                        "reserved and the peak allocated"),
    TERRA_CUDA_FUNCTION(_cuda_synchronize,
                        "_cuda_synchronize(index): wait for the device"),
    TERRA_CUDA_FUNCTION(_cuda_empty_cache,
                        "_cuda_empty_cache(index): return cached device "
                        "memory to the driver"),
    {nullptr, nullptr, 0, nullptr}};

#undef TERRA_CUDA_FUNCTION

} // namespace

int addCudaFunctions(PyObject *module) {
  return PyModule_AddFunctions(module, cudaFunctions);
}

} // namespace python
} // namespace terra
