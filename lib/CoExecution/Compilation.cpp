//===- Compilation.cpp - Hot blocks prepared and compiled in the background
//===//

#include "Pass.h"

#include "terra/CoExecution/CoExecutor.h"

#include <chrono>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

namespace terra {
namespace coexec {

void CoExecutor::compileLoop() {
  pthread_setname_np(pthread_self(), "terra-compile");
  // Compilation uses the time the program leaves idle: at the lowest
  // priority it does not take cores from the eager kernels (on two cores,
  // a 10 s compile halved the program's speed while it ran). SCHED_IDLE
  // also lets a waking kernel worker preempt it at once; nice 19 where
  // that policy is refused.
  sched_param idle{};
  if (pthread_setschedparam(pthread_self(), SCHED_IDLE, &idle) != 0)
    setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 19);
  for (;;) {
    std::shared_ptr<CompileSlot> slot;
    bool optimise;
    {
      std::unique_lock<std::mutex> lock(compileMutex_);
      compileWake_.wait(
          lock, [&] { return stopCompiling_ || !compileQueue_.empty(); });
      if (stopCompiling_)
        return;
      // Newest first: the latest partition is the steady state's
      // (optimising tiers wait at the front).
      slot = std::move(compileQueue_.back().first);
      optimise = compileQueue_.back().second;
      compileQueue_.pop_back();
      compiling_ = true;
    }
    // A block no partition uses any more (the first iterations' shape of
    // the loop) is not worth compiling.
    if (slot.use_count() == 1) {
      std::lock_guard<std::mutex> lock(compileMutex_);
      compiling_ = false;
      if (!optimise) {
        slot->state.store(CompileSlot::Failed, std::memory_order_release);
        slot->failure = "no longer needed";
      }
      slot->final.store(true);
      compileDone_.notify_all();
      continue;
    }
    bool quick = options_.tiered && !optimise;
    auto start = std::chrono::steady_clock::now();
    llvm::Expected<std::shared_ptr<compiler::CompiledBlock>> compiled = nullptr;
    // Optimised code from an earlier run makes the quick tier pointless.
    if (quick)
      compiled = cache_.getIfCached(slot->spec);
    if (compiled && *compiled)
      optimise = true;
    else if (compiled)
      compiled = (quick ? quickCache_ : cache_).get(slot->spec);
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    std::lock_guard<std::mutex> lock(compileMutex_);
    compiling_ = false;
    stats_.compileSeconds += seconds;
    if (compiled)
      ++((*compiled)->stats().fromDiskCache ? stats_.cacheLoads
                                            : stats_.compilations);
    if (compiled && optimise) {
      // Passes started from now on run the optimised code.
      std::atomic_store(&slot->compiled, std::move(*compiled));
      slot->state.store(CompileSlot::Ready, std::memory_order_release);
      slot->final.store(true);
    } else if (optimise) {
      slot->final.store(true); // The quick code stays.
      llvm::consumeError(compiled.takeError());
    } else if (compiled) {
      std::atomic_store(&slot->compiled, std::move(*compiled));
      slot->state.store(CompileSlot::Ready, std::memory_order_release);
      if (quick)
        compileQueue_.emplace_front(slot, true);
      else
        slot->final.store(true);
    } else {
      ++stats_.compileFailures;
      slot->failure = llvm::toString(compiled.takeError());
      ++compileFailures_[slot->failure];
      slot->state.store(CompileSlot::Failed, std::memory_order_release);
      slot->final.store(true);
    }
    compileDone_.notify_all();
  }
}

void CoExecutor::waitForCompile(const BlockState &block) {
  if (!block.slot || block.slot->final.load())
    return;
  OutsidePython outside(options_);
  std::unique_lock<std::mutex> lock(compileMutex_);
  compileDone_.wait(lock,
                    [&] { return block.slot->final.load() || stopCompiling_; });
}

void CoExecutor::stopCompiler(bool waitForCompiler) {
  bool detach;
  {
    std::lock_guard<std::mutex> lock(compileMutex_);
    stopCompiling_ = true;
    compileQueue_.clear();
    detach = compiling_ && !waitForCompiler;
  }
  compileWake_.notify_all();
  if (detach) {
    compiler_.detach();
    compilingDetached_ = true;
  } else if (compiler_.joinable()) {
    compiler_.join();
  }
}

namespace {

/// The first op whose result types differ between two compilations of the
/// blocks at one site, as "op #4 (matmul) gives float32[16, 16], was
/// float32[32, 16]"; empty when the ops the two share agree (the block was
/// only cut anew, or outputs changed).
std::string describeTypeChange(const std::vector<compiler::OpSpec> &was,
                               const std::vector<compiler::OpSpec> &now,
                               size_t &changedOp) {
  auto typesName = [](const std::vector<compiler::TensorType> &types) {
    std::string name;
    for (const compiler::TensorType &type : types)
      name += (name.empty() ? "" : ", ") + std::string(dtypeName(type.dtype)) +
              formatShape(type.shape);
    return name;
  };
  for (size_t i = 0; i < was.size() && i < now.size(); ++i) {
    if (was[i].name != now[i].name)
      return "";
    if (was[i].results == now[i].results)
      continue;
    changedOp = i;
    return "op #" + std::to_string(i) + " (" + now[i].name + ") gives " +
           typesName(now[i].results) + ", was " + typesName(was[i].results);
  }
  return "";
}

} // namespace

bool CoExecutor::admitCompilation(const trace::TraceGraph &graph,
                                  BlockState &state) {
  const trace::TracedBlock &traced = state.traced;
  trace::Site site = graph.node(traced.nodes.front()).site;
  RecompileReport &report = compilesBySite_[site];
  if (report.compilations == 0) {
    report.location = describe(site);
  } else {
    size_t changedOp = 0;
    std::string change =
        describeTypeChange(report.lastOps, traced.spec.ops, changedOp);
    if (!change.empty())
      change += " at " + describe(graph.node(traced.nodes[changedOp]).site);
    report.lastReason = !change.empty()                 ? change
                        : !valueChangeSinceCut_.empty() ? valueChangeSinceCut_
                        : !divergenceSinceCut_.empty()  ? divergenceSinceCut_
                                                        : "blocks cut anew";
    if (report.recompilations >= options_.recompileLimit) {
      ++report.refused;
      report.overBudget = true;
      imperativeSites_.insert(site);
      state.eagerReason =
          "the recompile budget of " + report.location + " is used up";
      return false;
    }
    bool warm = stats_.passesCompiled > 0;
    if (options_.strict && warm &&
        (!change.empty() || !valueChangeSinceCut_.empty())) {
      // Raised once; the block stays imperative.
      options_.strict = false;
      state.eagerReason = "TERRA_STRICT=1";
      strictViolation_ =
          "TERRA_STRICT=1: the block of " +
          std::to_string(traced.nodes.size()) + " ops at " + report.location +
          " would be compiled again after warm-up: " + report.lastReason;
      // A size that became dynamic: the value met says which one.
      if (!change.empty() && !valueChangeSinceCut_.empty())
        strictViolation_ += "; " + valueChangeSinceCut_;
      return false;
    }
    ++report.recompilations;
  }
  ++report.compilations;
  report.lastOps = traced.spec.ops;
  return true;
}

std::shared_ptr<BlockState>
CoExecutor::prepareBlock(const trace::TraceGraph &graph, int32_t index) {
  auto state = std::make_shared<BlockState>();
  state->index = index;
  trace::TracedBlock &traced = state->traced;
  traced =
      trace::toBlockSpec(graph, partition_.blocks[index],
                         trace::OutputPolicy::ObservedUses, options_.minPasses);
  size_t numOps = traced.spec.ops.size();
  state->outputOf.resize(numOps);
  state->firstResult.assign(numOps + 1, 0);
  for (size_t op = 0; op < numOps; ++op) {
    size_t numResults = traced.spec.ops[op].results.size();
    state->outputOf[op].assign(numResults, -1);
    state->firstResult[op + 1] = state->firstResult[op] + uint32_t(numResults);
  }
  for (size_t i = 0; i < traced.outputs.size(); ++i)
    state->outputOf[traced.outputs[i].op][traced.outputs[i].result] =
        static_cast<int32_t>(i);
  // Results Python held at the end of an earlier pass are outputs too.
  for (size_t op = 0; op < numOps; ++op)
    for (size_t r = 0; r < state->outputOf[op].size(); ++r)
      if (state->outputOf[op][r] < 0 &&
          heldResults_.count({traced.nodes[op], uint32_t(r)})) {
        state->outputOf[op][r] = static_cast<int32_t>(traced.outputs.size());
        trace::BlockOutput output;
        output.op = uint32_t(op);
        output.result = uint32_t(r);
        output.heldByPython = true;
        traced.outputs.push_back(output);
        traced.spec.outputs.push_back(
            compiler::ValueId::result(int32_t(op), int32_t(r)));
      }
  state->symbolic = compiler::hasSymbolicSizes(traced.spec);
  state->bindings.resize(numOps);
  state->isView.resize(numOps);
  for (size_t op = 0; op < numOps; ++op)
    state->isView[op] = isViewOp(traced.spec.ops[op].name.c_str());
  state->resultStrides.resize(state->firstResult.back());
  state->resultBytes.resize(state->firstResult.back());
  for (size_t op = 0; op < numOps; ++op) {
    const trace::Node &node = graph.node(traced.nodes[op]);
    if (node.symbolic)
      continue;
    size_t numResults = state->firstResult[op + 1] - state->firstResult[op];
    for (size_t r = 0; r < numResults && r < node.results.size(); ++r) {
      const compiler::TensorType &type = node.results[r].type;
      state->resultStrides[state->firstResult[op] + r] =
          contiguousStrides(type.shape);
      state->resultBytes[state->firstResult[op] + r] =
          size_t(numElements(type.shape)) * itemSize(type.dtype);
    }
  }
  for (size_t i = 0; i < traced.inputs.size(); ++i)
    state->bindings[traced.inputs[i].firstOp].push_back(
        {traced.inputs[i].firstOperand, uint32_t(i)});

  for (const compiler::OpSpec &op : traced.spec.ops)
    if (op.name == "masked_select") {
      state->eagerReason =
          "masked_select: the shape of its result depends on the data";
      return state;
    }

  for (trace::NodeId node : traced.nodes)
    if (imperativeSites_.count(graph.node(node).site)) {
      state->eagerReason = "the recompile budget of " +
                           describe(graph.node(node).site) + " is used up";
      // Named in the explain report with its size: a training step's block
      // may go through a loop whose small blocks used the budget up.
      if (node != traced.nodes.front()) {
        std::lock_guard<std::mutex> lock(compileMutex_);
        ++compileFailures_["the block of " +
                           std::to_string(traced.nodes.size()) + " ops at " +
                           describe(graph.node(traced.nodes.front()).site) +
                           " goes through " + describe(graph.node(node).site) +
                           ", whose recompile budget is used up"];
      }
      return state;
    }

  size_t hash = compiler::hashBlockSpec(traced.spec);
  auto range = slots_.equal_range(hash);
  for (auto it = range.first; it != range.second;) {
    std::shared_ptr<CompileSlot> slot = it->second.lock();
    if (!slot) {
      it = slots_.erase(it);
      continue;
    }
    if (slot->state.load(std::memory_order_acquire) != CompileSlot::Failed &&
        compiler::equalBlockSpecs(slot->spec, traced.spec)) {
      state->slot = std::move(slot);
      return state;
    }
    ++it;
  }
  if (!admitCompilation(graph, *state))
    return state;
  auto slot = std::make_shared<CompileSlot>();
  slot->spec = traced.spec;
  slots_.emplace(hash, slot);
  state->slot = slot;
  {
    std::lock_guard<std::mutex> lock(compileMutex_);
    compileQueue_.emplace_back(slot, false);
  }
  if (!compiler_.joinable())
    compiler_ = std::thread([this] { compileLoop(); });
  compileWake_.notify_one();
  return state;
}

} // namespace coexec
} // namespace terra
