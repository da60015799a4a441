//===- Module.h - The _terra CPython module ---------------------*- C++ -*-===//
//
// `_terra` is the native half of the `terra` Python package. It is built
// twice from the same code: into terra-run (registered with
// PyImport_AppendInittab before the interpreter starts) and as an extension
// module for a plain python3.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_PYTHON_MODULE_H
#define TERRA_PYTHON_MODULE_H

#include <Python.h>

extern "C" PyObject *PyInit__terra(void);

namespace terra {
namespace python {

/// terra-run: at the program's end, do not wait for a background
/// compilation in progress (a short program would wait for a block it will
/// never run). exitNow() then says the process must end without running
/// destructors: the compile thread is still using LLVM.
void setFastExit(bool fastExit);
bool exitNow();

} // namespace python
} // namespace terra

#endif // TERRA_PYTHON_MODULE_H
