//===- terra-run.cpp - Run a Python program with Terra built in -----------===//
//
// `terra-run script.py arg...` runs a program exactly as `python3 script.py
// arg...` would: it embeds Debian's CPython 3.11, lets Python parse python3's
// own options and the program (script, -c, -m, -) as python3 does, and hands
// it to Py_RunMain, which owns sys.argv, __main__, sys.path[0], tracebacks,
// exit codes and KeyboardInterrupt. terra-run adds three things before the
// program starts: the built-in `_terra` module, the `terra` package on
// sys.path (<dir of terra-run>/../python), and its own options (--torch,
// --imperative, --help, --version, and --cache-info/--cache-clear for the
// compile cache).
//
//===----------------------------------------------------------------------===//

#include "terra/Compiler/BlockCompiler.h"
#include "terra/Compiler/DiskCache.h"
#include "terra/Compiler/GpuCheck.h"
#include "terra/Python/Module.h"
#include "terra/Runtime/Cuda.h"

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace {

const char *const usageText =
    "usage: terra-run [option...] (script.py | -c CODE | -m MODULE | -) "
    "[arg...]\n";

const char *const helpText =
    "\n"
    "Runs a Python program the way /usr/bin/python3 would, with Terra's\n"
    "native module `_terra` built in and the `terra` package on sys.path.\n"
    "Its tensor ops are co-executed: the first iterations run op by op, the\n"
    "blocks that repeat are compiled in the background and then run on a\n"
    "second thread while Python only checks each op; values are computed\n"
    "when Python reads them (docs/user-guide.md).\n"
    "\n"
    "Options (before the program; every argument after it is the "
    "program's):\n"
    "  -c CODE        run the program passed as a string (sys.argv[0] is "
    "'-c')\n"
    "  -m MODULE      run a library module as a script, like python3 -m\n"
    "  -              read the program from standard input\n"
    "  --torch        make `import torch` and its submodules (torch.nn,\n"
    "                 torch.nn.functional, torch.optim, torch.utils.data)\n"
    "                 resolve to terra; an unsupported torch module raises\n"
    "                 ModuleNotFoundError naming it (docs/torch-compat.md)\n"
    "  --imperative   run every op eagerly, never co-execute\n"
    "                 (TERRA_COEXECUTE=0; sets terra._options.imperative)\n"
    "  --explain      print at exit, on stderr, the run's blocks (op counts,\n"
    "                 source lines, compile time or why a block stays\n"
    "                 imperative), its sync points with counts, and what\n"
    "                 co-execution did: ops run compiled, divergences with\n"
    "                 their reasons (same as TERRA_EXPLAIN=1)\n"
    "  --dump-ir DIR  with --explain, also write the TraceGraph and each\n"
    "                 block's MLIR at each stage to DIR (TERRA_DUMP_IR=DIR)\n"
    "  --cache-info   print where compiled blocks are saved, how many and\n"
    "                 their size, and exit\n"
    "  --cache-clear  remove the saved compiled blocks and exit\n"
    "  --check-gpu [BLOCK.mlir...]\n"
    "                 compile a small block (or each block --dump-ir wrote)\n"
    "                 for the GPU and the CPU, run both on device 0 and the\n"
    "                 CPU, compare, and exit (status 1 if any differs or no\n"
    "                 GPU is usable)\n"
    "  -h, --help     print this help and exit\n"
    "  -V, --version  print terra-run's and Python's versions and exit\n"
    "  --             end of options: the next argument is the script\n"
    "python3's own options work as they do there (see python3 --help):\n"
    "  -b -B -d -E -i -I -O -P -q -s -S -u -v -x, -W ARG, -X OPT,\n"
    "  --check-hash-based-pycs MODE\n"
    "\n"
    "Exit status is python3's: 0, the code given to sys.exit(), 1 after an\n"
    "uncaught exception (traceback on stderr), 2 for a usage error or a\n"
    "script that cannot be opened, and death by SIGINT (130 in a shell) for\n"
    "an unhandled KeyboardInterrupt. PYTHON* environment variables work as\n"
    "they do for python3. TERRA_COMPILE_WAIT=1 makes the program wait for a\n"
    "block's compilation when it enters the block (deterministic timing);\n"
    "TERRA_TIME_PASSES=0 runs compiled blocks even where the runner measured\n"
    "their ops faster with the eager kernels.\n"
    "\n"
    "Compiled blocks are saved in $XDG_CACHE_HOME/terra (~/.cache/terra) and\n"
    "loaded by later runs instead of compiling again: TERRA_CACHE_DIR=DIR\n"
    "puts them elsewhere, TERRA_CACHE=0 turns saving and loading off,\n"
    "TERRA_CACHE_SIZE=N[KMG] bounds the folder (default 1G; the least\n"
    "recently used go first).\n"
    "\n"
    "A block compiled again at the same place (another shape, a new path)\n"
    "counts against a budget of TERRA_RECOMPILE_LIMIT=N recompilations per\n"
    "site (default 8), past which it stays imperative; TERRA_STRICT=1 makes\n"
    "the first recompilation after warm-up caused by a changed shape, dtype\n"
    "or value a RuntimeError naming the site and the change. Sizes that\n"
    "change from step to step (sequence lengths) become dynamic: the block\n"
    "is compiled once more for all of them; TERRA_DYNAMIC_SHAPES=0 compiles\n"
    "each size apart instead. While more than a tenth of the recorded ops\n"
    "keep making new graph nodes (shapes or paths new every step), recording\n"
    "pauses for ever longer stretches that run imperatively;\n"
    "TERRA_RECORDING_PAUSE=F sets that share (0: never pause).\n";

/// python3's one-letter options: those without an argument, and those with
/// one (-c and -m end the options: the program starts there).
const char *const pythonFlags = "bBdEiIOPqRsSuvx";
const char *const pythonOptionsWithArgument = "cmWX";

/// What terra-run was asked to do.
struct Options {
  /// The arguments for Python's own command-line parser: python3's options,
  /// then the program (script, -c CODE, -m MODULE or -) and its arguments.
  std::vector<char *> pythonArgv;
  bool torch = false;
  bool imperative = false;
  bool explain = false;
  const char *dumpDir = nullptr;
};

/// --cache-info and --cache-clear: the compile cache the environment names.
int cacheCommand(bool clear) {
  using terra::compiler::DiskCache;
  DiskCache::Settings settings = DiskCache::settingsFromEnvironment();
  if (!settings.problem.empty())
    std::fprintf(stderr, "terra-run: warning: %s\n", settings.problem.c_str());
  if (!settings.enabled) {
    std::printf("compile cache: off%s\n",
                settings.directory.empty() ? "" : " (TERRA_CACHE=0)");
    return 0;
  }
  DiskCache cache(settings.directory, terra::compiler::cacheIdentity(),
                  settings.maxBytes);
  if (clear) {
    size_t removed = cache.clear();
    std::printf("compile cache: %s: removed %zu entr%s\n",
                settings.directory.c_str(), removed,
                removed == 1 ? "y" : "ies");
    return 0;
  }
  DiskCache::Usage usage = cache.usage();
  auto mebibytes = [](uint64_t bytes) { return double(bytes) / (1 << 20); };
  std::printf("compile cache: %s\n  entries: %zu, %.1f MiB of %.1f MiB\n",
              settings.directory.c_str(), usage.entries, mebibytes(usage.bytes),
              mebibytes(settings.maxBytes));
  return 0;
}

/// --check-gpu BLOCK.mlir...: each block on the GPU against the CPU.
int compareBlocksCommand(int count, char **files) {
  int failed = 0, compared = 0, skipped = 0;
  for (int i = 0; i < count; ++i) {
    std::ifstream file(files[i]);
    std::stringstream text;
    text << file.rdbuf();
    if (!file) {
      std::printf("%s: cannot read it\n", files[i]);
      ++failed;
      continue;
    }
    auto result = terra::compiler::compareBlockOnGpu(text.str());
    if (!result) {
      std::printf("%s: failed: %s\n", files[i],
                  llvm::toString(result.takeError()).c_str());
      ++failed;
    } else if (!result->compared) {
      std::printf("%s: skipped: %s\n", files[i], result->skipped.c_str());
      ++skipped;
    } else {
      bool agrees = result->maxRelativeError <= 1e-4;
      std::printf("%s: %d inputs, %d outputs, %d kernel launches, largest "
                  "difference from the CPU %.2g: %s\n",
                  files[i], result->inputs, result->outputs,
                  result->kernelLaunches, result->maxRelativeError,
                  agrees ? "agrees" : "DIFFERS");
      ++compared;
      failed += !agrees;
    }
  }
  std::printf("GPU check: %d blocks compared, %d skipped, %d failed or "
              "differed\n",
              compared, skipped, failed);
  return failed ? 1 : 0;
}

/// --check-gpu: the GPU path end to end on device 0 (GpuCheck.h).
int checkGpuCommand(int count, char **files) {
  if (!terra::cuda::available()) {
    std::printf("GPU check: no GPU: %s\n",
                terra::cuda::unavailableReason().c_str());
    return 1;
  }
  if (count > 0)
    return compareBlocksCommand(count, files);
  auto run = terra::compiler::runGpuCheck();
  if (!run) {
    std::printf("GPU check: failed: %s\n",
                llvm::toString(run.takeError()).c_str());
    return 1;
  }
  double error = run->maxRelativeError();
  bool passed = error < 1e-5 && run->leakedBytes == 0;
  std::printf("GPU check: %s\n  device: %s\n  block: exp and row sums of "
              "4x64, %d kernel launches, compiled in %.0f ms, ran in %.3f ms "
              "(the first run: its allocations included)\n"
              "  largest relative difference from the CPU: %.2g; device "
              "bytes left allocated: %lld\n",
              passed ? "passed" : "FAILED", run->device.c_str(),
              run->kernelLaunches, run->compileSeconds * 1e3,
              run->runSeconds * 1e3, error, run->leakedBytes);
  return passed ? 0 : 1;
}

int usageError(const char *message, const std::string &option) {
  std::fprintf(stderr, "terra-run: %s%s\n%sTry 'terra-run --help' for more.\n",
               message, option.c_str(), usageText);
  return 2;
}

/// Parses terra-run's own options and finds where the program starts;
/// python3's options and the program go to Python's parser unchanged.
/// Returns -1 to go on and run the program, or the exit status to end with.
int parseOptions(int argc, char **argv, Options &options) {
  std::vector<char *> &python = options.pythonArgv;
  python.push_back(argv[0]);
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    bool hasNext = i + 1 < argc;
    if (arg == "--torch" || arg == "--imperative") {
      (arg == "--torch" ? options.torch : options.imperative) = true;
      continue;
    }
    if (arg == "--cache-info" || arg == "--cache-clear")
      return cacheCommand(arg == "--cache-clear");
    if (arg == "--check-gpu")
      return checkGpuCommand(argc - i - 1, argv + i + 1);
    if (arg == "--explain") {
      options.explain = true;
      continue;
    }
    if (arg == "--dump-ir") {
      if (!hasNext)
        return usageError("argument expected for the option ", arg);
      options.explain = true;
      options.dumpDir = argv[++i];
      continue;
    }
    if (arg == "--check-hash-based-pycs") {
      if (!hasNext)
        return usageError("argument expected for the option ", arg);
      python.push_back(argv[i]);
      python.push_back(argv[++i]);
      continue;
    }
    if (arg == "--" && !hasNext)
      break;
    if (arg == "-" || arg[0] != '-' || arg == "--") {
      // The program: a script, "-" (stdin), or whatever follows "--".
      python.insert(python.end(), argv + i, argv + argc);
      return -1;
    }
    if (arg == "--help" || arg == "--version")
      arg = arg == "--help" ? "-h" : "-V";
    else if (arg[1] == '-')
      return usageError("unknown option ", arg);
    // A cluster of one-letter options, such as -uB or -Wdefault.
    for (size_t k = 1; k < arg.size(); ++k) {
      char letter = arg[k];
      std::string option = {'-', letter};
      if (letter == 'h' || letter == '?') {
        std::printf("%s%s", usageText, helpText);
        return 0;
      }
      if (letter == 'V') {
        const char *pyVersion = Py_GetVersion();
        std::printf("terra-run %s\nPython %.*s\n", TERRA_VERSION,
                    static_cast<int>(std::strcspn(pyVersion, " ")), pyVersion);
        return 0;
      }
      if (std::strchr(pythonFlags, letter))
        continue;
      if (!std::strchr(pythonOptionsWithArgument, letter))
        return usageError("unknown option ", option);
      // The argument is the rest of the cluster, or the next one.
      bool separate = k + 1 == arg.size();
      if (separate && !hasNext)
        return usageError("argument expected for the option ", option);
      if (letter == 'c' || letter == 'm') {
        python.insert(python.end(), argv + i, argv + argc);
        return -1;
      }
      if (separate)
        python.push_back(argv[i++]);
      break;
    }
    python.push_back(argv[i]);
  }
  std::fputs(usageText, stderr);
  std::fputs("Try 'terra-run --help' for more.\n", stderr);
  return 2;
}

