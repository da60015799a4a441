//===- Pass.h - Blocks, their compiled forms and passes (internal) -*- C++
//-*-===//
//
// What lib/CoExecution shares between the Python thread, the compile
// thread and the runner: a block of the current partition with what the
// Python thread needs to bind and defer its ops (BlockState), its compiled
// form (CompileSlot, filled by the compile thread), and one pass of Python
// through it (Pass), run on the runner by runPass().
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_LIB_COEXECUTION_PASS_H
#define TERRA_LIB_COEXECUTION_PASS_H

#include "terra/Compiler/BlockCompiler.h"
#include "terra/Trace/BlockConversion.h"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

namespace terra {
namespace coexec {

struct CompileSlot {
  enum State : int { Queued, Ready, Failed };
  compiler::BlockSpec spec;
  std::atomic<int> state{Queued};
  /// Set before Ready, replaced by the optimised code later: read and
  /// written with std::atomic_load / std::atomic_store.
  std::shared_ptr<compiler::CompiledBlock> compiled;
  /// The optimising tier is done (or not wanted).
  std::atomic<bool> final{false};
  std::string failure;
};

struct BlockState {
  int32_t index = -1;
  trace::TracedBlock traced;
  /// Null: the block always runs eagerly, because of `eagerReason`.
  std::shared_ptr<CompileSlot> slot;
  std::string eagerReason;
  /// Per op: the (operand, input) pairs Python binds at that op.
  std::vector<std::vector<std::pair<uint32_t, uint32_t>>> bindings;
  /// Per op and result: the output index, or -1.
  std::vector<std::vector<int32_t>> outputOf;
  /// Per op: the index of its first result among the block's results.
  std::vector<uint32_t> firstResult;
  /// Per op: a view (its result shares memory with its operand eagerly).
  std::vector<bool> isView;
  /// Per result (firstResult): its contiguous strides and size in bytes,
  /// for the lazy results of static shape (made once, not at every op).
  std::vector<Shape> resultStrides;
  std::vector<size_t> resultBytes;
  /// Some size of the block is symbolic (automatic dynamic shapes): each
  /// pass gives the symbols their values.
  bool symbolic = false;

  bool ready() const {
    return slot &&
           slot->state.load(std::memory_order_acquire) == CompileSlot::Ready;
  }

  /// The runner times kTimedPasses passes of the block's final code and as
  /// many of its eager kernels (the fastest of each, nanoseconds), so that
  /// Python hands it whichever form is faster: the generated code of some
  /// blocks (convolutions, small loop nests) is slower than the eager
  /// kernels. The fastest pass, not an average: a form's first pass pays
  /// for cold caches and first-touch page faults (a 5-op block: 28 us,
  /// then 2.7 us), which an average let decide the race.
  static constexpr uint32_t kTimedPasses = 3;
  std::atomic<int64_t> compiledNanos{0}, eagerNanos{0};
  std::atomic<uint32_t> compiledPasses{0}, eagerPasses{0};
  void notePassTime(bool eager, int64_t nanos);
  /// Passes started with the final code available (Python thread only).
  uint32_t finalPassesStarted = 0;
  /// Whether the next pass with the final code should run the eager
  /// kernels: the first kTimedPasses run the compiled code, the next as
  /// many the eager kernels, and from then on the form measured faster
  /// (the compiled code where a timed pass was abandoned).
  bool nextPassEager();
  /// Whether the pass nextPassEager just chose is one of the timed ones.
  bool racing() const { return finalPassesStarted <= 2 * kTimedPasses; }
  /// The eager kernels measured faster and a compiled pass takes at least
  /// kEagerOnPythonNanos: Python runs the block's ops itself, as before the
  /// block was compiled (no hand-over to the runner, no lazy results). A
  /// smaller block stays deferred: the runner runs it while Python goes on,
  /// where running it on Python would add its kernels to Python's time.
  bool eagerOnPython() const;
  static constexpr int64_t kEagerOnPythonNanos = 100'000;
  /// Both forms were timed and the eager kernels won.
  bool eagerMeasuredFaster() const;
};

struct LazyResult {
  std::weak_ptr<Storage> storage;
  /// A view op made it, or a view was taken of it: eagerly it would share
  /// memory with another tensor, so it cannot be written in place lazily.
  bool aliased = false;
};

/// One pass of Python through a compiled block.
struct Pass {
  std::shared_ptr<BlockState> block;
  std::shared_ptr<compiler::CompiledBlock> compiled;
  std::vector<Tensor> inputs;
  /// The results of the ops (BlockState::firstResult), and the visit of
  /// each op's node in this pass.
  std::vector<LazyResult> results;
  std::vector<uint64_t> visits;
  /// Per op: the tensor an in-place op writes when the runner has its new
  /// value (a variable, or memory from before the pass), else undefined.
  std::vector<Tensor> writeBacks;
  /// Storages this pass reads or writes, marked pending until it ran.
  std::vector<std::shared_ptr<Storage>> inUse;
  /// The values the block's symbols take in this pass, by symbol (-1:
  /// not met yet).
  std::vector<int64_t> symbols;
  uint32_t next = 0;
  /// The runner runs the eager kernels although compiled code exists
  /// (BlockState::nextPassEager); `timed`: the pass's time counts for
  /// that choice (final code, or eager kernels).
  bool eager = false;
  bool timed = false;
  /// Runs the eager kernels whatever the timing said: Python held results
  /// the block does not hand back (CoExecutor::submitPass).
  bool runEagerly = false;
  /// Set by the runner when it no longer touches the pass.
  std::atomic<bool> finished{false};
  /// The end of the runner's task, also when it failed: releases the
  /// storages, inputs and write-back targets and sets `finished`.
  void finishOnRunner();

  /// Starts a pass through `block` (a reused pass keeps its arrays'
  /// capacity); `timePasses`: see Options::timePasses.
  void start(std::shared_ptr<BlockState> block, bool timePasses);
  /// The references below are counted on their storages
  /// (Storage::addPassHold), so that in-place checks see past them.
  void bindInput(uint32_t input, Tensor value);
  void writeBackTo(uint32_t op, const Tensor &target);
  /// Marks `storage` pending until the pass ran.
  void keepInUse(const std::shared_ptr<Storage> &storage);
  /// Drops the inputs and write-back targets.
  void releaseHeld();

  LazyResult &lazy(size_t op, size_t result) {
    return results[block->firstResult[op] + result];
  }
  /// A pass the runner skipped (an earlier one failed) releases what it
  /// held; its lazy tensors stay unfilled.
  ~Pass();
};

/// Whether eager op `name` returns a view of its operand's memory.
bool isViewOp(const char *name);

/// The block's spec with this pass's sizes, for the eager kernels.
compiler::BlockSpec concreteSpec(const Pass &pass);

/// Eager results of ops [0, results.size()) of `pass`: fills the lazy
/// tensors still alive and writes the variables, in program order.
void publishEagerResults(Pass &pass,
                         const std::vector<std::vector<Tensor>> &results);

/// Releases the storages `pass` marked pending.
void releaseInUse(Pass &pass);

/// The runner's side of a pass: the compiled block (or, for Pass::eager or
/// Pass::runEagerly, the block's ops with the eager kernels) on the bound
/// inputs; fills the lazy outputs and writes back in-place results
/// (Pass::finishOnRunner then releases what the pass holds).
void runPass(Pass &pass);

} // namespace coexec
} // namespace terra

#endif // TERRA_LIB_COEXECUTION_PASS_H
