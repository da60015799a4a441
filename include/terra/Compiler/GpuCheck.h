//===- GpuCheck.h - A GPU block compiled and run end to end -----*- C++ -*-===//
//
// The GPU path's check on a machine with a GPU (and, with the fake driver of
// the tests, on one without): a small block (exp of a 4x64 input, then the
// sum of each row) goes through terra-lower-to-nvvm for the device's compute
// capability, is emitted and linked like a CPU block, and runs on device
// buffers through the CUDA runtime. `terra-run --check-gpu` prints it.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_COMPILER_GPUCHECK_H
#define TERRA_COMPILER_GPUCHECK_H

#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace terra {
namespace compiler {

struct GpuCheckRun {
  std::string device;     // Its name and compute capability.
  int kernelLaunches = 0; // gpu.launch_func ops in the lowered block.
  double compileSeconds = 0, runSeconds = 0;
  std::vector<float> input, exps, sums; // The device's results.
  /// Device bytes still allocated after the run beyond those of the
  /// block's arguments (0: the block freed its intermediates).
  long long leakedBytes = 0;

  /// The largest relative difference of the results from the host's.
  double maxRelativeError() const;
};

/// Compiles and runs the check block on device 0; an error if there is no
/// driver or any step fails.
llvm::Expected<GpuCheckRun> runGpuCheck();

/// A block (a terra module as `--dump-ir` writes it: `func.func @block`
/// whose memref arguments are its inputs and its outputs' destinations)
/// compiled for the CPU and for device 0 and run on the same inputs:
/// seeded random floats in [-1, 1), zeros for integers and booleans.
struct BlockComparison {
  bool compared = false;
  std::string skipped; // Why it was not run (dynamic sizes, ...).
  int inputs = 0, outputs = 0, kernelLaunches = 0;
  /// Over the outputs' elements: relative above magnitude 1, absolute
  /// below; NaN equals NaN; 1 for integers that differ.
  double maxRelativeError = 0;
};
llvm::Expected<BlockComparison>
compareBlockOnGpu(const std::string &terraModule);

} // namespace compiler
} // namespace terra

#endif // TERRA_COMPILER_GPUCHECK_H
