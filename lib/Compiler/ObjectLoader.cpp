//===- ObjectLoader.cpp - Object code linked into the process -------------===//

#include "NativeCode.h"

#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/Support/MemoryBuffer.h"

namespace terra {
namespace compiler {

LoadedObject::~LoadedObject() = default;

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
  // OpenBLAS matrix products and the thread pool live in libterra_runtime;
  // memrefCopy (from tensor.pad, ...) in the C runner utilities; vector
  // math in libmvec (a Python extension's copy would not be global); libm
  // in the process.
  for (const char *path :
       {TERRA_RUNTIME_LIBRARY, MLIR_C_RUNNER_UTILS_LIBRARY, "libmvec.so.1"}) {
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
  loaded->jit_ = std::move(*jit);
  return std::move(loaded);
}

} // namespace compiler
} // namespace terra
