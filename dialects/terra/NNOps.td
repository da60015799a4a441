//===- NNOps.td - Contractions, convolution and pooling -------------------===//

#ifndef TERRA_NN_OPS_TD
#define TERRA_NN_OPS_TD

include "TerraBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Terra_MatmulOp : Terra_Op<"matmul", [Pure, SameOperandsAndResultElementType,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "matrix product, batched over leading dimensions";
  let description = [{
    Multiplies the last two dimensions of `lhs` and `rhs`; both have the same
    rank (at least 2) and the same leading (batch) dimensions, broadcast
    beforehand with `terra.broadcast_to`. `transpose_lhs` / `transpose_rhs`
    use the transposed last two dimensions of that operand without
    materialising it, as BLAS's `transa` / `transb` do.

    ```mlir
    %c = terra.matmul %a, %b : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
    %d = terra.matmul %a, %e {transpose_rhs} : (tensor<4x8xf32>, tensor<16x8xf32>) -> tensor<4x16xf32>
    %f = terra.matmul %g, %h : (tensor<2x4x8xf32>, tensor<2x8x3xf32>) -> tensor<2x4x3xf32>
    ```
    An operand made by a `terra.transpose` that swaps only the last two
    dimensions canonicalises into the flag: traced programs write `x @ w.T`
    and autograd transposes operands, and BLAS reads them transposed for
    free where a materialised transpose costs a full copy.
  }];
  let arguments = (ins Terra_ArithmeticTensor:$lhs, Terra_ArithmeticTensor:$rhs,
                       UnitAttr:$transpose_lhs, UnitAttr:$transpose_rhs);
  let results = (outs Terra_ArithmeticTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` `(` type($lhs) `,` type($rhs) `)` `->` type($result)
  }];
  let hasCanonicalizer = 1;
}

class Terra_ConvOp<string mnemonic, list<Trait> traits = []>
    : Terra_Op<mnemonic, traits # [Pure, SameOperandsAndResultElementType]> {
  let results = (outs Terra_Rank4FloatTensor:$result);
}

def Terra_Conv2DOp : Terra_ConvOp<"conv2d",
    [DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "2-D convolution in NCHW layout (torch.nn.functional.conv2d)";
  let description = [{
    `input` is `N x C x H x W`, `weight` is `F x C/groups x KH x KW`; `F` and
    `C` are multiples of `groups`. `padding` adds zeros on both sides of each
    spatial dimension. The result is `N x F x OH x OW` with
    `OH = (H + 2 * padding[0] - dilation[0] * (KH - 1) - 1) / stride[0] + 1`.

    ```mlir
    %y = terra.conv2d %x, %w stride [1, 1] padding [1, 1] dilation [1, 1] groups 1
        : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
    ```
  }];
  let arguments = (ins Terra_Rank4FloatTensor:$input, Terra_Rank4FloatTensor:$weight,
                       DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding,
                       DenseI64ArrayAttr:$dilation, I64Attr:$groups);
  let assemblyFormat = [{
    $input `,` $weight `stride` $stride `padding` $padding `dilation` $dilation
    `groups` $groups attr-dict `:` `(` type($input) `,` type($weight) `)` `->` type($result)
  }];
}

def Terra_Conv2DGradInputOp : Terra_ConvOp<"conv2d_grad_input"> {
  let summary = "gradient of conv2d with respect to its input";
  let description = [{
    Given the gradient of a `terra.conv2d` result and its weight, computes the
    gradient of its input (a transposed convolution). The result type names
    the input shape, which the output shape alone does not determine when a
    stride is larger than 1.

    ```mlir
    %dx = terra.conv2d_grad_input %dy, %w stride [2, 2] padding [1, 1] dilation [1, 1] groups 1
        : (tensor<1x4x4x4xf32>, tensor<4x3x3x3xf32>) -> tensor<1x3x8x8xf32>
    ```
  }];
  let arguments = (ins Terra_Rank4FloatTensor:$grad_output, Terra_Rank4FloatTensor:$weight,
                       DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding,
                       DenseI64ArrayAttr:$dilation, I64Attr:$groups);
  let assemblyFormat = [{
    $grad_output `,` $weight `stride` $stride `padding` $padding `dilation` $dilation
    `groups` $groups attr-dict `:` `(` type($grad_output) `,` type($weight) `)` `->` type($result)
  }];
  let hasVerifier = 1;
}

def Terra_Conv2DGradWeightOp : Terra_ConvOp<"conv2d_grad_weight"> {
  let summary = "gradient of conv2d with respect to its weight";
  let description = [{
    Given the input of a `terra.conv2d` and the gradient of its result,
    computes the gradient of its weight; the result type names the weight
    shape.

    ```mlir
    %dw = terra.conv2d_grad_weight %x, %dy stride [1, 1] padding [1, 1] dilation [1, 1] groups 1
        : (tensor<1x3x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<4x3x3x3xf32>
    ```
  }];
  let arguments = (ins Terra_Rank4FloatTensor:$input, Terra_Rank4FloatTensor:$grad_output,
                       DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding,
                       DenseI64ArrayAttr:$dilation, I64Attr:$groups);
  let assemblyFormat = [{
    $input `,` $grad_output `stride` $stride `padding` $padding `dilation` $dilation
    `groups` $groups attr-dict `:` `(` type($input) `,` type($grad_output) `)` `->` type($result)
  }];
  let hasVerifier = 1;
}

def Terra_MaxPool2DOp : Terra_ConvOp<"max_pool2d",
    [DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "2-D max pooling in NCHW layout";
  let description = [{
    The maximum of every `kernel_size` window, with implicit `-inf` padding,
    as `torch.nn.functional.max_pool2d` with `ceil_mode=False`.

    ```mlir
    %y = terra.max_pool2d %x kernel [2, 2] stride [2, 2] padding [0, 0] dilation [1, 1]
        : tensor<1x3x8x8xf32> -> tensor<1x3x4x4xf32>
    ```
  }];
  let arguments = (ins Terra_Rank4FloatTensor:$input, DenseI64ArrayAttr:$kernel_size,
                       DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding,
                       DenseI64ArrayAttr:$dilation);
  let assemblyFormat = [{
    $input `kernel` $kernel_size `stride` $stride `padding` $padding `dilation` $dilation
    attr-dict `:` type($input) `->` type($result)
  }];
}

def Terra_MaxPool2DGradOp : Terra_ConvOp<"max_pool2d_grad",
    [AllTypesMatch<["input", "result"]>]> {
  let summary = "gradient of max_pool2d with respect to its input";
  let description = [{
    Routes each element of `grad_output` to the position of its window's
    maximum in `input` (the first one, in row-major window order, on ties);
    overlapping windows accumulate.

    ```mlir
    %dx = terra.max_pool2d_grad %dy, %x kernel [2, 2] stride [2, 2] padding [0, 0] dilation [1, 1]
        : (tensor<1x3x4x4xf32>, tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xf32>
    ```
  }];
  let arguments = (ins Terra_Rank4FloatTensor:$grad_output, Terra_Rank4FloatTensor:$input,
                       DenseI64ArrayAttr:$kernel_size, DenseI64ArrayAttr:$stride,
                       DenseI64ArrayAttr:$padding, DenseI64ArrayAttr:$dilation);
  let assemblyFormat = [{
    $grad_output `,` $input `kernel` $kernel_size `stride` $stride `padding` $padding
    `dilation` $dilation attr-dict `:` `(` type($grad_output) `,` type($input) `)` `->` type($result)
  }];
  let hasVerifier = 1;
}

def Terra_AvgPool2DOp : Terra_ConvOp<"avg_pool2d",
    [DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "2-D average pooling in NCHW layout";
  let description = [{
    The mean of every `kernel_size` window with implicit zero padding, as
    `torch.nn.functional.avg_pool2d` with `ceil_mode=False`. With
    `count_include_pad` (the default) the divisor is the window size;
    without, only the elements inside the input are counted.

    ```mlir
    %y = terra.avg_pool2d %x kernel [2, 2] stride [2, 2] padding [0, 0]
        : tensor<1x3x8x8xf32> -> tensor<1x3x4x4xf32>
    ```
  }];
  let arguments = (ins Terra_Rank4FloatTensor:$input, DenseI64ArrayAttr:$kernel_size,
                       DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding,
                       DefaultValuedAttr<BoolAttr, "true">:$count_include_pad);
  let assemblyFormat = [{
    $input `kernel` $kernel_size `stride` $stride `padding` $padding
    attr-dict `:` type($input) `->` type($result)
  }];
}

def Terra_AvgPool2DGradOp : Terra_ConvOp<"avg_pool2d_grad"> {
  let summary = "gradient of avg_pool2d with respect to its input";
  let description = [{
    Spreads each element of `grad_output` evenly over its window; the result
    type names the input shape.

    ```mlir
    %dx = terra.avg_pool2d_grad %dy kernel [2, 2] stride [2, 2] padding [0, 0]
        : tensor<1x3x4x4xf32> -> tensor<1x3x8x8xf32>
    ```
  }];
  let arguments = (ins Terra_Rank4FloatTensor:$grad_output, DenseI64ArrayAttr:$kernel_size,
                       DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding,
                       DefaultValuedAttr<BoolAttr, "true">:$count_include_pad);
  let assemblyFormat = [{
    $grad_output `kernel` $kernel_size `stride` $stride `padding` $padding
    attr-dict `:` type($grad_output) `->` type($result)
  }];
  let hasVerifier = 1;
}

#endif // TERRA_NN_OPS_TD
