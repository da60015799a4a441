//===- CoExecutor.h - Imperative-symbolic co-execution ----------*- C++ -*-===//
//
// The Python thread's op observer when terra-run co-executes a program.
//
// It starts by recording (trace::Recorder): every op runs eagerly and goes
// into the TraceGraph. Once some block of the graph has run twice, it is
// compiled on a background thread and the executor switches to validating:
// each op call is checked against the graph (trace::Validator). While the
// current block has no compiled form yet, validated ops still run eagerly;
// from a compiled block's first op on, they no longer run: the observer
// makes lazy tensors (pending storage with the recorded shape), and when
// Python passes the block's last op, the block is queued on the GraphRunner
// with the values Python bound to its inputs. The runner fills the lazy
// tensors that are the block's outputs and writes variables in place.
//
// Values are waited for only when read: a lazy or queued-for-writing
// storage asks the resolver (installed for this thread) to wait for the
// runner. A mismatch is a divergence: the runner finishes what was queued,
// the validated prefix of the current block is replayed with the eager
// kernels so every lazy tensor alive gets its value, and the executor
// records again from there; it validates again at the next fetch or after
// a while. A block whose results Python still holds at its end (a loss kept
// for printing, gradients on parameters) runs eagerly on the runner that
// time and is recompiled with those results as outputs.
//
// Nothing here changes what a program computes: every value is the one the
// eager kernels or the compiled block (the same ops, fused) produce.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_COEXECUTION_COEXECUTOR_H
#define TERRA_COEXECUTION_COEXECUTOR_H

