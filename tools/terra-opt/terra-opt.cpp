//===- terra-opt.cpp - mlir-opt with the terra dialect and passes ---------===//

#include "terra/Conversion/Passes.h"
#include "terra/Conversion/Pipelines.h"
#include "terra/TerraDialect.h"
#include "terra/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::terra::registerTerraPasses();
  mlir::terra::registerTerraConversionPasses();
  mlir::terra::registerTerraPipelines();

  mlir::DialectRegistry registry;
  registry.insert<mlir::terra::TerraDialect>();
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerAllToLLVMIRTranslations(registry);

  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Terra optimizer driver\n", registry));
}
