//===- CoExecutor.cpp - Imperative-symbolic co-execution ------------------===//

#include "terra/CoExecution/CoExecutor.h"
#include "terra/Trace/SourceLocations.h"

#include "Pass.h"

#include "terra/Runtime/EagerBlock.h"

#include <algorithm>

namespace terra {
namespace coexec {

using trace::IncomingOp;
using trace::IncomingOperand;
using trace::MatchResult;
using trace::NodeId;
using trace::ProducerKind;

namespace {

/// Finished passes kept for reuse: as many as are usually in flight.
constexpr size_t kSparePasses = 8;

CoExecutor *installedExecutor = nullptr;

void resolveWithInstalled(const Storage &storage) {
  if (installedExecutor)
    installedExecutor->resolve(storage);
}

void drainInstalled() {
  if (installedExecutor)
    installedExecutor->drainRunner();
}

} // namespace

//===----------------------------------------------------------------------===//
// Set-up and the end
//===----------------------------------------------------------------------===//

namespace {

compiler::CompileOptions withoutOptimisation(compiler::CompileOptions options) {
  options.optLevel = 0;
  return options;
}

} // namespace

CoExecutor::CoExecutor(trace::SiteSource &sites, Options options)
    : options_(std::move(options)), recorder_(sites), cache_(options_.compile),
      quickCache_(withoutOptimisation(options_.compile)) {
  recorder_.setDynamicShapes(options_.dynamicShapes);
}

CoExecutor::~CoExecutor() {
  stopCompiler(/*waitForCompiler=*/true);
  if (installedExecutor == this) {
    installedExecutor = nullptr;
    Storage::setPendingResolver(nullptr);
    Storage::setRunnerDrain(nullptr);
  }
  if (installed_ && recording::observer() == this)
    recording::setObserver(nullptr);
}

void CoExecutor::install() {
  owner_ = std::this_thread::get_id();
  installedExecutor = this;
  Storage::setPendingResolver(&resolveWithInstalled);
  Storage::setRunnerDrain(&drainInstalled);
  recording::setObserver(this);
  installed_ = true;
}

void CoExecutor::finish(bool waitForCompiler) {
  if (!installed_)
    return;
  // A runner error not reported yet surfaces here, at the program's end.
  if (mode_ == Mode::Validating)
    stopValidating();
  stopCompiler(waitForCompiler);
  if (recording::observer() == this)
    recording::setObserver(nullptr);
  installed_ = false;
  waitForRunner();
  inFlight_.clear();
}

std::map<std::string, uint64_t> CoExecutor::compileFailures() const {
  std::lock_guard<std::mutex> lock(compileMutex_);
  return compileFailures_;
}

Stats CoExecutor::stats() const {
  std::lock_guard<std::mutex> lock(compileMutex_);
  return stats_;
}

//===----------------------------------------------------------------------===//
// Recording and the switch to validating
//===----------------------------------------------------------------------===//

void CoExecutor::maybeValidate() {
  recordedSinceCheck_ = 0;
  if (options_.coexecute && mode_ == Mode::Recording)
    startValidating();
}

void CoExecutor::startValidating() {
  if (recordedSinceValidating_ < recordBeforeValidating_)
    return;
  const trace::TraceGraph &graph = recorder_.graph();
  // Blocks are cut where the recorded paths fork; while the recording still
  // meets new ops, the paths are not all known yet.
  size_t nodes = graph.size();
  bool grew = nodes != nodesAtLastCheck_;
  nodesAtLastCheck_ = nodes;
  if (grew)
    return;
  trace::BlockPartition partition = graph.blocks(2);
  std::vector<std::shared_ptr<BlockState>> states(partition.blocks.size());
  partition_ = std::move(partition);
  bool anyHot = false;
  for (size_t b = 0; b < partition_.blocks.size(); ++b) {
    const trace::Block &block = partition_.blocks[b];
    if (block.nodes.size() < options_.minBlockOps ||
        graph.node(block.nodes.front()).visits < options_.minPasses)
      continue;
    states[b] = prepareBlock(graph, int32_t(b));
    anyHot = true;
  }
  if (!anyHot)
    return;
  blocks_ = std::move(states);
  graph_ = &graph;
  validator_ = std::make_unique<trace::Validator>(graph, partition_,
                                                  /*continueVisits=*/true);
  validator_->reset(graph.lastNode());
  // Fed values the recording already saw in use (earlier in this step).
  feedUses_ = graph.recentFeedUses();
  validatedSincePartition_ = 0;
  if (!repartitionAfter_)
    repartitionAfter_ = 16 * graph.size();
  divergenceSinceCut_.clear();
  valueChangeSinceCut_.clear();
  mode_ = Mode::Validating;
}

void CoExecutor::op(const char *name, recording::Attributes attributes,
                    recording::Operands operands, recording::Results results) {
  if (mode_ == Mode::Validating) {
    for (size_t r = 0; r < results.size; ++r)
      tagExecuted(*results[r], eagerNode_, uint32_t(r), eagerVisit_);
    return;
  }
  if (recordingPaused())
    return;
  recorder_.op(name, std::move(attributes), operands, results);
  noteRecorded();
}

bool CoExecutor::recordingPaused() {
  if (pauseLeft_ == 0)
    return false;
  ++stats_.opsUnrecorded;
  if (--pauseLeft_ == 0) {
    // The walk starts afresh: the ops skipped are no edge of the graph.
    recorder_.restartWalk();
    windowRecorded_ = 0;
    windowNodes_ = recorder_.graph().size();
  }
  return true;
}

void CoExecutor::noteRecorded() {
  ++stats_.opsRecorded;
  ++recordedSinceValidating_;
  if (options_.pauseGrowth > 0 && ++windowRecorded_ >= options_.growthWindow) {
    size_t nodes = recorder_.graph().size();
    double growth = double(nodes - windowNodes_) / double(windowRecorded_);
    if (windows_++ > 0 && growth > options_.pauseGrowth) {
      pauseLeft_ = nextPause_ ? nextPause_ : options_.firstPause;
      nextPause_ = 2 * pauseLeft_;
      ++stats_.recordingPauses;
    }
    windowRecorded_ = 0;
    windowNodes_ = nodes;
  }
  if (++recordedSinceCheck_ >= options_.checkInterval)
    maybeValidate();
}

void CoExecutor::inPlace(const char *name, recording::Attributes attributes,
                         recording::Operands operands, Tensor &target) {
  if (mode_ == Mode::Validating) {
    ++target.storage()->traceState().version;
    tagWritten(target, eagerNode_, eagerVisit_);
    return;
  }
  if (recordingPaused()) {
    // Tags of the old value must not name the new one.
    ++target.storage()->traceState().version;
    return;
  }
  recorder_.inPlace(name, std::move(attributes), operands, target);
  noteRecorded();
}

void CoExecutor::sync(trace::SyncKind kind, const Tensor &value) {
  ++stats_.syncs;
  if (mode_ == Mode::Recording) {
    if (pauseLeft_ > 0)
      return;
    recorder_.sync(kind, value);
    maybeValidate();
    return;
  }
  trace::Site site = recorder_.nextSite();
  const Tensor *operands[] = {&value};
  IncomingOperand operand =
      incoming(value, 0, recording::Operands(operands, 1));
  MatchResult match = validator_->matchSync(site, kind, operand);
  if (!match.matched()) {
    std::string reason = validator_->explainSync(
        match, site, kind, operand, options_.locations, options_.stacks);
    diverge(std::move(reason));
    recorder_.presetNextSite(site);
    recorder_.sync(kind, value);
    return;
  }
  // A fetch inside a block: a rarely taken edge out of its middle.
  if (pass_)
    abandonPass();
  // Between blocks: a good time to cut them again from what validation
  // counted, a few times, ever less often.
  if (validatedSincePartition_ >= repartitionAfter_ &&
      stats_.repartitions < 4) {
    ++stats_.repartitions;
    repartitionAfter_ *= 4;
    stopValidating();
    startValidating();
  }
}

void CoExecutor::tagExecuted(Tensor &tensor, NodeId node, uint32_t output,
                             uint64_t visit) {
  if (!tensor.defined())
    return;
  TraceTag &tag = tensor.traceTag();
  tag.kind = TraceTag::Kind::Executed;
  tag.node = node;
  tag.output = output;
  tag.id = visit;
  tag.version = tensor.storage()->traceState().version;
}

void CoExecutor::tagWritten(Tensor &target, NodeId node, uint64_t visit) {
  // A variable is named by its storage, not by the write.
  if (target.storage()->traceState().variable) {
    target.traceTag() = TraceTag{};
    return;
  }
  tagExecuted(target, node, 0, visit);
  target.noteWrittenTag();
}

//===----------------------------------------------------------------------===//
// Validating
//===----------------------------------------------------------------------===//

IncomingOperand CoExecutor::incoming(const Tensor &tensor, uint32_t operand,
                                     recording::Operands operands) {
  IncomingOperand in;
  trace::Producer producer = recorder_.producerOf(tensor);
  in.kind = producer.kind;
  if (tensor.defined()) {
    in.dtype = tensor.dtype();
    in.shape = tensor.shape().data();
    in.rank = uint32_t(tensor.dim());
  }
  if (scratchFeeds_.size() < operands.size)
    scratchFeeds_.resize(operands.size);
  scratchFeeds_[operand] = 0;
  switch (producer.kind) {
  case ProducerKind::Variable:
    in.variable = producer.id;
    break;
  case ProducerKind::Constant:
    in.constant = producer.value;
    break;
  case ProducerKind::Record:
    if (producer.isExecuted()) {
      in.node = producer.node;
      in.slot = producer.output;
      in.visit = producer.id;
    } else if (graph_->executionOfRecord(producer.id, in.node, in.visit)) {
      in.slot = producer.output;
    } else {
      in.node = trace::kNoNode;
    }
    break;
  case ProducerKind::Feed: {
    scratchFeeds_[operand] = producer.id;
    for (uint32_t j = 0; j < operand; ++j)
      if (scratchFeeds_[j] == producer.id) {
        in.node = trace::kThisOp;
        in.slot = j;
        return in;
      }
    auto use = feedUses_.find(producer.id);
    if (use != feedUses_.end()) {
      in.node = use->second.node;
      in.slot = use->second.operand;
      in.visit = use->second.visit;
    }
    break;
  }
  }
  return in;
}

void CoExecutor::noteFeedUses(const MatchResult &match,
                              recording::Operands operands) {
  for (uint32_t i = 0; i < operands.size; ++i)
    if (scratch_[i].kind == ProducerKind::Feed &&
        scratch_[i].node == trace::kNoNode) {
      if (feedUses_.size() > 4096)
        feedUses_.clear();
      feedUses_[scratchFeeds_[i]] = trace::FeedUse{match.node, i, match.visit};
    }
}

bool CoExecutor::deferOp(const char *name,
                         const recording::Attributes &attributes,
                         recording::Operands operands,
                         recording::Results results) {
  return mode_ == Mode::Validating &&
         validate(name, attributes, operands, results, nullptr);
}

bool CoExecutor::deferInPlace(const char *name,
                              const recording::Attributes &attributes,
                              recording::Operands operands, Tensor &target) {
  return mode_ == Mode::Validating &&
         validate(name, attributes, operands, {}, &target);
}

bool CoExecutor::validate(const char *name,
                          const recording::Attributes &attributes,
                          recording::Operands operands,
                          recording::Results results, Tensor *inPlaceTarget) {
  trace::Site site = recorder_.nextSite();
  scratch_.resize(operands.size);
  for (uint32_t i = 0; i < operands.size; ++i)
    scratch_[i] = incoming(*operands[i], i, operands);
  IncomingOp op;
  op.site = site;
  op.name = name;
  op.attributes = attributes.data();
  op.numAttributes = attributes.size();
  op.operands = scratch_.data();
  op.numOperands = operands.size;
  // An in-place write to a variable is recorded with the write.
  trace::VariableWrite write;
  if (inPlaceTarget) {
    write.variable = inPlaceTarget->storage()->traceState().variable;
    op.writes = &write;
    op.numWrites = write.variable ? 1 : 0;
  }
  MatchResult match = validator_->matchOp(op);
  if (!match.matched()) {
    std::string reason =
        validator_->explain(match, op, options_.locations, options_.stacks);
    // A shape, dtype, attribute or constant that changed, rather than a new
    // path: what TERRA_STRICT=1 forbids after warm-up.
    if (stats_.passesCompiled > 0 &&
        (match.reason == trace::Mismatch::OperandType ||
         match.reason == trace::Mismatch::Attributes ||
         match.reason == trace::Mismatch::Constant))
      valueChangeSinceCut_ = reason;
    diverge(std::move(reason));
    recorder_.presetNextSite(site);
    return false;
  }
  noteFeedUses(match, operands);
  ++validatedSincePartition_;
  return afterMatch(match, operands, results, inPlaceTarget);
}

namespace {

/// The index of the op of `pass` that made `tensor`, if it did.
int64_t opOfPass(const Pass &pass, const trace::Validator &validator,
                 const trace::BlockPartition &partition, const Tensor &tensor) {
  if (!tensor.defined())
    return -1;
  const TraceTag &tag = tensor.traceTag();
  if (tag.kind != TraceTag::Kind::Executed ||
      tag.version != tensor.storage()->traceState().version ||
      partition.blockOf[tag.node] != pass.block->index)
    return -1;
  uint32_t position = validator.positionInBlock(tag.node);
  return position < pass.next && pass.visits[position] == tag.id
             ? int64_t(position)
             : -1;
}

} // namespace

bool CoExecutor::afterMatch(const MatchResult &match,
                            recording::Operands operands,
                            recording::Results results, Tensor *inPlaceTarget) {
  uint32_t position = validator_->positionInBlock(match.node);
  // Python left the block by a rarely taken edge.
  if (pass_ && (match.block != pass_->block->index || position != pass_->next))
    abandonPass();
  // A block still cold when validation started (the walk had not passed
  // it minPasses times yet) is prepared once validation has.
  if (!pass_ && position == 0 && match.block >= 0 && !blocks_[match.block] &&
      partition_.blocks[match.block].nodes.size() >= options_.minBlockOps &&
      validator_->visits()[match.node] >= options_.minPasses)
    blocks_[match.block] = prepareBlock(*graph_, match.block);
  // Python enters a block: a pass starts if the block is compiled.
  if (!pass_ && position == 0 && match.block >= 0 && blocks_[match.block]) {
    const std::shared_ptr<BlockState> &block = blocks_[match.block];
    if (options_.waitForCompile)
      waitForCompile(*block);
    if (block->ready() && !(options_.timePasses && block->eagerOnPython())) {
      if (sparePasses_.empty()) {
        pass_ = std::make_shared<Pass>();
      } else {
        pass_ = std::move(sparePasses_.back());
        sparePasses_.pop_back();
      }
      pass_->start(block, options_.timePasses);
    }
  }
  int64_t ownedBy = -1;
  const trace::Node &node = graph_->node(match.node);
  if (pass_) {
    Pass &pass = *pass_;
    // Values the block cannot take: one of its own results where it
    // expects an input (an operand whose producer varies), or an in-place
    // write to memory it does not own. This pass ends here; Python goes on
    // validating with eager ops.
    bool deferrable = true;
    for (const auto &[operand, input] : pass.block->bindings[position])
      if (opOfPass(pass, *validator_, partition_, *operands[operand]) >= 0)
        deferrable = false;
    // The symbols take one value throughout a pass, as compiled code reads
    // each from one place.
    const trace::SymbolBindings &symbols = validator_->bindings();
    // Each result's shape comes from the op's symbols (TraceGraph::merge
    // made sure they give it); the lazy results below take these shapes.
    if (node.symbolic)
      resolvedShapes_.resize(std::max(resolvedShapes_.size(), results.size));
    for (size_t r = 0; deferrable && node.symbolic && r < results.size; ++r)
      deferrable = trace::resolveSizes(node.results[r].type.shape, symbols,
                                       resolvedShapes_[r]);
    for (unsigned i = 0; deferrable && i < symbols.size(); ++i) {
      uint32_t symbol = symbols.symbol(i);
      if (symbol >= pass.symbols.size())
        pass.symbols.resize(symbol + 1, -1);
      int64_t &value = pass.symbols[symbol];
      deferrable = value < 0 || value == symbols.value(i);
      value = symbols.value(i);
    }
    if (inPlaceTarget && !inPlaceTarget->storage()->traceState().variable) {
      ownedBy = opOfPass(pass, *validator_, partition_, *inPlaceTarget);
      const Tensor &target = *inPlaceTarget;
      // A value of this pass in memory from before it (written back by an
      // earlier in-place op of the pass) is written back again.
      if (ownedBy >= 0 &&
          pass.lazy(ownedBy, target.traceTag().output).storage.lock() !=
              target.storage())
        ownedBy = -1;
      if (ownedBy >= 0) {
        // Made in this pass: the new value takes over its memory, unless
        // other tensors share that memory eagerly.
        bool owned = !pass.lazy(ownedBy, target.traceTag().output).aliased &&
                     target.coversStorage();
        deferrable = deferrable && owned;
      }
      // Else memory from before the pass (a momentum buffer kept as a plain
      // tensor): the runner writes the new value back (see submitPass).
    }
    if (!deferrable)
      abandonPass();
  }
  if (!pass_) {
    ++stats_.opsValidatedEager;
    eagerNode_ = match.node;
    eagerVisit_ = match.visit;
    return false;
  }

  Pass &pass = *pass_;
  bindInputs(position, operands);
  pass.visits[position] = match.visit;
  if (inPlaceTarget) {
    Tensor &target = *inPlaceTarget;
    const std::shared_ptr<Storage> &storage = target.storage();
    Storage::TraceState &state = storage->traceState();
    ++state.version;
    if (state.variable || ownedBy < 0) {
      pass.writeBackTo(position, target);
      if (std::find(pass.inUse.begin(), pass.inUse.end(), storage) ==
          pass.inUse.end())
        pass.keepInUse(storage);
    } else {
      // The new value takes over the memory of the old one.
      pass.lazy(ownedBy, target.traceTag().output).storage.reset();
      pass.lazy(position, 0).storage = storage;
    }
    tagWritten(target, match.node, match.visit);
  } else {
    bool view = pass.block->isView[position];
    if (view)
      for (uint32_t i = 0; i < operands.size; ++i) {
        int64_t op = opOfPass(pass, *validator_, partition_, *operands[i]);
        if (op >= 0)
          pass.lazy(op, operands[i]->traceTag().output).aliased = true;
      }
    for (size_t r = 0; r < results.size; ++r) {
      const compiler::TensorType &type = node.results[r].type;
      // Static shapes: strides and size were made with the block.
      uint32_t result = pass.block->firstResult[position] + uint32_t(r);
      const Shape &shape = node.symbolic ? resolvedShapes_[r] : type.shape;
      Shape symbolicStrides;
      if (node.symbolic)
        symbolicStrides = contiguousStrides(shape);
      const Shape &strides =
          node.symbolic ? symbolicStrides : pass.block->resultStrides[result];
      size_t bytes = node.symbolic
                         ? size_t(numElements(shape)) * itemSize(type.dtype)
                         : pass.block->resultBytes[result];
      std::shared_ptr<Storage> storage = Storage::lazy(bytes);
      LazyResult &lazy = pass.lazy(position, r);
      lazy.storage = storage;
      lazy.aliased = view;
      // Moved, not copied: each reference count change is an atomic
      // operation, a tenth of a deferred op's time.
      *results[r] =
          Tensor::view(std::move(storage), type.dtype, shape, strides, 0);
      tagExecuted(*results[r], match.node, uint32_t(r), match.visit);
    }
  }
  ++pass.next;
  ++stats_.opsDeferred;
  if (match.endsBlock)
    submitPass();
  return true;
}

void CoExecutor::bindInputs(uint32_t position, recording::Operands operands) {
  Pass &pass = *pass_;
  for (const auto &[operand, input] : pass.block->bindings[position]) {
    const Tensor &value = *operands[operand];
    // Memory lent by NumPy may change under the runner: a copy goes.
    Tensor bound = value.defined() && value.storage()->isBorrowed() &&
                           !value.storage()->isPending()
                       ? value.clone()
                       : value;
    if (bound.defined())
      pass.keepInUse(bound.storage());
    pass.bindInput(input, std::move(bound));
  }
}

void CoExecutor::submitPass() {
  std::shared_ptr<Pass> pass(std::move(pass_));
  BlockState &block = *pass->block;
  // Results Python still holds that the block does not hand back: this pass
  // runs eagerly, and the block is compiled again with them as outputs.
  bool held = false;
  for (size_t op = 0; op < block.outputOf.size(); ++op)
    for (size_t r = 0; r < block.outputOf[op].size(); ++r)
      if (block.outputOf[op][r] < 0 && !pass->lazy(op, r).storage.expired() &&
          !pass->writeBacks[op].defined()) {
        heldResults_.insert({block.traced.nodes[op], uint32_t(r)});
        held = true;
      }
  // So are in-place writes whose value is not an output and that no later
  // op of the block overwrites.
  for (size_t op = 0; op < pass->writeBacks.size(); ++op) {
    const Tensor &target = pass->writeBacks[op];
    if (!target.defined() || block.outputOf[op][0] >= 0)
      continue;
    bool overwritten = false;
    for (size_t later = op + 1; later < pass->writeBacks.size(); ++later)
      overwritten = overwritten ||
                    (pass->writeBacks[later].defined() &&
                     pass->writeBacks[later].storage() == target.storage());
    if (!overwritten) {
      heldResults_.insert({block.traced.nodes[op], 0});
      held = true;
    }
  }
  if (held) {
    blocks_[block.index] = prepareBlock(*graph_, block.index);
    ++stats_.passesEager;
  } else if (pass->eager) {
    ++stats_.passesEagerFaster;
    stats_.opsDeferredEager += pass->next;
  } else {
    ++stats_.passesCompiled;
  }
  reclaimPasses();
  pass->runEagerly = held;
  Pass *running = pass.get();
  inFlight_.push_back(std::move(pass));
  // Two pointers: the task fits in std::function's own storage, so handing
  // a pass over allocates nothing.
  runner_.submit([this, running] {
    struct Finish {
      Pass &pass;
      ~Finish() { pass.finishOnRunner(); }
    } finish{*running};
    if (options_.beforeRunnerPass)
      options_.beforeRunnerPass();
    runPass(*running);
  });
}

void CoExecutor::reclaimPasses() {
  while (!inFlight_.empty()) {
    std::shared_ptr<Pass> &oldest = inFlight_.front();
    // The runner finishes passes in order; once it is idle, those it
    // skipped after a failure are free too.
    bool finished = oldest->finished.load(std::memory_order_acquire);
    if (!finished && runner_.completed() != runner_.submitted())
      return;
    // A pass skipped after a failure is dropped: that releases what it held
    // (values it would have read or written become readable again).
    if (finished && sparePasses_.size() < kSparePasses &&
        oldest.use_count() == 1)
      sparePasses_.push_back(std::move(oldest));
    inFlight_.pop_front();
  }
}

//===----------------------------------------------------------------------===//
// Divergence and waiting
//===----------------------------------------------------------------------===//

CoExecutor::OutsidePython::OutsidePython(const Options &options)
    : options_(options) {
  if (options_.beforeWait)
    options_.beforeWait();
}

CoExecutor::OutsidePython::~OutsidePython() {
  if (options_.afterWait)
    options_.afterWait();
}

CoExecutor::ReclaimOnExit::~ReclaimOnExit() { executor.reclaimPasses(); }

void CoExecutor::waitForRunner() {
  ReclaimOnExit reclaim{*this}; // Also when the wait rethrows a runner error.
  if (runner_.completed() == runner_.submitted()) {
    runner_.drain(); // Rethrows a runner error, if any.
    return;
  }
  ++stats_.waits;
  OutsidePython outside(options_);
  runner_.drain();
}

void CoExecutor::waitForValue(const Storage &storage) {
  if (!storage.isPending())
    return;
  ++stats_.waits;
  OutsidePython outside(options_);
  // Also when the runner failed: the passes it skipped are released.
  ReclaimOnExit reclaim{*this};
  // Passes queued after the one that fills `storage` keep running.
  runner_.waitUntil([&] { return !storage.isPending(); });
}

void CoExecutor::abandonPass() {
  std::shared_ptr<Pass> pass = std::move(pass_);
  waitForRunner();
  releaseInUse(*pass);
  if (pass->next == 0)
    return;
  ++stats_.prefixesReplayed;
  recording::Pause pause;
  try {
    publishEagerResults(
        *pass, runOpsEagerly(concreteSpec(*pass), pass->inputs, pass->next));
  } catch (const Error &error) {
    // The prefix read values of a block that failed: its lazy tensors stay
    // unfilled, and reading one reports why.
    replayError_ = error.what();
  }
}

std::string CoExecutor::describe(const trace::Site &site) const {
  return options_.locations
             ? options_.locations->describe(site, options_.stacks)
             : "code " + std::to_string(site.code) + "+" +
                   std::to_string(site.offset);
}

std::vector<RecompileReport> CoExecutor::recompiles() const {
  std::vector<RecompileReport> reports;
  for (const auto &entry : compilesBySite_)
    if (entry.second.recompilations || entry.second.refused)
      reports.push_back(entry.second);
  std::sort(reports.begin(), reports.end(),
            [](const RecompileReport &a, const RecompileReport &b) {
              return a.recompilations != b.recompilations
                         ? a.recompilations > b.recompilations
                         : a.location < b.location;
            });
  return reports;
}

void CoExecutor::diverge(std::string reason) {
  // After warm-up (a compiled pass ran), a block compiled at the next cut
  // is compiled because of this.
  if (stats_.passesCompiled > 0 && valueChangeSinceCut_.empty())
    divergenceSinceCut_ = reason;
  ++stats_.divergences;
  ++divergences_[reason].count;
  divergences_[reason].reason = std::move(reason);
  stopValidating();
}

void CoExecutor::noteRaces() const {
  auto note = [&](const BlockState &block) {
    if (block.compiledPasses.load() < BlockState::kTimedPasses ||
        block.eagerPasses.load() < BlockState::kTimedPasses)
      return false;
    RaceReport report;
    report.first = graph_->node(block.traced.nodes.front()).site;
    report.last = graph_->node(block.traced.nodes.back()).site;
    report.ops = block.traced.nodes.size();
    report.compiledMs = double(block.compiledNanos.load()) / 1e6;
    report.eagerMs = double(block.eagerNanos.load()) / 1e6;
    report.form = block.eagerOnPython() ? RaceReport::Form::EagerOnPython
                  : block.eagerMeasuredFaster()
                      ? RaceReport::Form::EagerOnRunner
                      : RaceReport::Form::Compiled;
    races_[{block.traced.nodes.front(), report.ops}] = std::move(report);
    return true;
  };
  // Races whose last timed passes were still queued when the blocks were
  // cut anew, kept (a few) until the runner has timed them.
  unfinishedRaces_.erase(
      std::remove_if(unfinishedRaces_.begin(), unfinishedRaces_.end(),
                     [&](const std::shared_ptr<BlockState> &block) {
                       return note(*block);
                     }),
      unfinishedRaces_.end());
  for (const std::shared_ptr<BlockState> &block : blocks_)
    if (block && !note(*block) && block->finalPassesStarted > 0 &&
        unfinishedRaces_.size() < kUnfinishedRaces &&
        std::find(unfinishedRaces_.begin(), unfinishedRaces_.end(), block) ==
            unfinishedRaces_.end())
      unfinishedRaces_.push_back(block);
}

std::vector<RaceReport> CoExecutor::races() const {
  noteRaces();
  std::vector<RaceReport> reports;
  for (const auto &entry : races_)
    reports.push_back(entry.second);
  std::sort(reports.begin(), reports.end(),
            [](const RaceReport &a, const RaceReport &b) {
              return a.compiledMs > b.compiledMs;
            });
  return reports;
}

void CoExecutor::stopValidating() {
  noteRaces();
  if (pass_)
    abandonPass();
  // Validation that did not outlast a walk over the graph did not pay for
  // starting it: record as many ops as the graph has before the next try,
  // which bounds the cost of trying to a constant factor.
  recordBeforeValidating_ =
      validatedSincePartition_ < graph_->size() ? graph_->size() : 0;
  recordedSinceValidating_ = 0;
  recorder_.resumeAt(validator_->position(), validator_->visits(),
                     validator_->edgeCounts(), feedUses_);
  validator_.reset();
  blocks_.clear();
  feedUses_.clear();
  mode_ = Mode::Recording;
  recordedSinceCheck_ = 0;
}

void CoExecutor::drainRunner() {
  if (std::this_thread::get_id() == owner_ && !resolving_)
    waitForRunner();
}

void CoExecutor::resolve(const Storage &storage) {
  // The thread first: resolving_ belongs to the Python thread, and the
  // runner reads pending storages too (a data race ThreadSanitizer found).
  if (std::this_thread::get_id() != owner_ || resolving_)
    return;
  struct Guard {
    bool &flag;
    explicit Guard(bool &flag) : flag(flag) { flag = true; }
    ~Guard() { flag = false; }
  } guard(resolving_);
  waitForValue(storage);
  // A value of the block Python is in the middle of.
  if (storage.isPending() && pass_)
    abandonPass();
  if (storage.isPending())
    throwError(
        Error::Kind::Runtime,
        "a lazy tensor's value is unavailable: the compiled block that "
        "computes it failed or never ran" +
            (replayError_.empty() ? std::string() : " (" + replayError_ + ")"));
}

} // namespace coexec
} // namespace terra
