//===- Pass.cpp - A pass through a compiled block, on the runner ----------===//

#include "Pass.h"

#include "terra/Runtime/EagerBlock.h"

#include <chrono>
#include <cstring>

namespace terra {
namespace coexec {

bool isViewOp(const char *name) {
  static const char *const views[] = {
      "reshape", "permute",   "transpose", "expand",     "slice",
      "select",  "unsqueeze", "squeeze",   "contiguous", "as_strided"};
  for (const char *view : views)
    if (std::strcmp(name, view) == 0)
      return true;
  return false;
}

namespace {

/// Gives `storage` the value `value` (a contiguous copy if it is not).
void fulfilWith(Storage &storage, const Tensor &value) {
  Tensor contiguous = value.isContiguous() ? value : value.contiguous();
  storage.fulfil(contiguous.storage(), contiguous.data());
}

} // namespace

void publishEagerResults(Pass &pass,
                         const std::vector<std::vector<Tensor>> &results) {
  for (size_t op = 0; op < results.size(); ++op) {
    for (size_t r = 0; r < results[op].size(); ++r)
      if (std::shared_ptr<Storage> storage = pass.lazy(op, r).storage.lock())
        if (storage->isPending())
          fulfilWith(*storage, results[op][r]);
    if (pass.writeBacks[op].defined())
      pass.writeBacks[op].copyFrom(results[op][0]);
  }
}

compiler::BlockSpec concreteSpec(const Pass &pass) {
  const compiler::BlockSpec &spec = pass.block->traced.spec;
  return pass.block->symbolic ? compiler::specializeSymbols(spec, pass.symbols)
                              : spec;
}

void releaseInUse(Pass &pass) {
  for (const std::shared_ptr<Storage> &storage : pass.inUse) {
    storage->releasePendingWrite();
    storage->releasePassHold();
  }
  pass.inUse.clear();
}

Pass::~Pass() {
  releaseInUse(*this);
  releaseHeld();
}

void Pass::bindInput(uint32_t input, Tensor value) {
  if (inputs[input].defined())
    inputs[input].storage()->releasePassHold();
  if (value.defined())
    value.storage()->addPassHold();
  inputs[input] = std::move(value);
}

void Pass::writeBackTo(uint32_t op, const Tensor &target) {
  if (writeBacks[op].defined())
    writeBacks[op].storage()->releasePassHold();
  target.storage()->addPassHold();
  writeBacks[op] = target;
}

void Pass::keepInUse(const std::shared_ptr<Storage> &storage) {
  storage->addPendingWrite();
  storage->addPassHold();
  inUse.push_back(storage);
}

void Pass::releaseHeld() {
  for (std::vector<Tensor> *held : {&inputs, &writeBacks})
    for (const Tensor &tensor : *held)
      if (tensor.defined())
        tensor.storage()->releasePassHold();
  inputs.clear();
  writeBacks.clear();
}

void BlockState::notePassTime(bool eager, int64_t nanos) {
  // Written by the runner only; Python reads.
  std::atomic<int64_t> &fastest = eager ? eagerNanos : compiledNanos;
  std::atomic<uint32_t> &passes = eager ? eagerPasses : compiledPasses;
  int64_t old = fastest.load(std::memory_order_relaxed);
  if (old == 0 || nanos < old)
    fastest.store(nanos, std::memory_order_relaxed);
  passes.store(passes.load(std::memory_order_relaxed) + 1,
               std::memory_order_release);
}

bool BlockState::eagerMeasuredFaster() const {
  return compiledPasses.load(std::memory_order_acquire) >= kTimedPasses &&
         eagerPasses.load(std::memory_order_acquire) >= kTimedPasses &&
         eagerNanos.load(std::memory_order_relaxed) <
             compiledNanos.load(std::memory_order_relaxed);
}

bool BlockState::nextPassEager() {
  uint32_t started = finalPassesStarted++;
  if (started < 2 * kTimedPasses)
    return started >= kTimedPasses;
  return eagerMeasuredFaster();
}

bool BlockState::eagerOnPython() const {
  return eagerMeasuredFaster() &&
         compiledNanos.load(std::memory_order_relaxed) >= kEagerOnPythonNanos;
}

void Pass::start(std::shared_ptr<BlockState> started, bool timePasses) {
  block = std::move(started);
  compiled = std::atomic_load(&block->slot->compiled);
  // Only the final code is timed: the quick tier is replaced soon.
  bool final = timePasses && block->slot->final.load(std::memory_order_acquire);
  finished.store(false, std::memory_order_relaxed);
  runEagerly = false;
  eager = final && block->nextPassEager();
  // Timed only while the forms race: the runner's writes would otherwise
  // move the block's cache line between the threads on every pass.
  timed = final && block->racing();
  next = 0;
  size_t numOps = block->traced.spec.ops.size();
  releaseHeld();
  inputs.resize(block->traced.spec.inputs.size());
  results.clear();
  results.resize(block->firstResult.back());
  inUse.clear();
  inUse.reserve(inputs.size() + 8);
  visits.resize(numOps);
  writeBacks.resize(numOps);
  symbols.clear();
}

void Pass::finishOnRunner() {
  // Everything the pass references is let go here, on the runner, which
  // touched those counts last: the Python thread reusing the pass would
  // otherwise take a cache miss on each (the 5-op chain's first op spent
  // a fifth of the Python thread's time releasing its previous pass).
  releaseInUse(*this);
  releaseHeld();
  results.clear();
  finished.store(true, std::memory_order_release);
}

void runPass(Pass &pass) {
  const trace::TracedBlock &traced = pass.block->traced;
  auto start = std::chrono::steady_clock::now();
  auto timed = [&](bool eager) {
    if (pass.timed)
      pass.block->notePassTime(
          eager, std::chrono::duration_cast<std::chrono::nanoseconds>(
                     std::chrono::steady_clock::now() - start)
                     .count());
  };
  if (pass.runEagerly || pass.eager) {
    publishEagerResults(pass, runOpsEagerly(concreteSpec(pass), pass.inputs));
    timed(/*eager=*/true);
    return;
  }
  llvm::Expected<std::vector<Tensor>> outputs =
      pass.compiled->run(pass.inputs, pass.symbols);
  if (!outputs)
    throwError(Error::Kind::Runtime, "a compiled block failed: " +
                                         llvm::toString(outputs.takeError()));
  for (size_t i = 0; i < outputs->size(); ++i) {
    const trace::BlockOutput &output = traced.outputs[i];
    const Tensor &value = (*outputs)[i];
    if (std::shared_ptr<Storage> storage =
            pass.lazy(output.op, output.result).storage.lock())
      if (storage->isPending())
        fulfilWith(*storage, value);
    if (pass.writeBacks[output.op].defined())
      pass.writeBacks[output.op].copyFrom(value);
  }
  timed(/*eager=*/false);
}

} // namespace coexec
} // namespace terra
