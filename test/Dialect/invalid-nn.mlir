// Verifier errors of matmul, convolution and pooling. Ops that infer their
// result type report the specific problem, then that inference failed.
// RUN: terra-opt %s -split-input-file -verify-diagnostics

// matmul needs matrices, not vectors.
func.func @matmul_rank1(%a: tensor<4xf32>, %b: tensor<4x16xf32>) -> tensor<16xf32> {
  // expected-error @+2 {{'terra.matmul' op operands must have the same rank of at least 2, got 1 and 2}}
  // expected-error @+1 {{'terra.matmul' op failed to infer returned types}}
  %0 = terra.matmul %a, %b : (tensor<4xf32>, tensor<4x16xf32>) -> tensor<16xf32>
  return %0 : tensor<16xf32>
}

// -----

// Batch dimensions are broadcast explicitly, so ranks must match.
func.func @matmul_rank_mismatch(%a: tensor<2x4x8xf32>, %b: tensor<8x16xf32>) -> tensor<2x4x16xf32> {
  // expected-error @+2 {{'terra.matmul' op operands must have the same rank of at least 2, got 3 and 2}}
  // expected-error @+1 {{'terra.matmul' op failed to infer returned types}}
  %0 = terra.matmul %a, %b : (tensor<2x4x8xf32>, tensor<8x16xf32>) -> tensor<2x4x16xf32>
  return %0 : tensor<2x4x16xf32>
}

// -----

