//===- CudaFunctions.h - _terra's CUDA functions ----------------*- C++ -*-===//

#ifndef TERRA_LIB_PYTHON_CUDAFUNCTIONS_H
#define TERRA_LIB_PYTHON_CUDAFUNCTIONS_H

#include <Python.h>

namespace terra {
namespace python {

/// Adds _cuda_driver, _cuda_device_properties, _cuda_memory_stats,
/// _cuda_synchronize and _cuda_empty_cache to `module`.
int addCudaFunctions(PyObject *module);

} // namespace python
} // namespace terra

#endif // TERRA_LIB_PYTHON_CUDAFUNCTIONS_H
