//===- ElementwiseOps.td - Elementwise ops of the terra dialect -----------===//
//
// Operands of elementwise ops always have identical shapes: broadcasting is
// made explicit with terra.broadcast_to before the op.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_ELEMENTWISE_OPS_TD
#define TERRA_ELEMENTWISE_OPS_TD

include "TerraBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

class Terra_UnaryOp<string mnemonic, Type tensorType, list<Trait> traits = []>
    : Terra_Op<mnemonic, traits # [Pure, Elementwise, SameOperandsAndResultType,
                                   InferTypeOpInterface]> {
  let arguments = (ins tensorType:$input);
  let results = (outs tensorType:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

class Terra_BinaryOp<string mnemonic, Type tensorType, list<Trait> traits = []>
    : Terra_Op<mnemonic, traits # [Pure, Elementwise, SameOperandsAndResultType,
                                   InferTypeOpInterface]> {
  let arguments = (ins tensorType:$lhs, tensorType:$rhs);
  let results = (outs tensorType:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($result)";
}

//===----------------------------------------------------------------------===//
// Unary
//===----------------------------------------------------------------------===//

def Terra_NegOp : Terra_UnaryOp<"neg", Terra_ArithmeticTensor> {
  let summary = "elementwise negation";
  let description = [{
    `-x` for every element.

    ```mlir
    %y = terra.neg %x : tensor<4xf32>
    ```
  }];
  let hasFolder = 1;
}

def Terra_AbsOp : Terra_UnaryOp<"abs", Terra_NumericTensor> {
  let summary = "elementwise absolute value";
  let description = [{
    `|x|` for every element; `abs(abs(x))` folds to `abs(x)`.

    ```mlir
    %y = terra.abs %x : tensor<4xf32>
    ```
  }];
  let hasFolder = 1;
}

def Terra_ExpOp : Terra_UnaryOp<"exp", Terra_FloatTensor> {
  let summary = "elementwise natural exponential";
  let description = [{
    ```mlir
    %y = terra.exp %x : tensor<4xf32>
    ```
  }];
  let hasFolder = 1;
}

def Terra_LogOp : Terra_UnaryOp<"log", Terra_FloatTensor> {
  let summary = "elementwise natural logarithm";
  let description = [{
    `log(exp(x))` folds to `x`.

    ```mlir
    %y = terra.log %x : tensor<4xf32>
    ```
  }];
  let hasFolder = 1;
}

def Terra_SqrtOp : Terra_UnaryOp<"sqrt", Terra_FloatTensor> {
  let summary = "elementwise square root";
  let description = [{
    ```mlir
    %y = terra.sqrt %x : tensor<4xf32>
    ```
  }];
  let hasFolder = 1;
}

def Terra_RsqrtOp : Terra_UnaryOp<"rsqrt", Terra_FloatTensor> {
  let summary = "elementwise reciprocal square root";
  let description = [{
    `1 / sqrt(x)` for every element.

    ```mlir
    %y = terra.rsqrt %x : tensor<4xf32>
    ```
  }];
  let hasFolder = 1;
}

def Terra_TanhOp : Terra_UnaryOp<"tanh", Terra_FloatTensor> {
  let summary = "elementwise hyperbolic tangent";
  let description = [{
    ```mlir
    %y = terra.tanh %x : tensor<4xf32>
    ```
  }];
}

def Terra_SigmoidOp : Terra_UnaryOp<"sigmoid", Terra_FloatTensor> {
  let summary = "elementwise logistic sigmoid";
  let description = [{
    `1 / (1 + exp(-x))` for every element.

    ```mlir
    %y = terra.sigmoid %x : tensor<4xf32>
    ```
  }];
}

def Terra_ReluOp : Terra_UnaryOp<"relu", Terra_NumericTensor> {
  let summary = "elementwise rectified linear unit";
  let description = [{
    `max(x, 0)` for every element; `relu(relu(x))` folds to `relu(x)`.

    ```mlir
    %y = terra.relu %x : tensor<4xf32>
    ```
  }];
  let hasFolder = 1;
}

def Terra_GeluOp : Terra_UnaryOp<"gelu", Terra_FloatTensor> {
  let summary = "elementwise Gaussian error linear unit";
  let description = [{
    `x * 0.5 * (1 + erf(x / sqrt(2)))`, or with `approximate_tanh` the
    approximation `0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))`,
    as `torch.nn.functional.gelu(x, approximate="tanh")`.

    ```mlir
    %y = terra.gelu %x : tensor<4xf32>
    %z = terra.gelu %x {approximate_tanh} : tensor<4xf32>
    ```
  }];
  let arguments = (ins Terra_FloatTensor:$input, UnitAttr:$approximate_tanh);
}

def Terra_ErfOp : Terra_UnaryOp<"erf", Terra_FloatTensor> {
  let summary = "elementwise Gauss error function";
  let description = [{
    ```mlir
    %y = terra.erf %x : tensor<4xf32>
    ```
  }];
}

//===----------------------------------------------------------------------===//
// Binary
//===----------------------------------------------------------------------===//

def Terra_AddOp : Terra_BinaryOp<"add", Terra_ArithmeticTensor, [Commutative]> {
  let summary = "elementwise addition";
  let description = [{
    ```mlir
    %z = terra.add %x, %y : tensor<4xf32>
    ```
    Adding a zero constant folds away; constant operands fold.
  }];
  let hasFolder = 1;
}

def Terra_SubOp : Terra_BinaryOp<"sub", Terra_ArithmeticTensor> {
  let summary = "elementwise subtraction";
  let description = [{
    ```mlir
    %z = terra.sub %x, %y : tensor<4xf32>
    ```
  }];
  let hasFolder = 1;
}

def Terra_MulOp : Terra_BinaryOp<"mul", Terra_ArithmeticTensor, [Commutative]> {
  let summary = "elementwise multiplication";
  let description = [{
    ```mlir
    %z = terra.mul %x, %y : tensor<4xf32>
    ```
    Multiplying by a constant one folds away.
  }];
  let hasFolder = 1;
}

def Terra_DivOp : Terra_BinaryOp<"div", Terra_ArithmeticTensor> {
  let summary = "elementwise division";
  let description = [{
    True division for floats; for integers, division truncating toward zero.

    ```mlir
    %z = terra.div %x, %y : tensor<4xf32>
    ```
  }];
  let hasFolder = 1;
}

def Terra_PowOp : Terra_BinaryOp<"pow", Terra_FloatTensor> {
  let summary = "elementwise power";
  let description = [{
    `lhs ** rhs`. Canonicalisation rewrites a constant exponent of 1, 2 or
    0.5 as the identity, a multiplication or a square root.

    ```mlir
    %z = terra.pow %x, %y : tensor<4xf32>
    ```
  }];
  let hasCanonicalizer = 1;
}

def Terra_MaximumOp : Terra_BinaryOp<"maximum", Terra_NumericTensor, [Commutative]> {
  let summary = "elementwise maximum (NaN-propagating, as torch.maximum)";
  let description = [{
    ```mlir
    %z = terra.maximum %x, %y : tensor<4xf32>
    ```
  }];
  let hasFolder = 1;
}

def Terra_MinimumOp : Terra_BinaryOp<"minimum", Terra_NumericTensor, [Commutative]> {
  let summary = "elementwise minimum (NaN-propagating, as torch.minimum)";
  let description = [{
    ```mlir
    %z = terra.minimum %x, %y : tensor<4xf32>
    ```
  }];
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Comparison, selection, conversion
//===----------------------------------------------------------------------===//

def Terra_CompareOp : Terra_Op<"compare", [Pure, Elementwise, SameTypeOperands,
    SameOperandsAndResultShape, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "elementwise comparison";
  let description = [{
    Compares two tensors of the same type element by element and yields a
    tensor of `i1`. Floating-point comparisons are ordered, except `ne`, which
    is true when either side is NaN (as in NumPy and PyTorch).

    ```mlir
    %m = terra.compare lt, %x, %y : tensor<4xf32>
    ```
  }];
  let arguments = (ins Terra_ComparisonDirection:$direction,
                       Terra_NumericTensor:$lhs, Terra_NumericTensor:$rhs);
  let results = (outs Terra_BoolTensor:$result);
  let assemblyFormat = "$direction `,` $lhs `,` $rhs attr-dict `:` type($lhs)";
}

def Terra_SelectOp : Terra_Op<"select", [Pure, Elementwise,
    AllTypesMatch<["on_true", "on_false", "result"]>,
    AllShapesMatch<["condition", "on_true"]>]> {
  let summary = "elementwise choice between two tensors (torch.where)";
  let description = [{
    `condition ? on_true : on_false` for every element.

    ```mlir
    %z = terra.select %m, %x, %y : tensor<4xi1>, tensor<4xf32>
    ```
    A constant condition folds to the chosen operand.
  }];
  let arguments = (ins Terra_BoolTensor:$condition, Terra_Tensor:$on_true,
                       Terra_Tensor:$on_false);
  let results = (outs Terra_Tensor:$result);
  let assemblyFormat = [{
    $condition `,` $on_true `,` $on_false attr-dict `:` type($condition) `,` type($result)
  }];
  let hasFolder = 1;
}

def Terra_CastOp : Terra_Op<"cast", [Pure, Elementwise, SameOperandsAndResultShape]> {
  let summary = "elementwise conversion of the element type";
  let description = [{
    Converts between float, integer and boolean element types with
    PyTorch's `Tensor.to(dtype)` semantics: floats to integers truncate toward
    zero, anything to `i1` tests for non-zero, `i1` to numbers gives 0 or 1.

    ```mlir
    %y = terra.cast %x : tensor<4xf32> to tensor<4xi64>
    ```
  }];
  let arguments = (ins Terra_Tensor:$input);
  let results = (outs Terra_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasFolder = 1;
}

#endif // TERRA_ELEMENTWISE_OPS_TD
