//===- BlockCompiler.h - Traced blocks to native code -----------*- C++ -*-===//
//
// lib/Compiler turns a BlockSpec into a function in the terra dialect, lowers
// it with terra-lower-to-cpu, emits it as an object file, links that into
// the process and runs it on runtime tensors. Compiled blocks are cached in
// memory by a structural hash of their spec, so a block that the TraceGraph
// meets again compiles once, and on disk (DiskCache.h) across runs.
//
// Nothing here throws: failures come back as llvm::Error. An op the compiler
// cannot express is an UnsupportedOpError (the block stays eager); anything
// else (a malformed spec, a pipeline or JIT failure) is a plain error string.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_COMPILER_BLOCKCOMPILER_H
#define TERRA_COMPILER_BLOCKCOMPILER_H

#include "terra/Compiler/BlockSpec.h"

#include "llvm/Support/Error.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace terra {
namespace compiler {

class DiskCache;
class LoadedObject;

/// An op of the block has no compiled form (yet): the caller keeps the block
/// eager and reports `message()`.
class UnsupportedOpError : public llvm::ErrorInfo<UnsupportedOpError> {
public:
  static char ID;
  UnsupportedOpError(std::string opName, int64_t opIndex, std::string reason)
      : opName(std::move(opName)), opIndex(opIndex), reason(std::move(reason)) {
  }
  void log(llvm::raw_ostream &os) const override;
  std::error_code convertToErrorCode() const override;

  std::string opName;
  int64_t opIndex;
  std::string reason;
};

struct CompileOptions {
  /// When set, the block's MLIR is written there at each stage, as files that
  /// terra-opt re-runs: <name>.0-terra.mlir (as built), <name>.1-fused.mlir
  /// (linalg on tensors after elementwise fusion), <name>.2-llvm.mlir.
  std::string dumpDir;
  /// The dump files' prefix.
  std::string name = "block";
  /// Matrix products and convolutions call OpenBLAS (terra-lower-to-cpu's
  /// use-blas).
  bool useBlas = true;
  /// LLVM optimisation level of the JIT. -O2, not -O3: on BERT-CLS's
  /// ~1000-op step block -O3 took 7.9 s and made 1.2 MB of code, -O2 4.1 s
  /// and 0.5 MB (O3's full unrolling of loops with static trip counts),
  /// with the same kernel-bench ratios and steady-state steps/s.
  unsigned optLevel = 2;
  /// Where object code is saved and looked up first (null: always compile).
  std::shared_ptr<DiskCache> diskCache;
};

/// Who writes the disk cache's entries: Terra's version and build, LLVM's
/// version and the host target. Part of every cache key.
const std::string &cacheIdentity();

/// Where compile time went, in seconds.
struct CompileStats {
  double buildSeconds = 0; // BlockSpec -> terra dialect (and verification)
  double lowerSeconds = 0; // terra-lower-to-cpu
  double jitSeconds = 0;   // LLVM IR, optimisation, machine code, linking
  /// The machine code came from the disk cache (lowering and LLVM skipped).
  bool fromDiskCache = false;
  double totalSeconds() const {
    return buildSeconds + lowerSeconds + jitSeconds;
  }
};

/// A block compiled to native code. Thread-compatible: run() may be called
/// from any thread, one call at a time per block or concurrently (the code
/// keeps no state between calls).
class CompiledBlock {
public:
  /// Builds, lowers and JIT-compiles `spec`, or loads its code from
  /// `options.diskCache` when that has it (and stores it there when not).
  static llvm::Expected<std::unique_ptr<CompiledBlock>>
  compile(const BlockSpec &spec, const CompileOptions &options = {});
  /// The block from `options.diskCache` only: null when it is not there.
  static llvm::Expected<std::unique_ptr<CompiledBlock>>
  loadCached(const BlockSpec &spec, const CompileOptions &options);

  ~CompiledBlock();
  CompiledBlock(const CompiledBlock &) = delete;
  CompiledBlock &operator=(const CompiledBlock &) = delete;

  /// Runs the block: `inputs` must have the spec's input dtypes and shapes
  /// (any strides: non-contiguous inputs are copied first). Returns new
  /// contiguous tensors, one per spec output. A symbolic size takes its
  /// value from `symbols` (indexed by symbol) or else from the first input
  /// that has it; every input must agree.
  llvm::Expected<std::vector<Tensor>>
  run(const std::vector<Tensor> &inputs,
      const std::vector<int64_t> &symbols = {}) const;

  const std::vector<TensorType> &inputTypes() const { return inputTypes_; }
  const std::vector<TensorType> &outputTypes() const { return outputTypes_; }
  const CompileStats &stats() const { return stats_; }

private:
  CompiledBlock() = default;
  static llvm::Expected<std::unique_ptr<CompiledBlock>>
  build(const BlockSpec &spec, const CompileOptions &options, bool cachedOnly);

  /// The object's packed entry: one pointer per argument, each pointing at
  /// a memref descriptor pointer.
  using PackedFn = void (*)(void **);

  std::unique_ptr<LoadedObject> code_;
  PackedFn entry_ = nullptr;
  std::vector<TensorType> inputTypes_;
  std::vector<TensorType> outputTypes_;
  /// Symbolic sizes the code takes in its last argument (sizeArguments()).
  std::vector<int64_t> sizeArguments_;
  CompileStats stats_;
};

/// A structural hash of a block: op names, attributes, result types, operand
/// wiring, input types and outputs. Equal specs hash equally.
size_t hashBlockSpec(const BlockSpec &spec);
/// Structural equality, the cache's check against hash collisions.
bool equalBlockSpecs(const BlockSpec &a, const BlockSpec &b);

/// Compiled blocks keyed by structure. Failures are remembered too, so an
/// unsupported block is not rebuilt each time it is met. Thread-safe.
class BlockCache {
public:
  explicit BlockCache(CompileOptions options = {})
      : options_(std::move(options)) {}

  /// The compiled block for `spec`, compiled on first request.
  llvm::Expected<std::shared_ptr<CompiledBlock>> get(const BlockSpec &spec);
  /// The block if it is compiled here already or in the options' disk
  /// cache; null otherwise (nothing is compiled).
  llvm::Expected<std::shared_ptr<CompiledBlock>>
  getIfCached(const BlockSpec &spec);

  size_t size() const;
  size_t compilations() const;

private:
  struct Entry {
    BlockSpec spec;
    std::shared_ptr<CompiledBlock> block; // null when compilation failed
    // The failure, replayed as the same kind of error.
    bool unsupported = false;
    std::string opName;
    int64_t opIndex = -1;
    std::string error; // the reason, when unsupported
  };

  llvm::Expected<std::shared_ptr<CompiledBlock>> get(const BlockSpec &spec,
                                                     bool cachedOnly);

  CompileOptions options_;
  mutable std::mutex mutex_;
  std::unordered_multimap<size_t, std::shared_ptr<Entry>> entries_;
  size_t compilations_ = 0;
};

} // namespace compiler
} // namespace terra

#endif // TERRA_COMPILER_BLOCKCOMPILER_H