/// The absolute path of this executable.
std::string selfPath() {
  char buffer[PATH_MAX];
  ssize_t length = readlink("/proc/self/exe", buffer, sizeof(buffer) - 1);
  return length > 0 ? std::string(buffer, length) : std::string();
}

/// The folder above this executable's bin/ (a build tree or an unpacked
/// bundle), or empty where the executable's path is unknown.
std::string installPrefix(const std::string &executable) {
  std::string bin = executable.substr(0, executable.rfind('/'));
  return executable.empty() ? std::string() : bin.substr(0, bin.rfind('/'));
}

/// Whether `prefix` carries a standard library of its own: an unpacked
/// bundle (`make bundle`) does, a build tree uses the system's Python.
bool hasOwnStandardLibrary(const std::string &prefix) {
  struct stat info;
  std::string landmark = prefix + "/lib/python3.11/os.py";
  return !prefix.empty() && stat(landmark.c_str(), &info) == 0;
}

/// Ends start-up with Python's own report when `status` failed.
void check(PyStatus status, PyConfig &config) {
  if (!PyStatus_Exception(status))
    return;
  PyConfig_Clear(&config);
  Py_ExitStatusException(status);
}

/// Fills the interpreter's configuration: Python parses python3's options
/// and the program exactly as python3 does, and Py_RunMain runs it.
void configure(PyConfig &config, int argc, char **argv, const Options &options,
               const std::string &executable) {
  auto setArgv = [&](const std::vector<char *> &args) {
    check(PyConfig_SetBytesArgv(&config, static_cast<Py_ssize_t>(args.size()),
                                args.data()),
          config);
  };
  // The first call pre-initialises Python from python3's options (-E, -I,
  // -X utf8). sys.orig_argv is then the whole command line.
  setArgv(options.pythonArgv);
  setArgv(std::vector<char *>(argv, argv + argc));
  check(PyConfig_SetWideStringList(&config, &config.orig_argv,
                                   config.argv.length, config.argv.items),
        config);
  setArgv(options.pythonArgv);
  // Messages such as "terra-run: can't open file ..." name the driver;
  // sys.executable is terra-run itself, so that a child started with it
  // (subprocess, multiprocessing) is a terra-run too.
  check(PyConfig_SetBytesString(&config, &config.program_name, "terra-run"),
        config);
  if (!executable.empty())
    check(PyConfig_SetBytesString(&config, &config.executable,
                                  executable.c_str()),
          config);
  // A bundle's own standard library, unless PYTHONHOME names another.
  std::string prefix = installPrefix(executable);
  if (hasOwnStandardLibrary(prefix) && !std::getenv("PYTHONHOME"))
    check(PyConfig_SetBytesString(&config, &config.home, prefix.c_str()),
          config);
}

