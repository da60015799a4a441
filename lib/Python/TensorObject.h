//===- TensorObject.h - terra::Tensor as a Python object --------*- C++ -*-===//

#ifndef TERRA_LIB_PYTHON_TENSOROBJECT_H
#define TERRA_LIB_PYTHON_TENSOROBJECT_H

#include "Tracing.h"

#include "terra/Runtime/Tensor.h"

#include <Python.h>

namespace terra {
namespace python {

/// The instance layout of `_terra.Tensor`. The Python `terra.Tensor` class
/// subclasses it; `__dict__` holds Python-side attributes.
struct TensorObject {
  PyObject_HEAD Tensor tensor;
  PyObject *dict;
  PyObject *weakrefs;
};

extern PyTypeObject *TensorType;

/// Adds `Tensor` and the module-level functions to `_terra`.
int addTensorType(PyObject *module);

/// A new Python tensor (of `terra.Tensor` once the package registered it
/// with `_terra._set_tensor_class`, else of `_terra.Tensor`).
PyObject *wrap(Tensor tensor);
bool isTensor(PyObject *object);
inline Tensor &unwrap(PyObject *object) {
  return reinterpret_cast<TensorObject *>(object)->tensor;
}

/// Converts a Python scalar, nested sequence, buffer (NumPy array) or tensor
/// to a tensor. Python scalars become 0-d tensors of PyTorch's default
/// dtype for their kind (bool, int64, float32) unless `dtype` is given.
/// Returns false with a Python error set on failure.
bool toTensor(PyObject *object, Tensor &out, const DType *dtype = nullptr);

/// Sets the Python exception matching a terra::Error.
void setPythonError(const Error &error);

/// Runs `body` (returning a new reference or null with an exception set),
/// turning C++ exceptions into Python exceptions.
template <typename Body> PyObject *guarded(Body &&body) {
  noteCall();
  try {
    PyObject *result = body();
    if (result && activeExecutor && activeExecutor->hasStrictViolation()) {
      Py_DECREF(result);
      checkStrict();
    }
    return result;
  } catch (const Error &error) {
    setPythonError(error);
  } catch (const std::bad_alloc &) {
    PyErr_NoMemory();
  } catch (const std::exception &error) {
    PyErr_SetString(PyExc_RuntimeError, error.what());
  }
  return nullptr;
}

} // namespace python
} // namespace terra

#endif // TERRA_LIB_PYTHON_TENSOROBJECT_H