#include "terra/Compiler/BlockCompiler.h"
#include "terra/Runtime/GraphRunner.h"
#include "terra/Runtime/SpscQueue.h"
#include "terra/Trace/BlockConversion.h"
#include "terra/Trace/Recorder.h"
#include "terra/Trace/Validator.h"

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace terra {
namespace coexec {

struct Options {
  /// false: record only (terra-run --imperative with --explain).
  bool coexecute = true;
  /// Recorded ops between two tries to start validating (a try while the
  /// graph still grows costs a comparison; a small training step is 60-70
  /// ops, so each try comes about two steps after the last).
  uint64_t checkInterval = 128;
  /// Passes through a block before it is compiled (three: the loop's edges
  /// have then been taken twice, more than the first iteration's).
  uint64_t minPasses = 3;
  /// Ops a block needs to be compiled (TERRA_MIN_BLOCK_OPS): a few ops gain
  /// less from compiled code than a pass, a compilation and the waits of
  /// eager ops on its results cost (an optimiser's loop over same-shaped
  /// parameters is many blocks of a few ops each).
  uint64_t minBlockOps = 2;
  compiler::CompileOptions compile;
  /// Tiered compilation: a block is first compiled without LLVM
  /// optimisation (several times faster to build, and enough for blocks
  /// bound by Python's pace), runs at once, and is compiled again with
  /// `compile.optLevel` in the background; passes switch to that code.
  bool tiered = true;
  /// Python waits for a block's compilation (its last tier) when it enters
  /// the block (TERRA_COMPILE_WAIT=1: deterministic runs for tests and
  /// benchmarks).
  bool waitForCompile = false;
  /// The runner times each block's final code against its eager kernels
  /// and Python hands it the faster (TERRA_TIME_PASSES=0: always the
  /// compiled code).
  bool timePasses = true;
  /// Recompile budget (TERRA_RECOMPILE_LIMIT): a block compiled again at
  /// the site its first op is at (another shape, a new cut) is a
  /// recompilation; past this many at one site, the blocks through that
  /// site stay imperative (the explain report lists them with the reasons).
  uint64_t recompileLimit = 8;
  /// TERRA_STRICT=1: the first recompilation after warm-up (once a
  /// compiled pass ran) caused by a divergence or a changed input type is
  /// an error (strictViolation()), for the CI of programs that must not
  /// recompile.
  bool strict = false;
  /// Automatic dynamic shapes (TERRA_DYNAMIC_SHAPES=0 turns them off): a
  /// node met with new sizes becomes symbolic instead of having a twin.
  bool dynamicShapes = true;
  /// Recording pauses while the TraceGraph keeps growing: when more than
  /// `pauseGrowth` of the ops recorded over a window of `growthWindow` (the
  /// first window excepted: the first iterations are all new) made new
  /// nodes, the next `firstPause` ops run eagerly without being recorded,
  /// twice as many at each later pause. A program whose ops never repeat
  /// (shapes or paths new every step) then runs at nearly its imperative
  /// speed instead of paying for a recording that would never compile.
  /// 0 turns pausing off (TERRA_RECORDING_PAUSE=0).
  double pauseGrowth = 0.1;
  uint64_t growthWindow = 16384;
  uint64_t firstPause = 32768;
  /// Around waits for the runner (the Python binding releases the GIL).
  std::function<void()> beforeWait, afterWait;
  /// Called on the runner before each pass (tests inject failures here).
  std::function<void()> beforeRunnerPass;
  /// For divergence messages.
  const trace::SourceLocations *locations = nullptr;
  const trace::CallStackIds *stacks = nullptr;
};

struct Stats {
  uint64_t opsRecorded = 0;
  /// Run eagerly while recording was paused (Options::pauseGrowth).
  uint64_t opsUnrecorded = 0;
  uint64_t recordingPauses = 0;
  /// Validated and run eagerly (the block had no compiled form yet).
  uint64_t opsValidatedEager = 0;
  /// Validated and left to the runner: the ops Python skipped.
  uint64_t opsDeferred = 0;
  /// Of those, the ops the runner ran with the eager kernels because they
  /// measured faster than the compiled code (passesEagerFaster).
  uint64_t opsDeferredEager = 0;
  /// Fetches Python made.
  uint64_t syncs = 0;
  uint64_t passesCompiled = 0;
  /// Passes the runner ran with the eager kernels (held results).
  uint64_t passesEager = 0;
  /// Passes the runner ran with the eager kernels because they measured
  /// faster than the block's compiled code.
  uint64_t passesEagerFaster = 0;
  /// Validated prefixes replayed eagerly at a divergence.
  uint64_t prefixesReplayed = 0;
  uint64_t divergences = 0;
  /// Times the blocks were cut again from the counts validation gathered.
  uint64_t repartitions = 0;
  uint64_t compilations = 0;
  /// Blocks whose code came from the disk cache instead of compiling.
  uint64_t cacheLoads = 0;
  uint64_t compileFailures = 0;
  double compileSeconds = 0;
  uint64_t waits = 0;

  /// Every op call the co-executor saw.
  uint64_t opCalls() const {
    return opsRecorded + opsUnrecorded + opsValidatedEager + opsDeferred;
  }
};

/// Recompilations of the blocks that start at one site.
/// How a block's race between its compiled code and its eager kernels
/// ended (explain report): the fastest of the timed passes of each form.
struct RaceReport {
  trace::Site first, last; // The block's first and last ops.
  size_t ops = 0;
  double compiledMs = 0, eagerMs = 0;
  /// The form its passes run: the compiled code, the eager kernels on the
  /// runner, or the eager kernels run by Python (BlockState).
  enum class Form {
    Compiled,
    EagerOnRunner,
    EagerOnPython
  } form = Form::Compiled;
};

struct RecompileReport {
  std::string location; // file:line, with callers
  uint64_t compilations = 0;
  uint64_t recompilations = 0; // compilations after the first
  /// Compilations the budget refused (the blocks stayed imperative).
  uint64_t refused = 0;
  bool overBudget = false;
  /// What changed since the previous compilation (expected vs met).
  std::string lastReason;
  /// The previous compilation's ops (their result types are compared).
  std::vector<compiler::OpSpec> lastOps;
};

/// A divergence site and why, with how often it happened.
struct DivergenceReport {
  std::string reason;
  uint64_t count = 0;
};

/// A compiled form of one block spec, shared by every partition that has
/// the same block.
struct CompileSlot;
struct BlockState;
struct Pass;

class CoExecutor : public recording::Observer {
public:
  CoExecutor(trace::SiteSource &sites, Options options = {});
  ~CoExecutor() override;

  // recording::Observer.
  void op(const char *name, recording::Attributes attributes,
          recording::Operands operands, recording::Results results) override;
  void inPlace(const char *name, recording::Attributes attributes,
               recording::Operands operands, Tensor &target) override;
  bool deferOp(const char *name, const recording::Attributes &attributes,
               recording::Operands operands,
               recording::Results results) override;
  bool deferInPlace(const char *name, const recording::Attributes &attributes,
                    recording::Operands operands, Tensor &target) override;

  /// Python is about to read `value` (item(), print, a branch on it).
  void sync(trace::SyncKind kind, const Tensor &value);
  /// A call from Python into _terra starts.
  void beginCall() { recorder_.beginCall(); }

  /// Installs this executor as the calling thread's observer and pending
  /// resolver (one executor per process).
  void install();
  /// Finishes queued work and uninstalls; values stay readable. Called at
  /// the program's end. A compilation in progress is waited for unless
  /// `waitForCompiler` is false: the compile thread is then left running
  /// (compilingDetached()), and the executor must outlive it - the process
  /// ends without destroying it (terra-run's fast exit).
  void finish(bool waitForCompiler = true);
  bool compilingDetached() const { return compilingDetached_; }

  trace::Recorder &recorder() { return recorder_; }
  bool coexecutes() const { return options_.coexecute; }
  /// Python is in the middle of a compiled block (its ops are lazy).
  bool midBlock() const { return pass_ != nullptr; }
  Stats stats() const;
  const std::map<std::string, DivergenceReport> &divergences() const {
    return divergences_;
  }
  /// Why blocks stay imperative: compile errors and unsupported ops.
  std::map<std::string, uint64_t> compileFailures() const;
  uint64_t recompileLimit() const { return options_.recompileLimit; }
  /// Sites whose blocks were compiled more than once, most first.
  std::vector<RecompileReport> recompiles() const;
  /// Blocks whose race is over, the slowest compiled first.
  std::vector<RaceReport> races() const;
  /// With Options::strict: the error of a recompilation after warm-up,
  /// once (the caller raises it in Python); empty otherwise.
  bool hasStrictViolation() const { return !strictViolation_.empty(); }
  std::string takeStrictViolation() { return std::move(strictViolation_); }

  /// A pending storage is being read on the Python thread: waits for the
  /// runner, or replays the current block if the value is in it.
  void resolve(const Storage &storage);
  /// Storage::drainRunner on the Python thread: waits for the runner.
  void drainRunner();

private:
  enum class Mode { Recording, Validating };

  /// Counts a recorded op; every checkInterval ops, tries to validate.
  void noteRecorded();
  /// Options::pauseGrowth: whether this op runs unrecorded (counting it).
  bool recordingPaused();
  void maybeValidate();
  void startValidating();
  std::shared_ptr<BlockState> prepareBlock(const trace::TraceGraph &graph,
                                           int32_t index);
  /// Counts a new compilation against the recompile budget of the block's
  /// site; false when the block must stay imperative instead (over budget,
  /// or TERRA_STRICT=1).
  bool admitCompilation(const trace::TraceGraph &graph, BlockState &state);
  void compileLoop();
  /// Stops the compile thread (queued compilations are dropped): joins it,
  /// or detaches it when it is compiling and `waitForCompiler` is false.
  void stopCompiler(bool waitForCompiler);
  /// Releases the GIL (Options::beforeWait) for its lifetime.
  class OutsidePython {
  public:
    explicit OutsidePython(const Options &options);
    ~OutsidePython();
    OutsidePython(const OutsidePython &) = delete;
    OutsidePython &operator=(const OutsidePython &) = delete;

  private:
    const Options &options_;
  };
  void waitForCompile(const BlockState &block);

  /// Matches an op call against the graph; on a match defers it (true) or
  /// leaves it to the kernel, else diverges.
  bool validate(const char *name, const recording::Attributes &attributes,
                recording::Operands operands, recording::Results results,
                Tensor *inPlaceTarget);
  trace::IncomingOperand incoming(const Tensor &tensor, uint32_t operand,
                                  recording::Operands operands);
  /// Validation matched an op: defers it (true) or leaves it to the kernel.
  bool afterMatch(const trace::MatchResult &match, recording::Operands operands,
                  recording::Results results, Tensor *inPlaceTarget);
  void noteFeedUses(const trace::MatchResult &match,
                    recording::Operands operands);
  void bindInputs(uint32_t index, recording::Operands operands);
  void submitPass();
  /// Moves the passes the runner has finished from inFlight_ to the spares.
  void reclaimPasses();
  struct ReclaimOnExit {
    CoExecutor &executor;
    ~ReclaimOnExit();
  };
  /// Ends validating: the current pass (if any) is replayed up to where
  /// Python got, and recording resumes at the validator's position.
  void diverge(std::string reason);
  std::string describe(const trace::Site &site) const;
  void stopValidating();
  void abandonPass();
  void waitForRunner();
  /// Waits until `storage` is no longer pending (or the runner is idle).
  void waitForValue(const Storage &storage);
  void tagExecuted(Tensor &tensor, trace::NodeId node, uint32_t output,
                   uint64_t visit);
  /// Tags the target of an in-place op of `node` (visit `visit`) with its
  /// new value, for every tensor on that view (Tensor::noteWrittenTag).
  void tagWritten(Tensor &target, trace::NodeId node, uint64_t visit);

  Options options_;
  trace::Recorder recorder_;
  Mode mode_ = Mode::Recording;
  uint64_t recordedSinceCheck_ = 0;
  size_t nodesAtLastCheck_ = 0;
  /// Back-off: starting to validate costs time linear in the graph, so
  /// after a validation that diverged early, recording goes on for at least
  /// `recordBeforeValidating_` ops (the graph's size) before the next try;
  /// a program whose paths never settle (shapes that change every step)
  /// then runs at about its recording speed.
  uint64_t recordedSinceValidating_ = 0;
  /// Options::pauseGrowth: ops recorded in the current window, the graph's
  /// size when it began, the windows measured so far, the ops left to the
  /// current pause and the length of the next one.
  uint64_t windowRecorded_ = 0;
  size_t windowNodes_ = 0;
  uint64_t windows_ = 0;
  uint64_t pauseLeft_ = 0;
  uint64_t nextPause_ = 0;
  uint64_t recordBeforeValidating_ = 0;
  Stats stats_; // Compile counts: guarded by compileMutex_.
  std::map<std::string, DivergenceReport> divergences_;

  // Validating.
  /// Ops validated since the blocks were cut, and how many more before they
  /// are cut again with the edge counts validation gathered (the first
  /// partition saw only a few iterations).
  uint64_t validatedSincePartition_ = 0;
  uint64_t repartitionAfter_ = 0;
  const trace::TraceGraph *graph_ = nullptr;
  trace::BlockPartition partition_;
  std::unique_ptr<trace::Validator> validator_;
  std::vector<std::shared_ptr<BlockState>> blocks_;
  std::shared_ptr<Pass> pass_;
  /// Finished passes kept to be reused: their arrays keep their capacity,
  /// and the memory the Python thread allocated stays on it.
  std::vector<std::shared_ptr<Pass>> sparePasses_;
  /// Passes handed to the runner, oldest first (it runs them in order);
  /// each is reclaimed once the runner has marked it finished. Destroyed
  /// after runner_, whose thread reads them.
  std::deque<std::shared_ptr<Pass>> inFlight_;
  /// A deferred op's result shapes, resolved from its symbols (kept for
  /// their capacity).
  std::vector<Shape> resolvedShapes_;
  /// The node and visit the last validated-eager op matched (op() tags its
  /// results with them).
  trace::NodeId eagerNode_ = trace::kNoNode;
  uint64_t eagerVisit_ = 0;
  /// First uses of fed values while validating: feed serial -> use.
  std::unordered_map<uint64_t, trace::FeedUse> feedUses_;
  std::vector<trace::IncomingOperand> scratch_;
  std::vector<uint64_t> scratchFeeds_;
  /// Races over, by (first node, ops), kept when the blocks are cut anew
  /// (noteRaces, also from the const report).
  mutable std::map<std::pair<trace::NodeId, size_t>, RaceReport> races_;
  mutable std::vector<std::shared_ptr<BlockState>> unfinishedRaces_;
  static constexpr size_t kUnfinishedRaces = 16;
  void noteRaces() const;
  /// Results Python held at a block's end: compiled as outputs from then on.
  std::set<std::pair<trace::NodeId, uint32_t>> heldResults_;

  // Recompile budget.
  /// Compilations by the site of the block's first op.
  std::unordered_map<trace::Site, RecompileReport, trace::SiteHash>
      compilesBySite_;
  /// Sites over budget: blocks through them are not compiled.
  std::unordered_set<trace::Site, trace::SiteHash> imperativeSites_;
  /// The last divergence after warm-up since the blocks were last cut: a
  /// block compiled at the next cut is compiled because of it.
  std::string divergenceSinceCut_;
  /// The same, when it was a changed shape, dtype, attribute or constant.
  std::string valueChangeSinceCut_;
  std::string strictViolation_;

  // Compilation (background thread).
  compiler::BlockCache cache_;
  compiler::BlockCache quickCache_; // Without LLVM optimisation.
  mutable std::mutex compileMutex_;
  std::map<std::string, uint64_t> compileFailures_; // Guarded too.
  std::condition_variable compileWake_;
  std::condition_variable compileDone_;
  /// Slots to compile, with whether this is the optimising tier.
  std::deque<std::pair<std::shared_ptr<CompileSlot>, bool>> compileQueue_;
  std::unordered_multimap<size_t, std::weak_ptr<CompileSlot>> slots_;
  bool stopCompiling_ = false;
  bool compiling_ = false; // A compilation is running (compileMutex_).
  bool compilingDetached_ = false;
  std::thread compiler_;

  // The runner and the queue back are shared with the runner thread: on
  // cache lines of their own, away from the Python thread's fields.
  alignas(64) GraphRunner runner_;
  alignas(64) std::string replayError_;
  bool installed_ = false;
  bool resolving_ = false;
  std::thread::id owner_;
};

} // namespace coexec
} // namespace terra

#endif // TERRA_COEXECUTION_COEXECUTOR_H
