//===- TerraToLinalg.cpp - The convert-terra-to-linalg pass ---------------===//

#include "ConversionUtils.h"

#include "terra/Conversion/Passes.h"
#include "terra/Transforms/Passes.h"

#include "mlir/Transforms/DialectConversion.h"

namespace mlir {
namespace terra {
#define GEN_PASS_DEF_CONVERTTERRATOLINALG
#include "terra/Conversion/Passes.h.inc"
} // namespace terra
} // namespace mlir

using namespace mlir;
using namespace mlir::terra;

namespace {

struct ConvertTerraToLinalgPass
    : public terra::impl::ConvertTerraToLinalgBase<ConvertTerraToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    ConversionTarget target(*context);
    target.addIllegalDialect<TerraDialect>();
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                           math::MathDialect, scf::SCFDialect,
                           tensor::TensorDialect>();

    RewritePatternSet patterns(context);
    // Composite ops decompose into terra ops that the patterns below lower.
    populateDecomposePatterns(patterns);
    populateElementwiseToLinalgPatterns(patterns);
    populateShapeToLinalgPatterns(patterns);
    populateReductionToLinalgPatterns(patterns);
    populateContractionToLinalgPatterns(patterns);
    populateWindowToLinalgPatterns(patterns);
    populateRandomToLinalgPatterns(patterns);

    // A terra op left without a lowering fails the pass with a diagnostic
    // naming it ("failed to legalize operation 'terra....'").
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
