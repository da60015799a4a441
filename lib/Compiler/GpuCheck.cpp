//===- GpuCheck.cpp - A GPU block compiled and run end to end -------------===//

#include "terra/Compiler/GpuCheck.h"

#include "NativeCode.h"

#include "terra/Conversion/Pipelines.h"
#include "terra/Runtime/Cuda.h"
#include "terra/Runtime/Tensor.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/ExecutionEngine/CRunnerUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/TargetSelect.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace terra {
namespace compiler {

namespace {

constexpr int kRows = 4, kColumns = 64;

// An elementwise kernel, a reduction, and an intermediate buffer (the exp
// before its copy to the output) between them.
constexpr const char *kCheckBlock = R"mlir(
func.func @block(%arg0: memref<4x64xf32>, %arg1: memref<4x64xf32>, %arg2: memref<4xf32>) {
  %x = bufferization.to_tensor %arg0 restrict : memref<4x64xf32> to tensor<4x64xf32>
  %e = terra.exp %x : tensor<4x64xf32>
  %s = terra.sum %e axes [1] : tensor<4x64xf32> -> tensor<4xf32>
  bufferization.materialize_in_destination %e in restrict writable %arg1 : (tensor<4x64xf32>, memref<4x64xf32>) -> ()
  bufferization.materialize_in_destination %s in restrict writable %arg2 : (tensor<4xf32>, memref<4xf32>) -> ()
  return
}
)mlir";

llvm::Error checkError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "GPU check: " + message);
}

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

template <int Rank>
StridedMemRefType<float, Rank> rowMajor(void *data,
                                        const int64_t (&sizes)[Rank]) {
  StridedMemRefType<float, Rank> memref;
  memref.basePtr = memref.data = static_cast<float *>(data);
  memref.offset = 0;
  int64_t stride = 1;
  for (int i = Rank - 1; i >= 0; --i) {
    memref.sizes[i] = sizes[i];
    memref.strides[i] = stride;
    stride *= sizes[i];
  }
  return memref;
}

/// Compiles the check block for `chip` into linked object code.
llvm::Expected<std::unique_ptr<LoadedObject>>
compileCheckBlock(const std::string &chip, int &launches) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  static const bool registered = [] {
    mlir::terra::registerPipelinePasses();
    return true;
  }();
  (void)registered;
  mlir::DialectRegistry registry;
  mlir::terra::registerPipelineDialects(registry);
  mlir::MLIRContext context(registry);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(kCheckBlock, &context);
  if (!module)
    return checkError("the check block does not parse");
  mlir::terra::NvvmPipelineOptions options;
  options.chip = chip;
  mlir::PassManager pm(&context);
  mlir::terra::buildTerraLowerToNvvmPipeline(pm, options);
  if (mlir::failed(pm.run(*module)))
    return checkError("terra-lower-to-nvvm failed for " + chip);
  launches = 0;
  module->walk([&](mlir::gpu::LaunchFuncOp) { ++launches; });
  auto object = emitObjectCode(*module, "block", 2);
  if (!object)
    return object.takeError();
  return LoadedObject::load(*object);
}

} // namespace

double GpuCheckRun::maxRelativeError() const {
  double worst = 0;
  for (int row = 0; row < kRows; ++row) {
    double sum = 0;
    for (int column = 0; column < kColumns; ++column) {
      double expected = std::exp(double(input[row * kColumns + column]));
      worst = std::max(
          worst, std::abs(exps[row * kColumns + column] - expected) / expected);
      sum += expected;
    }
    worst = std::max(worst, std::abs(sums[row] - sum) / sum);
  }
  return worst;
}

llvm::Expected<GpuCheckRun> runGpuCheck() {
  try {
    GpuCheckRun run;
    cuda::DeviceProperties device = cuda::deviceProperties(0);
    std::string chip =
        "sm_" + std::to_string(device.major) + std::to_string(device.minor);
    run.device = device.name + " (" + chip + ")";
    auto start = std::chrono::steady_clock::now();
    auto loaded = compileCheckBlock(chip, run.kernelLaunches);
    if (!loaded)
      return loaded.takeError();
    run.compileSeconds = secondsSince(start);

    run.input.resize(kRows * kColumns);
    for (size_t i = 0; i < run.input.size(); ++i)
      run.input[i] = std::sin(0.1f * float(i));
    size_t bytes = run.input.size() * sizeof(float);
    void *x = cuda::allocate(0, bytes);
    void *e = cuda::allocate(0, bytes);
    void *s = cuda::allocate(0, kRows * sizeof(float));
    cuda::copyToDevice(0, x, run.input.data(), bytes);
    auto xMemref = rowMajor<2>(x, {kRows, kColumns});
    auto eMemref = rowMajor<2>(e, {kRows, kColumns});
    auto sMemref = rowMajor<1>(s, {kRows});
    void *descriptors[] = {&xMemref, &eMemref, &sMemref};
    void *arguments[] = {&descriptors[0], &descriptors[1], &descriptors[2]};

    size_t allocatedBefore = cuda::memoryStats(0).allocated;
    start = std::chrono::steady_clock::now();
    (*loaded)->entry()(arguments);
    cuda::synchronize(0);
    run.runSeconds = secondsSince(start);
    run.leakedBytes =
        (long long)cuda::memoryStats(0).allocated - (long long)allocatedBefore;
    std::string error = cuda::takeHostCodeError();
    if (!error.empty())
      return checkError(error);

    run.exps.resize(run.input.size());
    run.sums.resize(kRows);
    cuda::copyToHost(0, run.exps.data(), e, bytes);
    cuda::copyToHost(0, run.sums.data(), s, kRows * sizeof(float));
    cuda::release(0, x);
    cuda::release(0, e);
    cuda::release(0, s);
    return run;
  } catch (const Error &error) {
    return checkError(error.what());
  }
}

} // namespace compiler
} // namespace terra