// Contraction sizes must agree.
func.func @matmul_contraction(%a: tensor<4x8xf32>, %b: tensor<7x16xf32>) -> tensor<4x16xf32> {
  // expected-error @+2 {{'terra.matmul' op contraction sizes differ: 8 vs 7}}
  // expected-error @+1 {{'terra.matmul' op failed to infer returned types}}
  %0 = terra.matmul %a, %b : (tensor<4x8xf32>, tensor<7x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

// transpose_rhs contracts over the last dimension of rhs.
func.func @matmul_transpose_rhs(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>) -> tensor<4x16xf32> {
  // expected-error @+2 {{'terra.matmul' op contraction sizes differ: 8 vs 16}}
  // expected-error @+1 {{'terra.matmul' op failed to infer returned types}}
  %0 = terra.matmul %a, %b {transpose_rhs} : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

// transpose_lhs contracts over the first matrix dimension of lhs.
func.func @matmul_transpose_lhs(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>) -> tensor<8x16xf32> {
  // expected-error @+2 {{'terra.matmul' op contraction sizes differ: 4 vs 8}}
  // expected-error @+1 {{'terra.matmul' op failed to infer returned types}}
  %0 = terra.matmul %a, %b {transpose_lhs} : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}

// -----

// Batch dimensions must agree.
func.func @matmul_batch(%a: tensor<2x4x8xf32>, %b: tensor<3x8x16xf32>) -> tensor<2x4x16xf32> {
  // expected-error @+2 {{'terra.matmul' op batch dimension 0 differs: 2 vs 3}}
  // expected-error @+1 {{'terra.matmul' op failed to infer returned types}}
  %0 = terra.matmul %a, %b : (tensor<2x4x8xf32>, tensor<3x8x16xf32>) -> tensor<2x4x16xf32>
  return %0 : tensor<2x4x16xf32>
}

// -----

// No mixed precision.
func.func @matmul_element_type(%a: tensor<4x8xf32>, %b: tensor<8x16xf16>) -> tensor<4x16xf32> {
  // expected-error @+1 {{'terra.matmul' op requires the same element type for all operands and results}}
  %0 = terra.matmul %a, %b : (tensor<4x8xf32>, tensor<8x16xf16>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

// The result is M x N.
func.func @matmul_result(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>) -> tensor<16x4xf32> {
  // expected-error @+2 {{'terra.matmul' op inferred type(s) 'tensor<4x16xf32>' are incompatible with return type(s) of operation 'tensor<16x4xf32>'}}
  // expected-error @+1 {{'terra.matmul' op failed to infer returned types}}
  %0 = terra.matmul %a, %b : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<16x4xf32>
  return %0 : tensor<16x4xf32>
}

// -----

// A zero stride.
func.func @conv_zero_stride(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32> {
  // expected-error @+2 {{'terra.conv2d' op stride value 0 must be at least 1}}
  // expected-error @+1 {{'terra.conv2d' op failed to infer returned types}}
  %0 = terra.conv2d %x, %w stride [0, 1] padding [1, 1] dilation [1, 1] groups 1 : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return %0 : tensor<1x4x8x8xf32>
}

// -----

// Negative padding.
func.func @conv_negative_padding(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32> {
  // expected-error @+2 {{'terra.conv2d' op padding value -1 must be at least 0}}
  // expected-error @+1 {{'terra.conv2d' op failed to infer returned types}}
  %0 = terra.conv2d %x, %w stride [1, 1] padding [-1, 1] dilation [1, 1] groups 1 : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return %0 : tensor<1x4x8x8xf32>
}

// -----

// A zero dilation.
func.func @conv_zero_dilation(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32> {
  // expected-error @+2 {{'terra.conv2d' op dilation value 0 must be at least 1}}
  // expected-error @+1 {{'terra.conv2d' op failed to infer returned types}}
  %0 = terra.conv2d %x, %w stride [1, 1] padding [1, 1] dilation [0, 1] groups 1 : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return %0 : tensor<1x4x8x8xf32>
}

// -----

// Window parameters have one value per spatial dimension.
func.func @conv_stride_arity(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32> {
  // expected-error @+2 {{'terra.conv2d' op stride needs 2 values, got 3}}
  // expected-error @+1 {{'terra.conv2d' op failed to infer returned types}}
  %0 = terra.conv2d %x, %w stride [1, 1, 1] padding [1, 1] dilation [1, 1] groups 1 : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return %0 : tensor<1x4x8x8xf32>
}

// -----

// Zero groups.
func.func @conv_zero_groups(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32> {
  // expected-error @+2 {{'terra.conv2d' op groups 0 must be at least 1}}
  // expected-error @+1 {{'terra.conv2d' op failed to infer returned types}}
  %0 = terra.conv2d %x, %w stride [1, 1] padding [1, 1] dilation [1, 1] groups 0 : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return %0 : tensor<1x4x8x8xf32>
}

// -----

// Groups must divide the input channels.
func.func @conv_groups_input_channels(%x: tensor<1x3x8x8xf32>, %w: tensor<4x1x3x3xf32>) -> tensor<1x4x8x8xf32> {
  // expected-error @+2 {{'terra.conv2d' op input channels 3 are not divisible by groups 2}}
  // expected-error @+1 {{'terra.conv2d' op failed to infer returned types}}
  %0 = terra.conv2d %x, %w stride [1, 1] padding [1, 1] dilation [1, 1] groups 2 : (tensor<1x3x8x8xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x8x8xf32>
  return %0 : tensor<1x4x8x8xf32>
}

// -----

// Groups must divide the output channels.
func.func @conv_groups_output_channels(%x: tensor<1x4x8x8xf32>, %w: tensor<3x2x3x3xf32>) -> tensor<1x3x8x8xf32> {
  // expected-error @+2 {{'terra.conv2d' op output channels 3 are not divisible by groups 2}}
  // expected-error @+1 {{'terra.conv2d' op failed to infer returned types}}
  %0 = terra.conv2d %x, %w stride [1, 1] padding [1, 1] dilation [1, 1] groups 2 : (tensor<1x4x8x8xf32>, tensor<3x2x3x3xf32>) -> tensor<1x3x8x8xf32>
  return %0 : tensor<1x3x8x8xf32>
}

// -----

// The weight's channel dimension is C / groups.
func.func @conv_weight_channels(%x: tensor<1x3x8x8xf32>, %w: tensor<4x2x3x3xf32>) -> tensor<1x4x8x8xf32> {
  // expected-error @+2 {{'terra.conv2d' op weight has 2 input channels per group, expected 3}}
  // expected-error @+1 {{'terra.conv2d' op failed to infer returned types}}
  %0 = terra.conv2d %x, %w stride [1, 1] padding [1, 1] dilation [1, 1] groups 1 : (tensor<1x3x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x8x8xf32>
  return %0 : tensor<1x4x8x8xf32>
}

// -----

// The weight is F x C/groups x KH x KW.
func.func @conv_weight_rank(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3xf32>) -> tensor<1x4x8x8xf32> {
  // expected-error @+1 {{'terra.conv2d' op operand #1 must be 4D tensor of floating-point values, but got 'tensor<4x3x3xf32>'}}
  %0 = terra.conv2d %x, %w stride [1, 1] padding [1, 1] dilation [1, 1] groups 1 : (tensor<1x3x8x8xf32>, tensor<4x3x3xf32>) -> tensor<1x4x8x8xf32>
  return %0 : tensor<1x4x8x8xf32>
}

// -----

// An empty kernel.
func.func @conv_empty_kernel(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x0x3xf32>) -> tensor<1x4x9x6xf32> {
  // expected-error @+2 {{'terra.conv2d' op weight has kernel size 0 in spatial dimension 0, expected at least 1}}
  // expected-error @+1 {{'terra.conv2d' op failed to infer returned types}}
  %0 = terra.conv2d %x, %w stride [1, 1] padding [0, 0] dilation [1, 1] groups 1 : (tensor<1x3x8x8xf32>, tensor<4x3x0x3xf32>) -> tensor<1x4x9x6xf32>
  return %0 : tensor<1x4x9x6xf32>
}

// -----

// A kernel larger than the padded input.
func.func @conv_kernel_too_large(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x9x9xf32>) -> tensor<1x4x1x1xf32> {
  // expected-error @+2 {{'terra.conv2d' op kernel of size 9 does not fit in the padded input size 8}}
  // expected-error @+1 {{'terra.conv2d' op failed to infer returned types}}
  %0 = terra.conv2d %x, %w stride [1, 1] padding [0, 0] dilation [1, 1] groups 1 : (tensor<1x3x8x8xf32>, tensor<4x3x9x9xf32>) -> tensor<1x4x1x1xf32>
  return %0 : tensor<1x4x1x1xf32>
}

// -----

// A kernel that only dilation makes larger than the input.
func.func @conv_dilated_too_large(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x1x1xf32> {
  // expected-error @+2 {{'terra.conv2d' op kernel of size 3 with dilation 4 spans 9 and does not fit in the padded input size 8}}
  // expected-error @+1 {{'terra.conv2d' op failed to infer returned types}}
  %0 = terra.conv2d %x, %w stride [1, 1] padding [0, 0] dilation [4, 1] groups 1 : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x1x1xf32>
  return %0 : tensor<1x4x1x1xf32>
}

// -----

// The result spatial size follows from padding.
func.func @conv_result(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+2 {{'terra.conv2d' op inferred type(s) 'tensor<1x4x8x8xf32>' are incompatible with return type(s) of operation 'tensor<1x4x6x6xf32>'}}
  // expected-error @+1 {{'terra.conv2d' op failed to infer returned types}}
  %0 = terra.conv2d %x, %w stride [1, 1] padding [1, 1] dilation [1, 1] groups 1 : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

// Convolution is defined for floats only.
func.func @conv_int(%x: tensor<1x3x8x8xi32>, %w: tensor<4x3x3x3xi32>) -> tensor<1x4x6x6xi32> {
  // expected-error @+1 {{'terra.conv2d' op operand #0 must be 4D tensor of floating-point values, but got 'tensor<1x3x8x8xi32>'}}
  %0 = terra.conv2d %x, %w stride [1, 1] padding [0, 0] dilation [1, 1] groups 1 : (tensor<1x3x8x8xi32>, tensor<4x3x3x3xi32>) -> tensor<1x4x6x6xi32>
  return %0 : tensor<1x4x6x6xi32>
}

// -----

// Input and weight have the same element type.
func.func @conv_element_type(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf16>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'terra.conv2d' op requires the same element type for all operands and results}}
  %0 = terra.conv2d %x, %w stride [1, 1] padding [0, 0] dilation [1, 1] groups 1 : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf16>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

// grad_output must have the shape the forward conv of the named input gives.
func.func @grad_input_output_shape(%dy: tensor<1x4x5x4xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x3x8x8xf32> {
  // expected-error @+1 {{'terra.conv2d_grad_input' op grad_output has type 'tensor<1x4x5x4xf32>', but the forward op gives 'tensor<1x4x4x4xf32>'}}
  %0 = terra.conv2d_grad_input %dy, %w stride [2, 2] padding [1, 1] dilation [1, 1] groups 1 : (tensor<1x4x5x4xf32>, tensor<4x3x3x3xf32>) -> tensor<1x3x8x8xf32>
  return %0 : tensor<1x3x8x8xf32>
}

// -----

// Window parameters of the gradient are checked like the forward op's.
func.func @grad_input_zero_stride(%dy: tensor<1x4x4x4xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x3x8x8xf32> {
  // expected-error @+1 {{'terra.conv2d_grad_input' op stride value 0 must be at least 1}}
  %0 = terra.conv2d_grad_input %dy, %w stride [0, 2] padding [1, 1] dilation [1, 1] groups 1 : (tensor<1x4x4x4xf32>, tensor<4x3x3x3xf32>) -> tensor<1x3x8x8xf32>
  return %0 : tensor<1x3x8x8xf32>
}

// -----

// The named input's channels must match the weight.
func.func @grad_input_channels(%dy: tensor<1x4x4x4xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x2x8x8xf32> {
  // expected-error @+1 {{'terra.conv2d_grad_input' op weight has 3 input channels per group, expected 2}}
  %0 = terra.conv2d_grad_input %dy, %w stride [2, 2] padding [1, 1] dilation [1, 1] groups 1 : (tensor<1x4x4x4xf32>, tensor<4x3x3x3xf32>) -> tensor<1x2x8x8xf32>
  return %0 : tensor<1x2x8x8xf32>
}

// -----

// grad_output has one channel per filter.
func.func @grad_input_filters(%dy: tensor<1x5x4x4xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x3x8x8xf32> {
  // expected-error @+1 {{'terra.conv2d_grad_input' op grad_output has type 'tensor<1x5x4x4xf32>', but the forward op gives 'tensor<1x4x4x4xf32>'}}
  %0 = terra.conv2d_grad_input %dy, %w stride [2, 2] padding [1, 1] dilation [1, 1] groups 1 : (tensor<1x5x4x4xf32>, tensor<4x3x3x3xf32>) -> tensor<1x3x8x8xf32>
  return %0 : tensor<1x3x8x8xf32>
}

// -----

// grad_output and the input gradient share the batch size.
func.func @grad_input_batch(%dy: tensor<2x4x4x4xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x3x8x8xf32> {
  // expected-error @+1 {{'terra.conv2d_grad_input' op grad_output has type 'tensor<2x4x4x4xf32>', but the forward op gives 'tensor<1x4x4x4xf32>'}}
  %0 = terra.conv2d_grad_input %dy, %w stride [2, 2] padding [1, 1] dilation [1, 1] groups 1 : (tensor<2x4x4x4xf32>, tensor<4x3x3x3xf32>) -> tensor<1x3x8x8xf32>
  return %0 : tensor<1x3x8x8xf32>
}

// -----

// grad_output must have the shape the forward conv with the named weight gives.
func.func @grad_weight_output_shape(%x: tensor<1x3x8x8xf32>, %dy: tensor<1x4x8x8xf32>) -> tensor<4x3x3x3xf32> {
  // expected-error @+1 {{'terra.conv2d_grad_weight' op grad_output has type 'tensor<1x4x8x8xf32>', but the forward op gives 'tensor<1x4x6x6xf32>'}}
  %0 = terra.conv2d_grad_weight %x, %dy stride [1, 1] padding [0, 0] dilation [1, 1] groups 1 : (tensor<1x3x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<4x3x3x3xf32>
  return %0 : tensor<4x3x3x3xf32>
}

// -----

// Groups must divide the filters of the weight gradient.
func.func @grad_weight_groups(%x: tensor<1x3x8x8xf32>, %dy: tensor<1x4x8x8xf32>) -> tensor<4x3x3x3xf32> {
  // expected-error @+1 {{'terra.conv2d_grad_weight' op output channels 4 are not divisible by groups 3}}
  %0 = terra.conv2d_grad_weight %x, %dy stride [1, 1] padding [1, 1] dilation [1, 1] groups 3 : (tensor<1x3x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<4x3x3x3xf32>
  return %0 : tensor<4x3x3x3xf32>
}

// -----

// Negative padding on the weight gradient.
func.func @grad_weight_negative_padding(%x: tensor<1x3x8x8xf32>, %dy: tensor<1x4x8x8xf32>) -> tensor<4x3x3x3xf32> {
  // expected-error @+1 {{'terra.conv2d_grad_weight' op padding value -1 must be at least 0}}
  %0 = terra.conv2d_grad_weight %x, %dy stride [1, 1] padding [1, -1] dilation [1, 1] groups 1 : (tensor<1x3x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<4x3x3x3xf32>
  return %0 : tensor<4x3x3x3xf32>
}

// -----

// A pooling window larger than the input.
func.func @max_pool_window_too_large(%x: tensor<1x3x8x8xf32>) -> tensor<1x3x1x1xf32> {
  // expected-error @+2 {{'terra.max_pool2d' op kernel of size 9 does not fit in the padded input size 8}}
  // expected-error @+1 {{'terra.max_pool2d' op failed to infer returned types}}
  %0 = terra.max_pool2d %x kernel [9, 9] stride [1, 1] padding [0, 0] dilation [1, 1] : tensor<1x3x8x8xf32> -> tensor<1x3x1x1xf32>
  return %0 : tensor<1x3x1x1xf32>
}

// -----

// A pooling window that only dilation makes larger than the input.
func.func @max_pool_dilated_too_large(%x: tensor<1x3x8x8xf32>) -> tensor<1x3x1x1xf32> {
  // expected-error @+2 {{'terra.max_pool2d' op kernel of size 3 with dilation 4 spans 9 and does not fit in the padded input size 8}}
  // expected-error @+1 {{'terra.max_pool2d' op failed to infer returned types}}
  %0 = terra.max_pool2d %x kernel [3, 3] stride [1, 1] padding [0, 0] dilation [4, 1] : tensor<1x3x8x8xf32> -> tensor<1x3x1x1xf32>
  return %0 : tensor<1x3x1x1xf32>
}

// -----

// An average pooling window wider than the input.
func.func @avg_pool_window_too_large(%x: tensor<1x3x8x8xf32>) -> tensor<1x3x7x1xf32> {
  // expected-error @+2 {{'terra.avg_pool2d' op kernel of size 9 does not fit in the padded input size 8}}
  // expected-error @+1 {{'terra.avg_pool2d' op failed to infer returned types}}
  %0 = terra.avg_pool2d %x kernel [2, 9] stride [1, 1] padding [0, 0] : tensor<1x3x8x8xf32> -> tensor<1x3x7x1xf32>
  return %0 : tensor<1x3x7x1xf32>
}

// -----

// Pool padding is at most half the window (as in PyTorch).
func.func @max_pool_padding(%x: tensor<1x3x8x8xf32>) -> tensor<1x3x4x4xf32> {
  // expected-error @+2 {{'terra.max_pool2d' op padding 2 must be at most half the kernel size 2}}
  // expected-error @+1 {{'terra.max_pool2d' op failed to infer returned types}}
  %0 = terra.max_pool2d %x kernel [2, 2] stride [2, 2] padding [2, 0] dilation [1, 1] : tensor<1x3x8x8xf32> -> tensor<1x3x4x4xf32>
  return %0 : tensor<1x3x4x4xf32>
}

// -----

// An empty pooling window.
func.func @max_pool_zero_kernel(%x: tensor<1x3x8x8xf32>) -> tensor<1x3x4x4xf32> {
  // expected-error @+2 {{'terra.max_pool2d' op kernel value 0 must be at least 1}}
  // expected-error @+1 {{'terra.max_pool2d' op failed to infer returned types}}
  %0 = terra.max_pool2d %x kernel [0, 2] stride [2, 2] padding [0, 0] dilation [1, 1] : tensor<1x3x8x8xf32> -> tensor<1x3x4x4xf32>
  return %0 : tensor<1x3x4x4xf32>
}

// -----

// A zero pooling stride.
func.func @avg_pool_zero_stride(%x: tensor<1x3x8x8xf32>) -> tensor<1x3x4x4xf32> {
  // expected-error @+2 {{'terra.avg_pool2d' op stride value 0 must be at least 1}}
  // expected-error @+1 {{'terra.avg_pool2d' op failed to infer returned types}}
  %0 = terra.avg_pool2d %x kernel [2, 2] stride [2, 0] padding [0, 0] : tensor<1x3x8x8xf32> -> tensor<1x3x4x4xf32>
  return %0 : tensor<1x3x4x4xf32>
}

// -----

// One dilation value per spatial dimension.
func.func @max_pool_dilation_arity(%x: tensor<1x3x8x8xf32>) -> tensor<1x3x4x4xf32> {
  // expected-error @+2 {{'terra.max_pool2d' op dilation needs 2 values, got 1}}
  // expected-error @+1 {{'terra.max_pool2d' op failed to infer returned types}}
  %0 = terra.max_pool2d %x kernel [2, 2] stride [2, 2] padding [0, 0] dilation [1] : tensor<1x3x8x8xf32> -> tensor<1x3x4x4xf32>
  return %0 : tensor<1x3x4x4xf32>
}

// -----

// The pooled result type.
func.func @max_pool_result(%x: tensor<1x3x8x8xf32>) -> tensor<1x3x3x3xf32> {
  // expected-error @+2 {{'terra.max_pool2d' op inferred type(s) 'tensor<1x3x4x4xf32>' are incompatible with return type(s) of operation 'tensor<1x3x3x3xf32>'}}
  // expected-error @+1 {{'terra.max_pool2d' op failed to infer returned types}}
  %0 = terra.max_pool2d %x kernel [2, 2] stride [2, 2] padding [0, 0] dilation [1, 1] : tensor<1x3x8x8xf32> -> tensor<1x3x3x3xf32>
  return %0 : tensor<1x3x3x3xf32>
}

// -----

// Pooling is over NCHW tensors.
func.func @avg_pool_rank3(%x: tensor<3x8x8xf32>) -> tensor<3x4x4xf32> {
  // expected-error @+1 {{'terra.avg_pool2d' op operand #0 must be 4D tensor of floating-point values, but got 'tensor<3x8x8xf32>'}}
  %0 = terra.avg_pool2d %x kernel [2, 2] stride [2, 2] padding [0, 0] : tensor<3x8x8xf32> -> tensor<3x4x4xf32>
  return %0 : tensor<3x4x4xf32>
}

// -----

// count_include_pad is a boolean.
func.func @avg_pool_bad_flag(%x: tensor<1x3x8x8xf32>) -> tensor<1x3x4x4xf32> {
  // expected-error @+1 {{'terra.avg_pool2d' op attribute 'count_include_pad' failed to satisfy constraint: bool attribute}}
  %0 = terra.avg_pool2d %x kernel [2, 2] stride [2, 2] padding [0, 0] {count_include_pad = 1 : i64} : tensor<1x3x8x8xf32> -> tensor<1x3x4x4xf32>
  return %0 : tensor<1x3x4x4xf32>
}

// -----

// max_pool2d_grad's grad_output has the pooled shape of its input.
func.func @max_pool_grad_output_shape(%dy: tensor<1x3x3x4xf32>, %x: tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xf32> {
  // expected-error @+1 {{'terra.max_pool2d_grad' op grad_output has type 'tensor<1x3x3x4xf32>', but the forward op gives 'tensor<1x3x4x4xf32>'}}
  %0 = terra.max_pool2d_grad %dy, %x kernel [2, 2] stride [2, 2] padding [0, 0] dilation [1, 1] : (tensor<1x3x3x4xf32>, tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xf32>
  return %0 : tensor<1x3x8x8xf32>
}

// -----

// max_pool2d_grad returns the type of the forward input.
func.func @max_pool_grad_result(%dy: tensor<1x3x4x4xf32>, %x: tensor<1x3x8x8xf32>) -> tensor<1x3x8x7xf32> {
  // expected-error @+1 {{'terra.max_pool2d_grad' op failed to verify that all of {input, result} have same type}}
  %0 = terra.max_pool2d_grad %dy, %x kernel [2, 2] stride [2, 2] padding [0, 0] dilation [1, 1] : (tensor<1x3x4x4xf32>, tensor<1x3x8x8xf32>) -> tensor<1x3x8x7xf32>
  return %0 : tensor<1x3x8x7xf32>
}

// -----

// avg_pool2d_grad's result names an input that pools to grad_output.
func.func @avg_pool_grad_spatial(%dy: tensor<1x3x4x4xf32>) -> tensor<1x3x6x8xf32> {
  // expected-error @+1 {{'terra.avg_pool2d_grad' op grad_output has type 'tensor<1x3x4x4xf32>', but the forward op gives 'tensor<1x3x3x4xf32>'}}
  %0 = terra.avg_pool2d_grad %dy kernel [2, 2] stride [2, 2] padding [0, 0] : tensor<1x3x4x4xf32> -> tensor<1x3x6x8xf32>
  return %0 : tensor<1x3x6x8xf32>
}

// -----

// Pooling keeps the channels.
func.func @avg_pool_grad_channels(%dy: tensor<1x3x4x4xf32>) -> tensor<1x2x8x8xf32> {
  // expected-error @+1 {{'terra.avg_pool2d_grad' op grad_output has type 'tensor<1x3x4x4xf32>', but the forward op gives 'tensor<1x2x4x4xf32>'}}
  %0 = terra.avg_pool2d_grad %dy kernel [2, 2] stride [2, 2] padding [0, 0] : tensor<1x3x4x4xf32> -> tensor<1x2x8x8xf32>
  return %0 : tensor<1x2x8x8xf32>
}

// -----

// The named input must hold at least one window.
func.func @avg_pool_grad_window_too_large(%dy: tensor<1x3x4x4xf32>) -> tensor<1x3x1x1xf32> {
  // expected-error @+1 {{'terra.avg_pool2d_grad' op kernel of size 3 does not fit in the padded input size 1}}
  %0 = terra.avg_pool2d_grad %dy kernel [3, 3] stride [2, 2] padding [0, 0] : tensor<1x3x4x4xf32> -> tensor<1x3x1x1xf32>
  return %0 : tensor<1x3x1x1xf32>
}
