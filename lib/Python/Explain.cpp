//===- Explain.cpp - The explain report of a traced run -------------------===//

#include "Explain.h"

#include "terra/Compiler/BlockCompiler.h"
#include "terra/Trace/BlockConversion.h"
#include "terra/Trace/Format.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

namespace terra {
namespace python {
namespace {

using trace::NodeId;

/// Names the user's line for a site: the innermost frame outside the
/// library folder, else the site itself.
class Locator {
public:
  Locator(const trace::SourceLocations &locations,
          const trace::CallStackIds &stacks, std::string libraryDir,
          std::string baseDir)
      : locations_(locations), stacks_(stacks),
        libraryDir_(std::move(libraryDir)), baseDir_(std::move(baseDir)) {}

  std::string operator()(const trace::Site &site) const {
    trace::CodeId code = site.code;
    uint32_t offset = site.offset;
    trace::CallStackId stack = site.callStack;
    for (;;) {
      const trace::SourceLocation *location = locations_.find(code, offset);
      if (location && !isLibrary(location->file))
        return shorten(location->file) + ":" + std::to_string(location->line);
      if (stack == trace::kRootCallStack)
        break;
      const trace::Site &caller = stacks_.callerSite(stack);
      code = caller.code;
      offset = caller.offset;
      stack = caller.callStack;
    }
    return locations_.describe(site.code, site.offset);
  }

private:
  std::string shorten(const std::string &file) const {
    if (!baseDir_.empty() && file.size() > baseDir_.size() &&
        file.compare(0, baseDir_.size(), baseDir_) == 0)
      return file.substr(baseDir_.size());
    return file;
  }

  bool isLibrary(const std::string &file) const {
    return !libraryDir_.empty() &&
           file.compare(0, libraryDir_.size(), libraryDir_) == 0;
  }

  const trace::SourceLocations &locations_;
  const trace::CallStackIds &stacks_;
  std::string libraryDir_;
  std::string baseDir_;
};

std::string percent(uint64_t part, uint64_t whole) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f%%",
                whole ? 100.0 * double(part) / double(whole) : 0.0);
  return text;
}

std::string milliseconds(double seconds) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.0f ms", seconds * 1e3);
  return text;
}

/// "240 us" or "24.2 ms".
std::string formatMs(double ms) {
  char text[32];
  if (ms < 1)
    std::snprintf(text, sizeof(text), "%.0f us", ms * 1e3);
  else
    std::snprintf(text, sizeof(text), "%.1f ms", ms);
  return text;
}

/// What became of one block.
struct BlockOutcome {
  size_t index = 0;
  uint64_t passes = 0;
  uint64_t opRuns = 0;
  bool compiled = false;
  std::string status;
};

} // namespace