/// Puts the terra package's folder on sys.path (Py_RunMain later puts the
/// script's folder before it) and applies --torch and --imperative.
bool setUpTerra(const Options &options, const std::string &executable) {
  std::string python = installPrefix(executable) + "/python";
  struct stat info;
  if (!executable.empty() && stat(python.c_str(), &info) == 0 &&
      S_ISDIR(info.st_mode)) {
    PyObject *path = PySys_GetObject("path"); // Borrowed.
    PyObject *entry = PyUnicode_DecodeFSDefault(python.c_str());
    if (!path || !entry || PyList_Insert(path, 0, entry) < 0) {
      Py_XDECREF(entry);
      return false;
    }
    Py_DECREF(entry);
  }
  if (options.imperative) {
    PyObject *terraOptions = PyImport_ImportModule("terra._options");
    if (!terraOptions ||
        PyObject_SetAttrString(terraOptions, "imperative", Py_True) < 0) {
      Py_XDECREF(terraOptions);
      return false;
    }
    Py_DECREF(terraOptions);
  }
  if (options.torch) {
    PyObject *alias = PyImport_ImportModule("terra._torch_alias");
    PyObject *result =
        alias ? PyObject_CallMethod(alias, "install", nullptr) : nullptr;
    Py_XDECREF(alias);
    if (!result)
      return false;
    Py_DECREF(result);
  }
  return true;
}

} // namespace

