//===- ShapeOps.td - Shape manipulation ops of the terra dialect ----------===//

#ifndef TERRA_SHAPE_OPS_TD
#define TERRA_SHAPE_OPS_TD

include "TerraBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Terra_ConstantOp : Terra_Op<"constant", [ConstantLike, Pure,
    AllTypesMatch<["value", "result"]>]> {
  let summary = "a constant tensor";
  let description = [{
    ```mlir
    %c = terra.constant dense<[1.0, 2.0]> : tensor<2xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Terra_Tensor:$result);
  let hasCustomAssemblyFormat = 1;
  let hasFolder = 1;
  let builders = [OpBuilder<(ins "::mlir::ElementsAttr":$value), [{
    build($_builder, $_state, value.getType(), value);
  }]>];
}

def Terra_BroadcastToOp : Terra_Op<"broadcast_to", [Pure]> {
  let summary = "NumPy/PyTorch broadcasting, made explicit";
  let description = [{
    Broadcasts `input` to the result shape with NumPy rules: shapes are
    aligned at their trailing dimension, and each input dimension either
    equals the result dimension or is 1. The result may have more leading
    dimensions than the input.

    ```mlir
    %y = terra.broadcast_to %x : tensor<3x1xf32> -> tensor<2x3x4xf32>
    ```
    Broadcasting to the same type folds away, two broadcasts in a row merge,
    and a broadcast splat constant becomes a bigger splat.

    A dynamic input dimension is never broadcast: it equals the result's.
    Where the result has dynamic dimensions the input cannot tell (a size-1
    or missing input dimension), `sizes` gives one index per dynamic result
    dimension, in order:

    ```mlir
    %y = terra.broadcast_to %x sizes(%n) : tensor<8x1xf32> -> tensor<8x?xf32>
    ```
  }];
  let arguments = (ins Terra_Tensor:$input, Variadic<Index>:$sizes);
  let results = (outs Terra_Tensor:$result);
  let builders = [
    OpBuilder<(ins "Type":$result, "Value":$input), [{
      build($_builder, $_state, result, input, ValueRange{});
    }]>
  ];
  let assemblyFormat = [{
    $input (`sizes` `(` $sizes^ `)`)? attr-dict `:` type($input) `->`
    type($result)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Terra_ReshapeOp : Terra_Op<"reshape", [Pure]> {
  let summary = "a new shape with the same elements in row-major order";
  let description = [{
    ```mlir
    %y = terra.reshape %x : tensor<2x6xf32> -> tensor<3x4xf32>
    ```
    Reshaping to the same type folds away; two reshapes in a row merge.

    One dynamic result dimension follows from the element count. With more,
    `sizes` gives one index per dynamic result dimension, in order:

    ```mlir
    %y = terra.reshape %x sizes(%b, %n) : tensor<?x16xf32> -> tensor<?x?x16xf32>
    ```
  }];
  let arguments = (ins Terra_Tensor:$input, Variadic<Index>:$sizes);
  let results = (outs Terra_Tensor:$result);
  let builders = [
    OpBuilder<(ins "Type":$result, "Value":$input), [{
      build($_builder, $_state, result, input, ValueRange{});
    }]>
  ];
  let assemblyFormat = [{
    $input (`sizes` `(` $sizes^ `)`)? attr-dict `:` type($input) `->`
    type($result)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Terra_TransposeOp : Terra_Op<"transpose", [Pure,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "permutation of the dimensions (torch.permute)";
  let description = [{
    Result dimension `i` is input dimension `permutation[i]`.

    ```mlir
    %y = terra.transpose %x, [1, 0] : tensor<2x3xf32> -> tensor<3x2xf32>
    ```
    The identity permutation folds away; two transposes compose. The
    transpose of a matrix product used only there is the product of the
    operands swapped, `(a b)^T = b^T a^T`, read transposed by BLAS (see
    `terra.matmul`).
  }];
  let arguments = (ins Terra_Tensor:$input, DenseI64ArrayAttr:$permutation);
  let results = (outs Terra_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $permutation attr-dict `:` type($input) `->` type($result)
  }];
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Terra_SliceOp : Terra_Op<"slice", [Pure,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "a strided window of a tensor (basic indexing)";
  let description = [{
    Takes elements `start[d], start[d] + stride[d], ...` below `limit[d]` in
    every dimension `d`, like the Python slice `x[start:limit:stride]`.
    Starts and limits lie in `[0, size]`; strides are positive. A dynamic
    limit (`?` in the type's sense, -9223372036854775808) takes the whole
    of a dynamic dimension (with start 0 and stride 1).

    ```mlir
    %y = terra.slice %x [0, 1] [4, 3] [2, 1] : tensor<4x3xf32> -> tensor<2x2xf32>
    ```
    A slice of the whole tensor folds away.
  }];
  let arguments = (ins Terra_Tensor:$input, DenseI64ArrayAttr:$start,
                       DenseI64ArrayAttr:$limit, DenseI64ArrayAttr:$stride);
  let results = (outs Terra_Tensor:$result);
  let assemblyFormat = [{
    $input $start $limit $stride attr-dict `:` type($input) `->` type($result)
  }];
  let hasFolder = 1;
}

def Terra_ConcatOp : Terra_Op<"concat", [Pure, SameOperandsElementType,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "concatenation along one dimension (torch.cat)";
  let description = [{
    ```mlir
    %z = terra.concat %x, %y dim 1 : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x4xf32>
    ```
    A concatenation of one tensor folds to it.
  }];
  let arguments = (ins Variadic<Terra_Tensor>:$inputs, I64Attr:$dim);
  let results = (outs Terra_Tensor:$result);
  let assemblyFormat = [{
    $inputs `dim` $dim attr-dict `:` functional-type($inputs, $result)
  }];
  let hasFolder = 1;
}

def Terra_PadOp : Terra_Op<"pad", [Pure,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "constant padding before and after every dimension";
  let description = [{
    Adds `low[d]` elements before and `high[d]` after dimension `d`, all equal
    to `value` (torch.nn.functional.pad with mode "constant").

    ```mlir
    %y = terra.pad %x low [0, 1] high [0, 2] value 0.0 : tensor<2x3xf32> -> tensor<2x6xf32>
    ```
    Padding by nothing folds away.
  }];
  let arguments = (ins Terra_Tensor:$input, DenseI64ArrayAttr:$low,
                       DenseI64ArrayAttr:$high, F64Attr:$value);
  let results = (outs Terra_Tensor:$result);
  let assemblyFormat = [{
    $input `low` $low `high` $high `value` $value attr-dict `:` type($input) `->` type($result)
  }];
  let hasFolder = 1;
}

def Terra_GatherOp : Terra_Op<"gather", [Pure,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "selection of slices by index (index_select, embedding)";
  let description = [{
    Picks slices of `input` along `axis` at the positions given by `indices`,
    like `numpy.take(input, indices, axis)`: the result shape is
    `input.shape[:axis] + indices.shape + input.shape[axis+1:]`. An embedding
    lookup is a gather on axis 0 of the table. Indices outside
    `[0, input.shape[axis])` are clamped at run time by compiled code; the
    eager runtime reports them as an error.

    ```mlir
    %e = terra.gather %table[%ids] axis 0 : (tensor<100x16xf32>, tensor<4x8xi64>) -> tensor<4x8x16xf32>
    ```
  }];
  let arguments = (ins Terra_Tensor:$input, Terra_IndexTensor:$indices,
                       I64Attr:$axis);
  let results = (outs Terra_Tensor:$result);
  let assemblyFormat = [{
    $input `[` $indices `]` `axis` $axis attr-dict `:` `(` type($input) `,` type($indices) `)` `->` type($result)
  }];
}

def Terra_ScatterAddOp : Terra_Op<"scatter_add", [Pure,
    AllTypesMatch<["input", "result"]>]> {
  let summary = "accumulation of slices at indices (the gradient of gather)";
  let description = [{
    The adjoint of `terra.gather`: starts from `input` and adds every slice of
    `updates` at the position given by `indices` along `axis`; repeated
    indices accumulate. `updates` has the shape of the matching gather result.

    ```mlir
    %g = terra.scatter_add %zeros[%ids], %grad axis 0 : (tensor<100x16xf32>, tensor<4x8xi64>, tensor<4x8x16xf32>) -> tensor<100x16xf32>
    ```
  }];
  let arguments = (ins Terra_Tensor:$input, Terra_IndexTensor:$indices,
                       Terra_Tensor:$updates, I64Attr:$axis);
  let results = (outs Terra_Tensor:$result);
  let assemblyFormat = [{
    $input `[` $indices `]` `,` $updates `axis` $axis attr-dict `:` `(` type($input) `,` type($indices) `,` type($updates) `)` `->` type($result)
  }];
  let hasVerifier = 1;
}

#endif // TERRA_SHAPE_OPS_TD
