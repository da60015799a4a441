//===- Explain.h - The explain report of a traced run -----------*- C++ -*-===//
//
// What `terra-run --explain` prints at exit: the TraceGraph's blocks with
// their op counts and where they are in the program, each hot block compiled
// with lib/Compiler (compile time, or why it stays imperative), the sync
// points with file:line and counts, and the share of op executions that fall
// in compiled blocks.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_LIB_PYTHON_EXPLAIN_H
#define TERRA_LIB_PYTHON_EXPLAIN_H

#include "terra/CoExecution/CoExecutor.h"
#include "terra/Trace/CallStackIds.h"
#include "terra/Trace/SourceLocations.h"
#include "terra/Trace/TraceGraph.h"

#include <memory>
#include <string>

namespace terra {
namespace python {

struct ExplainOptions {
  /// Compile each hot block (else only describe it).
  bool compile = true;
  /// Blocks that ran fewer times are not compiled.
  uint64_t minPasses = 2;
  /// When set: tracegraph.mlir and each block's MLIR at each stage.
  std::string dumpDir;
  /// Source files under this folder (the terra package) are skipped when
  /// naming an op's line: the user's call is what the report shows.
  std::string libraryDir;
  /// File names under this folder are shown relative to it.
  std::string baseDir;
  /// Where hot blocks' code is looked up before compiling them (not when
  /// dumping: the dumps need the lowering to run).
  std::shared_ptr<compiler::DiskCache> diskCache;
};

struct RunCounts {
  uint64_t ops = 0;
  uint64_t syncs = 0;
};

std::string explainReport(const trace::TraceGraph &graph,
                          const trace::SourceLocations &locations,
                          const trace::CallStackIds &stacks,
                          const RunCounts &counts,
                          const ExplainOptions &options);

/// What co-execution did: op calls deferred, passes, compilations and
/// divergences with their reasons (file names shortened as in the report:
/// relative to `baseDir`, the terra package's as `terra/...`).
std::string coExecutionReport(const coexec::CoExecutor &executor,
                              const trace::SourceLocations &locations,
                              const trace::CallStackIds &stacks,
                              const ExplainOptions &options);

} // namespace python
} // namespace terra

#endif // TERRA_LIB_PYTHON_EXPLAIN_H
