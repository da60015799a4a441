// Round trip of matmul, convolution and pooling ops and their gradients.
// RUN: terra-opt %s | terra-opt | FileCheck %s
// RUN: terra-opt %s -mlir-print-op-generic | terra-opt | FileCheck %s

// Plain, transposed and batched matmul.
// CHECK-LABEL: func @matmul
func.func @matmul(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %e: tensor<16x8xf32>,
                  %at: tensor<8x4xf32>, %g: tensor<2x4x8xf32>, %h: tensor<2x8x3xf32>,
                  %p: tensor<5x2x8x4xf16>, %q: tensor<5x2x3x8xf16>)
    -> (tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x4xf32>,
        tensor<2x4x3xf32>, tensor<5x2x4x3xf16>) {
  // CHECK: terra.matmul %{{.*}}, %{{.*}} : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %0 = terra.matmul %a, %b : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  // CHECK: terra.matmul %{{.*}}, %{{.*}} {transpose_rhs} : (tensor<4x8xf32>, tensor<16x8xf32>) -> tensor<4x16xf32>
  %1 = terra.matmul %a, %e {transpose_rhs} : (tensor<4x8xf32>, tensor<16x8xf32>) -> tensor<4x16xf32>
  // CHECK: terra.matmul %{{.*}}, %{{.*}} {transpose_lhs} : (tensor<8x4xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %2 = terra.matmul %at, %b {transpose_lhs} : (tensor<8x4xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  // CHECK: terra.matmul %{{.*}}, %{{.*}} {transpose_lhs, transpose_rhs} : (tensor<8x4xf32>, tensor<4x8xf32>) -> tensor<4x4xf32>
  %3 = terra.matmul %at, %a {transpose_lhs, transpose_rhs} : (tensor<8x4xf32>, tensor<4x8xf32>) -> tensor<4x4xf32>
  // CHECK: terra.matmul %{{.*}}, %{{.*}} : (tensor<2x4x8xf32>, tensor<2x8x3xf32>) -> tensor<2x4x3xf32>
  %4 = terra.matmul %g, %h : (tensor<2x4x8xf32>, tensor<2x8x3xf32>) -> tensor<2x4x3xf32>
  // CHECK: terra.matmul %{{.*}}, %{{.*}} {transpose_lhs, transpose_rhs} : (tensor<5x2x8x4xf16>, tensor<5x2x3x8xf16>) -> tensor<5x2x4x3xf16>
  %5 = terra.matmul %p, %q {transpose_lhs, transpose_rhs} : (tensor<5x2x8x4xf16>, tensor<5x2x3x8xf16>) -> tensor<5x2x4x3xf16>
  return %0, %1, %2, %3, %4, %5 : tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x4xf32>,
                                  tensor<2x4x3xf32>, tensor<5x2x4x3xf16>
}

// Integer and dynamic-size matmul.
// CHECK-LABEL: func @matmul_dynamic
func.func @matmul_dynamic(%a: tensor<?x8xi32>, %b: tensor<8x?xi32>) -> tensor<?x?xi32> {
  // CHECK: terra.matmul %{{.*}}, %{{.*}} : (tensor<?x8xi32>, tensor<8x?xi32>) -> tensor<?x?xi32>
  %0 = terra.matmul %a, %b : (tensor<?x8xi32>, tensor<8x?xi32>) -> tensor<?x?xi32>
  return %0 : tensor<?x?xi32>
}

// conv2d with same padding, with stride, dilation and groups (depthwise too).
// CHECK-LABEL: func @conv2d
func.func @conv2d(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>,
                  %y: tensor<2x4x9x10xf32>, %gw: tensor<6x2x3x2xf32>,
                  %dw: tensor<4x1x3x3xf32>)
    -> (tensor<1x4x8x8xf32>, tensor<2x6x4x3xf32>, tensor<2x4x7x8xf32>) {
  // CHECK: terra.conv2d %{{.*}}, %{{.*}} stride [1, 1] padding [1, 1] dilation [1, 1] groups 1 : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  %0 = terra.conv2d %x, %w stride [1, 1] padding [1, 1] dilation [1, 1] groups 1
      : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  // OH = (9 + 2*1 - 2*(3-1) - 1) / 2 + 1 = 4, OW = (10 + 0 - 3*(2-1) - 1) / 3 + 1 = 3.
  // CHECK: terra.conv2d %{{.*}}, %{{.*}} stride [2, 3] padding [1, 0] dilation [2, 3] groups 2 : (tensor<2x4x9x10xf32>, tensor<6x2x3x2xf32>) -> tensor<2x6x4x3xf32>
  %1 = terra.conv2d %y, %gw stride [2, 3] padding [1, 0] dilation [2, 3] groups 2
      : (tensor<2x4x9x10xf32>, tensor<6x2x3x2xf32>) -> tensor<2x6x4x3xf32>
  // CHECK: terra.conv2d %{{.*}}, %{{.*}} stride [1, 1] padding [0, 0] dilation [1, 1] groups 4 : (tensor<2x4x9x10xf32>, tensor<4x1x3x3xf32>) -> tensor<2x4x7x8xf32>
  %2 = terra.conv2d %y, %dw stride [1, 1] padding [0, 0] dilation [1, 1] groups 4
      : (tensor<2x4x9x10xf32>, tensor<4x1x3x3xf32>) -> tensor<2x4x7x8xf32>
  return %0, %1, %2 : tensor<1x4x8x8xf32>, tensor<2x6x4x3xf32>, tensor<2x4x7x8xf32>
}

