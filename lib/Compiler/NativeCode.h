//===- NativeCode.h - Lowered blocks to object code and back ----*- C++ -*-===//
//
// A compiled block's machine code is an ordinary relocatable object file:
// emitted once from the lowered module, saved in the disk cache as is, and
// linked into the process by the same loader whether it was just emitted
// or read back from the cache.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_LIB_COMPILER_NATIVECODE_H
#define TERRA_LIB_COMPILER_NATIVECODE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>

namespace mlir {
class ModuleOp;
} // namespace mlir

namespace llvm {
namespace orc {
class LLJIT;
} // namespace orc
} // namespace llvm

namespace terra {
namespace compiler {

/// The object's entry: takes an array with one pointer per argument of the
/// block's C interface, each pointing at that argument (the memref
/// descriptor's address).
constexpr const char *kPackedEntryName = "terra_block_packed";

/// Run once after the object is linked and once before it is unlinked: the
/// module's global constructors and destructors (a GPU block's loads and
/// unloads of its kernel modules), present only if it has any. Object files
/// linked by ORC without its platform runtime never run .init_array.
constexpr const char *kInitializeName = "terra_block_initialize";
constexpr const char *kFinalizeName = "terra_block_finalize";

/// A ranked memref descriptor laid out as StridedMemRefType<T, rank>:
/// {allocated, aligned, offset, sizes[rank], strides[rank]}, all 8 bytes
/// wide, so one int64 array describes any rank and element type.
inline size_t descriptorWords(size_t rank) { return 3 + 2 * rank; }

/// Writes at `descriptor` the descriptor of a row-major buffer of `sizes`
/// at `data`. Blocks declare identity layouts, whose offset is statically
/// 0: the aligned pointer is the first element.
inline void describeRowMajor(const void *data, llvm::ArrayRef<int64_t> sizes,
                             int64_t *descriptor) {
  size_t rank = sizes.size();
  descriptor[0] = descriptor[1] =
      static_cast<int64_t>(reinterpret_cast<intptr_t>(data));
  descriptor[2] = 0;
  int64_t stride = 1;
  for (size_t d = rank; d-- > 0;) {
    descriptor[3 + d] = sizes[d];
    descriptor[3 + rank + d] = stride;
    stride *= sizes[d];
  }
}

/// What the machine code depends on besides the module: LLVM's version and
/// the host's triple, CPU and features.
std::string hostTargetIdentity();

/// Translates `module` (LLVM dialect, with `_mlir_ciface_<function>` from
/// llvm.emit_c_interface) to LLVM IR, adds the packed entry, optimises at
/// `optLevel` and emits a relocatable object for the host.
llvm::Expected<std::string> emitObjectCode(mlir::ModuleOp module,
                                           const std::string &function,
                                           unsigned optLevel);

/// Object code linked into this process, alive as long as this is.
class LoadedObject {
public:
  ~LoadedObject();
  using PackedFn = void (*)(void **);
  PackedFn entry() const { return entry_; }

  /// Links `object` against the process and the runtime libraries, looks
  /// up its packed entry and runs its initializer.
  static llvm::Expected<std::unique_ptr<LoadedObject>>
  load(const std::string &object);

private:
  LoadedObject() = default;
  std::unique_ptr<llvm::orc::LLJIT> jit_;
  PackedFn entry_ = nullptr;
  void (*finalize_)() = nullptr;
};

} // namespace compiler
} // namespace terra

#endif // TERRA_LIB_COMPILER_NATIVECODE_H
