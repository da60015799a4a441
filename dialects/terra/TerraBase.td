//===- TerraBase.td - The terra dialect, its enums and type constraints ---===//

#ifndef TERRA_BASE_TD
#define TERRA_BASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/CommonTypeConstraints.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def Terra_Dialect : Dialect {
  let name = "terra";
  let cppNamespace = "::mlir::terra";
  let summary = "Deep-learning operations traced from imperative Python programs";
  let description = [{
    The `terra` dialect holds the deep-learning operations that Terra records
    while a Python program runs: elementwise math, shape manipulation,
    reductions, contractions (matmul, convolution, pooling and their
    gradients) and counter-based random number generation.

    Every op works on ranked tensors. Broadcasting is never implicit: the
    operands of an elementwise op have identical shapes, and NumPy/PyTorch
    broadcasting is spelled out with `terra.broadcast_to`, so that lowering
    never has to guess. Graph inputs and outputs are the arguments and results
    of a plain `func.func`.
  }];
  let hasConstantMaterializer = 1;
}

class Terra_Op<string mnemonic, list<Trait> traits = []>
    : Op<Terra_Dialect, mnemonic, traits>;

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def Terra_ComparisonDirection : I32EnumAttr<"ComparisonDirection",
    "direction of an elementwise comparison", [
      I32EnumAttrCase<"eq", 0>, I32EnumAttrCase<"ne", 1>,
      I32EnumAttrCase<"lt", 2>, I32EnumAttrCase<"le", 3>,
      I32EnumAttrCase<"gt", 4>, I32EnumAttrCase<"ge", 5>]> {
  let cppNamespace = "::mlir::terra";
}

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def Terra_FloatTensor : RankedTensorOf<[AnyFloat]>;
def Terra_IntTensor : RankedTensorOf<[AnySignlessInteger]>;
def Terra_NumericTensor : RankedTensorOf<[AnyFloat, AnySignlessInteger]>;
// Arithmetic is not defined on i1: PyTorch sums booleans into int64 and
// rejects `-` on them, so the frontend casts first.
def Terra_ArithmeticTensor
    : RankedTensorOf<[AnyFloat, SignlessIntOfWidths<[8, 16, 32, 64]>]>;
def Terra_BoolTensor : RankedTensorOf<[I1]>;
def Terra_IndexTensor : RankedTensorOf<[I32, I64]>;
def Terra_Tensor : RankedTensorOf<[AnyType]>;
def Terra_Rank4FloatTensor : 4DTensorOf<[AnyFloat]>;
def Terra_ScalarI64Tensor : 0DTensorOf<[I64]> {
  let builderCall = "::mlir::RankedTensorType::get({}, $_builder.getI64Type())";
}

#endif // TERRA_BASE_TD
