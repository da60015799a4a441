//===- ObjectLoader.cpp - Object code linked into the process -------------===//

#include "NativeCode.h"

#include "terra/Runtime/Blas.h"
#include "terra/Runtime/Cuda.h"

#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/Support/MemoryBuffer.h"

#include <dlfcn.h>

namespace terra {
namespace compiler {

namespace {

/// The runtime library this process loaded, wherever it lies: a build tree
/// or an unpacked bundle (docs/bundle.md).
const std::string &runtimeLibraryPath() {
  static const std::string path = [] {
    Dl_info info;
    if (dladdr(reinterpret_cast<void *>(&_mlir_ciface_terra_rt_sgemm), &info) !=
            0 &&
        info.dli_fname)
      return std::string(info.dli_fname);
    return std::string(TERRA_RUNTIME_LIBRARY);
  }();
  return path;
}

} // namespace

LoadedObject::~LoadedObject() {
  if (finalize_)
    finalize_();
}

llvm::Expected<std::unique_ptr<LoadedObject>>
LoadedObject::load(const std::string &object) {
  auto machineBuilder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!machineBuilder)
    return machineBuilder.takeError();
  auto jit = llvm::orc::LLJITBuilder()
                 .setJITTargetMachineBuilder(std::move(*machineBuilder))
                 .create();
  if (!jit)
    return jit.takeError();
  llvm::orc::JITDylib &library = (*jit)->getMainJITDylib();
  char prefix = (*jit)->getDataLayout().getGlobalPrefix();
  // OpenBLAS matrix products, the thread pool and block buffers live in
  // libterra_runtime; vector math in libmvec (a Python extension's copy
  // would not be global); libm in the process. Copies are loops or memcpy
  // (convert-memref-copy-to-linalg), so nothing needs the C runner
  // utilities, which would bring a second MLIR (libMLIR.so) into a
  // statically linked terra-run.
  for (const char *path : {runtimeLibraryPath().c_str(), "libmvec.so.1"}) {
    auto generator =
        llvm::orc::DynamicLibrarySearchGenerator::Load(path, prefix);
    if (!generator)
      return generator.takeError();
    library.addGenerator(std::move(*generator));
  }
  auto process =
      llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(prefix);
  if (!process)
    return process.takeError();
  library.addGenerator(std::move(*process));

  if (auto error = (*jit)->addObjectFile(
          llvm::MemoryBuffer::getMemBufferCopy(object, "terra-block.o")))
    return std::move(error);
  auto address = (*jit)->lookup(kPackedEntryName);
  if (!address)
    return address.takeError();
  std::unique_ptr<LoadedObject> loaded(new LoadedObject());
  loaded->entry_ = address->toPtr<PackedFn>();
  if (auto initialize = (*jit)->lookup(kInitializeName)) {
    initialize->toPtr<void (*)()>()();
    // A GPU block's kernel modules load here; the driver's JIT log of one
    // that failed is the compile error.
    std::string error = cuda::takeHostCodeError();
    if (!error.empty())
      return llvm::createStringError(llvm::inconvertibleErrorCode(), error);
  } else {
    llvm::consumeError(initialize.takeError());
  }
  if (auto finalize = (*jit)->lookup(kFinalizeName))
    loaded->finalize_ = finalize->toPtr<void (*)()>();
  else
    llvm::consumeError(finalize.takeError());
  loaded->jit_ = std::move(*jit);
  return std::move(loaded);
}

} // namespace compiler
} // namespace terra
