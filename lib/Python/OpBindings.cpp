//===- OpBindings.cpp - _terra's module-level functions -------------------===//
//
// Thin METH_FASTCALL entry points that python/terra builds the PyTorch API
// on: positional arguments only, already normalised by the Python side
// (dtypes as terra::DType codes, shapes as sequences of ints).
//
//===----------------------------------------------------------------------===//

#include "Convert.h"
#include "TensorObject.h"
#include "Tracing.h"

#include "terra/Runtime/Autograd.h"
#include "terra/Runtime/Functions.h"

#include <cstring>
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

  bool boolean(int i) const { return PyObject_IsTrue(args_[i]) == 1; }

  std::optional<int64_t> optionalInteger(int i) const {
    if (args_[i] == Py_None)
      return std::nullopt;
    return integer(i);
  }

  std::vector<Tensor> tensors(int i) const {
    PyObject *sequence = PySequence_Fast(args_[i], "expected a sequence");
    if (!sequence) {
      PyErr_Clear();
      throwError(Error::Kind::Type, std::string(name_) + "(): argument " +
                                        std::to_string(i) +
                                        " must be a sequence of Tensors");
    }
    std::vector<Tensor> result;
    for (Py_ssize_t k = 0; k < PySequence_Fast_GET_SIZE(sequence); ++k) {
      PyObject *item = PySequence_Fast_GET_ITEM(sequence, k);
      if (!isTensor(item)) {
        Py_DECREF(sequence);
        throwError(Error::Kind::Type, std::string(name_) +
                                          "(): expected a sequence of Tensors, "
                                          "but element " +
                                          std::to_string(k) + " is " +
                                          Py_TYPE(item)->tp_name);
      }
      result.push_back(unwrap(item));
    }
    Py_DECREF(sequence);
    return result;
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

[[noreturn]] void throwNotAnOperand(const Args &args, int i) {
  throwError(Error::Kind::Type,
             std::string("expected a Tensor or a number, got ") +
                 Py_TYPE(args.object(i))->tp_name);
}

/// Converts argument `i` (a tensor or a Python scalar) to a tensor; a
/// Python scalar takes `scalarType` (null: its default dtype).
Tensor operand(const Args &args, int i, const DType *scalarType = nullptr) {
  Tensor result;
  if (!toTensor(args.object(i), result, scalarType))
    throwNotAnOperand(args, i);
  return result;
}

/// The operands of a binary function: Python scalars are weak (PyTorch's
/// wrapped numbers), other values are converted.
void operands(const Args &args, int first, Operand &a, Operand &b) {
  if (operandPair(args.object(first), args.object(first + 1), a, b))
    return;
  if (!a.convertAny(args.object(first)))
    throwNotAnOperand(args, first);
  if (!b.convertAny(args.object(first + 1)))
    throwNotAnOperand(args, first + 1);
}

/// Defines `fn_NAME(argv)` taking COUNT positional arguments.
#define TERRA_FUNCTION(NAME, COUNT, ...)                                       \
  PyObject *fn_##NAME(PyObject *, PyObject *const *argv, Py_ssize_t argc) {    \
    return guarded([&]() -> PyObject * {                                       \
      Args args(#NAME, argv, argc, COUNT);                                     \
      __VA_ARGS__                                                              \
    });                                                                        \
  }

// Elementwise.
TERRA_FUNCTION(unary, 2, {
  return wrap(functions::unary(static_cast<ops::UnaryOp>(args.integer(0)),
                               args.tensor(1)));
})
TERRA_FUNCTION(binary, 3, {
  Operand a, b;
  operands(args, 1, a, b);
  return wrap(
      functions::binary(static_cast<ops::BinaryOp>(args.integer(0)), *a, *b));
})
TERRA_FUNCTION(compare, 3, {
  Operand a, b;
  operands(args, 1, a, b);
  return wrap(
      ops::compare(static_cast<ops::CompareOp>(args.integer(0)), *a, *b));
})
// binary_(op, target, other): in place, returns None.
TERRA_FUNCTION(binary_, 3, {
  args.tensor(1);
  functions::binaryInPlace(
      static_cast<ops::BinaryOp>(args.integer(0)), unwrap(args.object(1)),
      operand(args, 2, scalarTypeBeside(args.object(2), args.object(1))));
  Py_RETURN_NONE;
})
TERRA_FUNCTION(where, 3, {
  PyObject *x = args.object(1), *y = args.object(2);
  return wrap(functions::where(args.tensor(0),
                               operand(args, 1, scalarTypeBeside(x, y)),
                               operand(args, 2, scalarTypeBeside(y, x))));
})
TERRA_FUNCTION(clamp, 3, {
  return wrap(functions::clamp(args.tensor(0), args.optionalNumber(1),
                               args.optionalNumber(2)));
})

// Views and copies.
TERRA_FUNCTION(as_strided, 4, {
  return wrap(
      args.tensor(0).asStrided(args.shape(1), args.shape(2), args.integer(3)));
})
TERRA_FUNCTION(reshape, 2, {
  return wrap(functions::reshape(args.tensor(0), args.shape(1)));
})
// view(x, shape): reshape that must share x's memory, as Tensor.view.
TERRA_FUNCTION(view, 2, {
  const Tensor &input = args.tensor(0);
  Shape shape = input.resolveShape(args.shape(1));
  if (!input.viewStrides(shape))
    throwError(Error::Kind::Runtime,
               "view size is not compatible with input tensor's size and "
               "stride (at least one dimension spans across two contiguous "
               "subspaces). Use .reshape(...) instead.");
  return wrap(functions::reshape(input, shape));
})
TERRA_FUNCTION(permute, 2, {
  return wrap(functions::permute(args.tensor(0), args.shape(1)));
})
TERRA_FUNCTION(transpose, 3, {
  return wrap(
      functions::transpose(args.tensor(0), args.integer(1), args.integer(2)));
})
TERRA_FUNCTION(expand, 2, {
  return wrap(functions::expand(args.tensor(0), args.shape(1)));
})
// slice(x, axis, start, stop, step)
TERRA_FUNCTION(slice, 5, {
  return wrap(functions::slice(args.tensor(0), args.integer(1), args.integer(2),
                               args.integer(3), args.integer(4)));
})
TERRA_FUNCTION(select, 3, {
  return wrap(
      functions::select(args.tensor(0), args.integer(1), args.integer(2)));
})
TERRA_FUNCTION(unsqueeze, 2, {
  return wrap(functions::unsqueeze(args.tensor(0), args.integer(1)));
})
TERRA_FUNCTION(squeeze, 2, {
  return wrap(functions::squeeze(args.tensor(0), args.integer(1)));
})
TERRA_FUNCTION(contiguous, 1,
               { return wrap(functions::contiguous(args.tensor(0))); })
TERRA_FUNCTION(clone, 1, { return wrap(functions::clone(args.tensor(0))); })
TERRA_FUNCTION(detach, 1, { return wrap(functions::detach(args.tensor(0))); })
TERRA_FUNCTION(to, 2,
               { return wrap(functions::to(args.tensor(0), args.dtype(1))); })
// copy_(destination, source): writes source into the destination view.
TERRA_FUNCTION(copy_, 2, {
  args.tensor(0);
  functions::copyInto(
      unwrap(args.object(0)),
      operand(args, 1, scalarTypeBeside(args.object(1), args.object(0))));
  Py_RETURN_NONE;
})
// _shares_storage(a, b): whether two tensors view the same memory block.
TERRA_FUNCTION(_shares_storage, 2, {
  return PyBool_FromLong(args.tensor(0).storage() == args.tensor(1).storage());
})

// Reductions: (x, axes, keepdim); empty axes reduce everything.
TERRA_FUNCTION(sum, 3, {
  return wrap(functions::sum(args.tensor(0), args.shape(1), args.boolean(2)));
})
TERRA_FUNCTION(mean, 3, {
  return wrap(functions::mean(args.tensor(0), args.shape(1), args.boolean(2)));
})
TERRA_FUNCTION(amax, 3, {
  return wrap(functions::amax(args.tensor(0), args.shape(1), args.boolean(2)));
})
TERRA_FUNCTION(amin, 3, {
  return wrap(functions::amin(args.tensor(0), args.shape(1), args.boolean(2)));
})
// argmax(x, axis or None, keepdim)
TERRA_FUNCTION(argmax, 3, {
  return wrap(
      ops::argmax(args.tensor(0), args.optionalInteger(1), args.boolean(2)));
})
TERRA_FUNCTION(argmin, 3, {
  return wrap(
      ops::argmin(args.tensor(0), args.optionalInteger(1), args.boolean(2)));
})
// var(x, axes, correction, keepdim)
TERRA_FUNCTION(var, 4, {
  return wrap(functions::var(args.tensor(0), args.shape(1), args.integer(2),
                             args.boolean(3)));
})
TERRA_FUNCTION(softmax, 2, {
  return wrap(functions::softmax(args.tensor(0), args.integer(1)));
})
TERRA_FUNCTION(log_softmax, 2, {
  return wrap(functions::logSoftmax(args.tensor(0), args.integer(1)));
})

// Shape ops that copy.
TERRA_FUNCTION(cat, 2, {
  return wrap(functions::cat(args.tensors(0), args.integer(1)));
})
TERRA_FUNCTION(stack, 2, {
  return wrap(functions::stack(args.tensors(0), args.integer(1)));
})
// pad(x, low, high, value)
TERRA_FUNCTION(pad, 4, {
  return wrap(functions::pad(args.tensor(0), args.shape(1), args.shape(2),
                             args.number(3)));
})
TERRA_FUNCTION(index_select, 3, {
  return wrap(
      functions::indexSelect(args.tensor(0), args.integer(1), args.tensor(2)));
})
TERRA_FUNCTION(masked_select, 2, {
  return wrap(functions::maskedSelect(args.tensor(0), args.tensor(1)));
})

// nll_loss(log_probabilities, target, weight or None, ignore_index,
// reduction): reduction 0 none, 1 mean, 2 sum.
TERRA_FUNCTION(nll_loss, 5, {
  int64_t reduction = args.integer(4);
  if (reduction < 0 || reduction > 2)
    throwError(Error::Kind::Value, "nll_loss(): unknown reduction code");
  Tensor weight = args.object(2) == Py_None ? Tensor() : args.tensor(2);
  return wrap(functions::nllLoss(args.tensor(0), args.tensor(1), weight,
                                 args.integer(3),
                                 static_cast<functions::Reduction>(reduction)));
})

// Optimizers.

/// Item `i` of list argument `list` of `function`, which must be a tensor.
Tensor &tensorItem(const char *function, PyObject *list, Py_ssize_t i) {
  PyObject *item = PyList_GET_ITEM(list, i);
  if (!isTensor(item))
    throwError(Error::Kind::Type, std::string(function) +
                                      "(): expected a list of Tensors, but "
                                      "element " +
                                      std::to_string(i) + " is " +
                                      Py_TYPE(item)->tp_name);
  return unwrap(item);
}

// _sgd(first_index, params, grads, momentum_buffers, weight_decay, momentum,
// lr, dampening, nesterov, maximize): torch.optim.SGD's update of every
// parameter in the lists whose grad is not None, parameter i traced as
// iteration first_index + i of an unrolled loop. Buffers still None are
// created and stored in the list.
TERRA_FUNCTION(_sgd, 10, {
  PyObject *params = args.object(1), *grads = args.object(2),
           *buffers = args.object(3);
  if (!PyList_Check(params) || !PyList_Check(grads) || !PyList_Check(buffers) ||
      PyList_GET_SIZE(grads) != PyList_GET_SIZE(params) ||
      PyList_GET_SIZE(buffers) != PyList_GET_SIZE(params))
    throwError(Error::Kind::Type,
               "_sgd(): params, grads and momentum_buffers must be lists of "
               "the same length");
  functions::SgdOptions options;
  options.weightDecay = args.number(4);
  options.momentum = args.number(5);
  options.lr = args.number(6);
  options.dampening = args.number(7);
  options.nesterov = args.boolean(8);
  options.maximize = args.boolean(9);
  int64_t first = args.integer(0);
  for (Py_ssize_t i = 0; i < PyList_GET_SIZE(params); ++i) {
    if (PyList_GET_ITEM(grads, i) == Py_None)
      continue;
    UnrolledIteration iteration(static_cast<uint32_t>(first + i));
    noteCall();
    Tensor &param = tensorItem("_sgd", params, i);
    const Tensor &grad = tensorItem("_sgd", grads, i);
    Tensor created;
    bool fresh = PyList_GET_ITEM(buffers, i) == Py_None;
    Tensor &buffer = fresh ? created : tensorItem("_sgd", buffers, i);
    functions::sgdUpdate(param, grad, buffer, options);
    if (fresh && created.defined())
      PyList_SetItem(buffers, i, wrap(std::move(created)));
  }
  Py_RETURN_NONE;
})

// Contractions.
TERRA_FUNCTION(matmul, 2, {
  Operand a, b;
  operands(args, 0, a, b);
  return wrap(functions::matmul(*a, *b));
})
// linear(input, weight, bias or None)
TERRA_FUNCTION(linear, 3, {
  Tensor bias = args.object(2) == Py_None ? Tensor() : args.tensor(2);
  return wrap(functions::linear(args.tensor(0), args.tensor(1), bias));
})
// conv2d(x, w, bias or None, stride, padding, dilation, groups)
TERRA_FUNCTION(conv2d, 7, {
  ops::Conv2dParams params = ops::conv2dParams(args.shape(3), args.shape(4),
                                               args.shape(5), args.integer(6));
  Tensor bias = args.object(2) == Py_None ? Tensor() : args.tensor(2);
  return wrap(functions::conv2d(args.tensor(0), args.tensor(1), bias, params));
})

// conv_transpose2d(x, w, stride, padding, output_padding, dilation, groups)
TERRA_FUNCTION(conv_transpose2d, 7, {
  ops::Conv2dParams params = ops::conv2dParams(args.shape(2), args.shape(3),
                                               args.shape(5), args.integer(6));
  return wrap(functions::convTranspose2d(args.tensor(0), args.tensor(1), params,
                                         args.shape(4)));
})

/// Pooling parameters from (kernel, stride, padding, dilation, ceil_mode,
/// count_include_pad) at argument `first`.
ops::Pool2dParams poolParams(const Args &args, int first) {
  return ops::pool2dParams(args.shape(first), args.shape(first + 1),
                           args.shape(first + 2), args.shape(first + 3),
                           args.boolean(first + 4), args.boolean(first + 5));
}

TERRA_FUNCTION(max_pool2d, 7, {
  return wrap(functions::maxPool2d(args.tensor(0), poolParams(args, 1)));
})
TERRA_FUNCTION(avg_pool2d, 7, {
  return wrap(functions::avgPool2d(args.tensor(0), poolParams(args, 1)));
})

// batch_norm(input, weight or None, bias or None, eps), training mode:
// (output, mean, biased variance).
TERRA_FUNCTION(batch_norm, 4, {
  Tensor weight = args.object(1) == Py_None ? Tensor() : args.tensor(1);
  Tensor bias = args.object(2) == Py_None ? Tensor() : args.tensor(2);
  auto [output, mean, var] =
      functions::batchNorm(args.tensor(0), weight, bias, args.number(3));
  return Py_BuildValue("(NNN)", wrap(output), wrap(mean), wrap(var));
})

// layer_norm(input, normalized_dims, weight or None, bias or None, eps).
TERRA_FUNCTION(layer_norm, 5, {
  Tensor weight = args.object(2) == Py_None ? Tensor() : args.tensor(2);
  Tensor bias = args.object(3) == Py_None ? Tensor() : args.tensor(3);
  return wrap(functions::layerNorm(args.tensor(0), args.integer(1), weight,
                                   bias, args.number(4)));
})

// Random numbers: (shape, dtype, key, counter, a, b).
TERRA_FUNCTION(random_uniform, 6, {
  return wrap(ops::randomUniform(
      args.shape(0), args.dtype(1), static_cast<uint64_t>(args.integer(2)),
      static_cast<uint64_t>(args.integer(3)), args.number(4), args.number(5)));
})
TERRA_FUNCTION(random_normal, 6, {
  return wrap(ops::randomNormal(
      args.shape(0), args.dtype(1), static_cast<uint64_t>(args.integer(2)),
      static_cast<uint64_t>(args.integer(3)), args.number(4), args.number(5)));
})
// random_bernoulli(probabilities, key, counter)
TERRA_FUNCTION(random_bernoulli, 3, {
  return wrap(ops::randomBernoulli(args.tensor(0),
                                   static_cast<uint64_t>(args.integer(1)),
                                   static_cast<uint64_t>(args.integer(2))));
})

// Autograd.
// backward(tensors, grads (None entries allowed), retain_graph)
TERRA_FUNCTION(backward, 3, {
  std::vector<Tensor> outputs = args.tensors(0);
  std::vector<Tensor> grads;
  PyObject *sequence = PySequence_Fast(args.object(1), "grads");
  if (!sequence)
    return nullptr;
  for (Py_ssize_t k = 0; k < PySequence_Fast_GET_SIZE(sequence); ++k) {
    PyObject *item = PySequence_Fast_GET_ITEM(sequence, k);
    grads.push_back(isTensor(item) ? unwrap(item) : Tensor());
  }
  Py_DECREF(sequence);
  autograd::backward(outputs, grads, args.boolean(2));
  Py_RETURN_NONE;
})
TERRA_FUNCTION(set_grad_enabled, 1, {
  autograd::setGradEnabled(args.boolean(0));
  Py_RETURN_NONE;
})
TERRA_FUNCTION(is_grad_enabled, 0,
               { return PyBool_FromLong(autograd::isGradEnabled()); })

/// An op with its code bound in, callable as a function (`terra.relu(x)`)
/// and, read from a class, as a method: calling one runs the op with no
/// Python frame in between (a Python wrapper such as `def relu(input):
/// return _terra.unary(code, input)` cost about as much as deferring the
/// op under co-execution), and the type is a method descriptor, so
/// `x.relu()` passes `x` as the first argument without making a bound
/// method object per call. Arguments follow PyTorch's names (`input`,
/// `other`), positional or by keyword.
enum class BoundKind { Unary = 0, Binary = 1 };

struct BoundOpObject {
  PyObject_HEAD vectorcallfunc vectorcall;
  BoundKind kind;
  long code;
  PyObject *name; // str
};

PyObject *boundOpCall(PyObject *callable, PyObject *const *argv,
                      size_t positionalFlags, PyObject *keywordNames) {
  return guarded([&]() -> PyObject * {
    const auto &op = *reinterpret_cast<BoundOpObject *>(callable);
    // Only error messages need the name as UTF-8.
    auto name = [&] { return std::string(PyUnicode_AsUTF8(op.name)); };
    static const char *const parameters[] = {"input", "other"};
    size_t expected = op.kind == BoundKind::Unary ? 1 : 2;
    PyObject *values[2] = {nullptr, nullptr};
    Py_ssize_t positional = PyVectorcall_NARGS(positionalFlags);
    if (size_t(positional) > expected)
      throwError(Error::Kind::Type,
                 name() + "() takes " + std::to_string(expected) +
                     " positional argument" + (expected == 1 ? "" : "s") +
                     " but " + std::to_string(positional) + " were given");
    for (Py_ssize_t i = 0; i < positional; ++i)
      values[i] = argv[i];
    Py_ssize_t keywords = keywordNames ? PyTuple_GET_SIZE(keywordNames) : 0;
    for (Py_ssize_t k = 0; k < keywords; ++k) {
      const char *keyword = PyUnicode_AsUTF8(PyTuple_GET_ITEM(keywordNames, k));
      size_t slot = 0;
      while (slot < expected && std::strcmp(keyword, parameters[slot]) != 0)
        ++slot;
      if (slot == expected)
        throwError(Error::Kind::Type, name() +
                                          "() got an unexpected keyword "
                                          "argument '" +
                                          keyword + "'");
      if (values[slot])
        throwError(Error::Kind::Type,
                   name() + "() got multiple values for argument '" + keyword +
                       "'");
      values[slot] = argv[positional + k];
    }
    for (size_t slot = 0; slot < expected; ++slot)
      if (!values[slot])
        throwError(Error::Kind::Type,
                   name() + "() missing 1 required positional arguments: \"" +
                       parameters[slot] + "\"");
    // PyTorch's wording for an argument of the wrong type.
    auto wrongType = [&](size_t slot) {
      throwError(Error::Kind::Type,
                 name() + "(): argument '" + parameters[slot] + "' (position " +
                     std::to_string(slot + 1) + ") must be Tensor, not " +
                     Py_TYPE(values[slot])->tp_name);
    };
    if (op.kind == BoundKind::Unary) {
      if (!isTensor(values[0]))
        wrongType(0);
      return wrap(functions::unary(static_cast<ops::UnaryOp>(op.code),
                                   unwrap(values[0])));
    }
    Operand a, b;
    if (!operandPair(values[0], values[1], a, b)) {
      if (!a.convertAny(values[0]))
        wrongType(0);
      if (!b.convertAny(values[1]))
        wrongType(1);
    }
    return wrap(functions::binary(static_cast<ops::BinaryOp>(op.code), *a, *b));
  });
}

PyObject *boundOpGet(PyObject *self, PyObject *instance, PyObject *) {
  if (!instance || instance == Py_None)
    return Py_NewRef(self);
  return PyMethod_New(self, instance);
}

void boundOpDealloc(PyObject *self) {
  Py_XDECREF(reinterpret_cast<BoundOpObject *>(self)->name);
  Py_TYPE(self)->tp_free(self);
}

PyObject *boundOpName(PyObject *self, void *) {
  return Py_NewRef(reinterpret_cast<BoundOpObject *>(self)->name);
}

PyObject *boundOpRepr(PyObject *self) {
  return PyUnicode_FromFormat("<terra op %U>",
                              reinterpret_cast<BoundOpObject *>(self)->name);
}

PyGetSetDef boundOpGetSet[] = {
    {"__name__", boundOpName, nullptr, nullptr, nullptr},
    {"__qualname__", boundOpName, nullptr, nullptr, nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr},
};

PyTypeObject boundOpType = [] {
  PyTypeObject type{PyVarObject_HEAD_INIT(nullptr, 0)};
  type.tp_name = "_terra.BoundOp";
  type.tp_basicsize = sizeof(BoundOpObject);
  type.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL |
                  Py_TPFLAGS_METHOD_DESCRIPTOR;
  type.tp_vectorcall_offset = offsetof(BoundOpObject, vectorcall);
  type.tp_call = PyVectorcall_Call;
  type.tp_descr_get = boundOpGet;
  type.tp_dealloc = boundOpDealloc;
  type.tp_repr = boundOpRepr;
  type.tp_getset = boundOpGetSet;
  type.tp_doc = "An op with its code bound in.";
  return type;
}();

// bound_op(kind, code, name): the op as a function and method; kind 0
// unary, 1 binary.
TERRA_FUNCTION(bound_op, 3, {
  long kind = long(args.integer(0));
  long code = long(args.integer(1));
  if (kind != long(BoundKind::Unary) && kind != long(BoundKind::Binary))
    throwError(Error::Kind::Value, "bound_op(): kind must be 0 or 1");
  if (!PyUnicode_Check(args.object(2)))
    throwError(Error::Kind::Type, "bound_op(): name must be str");
  static bool ready = PyType_Ready(&boundOpType) == 0;
  if (!ready)
    return nullptr;
  auto *op = PyObject_New(BoundOpObject, &boundOpType);
  if (!op)
    return nullptr;
  op->vectorcall = boundOpCall;
  op->kind = static_cast<BoundKind>(kind);
  op->code = code;
  op->name = Py_NewRef(args.object(2));
  return reinterpret_cast<PyObject *>(op);
})

#undef TERRA_FUNCTION

#define TERRA_METHOD(NAME, DOC)                                                \
  {#NAME, reinterpret_cast<PyCFunction>(fn_##NAME), METH_FASTCALL, DOC}

PyMethodDef functions[] = {
    TERRA_METHOD(_set_tensor_class, "Sets the class of new tensors."),
    TERRA_METHOD(tensor, "tensor(data, dtype): a new tensor copying data."),
    TERRA_METHOD(from_buffer, "A tensor sharing a buffer's memory."),
    TERRA_METHOD(empty, "empty(shape, dtype)"),
    TERRA_METHOD(full, "full(shape, value, dtype)"),
    TERRA_METHOD(unary, "unary(op, x)"),
    TERRA_METHOD(bound_op, "bound_op(kind, code, name): an op with its code "
                           "bound in, a function and a method (kind 0 "
                           "unary, 1 binary)."),
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
    TERRA_METHOD(detach, "detach(x)"),
    TERRA_METHOD(to, "to(x, dtype)"),
    TERRA_METHOD(copy_, "copy_(destination, source)"),
    TERRA_METHOD(view, "view(x, shape)"),
    TERRA_METHOD(_shares_storage, "_shares_storage(a, b)"),
    TERRA_METHOD(sum, "sum(x, axes, keepdim)"),
    TERRA_METHOD(mean, "mean(x, axes, keepdim)"),
    TERRA_METHOD(amax, "amax(x, axes, keepdim)"),
    TERRA_METHOD(amin, "amin(x, axes, keepdim)"),
    TERRA_METHOD(argmax, "argmax(x, axis, keepdim)"),
    TERRA_METHOD(argmin, "argmin(x, axis, keepdim)"),
    TERRA_METHOD(var, "var(x, axes, correction, keepdim)"),
    TERRA_METHOD(softmax, "softmax(x, axis)"),
    TERRA_METHOD(log_softmax, "log_softmax(x, axis)"),
    TERRA_METHOD(cat, "cat(tensors, axis)"),
    TERRA_METHOD(stack, "stack(tensors, axis)"),
    TERRA_METHOD(pad, "pad(x, low, high, value)"),
    TERRA_METHOD(index_select, "index_select(x, axis, indices)"),
    TERRA_METHOD(masked_select, "masked_select(x, mask)"),
    TERRA_METHOD(_sgd, "_sgd(first_index, params, grads, momentum_buffers, "
                       "weight_decay, momentum, lr, dampening, nesterov, "
                       "maximize): torch.optim.SGD's update."),
    TERRA_METHOD(nll_loss, "nll_loss(log_probabilities, target, weight, "
                           "ignore_index, reduction)"),
    TERRA_METHOD(matmul, "matmul(a, b)"),
    TERRA_METHOD(linear, "linear(input, weight, bias): input @ weight.t() + "
                         "bias."),
    TERRA_METHOD(conv2d,
                 "conv2d(x, w, bias, stride, padding, dilation, groups)"),
    TERRA_METHOD(conv_transpose2d, "conv_transpose2d(x, w, stride, padding, "
                                   "output_padding, dilation, groups)"),
    TERRA_METHOD(batch_norm, "batch_norm(input, weight, bias, eps): "
                             "training-mode output, mean and variance"),
    TERRA_METHOD(layer_norm, "layer_norm(input, normalized_dims, weight, "
                             "bias, eps)"),
    TERRA_METHOD(max_pool2d, "max_pool2d(x, kernel, stride, padding, "
                             "dilation, ceil_mode, count_include_pad)"),
    TERRA_METHOD(avg_pool2d, "avg_pool2d(x, kernel, stride, padding, "
                             "dilation, ceil_mode, count_include_pad)"),
    TERRA_METHOD(random_uniform,
                 "random_uniform(shape, dtype, key, counter, low, high)"),
    TERRA_METHOD(random_normal,
                 "random_normal(shape, dtype, key, counter, mean, std)"),
    TERRA_METHOD(random_bernoulli, "random_bernoulli(p, key, counter)"),
    TERRA_METHOD(backward, "backward(tensors, grads, retain_graph)"),
    TERRA_METHOD(set_grad_enabled, "set_grad_enabled(mode)"),
    TERRA_METHOD(is_grad_enabled, "is_grad_enabled()"),
    {nullptr, nullptr, 0, nullptr},
};

} // namespace

int addFunctions(PyObject *module) {
  return PyModule_AddFunctions(module, functions);
}

} // namespace python
} // namespace terra
