//===- load-fuzzer.cpp - libFuzzer target for terra.load ------------------===//
//
// terra.load reads files anyone can hand it. Each input is written to a
// file and loaded through the real terra package in an embedded CPython:
// it must load or raise an exception that names the file - never crash,
// never raise anything but an Exception (KeyboardInterrupt, SystemExit).
// The seed corpus is a sound checkpoint (`mutate_inputs.py checkpoint`).
//
//===----------------------------------------------------------------------===//

#include <Python.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <unistd.h>

namespace {

PyObject *load = nullptr;
std::string path;

[[noreturn]] void fail(const char *what) {
  std::fprintf(stderr, "terra-fuzz-load: %s\n", what);
  if (PyErr_Occurred())
    PyErr_Print();
  std::abort();
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  Py_InitializeEx(0);
  PyObject *sysPath = PySys_GetObject("path"); // Borrowed.
  PyObject *directory = PyUnicode_FromString(TERRA_PYTHON_DIR);
  if (!sysPath || !directory || PyList_Insert(sysPath, 0, directory) != 0)
    fail("cannot put the terra package on sys.path");
  Py_DECREF(directory);
  PyObject *terra = PyImport_ImportModule("terra");
  if (!terra)
    fail("cannot import terra");
  load = PyObject_GetAttrString(terra, "load");
  if (!load)
    fail("terra has no load");
  path = "/tmp/terra-fuzz-load-" + std::to_string(::getpid()) + ".pt";
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char *>(data), std::streamsize(size));
  PyObject *loaded = PyObject_CallFunction(load, "s", path.c_str());
  if (loaded) {
    Py_DECREF(loaded);
    return 0;
  }
  if (!PyErr_ExceptionMatches(PyExc_Exception))
    fail("terra.load raised something other than an Exception");
  PyObject *type, *value, *traceback;
  PyErr_Fetch(&type, &value, &traceback);
  PyObject *text = value ? PyObject_Str(value) : nullptr;
  const char *message = text ? PyUnicode_AsUTF8(text) : nullptr;
  if (!message || std::string(message).find(path) == std::string::npos) {
    std::fprintf(stderr,
                 "terra-fuzz-load: the error does not name the file: "
                 "%s\n",
                 message ? message : "(no message)");
    std::abort();
  }
  Py_XDECREF(text);
  Py_XDECREF(type);
  Py_XDECREF(value);
  Py_XDECREF(traceback);
  return 0;
}
