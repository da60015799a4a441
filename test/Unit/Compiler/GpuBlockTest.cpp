//===- GpuBlockTest.cpp - A terra-lower-to-nvvm block run by Terra --------===//
//
// A block lowered with terra-lower-to-nvvm is emitted and linked like a CPU
// block; its host code then runs on Terra's CUDA runtime (the mgpu* calls
// in libterra_runtime): the kernel modules load from PTX when the object is
// linked, intermediate buffers come from the device allocator and go back
// to it, and every kernel launches. ctest runs this with the fake driver
// (FakeCudaDriver: the kernels do not compute, the host path is checked);
// on a machine with an NVIDIA GPU it also checks the values. Without any
// driver it is skipped.
//
//===----------------------------------------------------------------------===//

#include "NativeCode.h"

#include "terra/Conversion/Pipelines.h"
#include "terra/Runtime/Cuda.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/ExecutionEngine/CRunnerUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/TargetSelect.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <dlfcn.h>
#include <vector>

namespace {

// exp of a 4x64 input, and the sum of each row of it: an elementwise
// kernel, a reduction and an intermediate buffer between them.
constexpr const char *kBlock = R"mlir(
func.func @block(%arg0: memref<4x64xf32>, %arg1: memref<4x64xf32>, %arg2: memref<4xf32>) {
  %x = bufferization.to_tensor %arg0 restrict : memref<4x64xf32> to tensor<4x64xf32>
  %e = terra.exp %x : tensor<4x64xf32>
  %s = terra.sum %e axes [1] : tensor<4x64xf32> -> tensor<4xf32>
  bufferization.materialize_in_destination %e in restrict writable %arg1 : (tensor<4x64xf32>, memref<4x64xf32>) -> ()
  bufferization.materialize_in_destination %s in restrict writable %arg2 : (tensor<4xf32>, memref<4xf32>) -> ()
  return
}
)mlir";

/// The fake driver's launch counter, or null with a real driver.
int (*fakeLaunchCounter())() {
  const char *library = std::getenv("TERRA_CUDA_DRIVER");
  void *driver = library ? dlopen(library, RTLD_NOW | RTLD_NOLOAD) : nullptr;
  return driver ? reinterpret_cast<int (*)()>(dlsym(driver, "fakeCudaLaunches"))
                : nullptr;
}

template <int Rank>
StridedMemRefType<float, Rank> descriptor(void *data,
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

TEST(GpuBlock, HostCodeRunsOnTheCudaRuntime) {
  if (!terra::cuda::available())
    GTEST_SKIP() << terra::cuda::unavailableReason();
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  mlir::terra::registerPipelinePasses();
  mlir::DialectRegistry registry;
  mlir::terra::registerPipelineDialects(registry);
  mlir::MLIRContext context(registry);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(kBlock, &context);
  ASSERT_TRUE(module);

  terra::cuda::DeviceProperties device = terra::cuda::deviceProperties(0);
  mlir::terra::NvvmPipelineOptions options;
  options.chip =
      "sm_" + std::to_string(device.major) + std::to_string(device.minor);
  mlir::PassManager pm(&context);
  mlir::terra::buildTerraLowerToNvvmPipeline(pm, options);
  ASSERT_TRUE(mlir::succeeded(pm.run(*module)));
  int launches = 0;
  module->walk([&](mlir::gpu::LaunchFuncOp) { ++launches; });
  EXPECT_GE(launches, 2);

  auto object = terra::compiler::emitObjectCode(*module, "block", 2);
  ASSERT_TRUE(bool(object)) << llvm::toString(object.takeError());
  auto loaded = terra::compiler::LoadedObject::load(*object);
  ASSERT_TRUE(bool(loaded)) << llvm::toString(loaded.takeError());

  std::vector<float> input(4 * 64);
  for (size_t i = 0; i < input.size(); ++i)
    input[i] = std::sin(0.1f * i);
  size_t bytes = input.size() * sizeof(float);
  void *x = terra::cuda::allocate(0, bytes);
  void *e = terra::cuda::allocate(0, bytes);
  void *s = terra::cuda::allocate(0, 4 * sizeof(float));
  terra::cuda::copyToDevice(0, x, input.data(), bytes);
  auto xMemref = descriptor<2>(x, {4, 64});
  auto eMemref = descriptor<2>(e, {4, 64});
  auto sMemref = descriptor<1>(s, {4});
  void *descriptors[] = {&xMemref, &eMemref, &sMemref};
  void *arguments[] = {&descriptors[0], &descriptors[1], &descriptors[2]};

  int (*counter)() = fakeLaunchCounter();
  int launchesBefore = counter ? counter() : 0;
  size_t allocatedBefore = terra::cuda::memoryStats(0).allocated;
  (*loaded)->entry()(arguments);
  terra::cuda::synchronize(0);
  EXPECT_EQ(terra::cuda::takeHostCodeError(), "");
  // The intermediate buffers went back to the allocator.
  EXPECT_EQ(terra::cuda::memoryStats(0).allocated, allocatedBefore);

  if (counter) {
    EXPECT_EQ(counter() - launchesBefore, launches);
  } else {
    std::vector<float> exps(input.size()), sums(4);
    terra::cuda::copyToHost(0, exps.data(), e, bytes);
    terra::cuda::copyToHost(0, sums.data(), s, sums.size() * sizeof(float));
    for (int row = 0; row < 4; ++row) {
      double sum = 0;
      for (int column = 0; column < 64; ++column) {
        float expected = std::exp(input[row * 64 + column]);
        EXPECT_NEAR(exps[row * 64 + column], expected, 1e-5 * expected);
        sum += expected;
      }
      EXPECT_NEAR(sums[row], sum, 1e-5 * sum);
    }
  }
  terra::cuda::release(0, x);
  terra::cuda::release(0, e);
  terra::cuda::release(0, s);
}

} // namespace
