//===- NodeObject.h - Autograd nodes as Python objects ----------*- C++ -*-===//

#ifndef TERRA_LIB_PYTHON_NODEOBJECT_H
#define TERRA_LIB_PYTHON_NODEOBJECT_H

#include "terra/Runtime/Autograd.h"

#include <Python.h>

#include <memory>

namespace terra {
namespace python {

/// A Python view of a backward node (tensor.grad_fn).
PyObject *wrapNode(const std::shared_ptr<autograd::Node> &node);
/// Adds the `Node` type to `_terra`.
int addNodeType(PyObject *module);

} // namespace python
} // namespace terra

#endif // TERRA_LIB_PYTHON_NODEOBJECT_H
