//===- Convert.h - Python values to and from tensors ------------*- C++ -*-===//

#ifndef TERRA_LIB_PYTHON_CONVERT_H
#define TERRA_LIB_PYTHON_CONVERT_H

#include "terra/Runtime/Tensor.h"

#include <Python.h>

namespace terra {
namespace python {

/// The struct-module format character of `dtype` ("?", "i", "q", "f", "d").
const char *bufferFormat(DType dtype);

/// Element `flat` (row-major) of `tensor` as a Python bool, int or float.
PyObject *elementToPython(const Tensor &tensor, int64_t flat);

/// A tensor sharing the memory of an object with the buffer protocol (a
/// NumPy array): torch.from_numpy. Returns false with a Python error set.
bool borrowBuffer(PyObject *object, Tensor &out);

/// An operand of a binary operator: the tensor of a Python tensor object,
/// borrowed for the call (a copy would copy its shape and strides on every
/// op), or a 0-d tensor made from a Python scalar.
class Operand {
public:
  const Tensor &operator*() const { return *tensor_; }
  const Tensor *operator->() const { return tensor_; }
  /// False, with no Python error set, when `object` is neither. A Python
  /// scalar becomes a 0-d tensor of `scalarType` (null: its default dtype;
  /// see scalarTypeBeside).
  bool convert(PyObject *object, const DType *scalarType = nullptr);
  /// Whatever `object` converts to with toTensor (lists, arrays, ...).
  /// Returns false with a Python error set.
  bool convertAny(PyObject *object);

private:
  /// Points at the tensor of `object` if it is a tensor object.
  bool borrow(PyObject *object);

  const Tensor *tensor_ = nullptr;
  Tensor converted_;
};

/// The two operands of a binary operator: tensors stay, Python scalars
/// become 0-d tensors (bool, int64 or float32, PyTorch's "wrapped number"
/// types; a float beside a float64 tensor keeps its double value). Returns
/// false, with no Python error set, when an operand is neither.
bool operandPair(PyObject *lhs, PyObject *rhs, Operand &a, Operand &b);

/// The dtype an operand `scalar` takes beside the operand `other`: float64
/// for a Python float beside a float64 tensor (PyTorch computes `x * 0.1`
/// in x's dtype with the double 0.1), else null (the default dtype of a
/// Python scalar, and no change to anything else).
const DType *scalarTypeBeside(PyObject *scalar, PyObject *other);

/// Parses a Python sequence of ints into a shape. Returns false with a
/// Python error set.
bool toShape(PyObject *object, Shape &shape);

/// Registers the module-level functions of _terra (OpBindings.cpp).
int addFunctions(PyObject *module);

/// Makes `wrap` create instances of `type` (terra.Tensor).
void setTensorClass(PyTypeObject *type);

} // namespace python
} // namespace terra

#endif // TERRA_LIB_PYTHON_CONVERT_H
