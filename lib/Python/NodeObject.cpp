//===- NodeObject.cpp - The _terra.Node type
//-------------------------------===//

#include "NodeObject.h"

#include <string>

namespace terra {
namespace python {
namespace {

struct NodeObject {
  PyObject_HEAD std::shared_ptr<autograd::Node> node;
};

PyTypeObject *nodeType = nullptr;

autograd::Node &nodeOf(PyObject *self) {
  return *reinterpret_cast<NodeObject *>(self)->node;
}

void nodeDealloc(PyObject *self) {
  reinterpret_cast<NodeObject *>(self)->node.~shared_ptr();
  Py_TYPE(self)->tp_free(self);
}

PyObject *nodeName(PyObject *self, PyObject *) {
  return PyUnicode_FromString(nodeOf(self).name().c_str());
}

PyObject *nodeRepr(PyObject *self) {
  return PyUnicode_FromFormat("<%s object at %p>", nodeOf(self).name().c_str(),
                              self);
}

PyObject *nextFunctions(PyObject *self, void *) {
  const auto &edges = nodeOf(self).nextEdges;
  PyObject *tuple = PyTuple_New(edges.size());
  if (!tuple)
    return nullptr;
  for (size_t i = 0; i < edges.size(); ++i) {
    PyObject *node =
        edges[i].valid() ? wrapNode(edges[i].node) : Py_NewRef(Py_None);
    PyObject *pair = Py_BuildValue("(Ni)", node, edges[i].inputNr);
    if (!pair) {
      Py_DECREF(tuple);
      return nullptr;
    }
    PyTuple_SET_ITEM(tuple, i, pair);
  }
  return tuple;
}

PyMethodDef nodeMethods[] = {
    {"name", nodeName, METH_NOARGS, "The node's name, e.g. AddBackward0."},
    {nullptr, nullptr, 0, nullptr},
};

PyGetSetDef nodeGetSet[] = {
    {"next_functions", nextFunctions, nullptr,
     "The nodes that receive this node's input gradients.", nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr},
};

} // namespace

PyObject *wrapNode(const std::shared_ptr<autograd::Node> &node) {
  PyObject *self = nodeType->tp_alloc(nodeType, 0);
  if (!self)
    return nullptr;
  new (&reinterpret_cast<NodeObject *>(self)->node)
      std::shared_ptr<autograd::Node>(node);
  return self;
}

int addNodeType(PyObject *module) {
  static PyTypeObject type = [] {
    PyTypeObject t{PyVarObject_HEAD_INIT(nullptr, 0)};
    t.tp_name = "_terra.Node";
    t.tp_basicsize = sizeof(NodeObject);
    t.tp_dealloc = nodeDealloc;
    t.tp_repr = nodeRepr;
    t.tp_flags = Py_TPFLAGS_DEFAULT;
    t.tp_doc = "A backward node of the autograd graph.";
    t.tp_methods = nodeMethods;
    t.tp_getset = nodeGetSet;
    return t;
  }();
  if (PyType_Ready(&type) < 0)
    return -1;
  nodeType = &type;
  Py_INCREF(&type);
  return PyModule_AddObject(module, "Node",
                            reinterpret_cast<PyObject *>(&type));
}

} // namespace python
} // namespace terra