std::string explainReport(const trace::TraceGraph &graph,
                          const trace::SourceLocations &locations,
                          const trace::CallStackIds &stacks,
                          const RunCounts &counts,
                          const ExplainOptions &options) {
  Locator locate(locations, stacks, options.libraryDir, options.baseDir);
  trace::BlockPartition partition = graph.blocks(options.minPasses);
  std::ostringstream os;

  if (!options.dumpDir.empty()) {
    std::ofstream dump(options.dumpDir + "/tracegraph.mlir");
    graph.dump(dump, &locations, &stacks);
  }

  uint64_t opRuns = 0;
  size_t opNodes = 0, syncNodes = 0;
  for (NodeId id = 0; id < graph.size(); ++id) {
    const trace::Node &node = graph.node(id);
    if (node.isOp()) {
      opRuns += node.visits;
      ++opNodes;
    } else if (node.isSync()) {
      ++syncNodes;
    }
  }

  std::vector<BlockOutcome> outcomes;
  uint64_t compiledRuns = 0;
  double compileSeconds = 0;
  for (size_t b = 0; b < partition.blocks.size(); ++b) {
    const trace::Block &block = partition.blocks[b];
    BlockOutcome outcome;
    outcome.index = b;
    outcome.passes = graph.node(block.nodes.front()).visits;
    for (NodeId id : block.nodes)
      outcome.opRuns += graph.node(id).visits;
    if (!options.compile) {
      outcome.status = "not compiled (compilation off)";
    } else if (outcome.passes < options.minPasses) {
      outcome.status = "ran once: stays imperative";
    } else {
      trace::TracedBlock traced = trace::toBlockSpec(
          graph, block, trace::OutputPolicy::ObservedUses, options.minPasses);
      compiler::CompileOptions compileOptions;
      compileOptions.dumpDir = options.dumpDir;
      compileOptions.name = "block" + std::to_string(b);
      if (options.dumpDir.empty())
        compileOptions.diskCache = options.diskCache;
      auto compiled =
          compiler::CompiledBlock::compile(traced.spec, compileOptions);
      if (compiled) {
        const compiler::CompileStats &stats = (*compiled)->stats();
        compileSeconds += stats.totalSeconds();
        outcome.compiled = true;
        outcome.status =
            (stats.fromDiskCache
                 ? "loaded from the compile cache in " +
                       milliseconds(stats.totalSeconds())
                 : "compiled in " + milliseconds(stats.totalSeconds()) +
                       ": build " + milliseconds(stats.buildSeconds) +
                       ", lower " + milliseconds(stats.lowerSeconds) +
                       ", LLVM " + milliseconds(stats.jitSeconds)) +
            " (" + std::to_string(traced.spec.inputs.size()) + " inputs, " +
            std::to_string(traced.spec.outputs.size()) + " outputs)";
        compiledRuns += outcome.opRuns;
      } else {
        std::string reason;
        llvm::handleAllErrors(
            compiled.takeError(),
            [&](const compiler::UnsupportedOpError &error) {
              NodeId node = traced.nodes.at(error.opIndex);
              reason = "stays imperative: " + error.opName + " at " +
                       locate(graph.node(node).site) +
                       " has no compiled "
                       "form (" +
                       error.reason + ")";
            },
            [&](const llvm::ErrorInfoBase &error) {
              reason =
                  "stays imperative: compilation failed: " + error.message();
            });
        outcome.status = reason;
      }
    }
    outcomes.push_back(std::move(outcome));
  }
  std::sort(outcomes.begin(), outcomes.end(),
            [](const BlockOutcome &a, const BlockOutcome &b) {
              return a.opRuns != b.opRuns ? a.opRuns > b.opRuns
                                          : a.index < b.index;
            });

  os << "terra explain: " << counts.ops << " op runs at " << opNodes
     << " sites, " << counts.syncs << " fetches at " << syncNodes << " sites, "
     << partition.blocks.size() << " blocks\n";
  os << "  hot blocks (compiled again here to describe them) cover op runs: "
     << compiledRuns << " of " << opRuns << " ("
     << percent(compiledRuns, opRuns) << "), compile time "
     << milliseconds(compileSeconds) << "\n";

  os << "blocks that ran more than once, by op runs:\n";
  const size_t shown = 20;
  size_t listed = 0, once = 0;
  uint64_t onceRuns = 0;
  for (const BlockOutcome &outcome : outcomes) {
    if (outcome.passes < options.minPasses) {
      ++once;
      onceRuns += outcome.opRuns;
      continue;
    }
    if (listed++ == shown)
      continue;
    const trace::Block &block = partition.blocks[outcome.index];
    os << "  block " << outcome.index << ": " << block.nodes.size() << " ops x "
       << outcome.passes << " passes (" << percent(outcome.opRuns, opRuns)
       << " of op runs), " << locate(graph.node(block.nodes.front()).site)
       << " .. " << locate(graph.node(block.nodes.back()).site) << "\n      "
       << outcome.status << "\n";
  }
  if (listed > shown)
    os << "  ... " << listed - shown << " more blocks\n";
  if (once)
    os << "  " << once << " blocks ran once (" << onceRuns
       << " op runs: set-up, the first iteration): they stay imperative\n";

  // Per symbol, where it first appeared on an operand (else anywhere).
  const std::vector<trace::DynamicSize> &dynamic = graph.dynamicSizes();
  std::map<uint32_t, const trace::DynamicSize *> origins;
  for (const trace::DynamicSize &size : dynamic) {
    const trace::DynamicSize *&origin = origins[size.symbol];
    bool onOperand = size.where.rfind("operand", 0) == 0;
    if (!origin || (onOperand && origin->where.rfind("operand", 0) != 0))
      origin = &size;
  }
  if (!origins.empty()) {
    os << "dynamic sizes (a node met with other sizes compiles once for "
          "all of them):\n";
    size_t listedSizes = 0;
    for (const auto &[symbol, size] : origins) {
      if (listedSizes++ == shown)
        break;
      const trace::Node &node = graph.node(size->node);
      os << "  dimension " << size->dim << " of " << size->where << " of "
         << node.name << " at " << locate(node.site) << ": " << size->was
         << ", then " << size->met << "\n";
    }
    if (origins.size() > shown)
      os << "  ... " << origins.size() - shown << " more\n";
    os << "  " << graph.numSymbolicNodes() << " nodes have dynamic sizes\n";
  }

  std::vector<NodeId> syncs;
  for (NodeId id = 0; id < graph.size(); ++id)
    if (graph.node(id).isSync())
      syncs.push_back(id);
  std::sort(syncs.begin(), syncs.end(), [&](NodeId a, NodeId b) {
    uint64_t visitsA = graph.node(a).visits, visitsB = graph.node(b).visits;
    return visitsA != visitsB ? visitsA > visitsB : a < b;
  });
  os << "sync points (Python needed a value), by count:\n";
  for (size_t i = 0; i < syncs.size() && i < shown; ++i) {
    const trace::Node &node = graph.node(syncs[i]);
    os << "  " << locate(node.site) << "  "
       << trace::syncKindName(node.syncKind) << " of "
       << trace::formatType(node.operands.front().type) << "  x" << node.visits
       << "\n";
  }
  if (syncs.size() > shown)
    os << "  ... " << syncs.size() - shown << " more sync points\n";
  if (!options.dumpDir.empty())
    os << "IR written to " << options.dumpDir << "\n";
  return os.str();
}