// conv2d on a dynamic batch.
// CHECK-LABEL: func @conv2d_dynamic
func.func @conv2d_dynamic(%x: tensor<?x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<?x4x6x6xf32> {
  // CHECK: terra.conv2d %{{.*}}, %{{.*}} stride [1, 1] padding [0, 0] dilation [1, 1] groups 1 : (tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<?x4x6x6xf32>
  %0 = terra.conv2d %x, %w stride [1, 1] padding [0, 0] dilation [1, 1] groups 1
      : (tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<?x4x6x6xf32>
  return %0 : tensor<?x4x6x6xf32>
}

// Convolution gradients; the stride-2 input gradient names one of the two
// input sizes (8 or 7) that give a 4x4 output.
// CHECK-LABEL: func @conv2d_grad
func.func @conv2d_grad(%dy: tensor<1x4x4x4xf32>, %w: tensor<4x3x3x3xf32>,
                       %x: tensor<1x3x8x8xf32>, %dy1: tensor<1x4x8x8xf32>,
                       %gdy: tensor<2x6x4x3xf32>, %gx: tensor<2x4x9x10xf32>)
    -> (tensor<1x3x8x8xf32>, tensor<1x3x7x7xf32>, tensor<4x3x3x3xf32>, tensor<6x2x3x2xf32>) {
  // CHECK: terra.conv2d_grad_input %{{.*}}, %{{.*}} stride [2, 2] padding [1, 1] dilation [1, 1] groups 1 : (tensor<1x4x4x4xf32>, tensor<4x3x3x3xf32>) -> tensor<1x3x8x8xf32>
  %0 = terra.conv2d_grad_input %dy, %w stride [2, 2] padding [1, 1] dilation [1, 1] groups 1
      : (tensor<1x4x4x4xf32>, tensor<4x3x3x3xf32>) -> tensor<1x3x8x8xf32>
  // CHECK: terra.conv2d_grad_input %{{.*}}, %{{.*}} stride [2, 2] padding [1, 1] dilation [1, 1] groups 1 : (tensor<1x4x4x4xf32>, tensor<4x3x3x3xf32>) -> tensor<1x3x7x7xf32>
  %1 = terra.conv2d_grad_input %dy, %w stride [2, 2] padding [1, 1] dilation [1, 1] groups 1
      : (tensor<1x4x4x4xf32>, tensor<4x3x3x3xf32>) -> tensor<1x3x7x7xf32>
  // CHECK: terra.conv2d_grad_weight %{{.*}}, %{{.*}} stride [1, 1] padding [1, 1] dilation [1, 1] groups 1 : (tensor<1x3x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<4x3x3x3xf32>
  %2 = terra.conv2d_grad_weight %x, %dy1 stride [1, 1] padding [1, 1] dilation [1, 1] groups 1
      : (tensor<1x3x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<4x3x3x3xf32>
  // CHECK: terra.conv2d_grad_weight %{{.*}}, %{{.*}} stride [2, 3] padding [1, 0] dilation [2, 3] groups 2 : (tensor<2x4x9x10xf32>, tensor<2x6x4x3xf32>) -> tensor<6x2x3x2xf32>
  %3 = terra.conv2d_grad_weight %gx, %gdy stride [2, 3] padding [1, 0] dilation [2, 3] groups 2
      : (tensor<2x4x9x10xf32>, tensor<2x6x4x3xf32>) -> tensor<6x2x3x2xf32>
  return %0, %1, %2, %3 : tensor<1x3x8x8xf32>, tensor<1x3x7x7xf32>, tensor<4x3x3x3xf32>, tensor<6x2x3x2xf32>
}

// Max pooling with padding and dilation, and its gradient.
// CHECK-LABEL: func @max_pool2d
func.func @max_pool2d(%x: tensor<1x3x8x8xf32>, %dy: tensor<1x3x4x4xf32>, %dz: tensor<1x3x3x4xf32>)
    -> (tensor<1x3x4x4xf32>, tensor<1x3x3x4xf32>, tensor<1x3x8x8xf32>, tensor<1x3x8x8xf32>) {
  // CHECK: terra.max_pool2d %{{.*}} kernel [2, 2] stride [2, 2] padding [0, 0] dilation [1, 1] : tensor<1x3x8x8xf32> -> tensor<1x3x4x4xf32>
  %0 = terra.max_pool2d %x kernel [2, 2] stride [2, 2] padding [0, 0] dilation [1, 1]
      : tensor<1x3x8x8xf32> -> tensor<1x3x4x4xf32>
  // H: (8 + 2 - 2*2 - 1) / 2 + 1 = 3; W: (8 + 0 - 1*1 - 1) / 2 + 1 = 4.
  // CHECK: terra.max_pool2d %{{.*}} kernel [3, 2] stride [2, 2] padding [1, 0] dilation [2, 1] : tensor<1x3x8x8xf32> -> tensor<1x3x3x4xf32>
  %1 = terra.max_pool2d %x kernel [3, 2] stride [2, 2] padding [1, 0] dilation [2, 1]
      : tensor<1x3x8x8xf32> -> tensor<1x3x3x4xf32>
  // CHECK: terra.max_pool2d_grad %{{.*}}, %{{.*}} kernel [2, 2] stride [2, 2] padding [0, 0] dilation [1, 1] : (tensor<1x3x4x4xf32>, tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xf32>
  %2 = terra.max_pool2d_grad %dy, %x kernel [2, 2] stride [2, 2] padding [0, 0] dilation [1, 1]
      : (tensor<1x3x4x4xf32>, tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xf32>
  // CHECK: terra.max_pool2d_grad %{{.*}}, %{{.*}} kernel [3, 2] stride [2, 2] padding [1, 0] dilation [2, 1] : (tensor<1x3x3x4xf32>, tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xf32>
  %3 = terra.max_pool2d_grad %dz, %x kernel [3, 2] stride [2, 2] padding [1, 0] dilation [2, 1]
      : (tensor<1x3x3x4xf32>, tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xf32>
  return %0, %1, %2, %3 : tensor<1x3x4x4xf32>, tensor<1x3x3x4xf32>, tensor<1x3x8x8xf32>, tensor<1x3x8x8xf32>
}

// Average pooling with and without count_include_pad, and its gradient.
// CHECK-LABEL: func @avg_pool2d
func.func @avg_pool2d(%x: tensor<1x3x8x8xf32>, %dy: tensor<1x3x4x4xf32>)
    -> (tensor<1x3x4x4xf32>, tensor<1x3x8x8xf32>, tensor<1x3x8x8xf32>, tensor<1x3x8x8xf32>) {
  // CHECK: terra.avg_pool2d %{{.*}} kernel [2, 2] stride [2, 2] padding [0, 0] : tensor<1x3x8x8xf32> -> tensor<1x3x4x4xf32>
  %0 = terra.avg_pool2d %x kernel [2, 2] stride [2, 2] padding [0, 0]
      : tensor<1x3x8x8xf32> -> tensor<1x3x4x4xf32>
  // CHECK: terra.avg_pool2d %{{.*}} kernel [3, 3] stride [1, 1] padding [1, 1] {count_include_pad = false} : tensor<1x3x8x8xf32> -> tensor<1x3x8x8xf32>
  %1 = terra.avg_pool2d %x kernel [3, 3] stride [1, 1] padding [1, 1] {count_include_pad = false}
      : tensor<1x3x8x8xf32> -> tensor<1x3x8x8xf32>
  // CHECK: terra.avg_pool2d_grad %{{.*}} kernel [2, 2] stride [2, 2] padding [0, 0] : tensor<1x3x4x4xf32> -> tensor<1x3x8x8xf32>
  %2 = terra.avg_pool2d_grad %dy kernel [2, 2] stride [2, 2] padding [0, 0]
      : tensor<1x3x4x4xf32> -> tensor<1x3x8x8xf32>
  // CHECK: terra.avg_pool2d_grad %{{.*}} kernel [3, 3] stride [1, 1] padding [1, 1] {count_include_pad = false} : tensor<1x3x8x8xf32> -> tensor<1x3x8x8xf32>
  %3 = terra.avg_pool2d_grad %1 kernel [3, 3] stride [1, 1] padding [1, 1] {count_include_pad = false}
      : tensor<1x3x8x8xf32> -> tensor<1x3x8x8xf32>
  return %0, %1, %2, %3 : tensor<1x3x4x4xf32>, tensor<1x3x8x8xf32>, tensor<1x3x8x8xf32>, tensor<1x3x8x8xf32>
}
