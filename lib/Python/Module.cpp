//===- Module.cpp - _terra module definition
//-------------------------------===//

#include "terra/Python/Module.h"

#include "CudaFunctions.h"
#include "NodeObject.h"
#include "TensorObject.h"
#include "Tracing.h"

namespace {

PyModuleDef moduleDef = {
    PyModuleDef_HEAD_INIT,
    "_terra",
    "Terra's native runtime: tensors, eager kernels and autograd.",
    -1,
    nullptr, // Methods are added by each part of the module.
    nullptr,
    nullptr,
    nullptr,
    nullptr,
};

} // namespace

extern "C" PyObject *PyInit__terra(void) {
  PyObject *module = PyModule_Create(&moduleDef);
  if (!module)
    return nullptr;
  if (PyModule_AddStringConstant(module, "__version__", TERRA_VERSION) < 0 ||
      terra::python::addTensorType(module) < 0 ||
      terra::python::addNodeType(module) < 0 ||
      terra::python::addTracingFunctions(module) < 0 ||
      terra::python::addCudaFunctions(module) < 0) {
    Py_DECREF(module);
    return nullptr;
  }
  return module;
}