namespace {

/// `text` with every `prefix` replaced by `replacement`.
std::string replaceAll(std::string text, const std::string &prefix,
                       const std::string &replacement) {
  if (prefix.empty())
    return text;
  for (size_t at = text.find(prefix); at != std::string::npos;
       at = text.find(prefix, at + replacement.size()))
    text.replace(at, prefix.size(), replacement);
  return text;
}

} // namespace

std::string coExecutionReport(const coexec::CoExecutor &executor,
                              const trace::SourceLocations &locations,
                              const trace::CallStackIds &stacks,
                              const ExplainOptions &options) {
  Locator locate(locations, stacks, options.libraryDir, options.baseDir);
  auto shorten = [&](const std::string &text) {
    return replaceAll(replaceAll(text, options.libraryDir, "terra/"),
                      options.baseDir, "");
  };
  coexec::Stats stats = executor.stats();
  uint64_t calls = stats.opCalls();
  std::ostringstream os;
  if (executor.coexecutes()) {
    os << "co-execution: " << stats.opsDeferred << " of " << calls
       << " op calls ran on the runner (" << percent(stats.opsDeferred, calls)
       << ", " << stats.opsDeferredEager
       << " of them with the eager kernels, which measured faster than the "
          "compiled block); "
       << stats.opsRecorded << " ran eagerly while recording, "
       << stats.opsValidatedEager << " validated and run eagerly";
    if (stats.recordingPauses)
      os << ", " << stats.opsUnrecorded
         << " run eagerly while recording paused (" << stats.recordingPauses
         << (stats.recordingPauses == 1 ? " pause" : " pauses")
         << ": the recorded ops kept making new graph nodes, "
            "TERRA_RECORDING_PAUSE)";
    os << "\n";
  } else {
    os << "co-execution: off (--imperative): all " << calls
       << " op calls ran eagerly\n";
  }
  os << "  passes: " << stats.passesCompiled << " compiled, "
     << stats.passesEager << " run eagerly (results held by Python), "
     << stats.passesEagerFaster
     << " run eagerly by the runner (faster than the compiled code), "
     << stats.prefixesReplayed << " prefixes replayed; " << stats.compilations
     << " blocks compiled in the background";
  if (stats.cacheLoads)
    os << ", " << stats.cacheLoads << " loaded from the compile cache";
  os << " in " << milliseconds(stats.compileSeconds);
  if (stats.compileFailures)
    os << ", " << stats.compileFailures << " stay imperative";
  os << "; waits for the runner: " << stats.waits << "\n";
  for (const auto &[reason, count] : executor.compileFailures())
    os << "    " << count << "x stays imperative: " << shorten(reason) << "\n";
  const auto &divergences = executor.divergences();
  os << "  divergences: " << stats.divergences << "; blocks cut again "
     << stats.repartitions << " times from validated counts\n";
  std::vector<const coexec::DivergenceReport *> sorted;
  for (const auto &entry : divergences)
    sorted.push_back(&entry.second);
  std::sort(sorted.begin(), sorted.end(),
            [](auto *a, auto *b) { return a->count > b->count; });
  for (size_t i = 0; i < sorted.size() && i < 10; ++i)
    os << "    " << sorted[i]->count << "x " << shorten(sorted[i]->reason)
       << "\n";
  std::vector<coexec::RaceReport> races = executor.races();
  if (!races.empty()) {
    size_t compiled = 0;
    for (const coexec::RaceReport &race : races)
      compiled += race.form == coexec::RaceReport::Form::Compiled;
    os << "  compiled code against eager kernels (the fastest timed pass of "
          "each, TERRA_TIME_PASSES): "
       << compiled << " of " << races.size()
       << " blocks run their compiled code\n";
    for (size_t i = 0; i < races.size() && i < 10; ++i) {
      const coexec::RaceReport &race = races[i];
      os << "    " << locate(race.first) << " .. " << locate(race.last) << " ("
         << race.ops << " ops): compiled " << formatMs(race.compiledMs)
         << ", eager " << formatMs(race.eagerMs) << ": "
         << (race.form == coexec::RaceReport::Form::Compiled ? "runs compiled"
             : race.form == coexec::RaceReport::Form::EagerOnRunner
                 ? "eager kernels on the runner"
                 : "eager kernels run by Python")
         << "\n";
    }
  }
  std::vector<coexec::RecompileReport> recompiles = executor.recompiles();
  if (!recompiles.empty()) {
    uint64_t total = 0;
    for (const coexec::RecompileReport &report : recompiles)
      total += report.recompilations;
    os << "  recompilations: " << total << " at " << recompiles.size()
       << " sites (limit " << executor.recompileLimit()
       << " per site, TERRA_RECOMPILE_LIMIT)\n";
    for (size_t i = 0; i < recompiles.size() && i < 10; ++i) {
      os << "    " << shorten(recompiles[i].location) << ": "
         << recompiles[i].recompilations;
      if (recompiles[i].overBudget)
        os << " (at the limit: " << recompiles[i].refused
           << " more refused, the blocks through it stay imperative)";
      os << "; last: " << shorten(recompiles[i].lastReason) << "\n";
    }
  }
  return os.str();
}

} // namespace python
} // namespace terra