int main(int argc, char **argv) {
  Options options;
  int status = parseOptions(argc, argv, options);
  if (status >= 0)
    return status;

  // The terra package reads these when it is imported (terra/_explain.py).
  // Co-execution is the default; --imperative (or TERRA_COEXECUTE=0) turns
  // it off.
  setenv("TERRA_COEXECUTE", options.imperative ? "0" : "1", options.imperative);
  if (options.explain)
    setenv("TERRA_EXPLAIN", "1", 1);
  if (options.dumpDir)
    setenv("TERRA_DUMP_IR", options.dumpDir, 1);

  if (PyImport_AppendInittab("_terra", PyInit__terra) < 0) {
    std::fputs("terra-run: cannot register the _terra module\n", stderr);
    return 1;
  }
  std::string executable = selfPath();
  PyConfig config;
  PyConfig_InitPythonConfig(&config);
  configure(config, argc, argv, options, executable);
  check(Py_InitializeFromConfig(&config), config);
  PyConfig_Clear(&config);

  if (!setUpTerra(options, executable)) {
    // A SystemExit raised while setting up ends the process here, as it
    // would in the program.
    PyErr_Print();
    Py_FinalizeEx();
    return 1;
  }
  terra::python::setFastExit(true);
  status = Py_RunMain();
  if (terra::python::exitNow()) {
    // A block was still compiling in the background for a program that
    // has ended: leave without waiting for it (Python has finalised).
    std::fflush(nullptr);
    std::_Exit(status);
  }
  return status;
}
