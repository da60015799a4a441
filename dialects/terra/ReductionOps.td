//===- ReductionOps.td - Reductions of the terra dialect ------------------===//

#ifndef TERRA_REDUCTION_OPS_TD
#define TERRA_REDUCTION_OPS_TD

include "TerraBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

class Terra_ReduceOp<string mnemonic, Type tensorType>
    : Terra_Op<mnemonic, [Pure, SameOperandsAndResultElementType,
                          DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let arguments = (ins tensorType:$input, DenseI64ArrayAttr:$axes,
                       UnitAttr:$keepdim);
  let results = (outs tensorType:$result);
  let assemblyFormat = [{
    $input `axes` $axes (`keepdim` $keepdim^)? attr-dict `:` type($input) `->` type($result)
  }];
  let hasFolder = 1;
}

def Terra_SumOp : Terra_ReduceOp<"sum", Terra_ArithmeticTensor> {
  let summary = "sum over the given axes";
  let description = [{
    Reduces over each of `axes` (distinct, in `[0, rank)`); with `keepdim`
    the reduced dimensions stay as size 1. A reduction over no axes folds to
    its input.

    ```mlir
    %s = terra.sum %x axes [1] : tensor<2x3xf32> -> tensor<2xf32>
    %k = terra.sum %x axes [0, 1] keepdim : tensor<2x3xf32> -> tensor<1x1xf32>
    ```
  }];
}

def Terra_MeanOp : Terra_ReduceOp<"mean", Terra_FloatTensor> {
  let summary = "arithmetic mean over the given axes";
  let description = [{
    ```mlir
    %m = terra.mean %x axes [0] keepdim : tensor<2x3xf32> -> tensor<1x3xf32>
    ```
  }];
}

def Terra_MaxOp : Terra_ReduceOp<"max", Terra_NumericTensor> {
  let summary = "maximum over the given axes (NaN-propagating)";
  let description = [{
    ```mlir
    %m = terra.max %x axes [1] : tensor<2x3xf32> -> tensor<2xf32>
    ```
  }];
}

def Terra_MinOp : Terra_ReduceOp<"min", Terra_NumericTensor> {
  let summary = "minimum over the given axes (NaN-propagating)";
  let description = [{
    ```mlir
    %m = terra.min %x axes [1] : tensor<2x3xf32> -> tensor<2xf32>
    ```
  }];
}

def Terra_ArgMaxOp : Terra_Op<"argmax", [Pure,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "index of the maximum along one axis";
  let description = [{
    The first index of the largest element along `axis`, as `i64`
    (torch.argmax with `dim`).

    ```mlir
    %i = terra.argmax %x axis 1 : tensor<2x3xf32> -> tensor<2xi64>
    ```
  }];
  let arguments = (ins Terra_NumericTensor:$input, I64Attr:$axis,
                       UnitAttr:$keepdim);
  let results = (outs RankedTensorOf<[I64]>:$result);
  let assemblyFormat = [{
    $input `axis` $axis (`keepdim` $keepdim^)? attr-dict `:` type($input) `->` type($result)
  }];
}

class Terra_SoftmaxLikeOp<string mnemonic>
    : Terra_Op<mnemonic, [Pure, SameOperandsAndResultType, InferTypeOpInterface]> {
  let arguments = (ins Terra_FloatTensor:$input, I64Attr:$axis);
  let results = (outs Terra_FloatTensor:$result);
  let assemblyFormat = "$input `axis` $axis attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Terra_SoftmaxOp : Terra_SoftmaxLikeOp<"softmax"> {
  let summary = "softmax along one axis";
  let description = [{
    `exp(x - max(x)) / sum(exp(x - max(x)))` along `axis`: the maximum is
    subtracted first so that large inputs do not overflow. The
    `terra-decompose` pass rewrites it into primitive ops.

    ```mlir
    %p = terra.softmax %x axis 1 : tensor<2x3xf32>
    ```
  }];
}

def Terra_LogSoftmaxOp : Terra_SoftmaxLikeOp<"log_softmax"> {
  let summary = "logarithm of the softmax along one axis";
  let description = [{
    `x - max(x) - log(sum(exp(x - max(x))))` along `axis`, numerically stable
    for any input magnitude. The `terra-decompose` pass rewrites it into
    primitive ops.

    ```mlir
    %p = terra.log_softmax %x axis 1 : tensor<2x3xf32>
    ```
  }];
}

#endif // TERRA_REDUCTION_OPS_TD
