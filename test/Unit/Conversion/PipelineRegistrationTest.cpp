//===- PipelineRegistrationTest.cpp - The pipelines with what they register
//===//
//
// terra-run registers only what registerPipelinePasses and
// registerPipelineDialects name (not all of MLIR), so a pass, dialect or
// interface model missing from them breaks a pipeline there but not in
// terra-opt. This binary registers nothing else and runs both pipelines.
//
//===----------------------------------------------------------------------===//

#include "terra/Conversion/Pipelines.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

using namespace mlir;

namespace {

// An elementwise op, a reduction and a matrix product: every stage of both
// pipelines has work to do.
constexpr const char *kBlock = R"mlir(
func.func @block(%a: tensor<8x16xf32>, %b: tensor<16x4xf32>) -> (tensor<8x16xf32>, tensor<8xf32>, tensor<8x4xf32>) {
  %e = terra.exp %a : tensor<8x16xf32>
  %s = terra.sum %e axes [1] : tensor<8x16xf32> -> tensor<8xf32>
  %m = terra.matmul %e, %b : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x4xf32>
  return %e, %s, %m : tensor<8x16xf32>, tensor<8xf32>, tensor<8x4xf32>
}
)mlir";

class PipelineRegistrationTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    terra::registerPipelinePasses();
  }

  PipelineRegistrationTest() {
    DialectRegistry registry;
    terra::registerPipelineDialects(registry);
    context.appendDialectRegistry(registry);
  }

  /// Runs `build` on the block and returns the diagnostics, empty on success.
  template <typename Build> std::string lower(Build build) {
    std::string diagnostics;
    ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diagnostic) {
      llvm::raw_string_ostream(diagnostics) << diagnostic << "\n";
      return success();
    });
    module = parseSourceString<ModuleOp>(kBlock, &context);
    if (!module)
      return "parse failed: " + diagnostics;
    PassManager pm(&context);
    build(pm);
    if (failed(pm.run(*module)))
      return "pipeline failed: " + diagnostics;
    return "";
  }

  MLIRContext context;
  OwningOpRef<ModuleOp> module;
};

TEST_F(PipelineRegistrationTest, CpuPipelineReachesTheLLVMDialect) {
  EXPECT_EQ(lower([](PassManager &pm) {
              terra::buildTerraLowerToCpuPipeline(pm, {});
            }),
            "");
  bool onlyLLVM = true;
  module->walk([&](Operation *op) {
    if (!isa<ModuleOp>(op) && op->getDialect()->getNamespace() != "llvm")
      onlyLLVM = false;
  });
  EXPECT_TRUE(onlyLLVM);
}

TEST_F(PipelineRegistrationTest, NvvmPipelineProducesPtx) {
  terra::NvvmPipelineOptions options;
  options.chip = "sm_90";
  EXPECT_EQ(lower([&](PassManager &pm) {
              terra::buildTerraLowerToNvvmPipeline(pm, options);
            }),
            "");
  int binaries = 0;
  module->walk([&](gpu::BinaryOp binary) {
    ++binaries;
    for (Attribute object : binary.getObjects()) {
      auto text = cast<gpu::ObjectAttr>(object).getObject().getValue();
      EXPECT_NE(text.find(".target sm_90"), StringRef::npos);
      EXPECT_NE(text.find(".entry"), StringRef::npos);
    }
  });
  // A kernel module per loop nest: exp, the reduction, the product.
  EXPECT_GE(binaries, 3);
}

} // namespace
