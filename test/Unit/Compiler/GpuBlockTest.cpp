//===- GpuBlockTest.cpp - A terra-lower-to-nvvm block run by Terra --------===//
//
// runGpuCheck (GpuCheck.h) lowers a block with terra-lower-to-nvvm, links
// it like a CPU block and runs its host code on Terra's CUDA runtime (the
// mgpu* calls in libterra_runtime). ctest runs this with the fake driver
// (FakeCudaDriver: the kernels do not compute, so the host path is what is
// checked: every kernel launched, the intermediates freed); with a real GPU
// the values are checked too. Without any driver it is skipped.
//
//===----------------------------------------------------------------------===//

#include "terra/Compiler/GpuCheck.h"
#include "terra/Runtime/Cuda.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <dlfcn.h>

namespace {

/// The fake driver's launch counter, or null with a real driver.
int (*fakeLaunchCounter())() {
  const char *library = std::getenv("TERRA_CUDA_DRIVER");
  void *driver = library ? dlopen(library, RTLD_NOW | RTLD_NOLOAD) : nullptr;
  return driver ? reinterpret_cast<int (*)()>(dlsym(driver, "fakeCudaLaunches"))
                : nullptr;
}

TEST(GpuBlock, HostCodeRunsOnTheCudaRuntime) {
  if (!terra::cuda::available())
    GTEST_SKIP() << terra::cuda::unavailableReason();
  int (*counter)() = fakeLaunchCounter();
  int launchesBefore = counter ? counter() : 0;
  auto run = terra::compiler::runGpuCheck();
  ASSERT_TRUE(bool(run)) << llvm::toString(run.takeError());
  EXPECT_GE(run->kernelLaunches, 2);
  EXPECT_EQ(run->leakedBytes, 0);
  if (counter)
    EXPECT_EQ(counter() - launchesBefore, run->kernelLaunches);
  else
    EXPECT_LT(run->maxRelativeError(), 1e-5);
}

// A block as --dump-ir writes it, compared between the CPU and the GPU:
// with the fake driver the kernels do not compute, so only the CPU run,
// the launches and the copies are checked; with a GPU, the agreement.
TEST(GpuBlock, DumpedBlocksCompareWithTheCpu) {
  if (!terra::cuda::available())
    GTEST_SKIP() << terra::cuda::unavailableReason();
  constexpr const char *kDumped = R"mlir(
func.func @block(%arg0: memref<8x32xf32>, %arg1: memref<8x32xf32>, %arg2: memref<8xf32>, %arg3: memref<8x32xf32>) {
  %x = bufferization.to_tensor %arg0 restrict : memref<8x32xf32> to tensor<8x32xf32>
  %y = bufferization.to_tensor %arg1 restrict : memref<8x32xf32> to tensor<8x32xf32>
  %p = terra.mul %x, %y : tensor<8x32xf32>
  %r = terra.relu %p : tensor<8x32xf32>
  %s = terra.sum %r axes [1] : tensor<8x32xf32> -> tensor<8xf32>
  bufferization.materialize_in_destination %s in restrict writable %arg2 : (tensor<8xf32>, memref<8xf32>) -> ()
  bufferization.materialize_in_destination %x in restrict writable %arg3 : (tensor<8x32xf32>, memref<8x32xf32>) -> ()
  return
}
)mlir";
  int (*counter)() = fakeLaunchCounter();
  int launchesBefore = counter ? counter() : 0;
  auto result = terra::compiler::compareBlockOnGpu(kDumped);
  ASSERT_TRUE(bool(result)) << llvm::toString(result.takeError());
  ASSERT_TRUE(result->compared) << result->skipped;
  EXPECT_EQ(result->inputs, 2);
  EXPECT_EQ(result->outputs, 2);
  EXPECT_GE(result->kernelLaunches, 2);
  if (counter)
    EXPECT_EQ(counter() - launchesBefore, result->kernelLaunches);
  else
    EXPECT_LE(result->maxRelativeError, 1e-5);

  auto dynamic = terra::compiler::compareBlockOnGpu(
      "func.func @block(%arg0: memref<?xf32>) { return }");
  ASSERT_TRUE(bool(dynamic)) << llvm::toString(dynamic.takeError());
  EXPECT_FALSE(dynamic->compared);
  EXPECT_EQ(dynamic->skipped, "dynamic sizes");
}

} // namespace
