//===- TensorObject.cpp - The _terra.Tensor type
//---------------------------===//
//
// The Python object behind every terra tensor, with what must be fast in C:
// construction from Python data and buffers (NumPy arrays, zero-copy where
// asked), the buffer protocol for NumPy, item/tolist, and the arithmetic
// and comparison operators. The PyTorch-named API around it is Python
// (python/terra).
//
//===----------------------------------------------------------------------===//

#include "TensorObject.h"

#include "Convert.h"
#include "NodeObject.h"

#include "terra/Runtime/Autograd.h"
#include "terra/Runtime/Functions.h"

#include <cstring>
#include <string>

namespace terra {
namespace python {

PyTypeObject *TensorType = nullptr;

namespace {

/// The class `wrap` instantiates: terra.Tensor once registered.
PyTypeObject *tensorClass = nullptr;

PyObject *errorType(Error::Kind kind) {
  switch (kind) {
  case Error::Kind::Value:
    return PyExc_ValueError;
  case Error::Kind::Type:
    return PyExc_TypeError;
  case Error::Kind::Index:
    return PyExc_IndexError;
  case Error::Kind::Memory:
    return PyExc_MemoryError;
  case Error::Kind::NotImplemented:
    return PyExc_NotImplementedError;
  case Error::Kind::Runtime:
    break;
  }
  return PyExc_RuntimeError;
}

//===----------------------------------------------------------------------===//
// Type slots
//===----------------------------------------------------------------------===//

PyObject *tensorNew(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
  return guarded([&]() -> PyObject * {
    // terra.Tensor(data) behaves like terra.tensor(data); no arguments gives
    // an empty float32 tensor, as torch.Tensor() does.
    PyObject *data = nullptr;
    if (!PyArg_ParseTuple(args, "|O:Tensor", &data))
      return nullptr;
    Tensor tensor;
    if (data) {
      if (!toTensor(data, tensor))
        return nullptr;
      tensor = tensor.clone();
    } else {
      tensor = Tensor::empty({0}, DType::Float32);
    }
    PyObject *self = type->tp_alloc(type, 0);
    if (!self)
      return nullptr;
    new (&unwrap(self)) Tensor(std::move(tensor));
    return self;
  });
}

void tensorDealloc(PyObject *self) {
  auto *object = reinterpret_cast<TensorObject *>(self);
  PyObject_GC_UnTrack(self);
  if (object->weakrefs)
    PyObject_ClearWeakRefs(self);
  Py_CLEAR(object->dict);
  object->tensor.~Tensor();
  Py_TYPE(self)->tp_free(self);
}

int tensorTraverse(PyObject *self, visitproc visit, void *arg) {
  Py_VISIT(reinterpret_cast<TensorObject *>(self)->dict);
  Py_VISIT(Py_TYPE(self));
  return 0;
}

int tensorClear(PyObject *self) {
  Py_CLEAR(reinterpret_cast<TensorObject *>(self)->dict);
  return 0;
}

//===----------------------------------------------------------------------===//
// Buffer protocol (NumPy reads tensors through it, sharing memory)
//===----------------------------------------------------------------------===//

/// Shape and strides (in bytes) live as long as the buffer view.
struct BufferInfo {
  std::vector<Py_ssize_t> shape, strides;
};

int tensorGetBuffer(PyObject *self, Py_buffer *view, int flags) {
  const Tensor &tensor = unwrap(self);
  noteCall();
  noteSync(trace::SyncKind::Numpy, tensor);
  auto *info = new BufferInfo;
  size_t item = itemSize(tensor.dtype());
  for (int64_t d = 0; d < tensor.dim(); ++d) {
    info->shape.push_back(tensor.shape()[d]);
    info->strides.push_back(tensor.strides()[d] * item);
  }
  view->buf = tensor.data();
  view->obj = Py_NewRef(self);
  view->len = tensor.numel() * item;
  view->readonly = 0;
  view->itemsize = item;
  view->format = (flags & PyBUF_FORMAT)
                     ? const_cast<char *>(bufferFormat(tensor.dtype()))
                     : nullptr;
  view->ndim = static_cast<int>(tensor.dim());
  view->shape = info->shape.data();
  view->strides = info->strides.data();
  view->suboffsets = nullptr;
  view->internal = info;
  return 0;
}

void tensorReleaseBuffer(PyObject *, Py_buffer *view) {
  delete static_cast<BufferInfo *>(view->internal);
}

PyBufferProcs tensorBufferProcs = {tensorGetBuffer, tensorReleaseBuffer};

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

PyObject *getShape(PyObject *self, void *) {
  const Shape &shape = unwrap(self).shape();
  PyObject *tuple = PyTuple_New(shape.size());
  if (!tuple)
    return nullptr;
  for (size_t i = 0; i < shape.size(); ++i)
    PyTuple_SET_ITEM(tuple, i, PyLong_FromLongLong(shape[i]));
  return tuple;
}

PyObject *getStrides(PyObject *self, void *) {
  const Shape &strides = unwrap(self).strides();
  PyObject *tuple = PyTuple_New(strides.size());
  if (!tuple)
    return nullptr;
  for (size_t i = 0; i < strides.size(); ++i)
    PyTuple_SET_ITEM(tuple, i, PyLong_FromLongLong(strides[i]));
  return tuple;
}

PyObject *getDTypeCode(PyObject *self, void *) {
  return PyLong_FromLong(static_cast<long>(unwrap(self).dtype()));
}

PyObject *getNdim(PyObject *self, void *) {
  return PyLong_FromLongLong(unwrap(self).dim());
}

PyObject *getOffset(PyObject *self, void *) {
  return PyLong_FromLongLong(unwrap(self).offset());
}

PyObject *getDataPtr(PyObject *self, void *) {
  return PyLong_FromVoidPtr(unwrap(self).data());
}

PyObject *getIsContiguous(PyObject *self, void *) {
  return PyBool_FromLong(unwrap(self).isContiguous());
}

PyObject *getRequiresGrad(PyObject *self, void *) {
  return PyBool_FromLong(autograd::requiresGrad(unwrap(self)));
}

int setRequiresGrad(PyObject *self, PyObject *value, void *) {
  if (!value || !PyBool_Check(value)) {
    PyErr_SetString(PyExc_TypeError, "requires_grad must be a bool");
    return -1;
  }
  try {
    autograd::setRequiresGrad(unwrap(self), value == Py_True);
    return 0;
  } catch (const Error &error) {
    setPythonError(error);
    return -1;
  }
}

PyObject *getGrad(PyObject *self, void *) {
  Tensor grad = autograd::grad(unwrap(self));
  if (!grad.defined())
    Py_RETURN_NONE;
  return wrap(grad);
}

int setGrad(PyObject *self, PyObject *value, void *) {
  try {
    if (!value || value == Py_None) {
      autograd::setGrad(unwrap(self), Tensor());
      return 0;
    }
    if (!isTensor(value)) {
      PyErr_SetString(PyExc_TypeError,
                      "assigned grad expected to be a Tensor or None");
      return -1;
    }
    autograd::setGrad(unwrap(self), unwrap(value));
    return 0;
  } catch (const Error &error) {
    setPythonError(error);
    return -1;
  }
}

PyObject *getGradFn(PyObject *self, void *) {
  const auto &node = autograd::gradFn(unwrap(self));
  if (!node)
    Py_RETURN_NONE;
  return wrapNode(node);
}

PyObject *getIsLeaf(PyObject *self, void *) {
  return PyBool_FromLong(autograd::isLeaf(unwrap(self)));
}

PyGetSetDef tensorGetSet[] = {
    {"requires_grad", getRequiresGrad, setRequiresGrad,
     "Whether autograd records operations on this tensor.", nullptr},
    {"grad", getGrad, setGrad, "The gradient accumulated by backward().",
     nullptr},
    {"grad_fn", getGradFn, nullptr,
     "The backward node that created this tensor (None for leaves).", nullptr},
    {"is_leaf", getIsLeaf, nullptr, "Whether no op created this tensor.",
     nullptr},
    {"shape", getShape, nullptr, "The size of each dimension.", nullptr},
    {"_strides", getStrides, nullptr, "Strides in elements.", nullptr},
    {"_dtype_code", getDTypeCode, nullptr, "The terra::DType code.", nullptr},
    {"ndim", getNdim, nullptr, "Number of dimensions.", nullptr},
    {"_offset", getOffset, nullptr, "Offset into the storage.", nullptr},
    {"_data_ptr", getDataPtr, nullptr, "Address of the first element.",
     nullptr},
    {"_is_contiguous", getIsContiguous, nullptr, "Row-major without gaps.",
     nullptr},
    {"__dict__", PyObject_GenericGetDict, PyObject_GenericSetDict, nullptr,
     nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr},
};

//===----------------------------------------------------------------------===//
// Methods
//===----------------------------------------------------------------------===//

PyObject *tensorItem(PyObject *self, PyObject *) {
  return guarded([&]() -> PyObject * {
    const Tensor &tensor = unwrap(self);
    if (tensor.numel() != 1)
      throwError(Error::Kind::Runtime,
                 "a Tensor with " + std::to_string(tensor.numel()) +
                     " elements cannot be converted to Scalar");
    noteSync(trace::SyncKind::Item, tensor);
    return elementToPython(tensor, 0);
  });
}

PyObject *toList(const Tensor &tensor, int64_t dim, int64_t &flat) {
  if (dim == tensor.dim())
    return elementToPython(tensor, flat++);
  int64_t size = tensor.shape()[dim];
  PyObject *list = PyList_New(size);
  if (!list)
    return nullptr;
  for (int64_t i = 0; i < size; ++i) {
    PyObject *item = toList(tensor, dim + 1, flat);
    if (!item) {
      Py_DECREF(list);
      return nullptr;
    }
    PyList_SET_ITEM(list, i, item);
  }
  return list;
}

PyObject *tensorToList(PyObject *self, PyObject *) {
  return guarded([&]() -> PyObject * {
    int64_t flat = 0;
    noteSync(trace::SyncKind::ToList, unwrap(self));
    return toList(unwrap(self), 0, flat);
  });
}

PyObject *tensorRetainGrad(PyObject *self, PyObject *) {
  return guarded([&]() -> PyObject * {
    autograd::retainGrad(unwrap(self));
    Py_RETURN_NONE;
  });
}

PyMethodDef tensorMethods[] = {
    {"retain_grad", tensorRetainGrad, METH_NOARGS,
     "Keeps the gradient of a non-leaf tensor in .grad after backward()."},
    {"item", tensorItem, METH_NOARGS,
     "The value of a one-element tensor as a Python number."},
    {"tolist", tensorToList, METH_NOARGS, "The tensor as nested Python lists."},
    {nullptr, nullptr, 0, nullptr},
};

//===----------------------------------------------------------------------===//
// Operators
//===----------------------------------------------------------------------===//

/// Converts both operands (one may be a Python scalar) and applies `fn`;
/// NotImplemented when an operand is not convertible, so Python tries the
/// reflected operator.
template <typename Fn>
PyObject *binaryOperator(PyObject *lhs, PyObject *rhs, Fn fn) {
  return guarded([&]() -> PyObject * {
    Operand a, b;
    if (!operandPair(lhs, rhs, a, b))
      Py_RETURN_NOTIMPLEMENTED;
    return wrap(fn(*a, *b));
  });
}

PyObject *binaryMethod(ops::BinaryOp op, PyObject *lhs, PyObject *rhs) {
  return binaryOperator(lhs, rhs, [op](const Tensor &a, const Tensor &b) {
    return functions::binary(op, a, b);
  });
}

PyObject *nbAdd(PyObject *a, PyObject *b) {
  return binaryMethod(ops::BinaryOp::Add, a, b);
}
PyObject *nbSub(PyObject *a, PyObject *b) {
  return binaryMethod(ops::BinaryOp::Sub, a, b);
}
PyObject *nbMul(PyObject *a, PyObject *b) {
  return binaryMethod(ops::BinaryOp::Mul, a, b);
}
PyObject *nbTrueDiv(PyObject *a, PyObject *b) {
  return binaryMethod(ops::BinaryOp::Div, a, b);
}
PyObject *nbPow(PyObject *a, PyObject *b, PyObject *modulo) {
  if (modulo != Py_None) {
    PyErr_SetString(PyExc_TypeError, "pow() with a modulus is not supported");
    return nullptr;
  }
  return binaryMethod(ops::BinaryOp::Pow, a, b);
}

/// `a op= b`: updates `a` in place and returns it.
PyObject *inPlace(ops::BinaryOp op, PyObject *self, PyObject *other) {
  return guarded([&]() -> PyObject * {
    if (!isTensor(self))
      Py_RETURN_NOTIMPLEMENTED;
    // Scalars keep their own kind, so that `int_tensor += 0.5` is the
    // same error as in PyTorch rather than a silent truncation.
    Tensor b;
    if (!toTensor(other, b))
      Py_RETURN_NOTIMPLEMENTED;
    functions::binaryInPlace(op, unwrap(self), b);
    return Py_NewRef(self);
  });
}

PyObject *nbInPlaceAdd(PyObject *a, PyObject *b) {
  return inPlace(ops::BinaryOp::Add, a, b);
}
PyObject *nbInPlaceSub(PyObject *a, PyObject *b) {
  return inPlace(ops::BinaryOp::Sub, a, b);
}
PyObject *nbInPlaceMul(PyObject *a, PyObject *b) {
  return inPlace(ops::BinaryOp::Mul, a, b);
}
PyObject *nbInPlaceTrueDiv(PyObject *a, PyObject *b) {
  return inPlace(ops::BinaryOp::Div, a, b);
}

PyObject *unaryMethod(ops::UnaryOp op, PyObject *self) {
  return guarded(
      [&]() -> PyObject * { return wrap(functions::unary(op, unwrap(self))); });
}

PyObject *nbNegative(PyObject *self) {
  return unaryMethod(ops::UnaryOp::Neg, self);
}
PyObject *nbAbsolute(PyObject *self) {
  return unaryMethod(ops::UnaryOp::Abs, self);
}
PyObject *nbInvert(PyObject *self) {
  return guarded([&]() -> PyObject * {
    if (unwrap(self).dtype() != DType::Bool)
      throwError(Error::Kind::Type,
                 "~ (bitwise_not) is only supported on bool tensors in terra");
    return wrap(ops::unary(ops::UnaryOp::LogicalNot, unwrap(self)));
  });
}
PyObject *nbPositive(PyObject *self) { return Py_NewRef(self); }

int nbBool(PyObject *self) {
  try {
    const Tensor &tensor = unwrap(self);
    if (tensor.numel() != 1) {
      PyErr_SetString(PyExc_RuntimeError,
                      ("Boolean value of Tensor with more than one value is "
                       "ambiguous"));
      return -1;
    }
    noteCall();
    noteSync(trace::SyncKind::Bool, tensor);
    return tensor.elementAsDouble(0) != 0;
  } catch (const Error &error) {
    setPythonError(error);
    return -1;
  }
}

PyObject *scalarConversion(PyObject *self, bool integer) {
  return guarded([&]() -> PyObject * {
    const Tensor &tensor = unwrap(self);
    if (tensor.numel() != 1)
      throwError(Error::Kind::Type,
                 "only one element tensors can be converted to Python scalars");
    noteSync(integer ? trace::SyncKind::Index : trace::SyncKind::Float, tensor);
    double value = tensor.elementAsDouble(0);
    if (integer)
      return isFloating(tensor.dtype())
                 ? PyLong_FromDouble(value)
                 : PyLong_FromLongLong(static_cast<long long>(value));
    return PyFloat_FromDouble(value);
  });
}

PyObject *nbFloat(PyObject *self) { return scalarConversion(self, false); }
PyObject *nbInt(PyObject *self) { return scalarConversion(self, true); }

PyObject *nbIndex(PyObject *self) {
  return guarded([&]() -> PyObject * {
    const Tensor &tensor = unwrap(self);
    if (tensor.numel() != 1 || isFloating(tensor.dtype()))
      throwError(Error::Kind::Type,
                 "only integer tensors of a single element can be converted to "
                 "an index");
    noteSync(trace::SyncKind::Index, tensor);
    return PyLong_FromLongLong(
        static_cast<long long>(tensor.elementAsDouble(0)));
  });
}

PyObject *nbMatrixMultiply(PyObject *a, PyObject *b) {
  return binaryOperator(a, b, [](const Tensor &x, const Tensor &y) {
    return functions::matmul(x, y);
  });
}

PyNumberMethods tensorNumberMethods = [] {
  PyNumberMethods methods{};
  methods.nb_add = nbAdd;
  methods.nb_subtract = nbSub;
  methods.nb_multiply = nbMul;
  methods.nb_true_divide = nbTrueDiv;
  methods.nb_power = nbPow;
  methods.nb_negative = nbNegative;
  methods.nb_positive = nbPositive;
  methods.nb_absolute = nbAbsolute;
  methods.nb_invert = nbInvert;
  methods.nb_bool = nbBool;
  methods.nb_float = nbFloat;
  methods.nb_int = nbInt;
  methods.nb_index = nbIndex;
  methods.nb_inplace_add = nbInPlaceAdd;
  methods.nb_inplace_subtract = nbInPlaceSub;
  methods.nb_inplace_multiply = nbInPlaceMul;
  methods.nb_inplace_true_divide = nbInPlaceTrueDiv;
  methods.nb_matrix_multiply = nbMatrixMultiply;
  return methods;
}();

PyObject *tensorRichCompare(PyObject *lhs, PyObject *rhs, int op) {
  ops::CompareOp compareOp;
  switch (op) {
  case Py_EQ:
    compareOp = ops::CompareOp::Eq;
    break;
  case Py_NE:
    compareOp = ops::CompareOp::Ne;
    break;
  case Py_LT:
    compareOp = ops::CompareOp::Lt;
    break;
  case Py_LE:
    compareOp = ops::CompareOp::Le;
    break;
  case Py_GT:
    compareOp = ops::CompareOp::Gt;
    break;
  default:
    compareOp = ops::CompareOp::Ge;
    break;
  }
  return binaryOperator(lhs, rhs,
                        [compareOp](const Tensor &a, const Tensor &b) {
                          return ops::compare(compareOp, a, b);
                        });
}

Py_hash_t tensorHash(PyObject *self) {
  // Tensors hash by identity, as in PyTorch (they are dict keys in
  // optimiser state).
  return _Py_HashPointer(self);
}

} // namespace

void setPythonError(const Error &error) {
  PyErr_SetString(errorType(error.kind()), error.what());
}

bool isTensor(PyObject *object) {
  return PyObject_TypeCheck(object, TensorType);
}

PyObject *wrap(Tensor tensor) {
  PyTypeObject *type = tensorClass ? tensorClass : TensorType;
  PyObject *self = type->tp_alloc(type, 0);
  if (!self)
    return nullptr;
  new (&unwrap(self)) Tensor(std::move(tensor));
  return self;
}

void setTensorClass(PyTypeObject *type) {
  Py_XINCREF(type);
  Py_XDECREF(tensorClass);
  tensorClass = type;
}

int addTensorType(PyObject *module) {
  static PyTypeObject type = [] {
    PyTypeObject t{PyVarObject_HEAD_INIT(nullptr, 0)};
    t.tp_name = "_terra.Tensor";
    t.tp_basicsize = sizeof(TensorObject);
    t.tp_dealloc = tensorDealloc;
    t.tp_as_number = &tensorNumberMethods;
    t.tp_as_buffer = &tensorBufferProcs;
    t.tp_hash = tensorHash;
    t.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC;
    t.tp_doc = "A strided view of typed memory (the native half of "
               "terra.Tensor).";
    t.tp_traverse = tensorTraverse;
    t.tp_clear = tensorClear;
    t.tp_richcompare = tensorRichCompare;
    t.tp_weaklistoffset = offsetof(TensorObject, weakrefs);
    t.tp_methods = tensorMethods;
    t.tp_getset = tensorGetSet;
    t.tp_dictoffset = offsetof(TensorObject, dict);
    t.tp_new = tensorNew;
    return t;
  }();
  if (PyType_Ready(&type) < 0)
    return -1;
  TensorType = &type;
  Py_INCREF(&type);
  if (PyModule_AddObject(module, "Tensor",
                         reinterpret_cast<PyObject *>(&type)) < 0) {
    Py_DECREF(&type);
    return -1;
  }
  return addFunctions(module);
}

} // namespace python
} // namespace terra
