//===- Convert.cpp - Python values to and from tensors
//---------------------===//

#include "Convert.h"

#include "TensorObject.h"

#include <cstring>
#include <string>
#include <vector>

namespace terra {
namespace python {
namespace {

/// The dtype of a buffer's format string, or false for unsupported ones.
bool dtypeOfFormat(const char *format, Py_ssize_t itemsize, DType &dtype) {
  if (!format)
    format = "B";
  // Skip byte-order / alignment prefixes ('@', '=', '<'); this machine is
  // little-endian.
  if (*format == '@' || *format == '=' || *format == '<')
    ++format;
  if (format[0] == '\0' || format[1] != '\0')
    return false;
  switch (format[0]) {
  case '?':
    dtype = DType::Bool;
    return true;
  case 'f':
    dtype = DType::Float32;
    return true;
  case 'd':
    dtype = DType::Float64;
    return true;
  case 'i':
  case 'l':
  case 'q':
    if (itemsize == 4) {
      dtype = DType::Int32;
      return true;
    }
    if (itemsize == 8) {
      dtype = DType::Int64;
      return true;
    }
    return false;
  default:
    return false;
  }
}

/// Walks a nested sequence to find its shape and the dtype its scalars need
/// (bool < int64 < float32, as torch.tensor infers).
bool inspectSequence(PyObject *object, int64_t depth, Shape &shape,
                     DType &dtype, bool &sawScalar) {
  if (PyBool_Check(object) || PyLong_Check(object) || PyFloat_Check(object) ||
      isTensor(object)) {
    if (static_cast<int64_t>(shape.size()) != depth) {
      PyErr_SetString(PyExc_ValueError,
                      "expected sequence of equal-length lists, got a scalar "
                      "where a list was expected");
      return false;
    }
    DType kind = DType::Float32;
    if (isTensor(object)) {
      const Tensor &t = unwrap(object);
      if (t.numel() != 1 || t.dim() != 0) {
        PyErr_SetString(PyExc_ValueError,
                        "only one element tensors can be converted to Python "
                        "scalars");
        return false;
      }
      kind = t.dtype() == DType::Float64 ? DType::Float32 : t.dtype();
    } else if (PyBool_Check(object)) {
      kind = DType::Bool;
    } else if (PyLong_Check(object)) {
      kind = DType::Int64;
    }
    dtype = sawScalar ? promoteTypes(dtype, kind) : kind;
    sawScalar = true;
    return true;
  }
  if (!PySequence_Check(object) || PyUnicode_Check(object) ||
      PyBytes_Check(object)) {
    PyErr_Format(PyExc_TypeError, "Could not infer dtype of %s",
                 Py_TYPE(object)->tp_name);
    return false;
  }
  Py_ssize_t length = PySequence_Length(object);
  if (length < 0)
    return false;
  if (static_cast<int64_t>(shape.size()) == depth) {
    if (sawScalar) {
      PyErr_SetString(PyExc_ValueError,
                      "expected sequence of equal-length lists, got a list "
                      "where a scalar was expected");
      return false;
    }
    shape.push_back(length);
  } else if (shape[depth] != length) {
    PyErr_Format(PyExc_ValueError,
                 "expected sequence of length %lld at dim %lld (got %lld)",
                 static_cast<long long>(shape[depth]),
                 static_cast<long long>(depth), static_cast<long long>(length));
    return false;
  }
  for (Py_ssize_t i = 0; i < length; ++i) {
    PyObject *item = PySequence_GetItem(object, i);
    if (!item)
      return false;
    bool ok = inspectSequence(item, depth + 1, shape, dtype, sawScalar);
    Py_DECREF(item);
    if (!ok)
      return false;
  }
  return true;
}

/// Stores the scalars of a nested sequence into `out` (contiguous).
template <typename T> bool fillSequence(PyObject *object, T *&cursor) {
  if (isTensor(object)) {
    *cursor++ = static_cast<T>(unwrap(object).elementAsDouble(0));
    return true;
  }
  if (PyBool_Check(object) || PyLong_Check(object) || PyFloat_Check(object)) {
    if (PyFloat_Check(object)) {
      *cursor++ = static_cast<T>(PyFloat_AS_DOUBLE(object));
    } else {
      long long value = PyLong_AsLongLong(object);
      if (value == -1 && PyErr_Occurred())
        return false;
      *cursor++ = static_cast<T>(value);
    }
    return true;
  }
  Py_ssize_t length = PySequence_Length(object);
  for (Py_ssize_t i = 0; i < length; ++i) {
    PyObject *item = PySequence_GetItem(object, i);
    if (!item)
      return false;
    bool ok = fillSequence(item, cursor);
    Py_DECREF(item);
    if (!ok)
      return false;
  }
  return true;
}

/// A 0-d tensor holding a Python scalar, or an undefined tensor if `object`
/// is not a bool, int or float.
Tensor scalarValue(PyObject *object, const DType *dtype) {
  if (PyBool_Check(object))
    return Tensor::full({}, dtype ? *dtype : DType::Bool,
                        object == Py_True ? 1.0 : 0.0);
  if (PyLong_Check(object)) {
    int overflow = 0;
    long long value = PyLong_AsLongLongAndOverflow(object, &overflow);
    if (overflow) {
      PyErr_Clear();
      throwError(Error::Kind::Runtime,
                 "Overflow when unpacking long: the integer does not fit in "
                 "int64");
    }
    Tensor result = Tensor::empty({}, dtype ? *dtype : DType::Int64);
    dispatchDType(result.dtype(), [&](auto zero) {
      using T = decltype(zero);
      *result.data<T>() = static_cast<T>(value);
    });
    return result;
  }
  if (PyFloat_Check(object))
    return Tensor::full({}, dtype ? *dtype : DType::Float32,
                        PyFloat_AS_DOUBLE(object));
  return Tensor();
}

/// scalarValue, tagged for the tracer as a Python constant.
Tensor scalarTensor(PyObject *object, const DType *dtype) {
  Tensor result = scalarValue(object, dtype);
  result.traceTag().kind = TraceTag::Kind::Constant;
  return result;
}

} // namespace

const char *bufferFormat(DType dtype) {
  switch (dtype) {
  case DType::Bool:
    return "?";
  case DType::Int32:
    return "i";
  case DType::Int64:
    return "q";
  case DType::Float32:
    return "f";
  case DType::Float64:
    return "d";
  }
  return "B";
}

PyObject *elementToPython(const Tensor &tensor, int64_t flat) {
  double value = tensor.elementAsDouble(flat);
  switch (tensor.dtype()) {
  case DType::Bool:
    return PyBool_FromLong(value != 0);
  case DType::Int32:
  case DType::Int64: {
    // Read the integer exactly (a double loses int64 precision).
    int64_t linear = 0, rest = flat;
    for (int64_t d = tensor.dim(); d-- > 0;) {
      linear += (rest % tensor.shape()[d]) * tensor.strides()[d];
      rest /= tensor.shape()[d];
    }
    long long exact = tensor.dtype() == DType::Int32
                          ? tensor.data<int32_t>()[linear]
                          : tensor.data<int64_t>()[linear];
    return PyLong_FromLongLong(exact);
  }
  case DType::Float32:
  case DType::Float64:
    return PyFloat_FromDouble(value);
  }
  Py_RETURN_NONE;
}

bool borrowBuffer(PyObject *object, Tensor &out) {
  auto *view = new Py_buffer;
  if (PyObject_GetBuffer(object, view, PyBUF_RECORDS_RO) < 0) {
    delete view;
    return false;
  }
  DType dtype;
  if (!dtypeOfFormat(view->format, view->itemsize, dtype)) {
    PyErr_Format(PyExc_TypeError,
                 "can't convert an array of format '%s': the only supported "
                 "types are: float64, float32, int64, int32 and bool",
                 view->format ? view->format : "B");
    PyBuffer_Release(view);
    delete view;
    return false;
  }
  Shape shape, strides;
  for (int d = 0; d < view->ndim; ++d) {
    shape.push_back(view->shape[d]);
    Py_ssize_t stride = view->strides ? view->strides[d] : 0;
    if (stride % view->itemsize != 0) {
      PyErr_SetString(PyExc_ValueError,
                      "given numpy array strides not a multiple of the "
                      "element byte size. Copy the numpy array to reallocate "
                      "the memory.");
      PyBuffer_Release(view);
      delete view;
      return false;
    }
    strides.push_back(stride / view->itemsize);
  }
  if (!view->strides)
    strides = contiguousStrides(shape);
  // The storage keeps the exporter's buffer (and so the array) alive; it
  // may be released from a thread without the GIL.
  auto storage = Storage::borrow(view->buf, view->len, [view] {
    PyGILState_STATE state = PyGILState_Ensure();
    PyBuffer_Release(view);
    PyGILState_Release(state);
    delete view;
  });
  out = Tensor::view(std::move(storage), dtype, shape, strides, 0);
  return true;
}

bool toTensor(PyObject *object, Tensor &out, const DType *dtype) {
  try {
    if (isTensor(object)) {
      out = dtype ? unwrap(object).to(*dtype) : unwrap(object);
      return true;
    }
    // NumPy scalars (np.float64(1.5)) keep their dtype, as in torch.tensor;
    // they export the buffer protocol like arrays.
    bool plainScalar = PyFloat_CheckExact(object) ||
                       PyLong_CheckExact(object) || PyBool_Check(object);
    if (plainScalar || !PyObject_CheckBuffer(object)) {
      out = scalarTensor(object, dtype);
      if (out.defined())
        return true;
      if (PyErr_Occurred())
        return false;
    }
    if (PyObject_CheckBuffer(object)) {
      Tensor borrowed;
      if (!borrowBuffer(object, borrowed))
        return false;
      // A copy, as torch.tensor makes (to() keeps the memory when the
      // dtype is already right).
      out = dtype && *dtype != borrowed.dtype() ? borrowed.to(*dtype)
                                                : borrowed.clone();
      return true;
    }
    Shape shape;
    DType inferred = DType::Float32;
    bool sawScalar = false;
    if (!inspectSequence(object, 0, shape, inferred, sawScalar))
      return false;
    out = Tensor::empty(shape, dtype ? *dtype : inferred);
    bool ok = dispatchDType(out.dtype(), [&](auto zero) {
      using T = decltype(zero);
      T *cursor = out.data<T>();
      return fillSequence<T>(object, cursor);
    });
    return ok;
  } catch (const Error &error) {
    setPythonError(error);
    return false;
  }
}

bool Operand::borrow(PyObject *object) {
  if (!isTensor(object))
    return false;
  tensor_ = &unwrap(object);
  return true;
}

bool Operand::convert(PyObject *object, const DType *scalarType) {
  if (borrow(object))
    return true;
  converted_ = scalarTensor(object, scalarType);
  tensor_ = &converted_;
  return converted_.defined();
}

bool Operand::convertAny(PyObject *object) {
  if (borrow(object))
    return true;
  tensor_ = &converted_;
  return toTensor(object, converted_);
}

const DType *scalarTypeBeside(PyObject *scalar, PyObject *other) {
  static const DType float64 = DType::Float64;
  return PyFloat_Check(scalar) && isTensor(other) &&
                 unwrap(other).dtype() == DType::Float64
             ? &float64
             : nullptr;
}

bool operandPair(PyObject *lhs, PyObject *rhs, Operand &a, Operand &b) {
  return a.convert(lhs, scalarTypeBeside(lhs, rhs)) &&
         b.convert(rhs, scalarTypeBeside(rhs, lhs));
}

bool toShape(PyObject *object, Shape &shape) {
  if (PyLong_Check(object)) {
    shape = {PyLong_AsLongLong(object)};
    return !PyErr_Occurred();
  }
  PyObject *sequence =
      PySequence_Fast(object, "shape must be a sequence of ints");
  if (!sequence)
    return false;
  Py_ssize_t length = PySequence_Fast_GET_SIZE(sequence);
  shape.resize(length);
  for (Py_ssize_t i = 0; i < length; ++i) {
    PyObject *item = PySequence_Fast_GET_ITEM(sequence, i);
    long long value = PyLong_AsLongLong(item);
    if (value == -1 && PyErr_Occurred()) {
      Py_DECREF(sequence);
      PyErr_Format(PyExc_TypeError,
                   "shape must be a sequence of ints, but element %zd is %s", i,
                   Py_TYPE(item)->tp_name);
      return false;
    }
    shape[i] = value;
  }
  Py_DECREF(sequence);
  return true;
}

} // namespace python
} // namespace terra
