//===- Pipelines.cpp - terra-lower-to-cpu and terra-lower-to-nvvm ---------===//

#include "terra/Conversion/Pipelines.h"

#include "mlir/Dialect/GPU/Pipelines/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace {

/// Appends a textual pass list to `pm`. The lists are written as bare pass
/// names (no `builtin.module(...)` wrapper), which a module-anchored pass
/// manager would otherwise nest one level too deep.
void addPasses(OpPassManager &pm, const std::string &passes) {
  std::string error;
  llvm::raw_string_ostream errorStream(error);
  if (failed(parsePassPipeline(passes, pm, errorStream)))
    llvm::report_fatal_error(llvm::Twine("terra: bad built-in pipeline '") +
                             passes + "': " + error);
}

/// Terra ops to fused linalg on tensors, then buffers.
void addTensorStages(OpPassManager &pm) {
  addPasses(pm, "func.func(canonicalize,convert-terra-to-linalg,canonicalize,"
                "terra-fuse-elementwise,cse,canonicalize)");
  addPasses(pm, "one-shot-bufferize{bufferize-function-boundaries "
                "function-boundary-type-conversion=identity-layout-map}");
}

} // namespace

void terra::buildTerraLowerToCpuPipeline(OpPassManager &pm,
                                         const CpuPipelineOptions &options) {
  addTensorStages(pm);
  if (options.useBlas)
    addPasses(pm, "convert-linalg-to-terra-runtime");
  addPasses(pm, "buffer-deallocation-pipeline");
  addPasses(pm, "func.func(convert-linalg-to-loops,canonicalize,cse),"
                "expand-strided-metadata,lower-affine,convert-scf-to-cf,"
                "convert-math-to-llvm,convert-math-to-libm,"
                "func.func(llvm-request-c-wrappers),"
                "convert-arith-to-llvm,convert-cf-to-llvm,convert-index-to-llvm,"
                "finalize-memref-to-llvm,convert-func-to-llvm,"
                "reconcile-unrealized-casts,canonicalize,cse");
}

void terra::buildTerraLowerToNvvmPipeline(OpPassManager &pm,
                                          const NvvmPipelineOptions &options) {
  addTensorStages(pm);
  addPasses(pm, "buffer-deallocation-pipeline");
  addPasses(pm, "func.func(convert-linalg-to-parallel-loops,canonicalize,"
                "scf-parallel-loop-tiling{no-min-max-bounds parallel-loop-tile-sizes=" +
                    std::to_string(options.blockSize) +
                    "},gpu-map-parallel-loops,convert-parallel-loops-to-gpu,"
                    "canonicalize)");
  gpu::GPUToNVVMPipelineOptions nvvmOptions;
  nvvmOptions.cubinChip = options.chip;
  nvvmOptions.cubinFeatures = options.features;
  nvvmOptions.cubinFormat = "isa";
  gpu::buildLowerToNVVMPassPipeline(pm, nvvmOptions);
}

void terra::registerTerraPipelines() {
  PassPipelineRegistration<CpuPipelineOptions>(
      "terra-lower-to-cpu",
      "Lower terra ops to the LLVM dialect for the CPU (ExecutionEngine)",
      buildTerraLowerToCpuPipeline);
  PassPipelineRegistration<NvvmPipelineOptions>(
      "terra-lower-to-nvvm",
      "Lower terra ops to GPU kernels compiled to PTX (gpu.binary)",
      buildTerraLowerToNvvmPipeline);
}
