//===- Functions.cpp - _terra's module-level functions
//---------------------===//
//
// Thin METH_FASTCALL entry points that python/terra builds the PyTorch API
// on: positional arguments only, already normalised by the Python side
// (dtypes as terra::DType codes, shapes as sequences of ints).
//
//===----------------------------------------------------------------------===//

#include "Convert.h"
#include "TensorObject.h"

#include "terra/Runtime/Ops.h"

#include <optional>
#include <string>

namespace terra {
namespace python {
namespace {

/// Reads positional arguments of a FASTCALL function, raising TypeError on
/// a wrong count or type.
class Args {
public:
  Args(const char *name, PyObject *const *args, Py_ssize_t count,
       Py_ssize_t expected)
      : name_(name), args_(args) {
    if (count != expected)
      throwError(Error::Kind::Type,
                 std::string(name) + "() takes " + std::to_string(expected) +
                     " arguments (" + std::to_string(count) + " given)");
  }

  PyObject *object(int i) const { return args_[i]; }

  const Tensor &tensor(int i) const {
    if (!isTensor(args_[i]))
      throwError(Error::Kind::Type,
                 std::string(name_) + "(): argument " + std::to_string(i) +
                     " must be Tensor, not " + Py_TYPE(args_[i])->tp_name);
    return unwrap(args_[i]);
  }

  int64_t integer(int i) const {
    long long value = PyLong_AsLongLong(args_[i]);
    if (value == -1 && PyErr_Occurred()) {
      PyErr_Clear();
      throwError(Error::Kind::Type,
                 std::string(name_) + "(): argument " + std::to_string(i) +
                     " must be int, not " + Py_TYPE(args_[i])->tp_name);
    }
    return value;
  }

  std::optional<double> optionalNumber(int i) const {
    if (args_[i] == Py_None)
      return std::nullopt;
    double value = PyFloat_AsDouble(args_[i]);
    if (value == -1.0 && PyErr_Occurred()) {
      PyErr_Clear();
      throwError(Error::Kind::Type,
                 std::string(name_) + "(): argument " + std::to_string(i) +
                     " must be a number, not " + Py_TYPE(args_[i])->tp_name);
    }
    return value;
  }

  double number(int i) const { return *optionalNumber(i); }

  DType dtype(int i) const {
    int64_t code = integer(i);
    if (code < 0 || code > static_cast<int64_t>(DType::Float64))
      throwError(Error::Kind::Value, "unknown dtype code");
    return static_cast<DType>(code);
  }

