//===- Pipelines.h - Terra lowering pipelines -------------------*- C++ -*-===//

#ifndef TERRA_CONVERSION_PIPELINES_H
#define TERRA_CONVERSION_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

#include <string>

namespace mlir {
class DialectRegistry;
class OpPassManager;
namespace terra {

struct CpuPipelineOptions : public PassPipelineOptions<CpuPipelineOptions> {
  PassOptions::Option<bool> useBlas{
      *this, "use-blas",
      llvm::cl::desc("Call the runtime's OpenBLAS kernels for f32/f64 matmul"),
      llvm::cl::init(true)};
};

struct NvvmPipelineOptions : public PassPipelineOptions<NvvmPipelineOptions> {
  PassOptions::Option<std::string> chip{
      *this, "chip",
      llvm::cl::desc("GPU compute capability, e.g. sm_80, sm_90"),
      llvm::cl::init("sm_80")};
  PassOptions::Option<std::string> features{
      *this, "features",
      llvm::cl::desc("PTX features; +ptx81 or later lets a kernel take more "
                     "than 4 KiB of parameters (blocks with many buffers)"),
      llvm::cl::init("+ptx81")};
  PassOptions::Option<std::string> cudaPath{
      *this, "cuda-path",
      llvm::cl::desc("CUDA toolkit whose libdevice is linked into kernels"),
      llvm::cl::init("/usr/local/cuda")};
  PassOptions::Option<int64_t> blockSize{
      *this, "block-size",
      llvm::cl::desc("Threads per block for elementwise and reduction loops"),
      llvm::cl::init(256)};
};

/// Lowers terra ops to the LLVM dialect, ready for mlir::ExecutionEngine:
/// linalg, fusion, bufferization with deallocation, loops and C wrappers.
void buildTerraLowerToCpuPipeline(OpPassManager &pm,
                                  const CpuPipelineOptions &options);

/// Lowers terra ops to host code that launches GPU kernels, with the kernels
/// compiled to PTX inside `gpu.binary` ops.
void buildTerraLowerToNvvmPipeline(OpPassManager &pm,
                                   const NvvmPipelineOptions &options);

/// Registers both pipelines with the pass registry (for terra-opt).
void registerTerraPipelines();

/// Registers the passes that the pipelines name, so that they parse in a
/// program that does not register all of MLIR's passes.
void registerPipelinePasses();

/// Adds the dialects, interface models and LLVM IR translations that the
/// pipelines and their output need to `registry`.
void registerPipelineDialects(DialectRegistry &registry);

} // namespace terra
} // namespace mlir

#endif // TERRA_CONVERSION_PIPELINES_H
