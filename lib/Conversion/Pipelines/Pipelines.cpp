//===- Pipelines.cpp - terra-lower-to-cpu and terra-lower-to-nvvm ---------===//

#include "terra/Conversion/Pipelines.h"

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

/// Terra ops to fused linalg on tensors, then buffers. `cse` runs only after
/// eliminate-empty-tensors: merging two outputs' identical tensor.empty
/// chains first would make both outputs write one buffer
/// (test/Execution/destination-outputs.mlir).
void addTensorStages(OpPassManager &pm) {
  addPasses(pm, "func.func(canonicalize,convert-terra-to-linalg,canonicalize,"
                "terra-fuse-elementwise,canonicalize)");
  addPasses(pm, "eliminate-empty-tensors,func.func(cse),"
                "one-shot-bufferize{bufferize-function-boundaries "
                "function-boundary-type-conversion=identity-layout-map}");
}

} // namespace

void terra::buildTerraLowerToCpuPipeline(OpPassManager &pm,
                                         const CpuPipelineOptions &options) {
  // With BLAS, convolutions call the eager kernels (im2col + GEMM on the
  // thread pool); those with sizes known at run time only become matrix
  // products (20x faster than the generated loops on a 64-channel 3x3
  // layer, docs/pipelines.md).
  if (options.useBlas)
    addPasses(pm,
              "convert-terra-conv-to-runtime,func.func(terra-conv-to-matmul)");
  addTensorStages(pm);
  if (options.useBlas)
    addPasses(pm, "convert-linalg-to-terra-runtime");
  addPasses(pm, "buffer-deallocation-pipeline,convert-bufferization-to-memref,"
                "func.func(convert-memref-copy-to-linalg)");
  // C wrappers are requested before convert-math-to-libm declares libm
  // functions (erff, ...), which must keep their plain C names, and before
  // the loop nests move into functions of their own (which need none).
  addPasses(pm,
            "func.func(convert-linalg-to-parallel-loops,canonicalize,cse),"
            "func.func(llvm-request-c-wrappers),terra-outline-loop-nests,"
            "expand-strided-metadata,lower-affine,convert-scf-to-cf,"
            "convert-math-to-llvm,convert-math-to-libm,"
            "convert-arith-to-llvm,convert-cf-to-llvm,convert-index-to-llvm,"
            "finalize-memref-to-llvm{use-generic-functions},"
            "convert-func-to-llvm,"
            "reconcile-unrealized-casts,terra-dispatch-parallel-nests,"
            "canonicalize,cse");
}

void terra::buildTerraLowerToNvvmPipeline(OpPassManager &pm,
                                          const NvvmPipelineOptions &options) {
  addTensorStages(pm);
  // Every copy becomes a kernel (memcpy would run on the host) and every
  // buffer is device memory.
  addPasses(pm, "buffer-deallocation-pipeline,convert-bufferization-to-memref,"
                "func.func(convert-memref-copy-to-linalg{contiguous}),"
                "convert-memref-alloc-to-gpu");
  addPasses(
      pm,
      "func.func(convert-linalg-to-parallel-loops,canonicalize,"
      "scf-parallel-loop-tiling{no-min-max-bounds parallel-loop-tile-sizes=" +
          std::to_string(options.blockSize) +
          "},gpu-map-parallel-loops,convert-parallel-loops-to-gpu,"
          "terra-move-host-accesses-to-gpu,canonicalize)");
  // The stages of upstream's gpu-lower-to-nvvm-pipeline, with the CUDA
  // toolkit named explicitly: libdevice (for exp, log, erf, ...) is linked
  // from it, and found no matter which environment variables are set.
  // gpu-async-region chains launches, allocations and frees on one stream
  // (gpu-to-llvm lowers device allocations only in that form) and waits
  // before the host touches results.
  addPasses(pm,
            "gpu-kernel-outlining,func.func(gpu-async-region),"
            "func.func(llvm-request-c-wrappers),"
            "convert-scf-to-cf,convert-func-to-llvm,"
            "expand-strided-metadata,nvvm-attach-target{chip=" +
                options.chip + " features=" + options.features +
                "},lower-affine,convert-arith-to-llvm,convert-index-to-llvm,"
                "canonicalize,cse");
  addPasses(pm, "gpu.module(convert-gpu-to-nvvm,canonicalize,cse,"
                "reconcile-unrealized-casts)");
  addPasses(pm, "gpu-to-llvm,gpu-module-to-binary{format=isa toolkit=" +
                    options.cudaPath +
                    "},convert-math-to-llvm,canonicalize,cse,"
                    "reconcile-unrealized-casts");
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