  Shape shape(int i) const {
    Shape result;
    if (!toShape(args_[i], result)) {
      PyErr_Clear();
      throwError(Error::Kind::Type, std::string(name_) + "(): argument " +
                                        std::to_string(i) +
                                        " must be a sequence of ints");
    }
    return result;
  }

private:
  const char *name_;
  PyObject *const *args_;
};

PyObject *fn__set_tensor_class(PyObject *, PyObject *const *argv,
                               Py_ssize_t argc) {
  return guarded([&]() -> PyObject * {
    Args args("_set_tensor_class", argv, argc, 1);
    PyObject *type = args.object(0);
    if (!PyType_Check(type) ||
        !PyType_IsSubtype(reinterpret_cast<PyTypeObject *>(type), TensorType))
      throwError(Error::Kind::Type, "expected a subclass of _terra.Tensor");
    setTensorClass(reinterpret_cast<PyTypeObject *>(type));
    Py_RETURN_NONE;
  });
}

// tensor(data, dtype_code or None): a new tensor copying `data`.
PyObject *fn_tensor(PyObject *, PyObject *const *argv, Py_ssize_t argc) {
  return guarded([&]() -> PyObject * {
    Args args("tensor", argv, argc, 2);
    std::optional<DType> dtype;
    if (args.object(1) != Py_None)
      dtype = args.dtype(1);
    Tensor result;
    if (!toTensor(args.object(0), result, dtype ? &*dtype : nullptr))
      return nullptr;
    if (isTensor(args.object(0)) &&
        result.storage() == unwrap(args.object(0)).storage())
      result = result.clone();
    return wrap(result);
  });
}

// from_buffer(obj): a tensor sharing the memory of a NumPy array.
PyObject *fn_from_buffer(PyObject *, PyObject *const *argv, Py_ssize_t argc) {
  return guarded([&]() -> PyObject * {
    Args args("from_buffer", argv, argc, 1);
    Tensor result;
    if (!borrowBuffer(args.object(0), result))
      return nullptr;
    return wrap(result);
  });
}

PyObject *fn_empty(PyObject *, PyObject *const *argv, Py_ssize_t argc) {
  return guarded([&]() -> PyObject * {
    Args args("empty", argv, argc, 2);
    return wrap(Tensor::empty(args.shape(0), args.dtype(1)));
  });
}

PyObject *fn_full(PyObject *, PyObject *const *argv, Py_ssize_t argc) {
  return guarded([&]() -> PyObject * {
    Args args("full", argv, argc, 3);
    return wrap(Tensor::full(args.shape(0), args.dtype(2), args.number(1)));
  });
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

/// Converts argument `i` (a tensor or a Python scalar) to a tensor.
Tensor operand(const Args &args, int i) {
  Tensor result;
  if (!toTensor(args.object(i), result))
    throwError(Error::Kind::Type,
               std::string("expected a Tensor or a number, got ") +
                   Py_TYPE(args.object(i))->tp_name);
  return result;
}

PyObject *fn_unary(PyObject *, PyObject *const *argv, Py_ssize_t argc) {
  return guarded([&]() -> PyObject * {
    Args args("unary", argv, argc, 2);
    return wrap(
        ops::unary(static_cast<ops::UnaryOp>(args.integer(0)), args.tensor(1)));
  });
}

PyObject *fn_binary(PyObject *, PyObject *const *argv, Py_ssize_t argc) {
  return guarded([&]() -> PyObject * {
    Args args("binary", argv, argc, 3);
    Tensor a, b;
    if (!operandPair(args.object(1), args.object(2), a, b)) {
      a = operand(args, 1);
      b = operand(args, 2);
    }
    return wrap(ops::binary(static_cast<ops::BinaryOp>(args.integer(0)), a, b));
  });
}

PyObject *fn_compare(PyObject *, PyObject *const *argv, Py_ssize_t argc) {
  return guarded([&]() -> PyObject * {
    Args args("compare", argv, argc, 3);
    Tensor a, b;
    if (!operandPair(args.object(1), args.object(2), a, b)) {
      a = operand(args, 1);
      b = operand(args, 2);
    }
    return wrap(
        ops::compare(static_cast<ops::CompareOp>(args.integer(0)), a, b));
  });
}

// binary_(op, target, other): in place, returns None.
PyObject *fn_binary_(PyObject *, PyObject *const *argv, Py_ssize_t argc) {
  return guarded([&]() -> PyObject * {
    Args args("binary_", argv, argc, 3);
    Tensor &target = unwrap(args.object(1));
    args.tensor(1);
    Tensor other = operand(args, 2);
    ops::binaryInPlace(static_cast<ops::BinaryOp>(args.integer(0)), target,
                       other);
    Py_RETURN_NONE;
  });
}

PyObject *fn_where(PyObject *, PyObject *const *argv, Py_ssize_t argc) {
  return guarded([&]() -> PyObject * {
    Args args("where", argv, argc, 3);
    return wrap(ops::where(args.tensor(0), operand(args, 1), operand(args, 2)));
  });
}

PyObject *fn_clamp(PyObject *, PyObject *const *argv, Py_ssize_t argc) {
  return guarded([&]() -> PyObject * {
    Args args("clamp", argv, argc, 3);
    return wrap(ops::clamp(args.tensor(0), args.optionalNumber(1),
                           args.optionalNumber(2)));
  });
}

//===----------------------------------------------------------------------===//
// Views and copies
//===----------------------------------------------------------------------===//

PyObject *fn_as_strided(PyObject *, PyObject *const *argv, Py_ssize_t argc) {
  return guarded([&]() -> PyObject * {
    Args args("as_strided", argv, argc, 4);
    return wrap(args.tensor(0).asStrided(args.shape(1), args.shape(2),
                                         args.integer(3)));
  });
}

PyObject *fn_reshape(PyObject *, PyObject *const *argv, Py_ssize_t argc) {
  return guarded([&]() -> PyObject * {
    Args args("reshape", argv, argc, 2);
    return wrap(args.tensor(0).reshape(args.shape(1)));
  });
}

PyObject *fn_permute(PyObject *, PyObject *const *argv, Py_ssize_t argc) {
  return guarded([&]() -> PyObject * {
    Args args("permute", argv, argc, 2);
    return wrap(args.tensor(0).permute(args.shape(1)));
  });
}

PyObject *fn_transpose(PyObject *, PyObject *const *argv, Py_ssize_t argc) {
  return guarded([&]() -> PyObject * {
    Args args("transpose", argv, argc, 3);
    return wrap(args.tensor(0).transpose(args.integer(1), args.integer(2)));
  });
}

PyObject *fn_expand(PyObject *, PyObject *const *argv, Py_ssize_t argc) {
  return guarded([&]() -> PyObject * {
    Args args("expand", argv, argc, 2);
    return wrap(args.tensor(0).expand(args.shape(1)));
  });
}

// slice(x, axis, start, stop, step)
PyObject *fn_slice(PyObject *, PyObject *const *argv, Py_ssize_t argc) {
  return guarded([&]() -> PyObject * {
    Args args("slice", argv, argc, 5);
    return wrap(args.tensor(0).slice(args.integer(1), args.integer(2),
                                     args.integer(3), args.integer(4)));
  });
}

PyObject *fn_select(PyObject *, PyObject *const *argv, Py_ssize_t argc) {
  return guarded([&]() -> PyObject * {
    Args args("select", argv, argc, 3);
    return wrap(args.tensor(0).select(args.integer(1), args.integer(2)));
  });
}

PyObject *fn_unsqueeze(PyObject *, PyObject *const *argv, Py_ssize_t argc) {
  return guarded([&]() -> PyObject * {
    Args args("unsqueeze", argv, argc, 2);
    return wrap(args.tensor(0).unsqueeze(args.integer(1)));
  });
}

PyObject *fn_squeeze(PyObject *, PyObject *const *argv, Py_ssize_t argc) {
  return guarded([&]() -> PyObject * {
    Args args("squeeze", argv, argc, 2);
    return wrap(args.tensor(0).squeeze(args.integer(1)));
  });
}

PyObject *fn_contiguous(PyObject *, PyObject *const *argv, Py_ssize_t argc) {
  return guarded([&]() -> PyObject * {
    Args args("contiguous", argv, argc, 1);
    return wrap(args.tensor(0).contiguous());
  });
}

PyObject *fn_clone(PyObject *, PyObject *const *argv, Py_ssize_t argc) {
  return guarded([&]() -> PyObject * {
    Args args("clone", argv, argc, 1);
    return wrap(args.tensor(0).clone());
  });
}

PyObject *fn_to(PyObject *, PyObject *const *argv, Py_ssize_t argc) {
  return guarded([&]() -> PyObject * {
    Args args("to", argv, argc, 2);
    return wrap(args.tensor(0).to(args.dtype(1)));
  });
}

// copy_(destination, source): writes source into the destination view.
PyObject *fn_copy_(PyObject *, PyObject *const *argv, Py_ssize_t argc) {
  return guarded([&]() -> PyObject * {
    Args args("copy_", argv, argc, 2);
    Tensor &destination = unwrap(args.object(0));
    args.tensor(0);
    destination.copyFrom(operand(args, 1));
    Py_RETURN_NONE;
  });
}

// _shares_storage(a, b): whether two tensors view the same memory block.
PyObject *fn__shares_storage(PyObject *, PyObject *const *argv,
                             Py_ssize_t argc) {
  return guarded([&]() -> PyObject * {
    Args args("_shares_storage", argv, argc, 2);
    return PyBool_FromLong(args.tensor(0).storage() ==
                           args.tensor(1).storage());
  });
}

#define TERRA_METHOD(NAME, DOC)                                                \
  {#NAME, reinterpret_cast<PyCFunction>(fn_##NAME), METH_FASTCALL, DOC}

PyMethodDef functions[] = {
    TERRA_METHOD(_set_tensor_class, "Sets the class of new tensors."),
    TERRA_METHOD(tensor, "tensor(data, dtype): a new tensor copying data."),
    TERRA_METHOD(from_buffer, "A tensor sharing a buffer's memory."),
    TERRA_METHOD(empty, "empty(shape, dtype)"),
    TERRA_METHOD(full, "full(shape, value, dtype)"),
    TERRA_METHOD(unary, "unary(op, x)"),
    TERRA_METHOD(binary, "binary(op, a, b)"),
    TERRA_METHOD(compare, "compare(op, a, b)"),
    TERRA_METHOD(binary_, "binary_(op, target, other): in place."),
    TERRA_METHOD(where, "where(condition, x, y)"),
    TERRA_METHOD(clamp, "clamp(x, min, max)"),
    TERRA_METHOD(as_strided, "as_strided(x, shape, strides, offset)"),
    TERRA_METHOD(reshape, "reshape(x, shape)"),
    TERRA_METHOD(permute, "permute(x, dims)"),
    TERRA_METHOD(transpose, "transpose(x, dim0, dim1)"),
    TERRA_METHOD(expand, "expand(x, shape)"),
    TERRA_METHOD(slice, "slice(x, axis, start, stop, step)"),
    TERRA_METHOD(select, "select(x, axis, index)"),
    TERRA_METHOD(unsqueeze, "unsqueeze(x, axis)"),
    TERRA_METHOD(squeeze, "squeeze(x, axis)"),
    TERRA_METHOD(contiguous, "contiguous(x)"),
    TERRA_METHOD(clone, "clone(x)"),
    TERRA_METHOD(to, "to(x, dtype)"),
    TERRA_METHOD(copy_, "copy_(destination, source)"),
    TERRA_METHOD(_shares_storage, "_shares_storage(a, b)"),
    {nullptr, nullptr, 0, nullptr},
};

} // namespace

int addFunctions(PyObject *module) {
  return PyModule_AddFunctions(module, functions);
}

} // namespace python
} // namespace terra
