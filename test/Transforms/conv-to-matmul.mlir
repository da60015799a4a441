// RUN: terra-opt %s -terra-conv-to-matmul -canonicalize | FileCheck %s

// A 2x2 kernel gathers four strided windows (one per tap) into one column
// matrix, multiplied by the weights as a (batch * groups) batched matmul.
// CHECK-LABEL: func.func @conv2d
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x4x4xf32>, %[[W:.*]]: tensor<3x2x2x2xf32>)
// CHECK-DAG: %[[WM:.*]] = terra.reshape %[[W]] : tensor<3x2x2x2xf32> -> tensor<1x3x8xf32>
// CHECK-DAG: terra.slice %[[X]] [0, 0, 0, 0] [1, 2, 3, 3] [1, 1, 1, 1]
// CHECK-DAG: terra.slice %[[X]] [0, 0, 0, 1] [1, 2, 3, 4] [1, 1, 1, 1]
// CHECK-DAG: terra.slice %[[X]] [0, 0, 1, 0] [1, 2, 4, 3] [1, 1, 1, 1]
// CHECK-DAG: terra.slice %[[X]] [0, 0, 1, 1] [1, 2, 4, 4] [1, 1, 1, 1]
// CHECK: %[[TAPS:.*]] = terra.concat {{.*}} dim 2 : {{.*}} -> tensor<1x2x4x9xf32>
// CHECK: %[[COLS:.*]] = terra.reshape %[[TAPS]] : tensor<1x2x4x9xf32> -> tensor<1x8x9xf32>
// CHECK: %[[M:.*]] = terra.matmul %[[WM]], %[[COLS]] : (tensor<1x3x8xf32>, tensor<1x8x9xf32>) -> tensor<1x3x9xf32>
// CHECK: %[[Y:.*]] = terra.reshape %[[M]] : tensor<1x3x9xf32> -> tensor<1x3x3x3xf32>
// CHECK: return %[[Y]]
// CHECK-NOT: terra.conv2d
func.func @conv2d(%x: tensor<1x2x4x4xf32>, %w: tensor<3x2x2x2xf32>) -> tensor<1x3x3x3xf32> {
  %y = terra.conv2d %x, %w stride [1, 1] padding [0, 0] dilation [1, 1] groups 1
      : (tensor<1x2x4x4xf32>, tensor<3x2x2x2xf32>) -> tensor<1x3x3x3xf32>
  return %y : tensor<1x3x3x3xf32>
}

// Padding, stride and dilation shape the windows; two groups and a batch of
// two make four matrices, the weights broadcast over the batch.
// CHECK-LABEL: func.func @conv2d_strided_groups
// CHECK: terra.broadcast_to %{{.*}} : tensor<1x2x3x4xf32> -> tensor<2x2x3x4xf32>
// CHECK: %[[P:.*]] = terra.pad %{{.*}} low [0, 0, 1, 1] high [0, 0, 1, 1]
// CHECK: terra.slice %[[P]] [0, 0, 0, 0] [2, 4, 7, 5] [1, 1, 2, 2]
// CHECK: terra.slice %[[P]] [0, 0, 0, 2] [2, 4, 7, 7] [1, 1, 2, 2]
// CHECK: terra.matmul %{{.*}}, %{{.*}} : (tensor<4x3x4xf32>, tensor<4x4x12xf32>) -> tensor<4x3x12xf32>
func.func @conv2d_strided_groups(%x: tensor<2x4x5x5xf32>, %w: tensor<6x2x1x2xf32>) -> tensor<2x6x4x3xf32> {
  %y = terra.conv2d %x, %w stride [2, 2] padding [1, 1] dilation [1, 2] groups 2
      : (tensor<2x4x5x5xf32>, tensor<6x2x1x2xf32>) -> tensor<2x6x4x3xf32>
  return %y : tensor<2x6x4x3xf32>
}

// The weight gradient multiplies the output gradient by the transposed
// columns, then sums over the batch.
// CHECK-LABEL: func.func @grad_weight
// CHECK: %[[DW:.*]] = terra.matmul %{{.*}}, %{{.*}} {transpose_rhs} : (tensor<2x3x9xf32>, tensor<2x8x9xf32>) -> tensor<2x3x8xf32>
// CHECK: %[[FLAT:.*]] = terra.reshape %[[DW]] : tensor<2x3x8xf32> -> tensor<2x24xf32>
// CHECK: %[[SUM:.*]] = terra.sum %[[FLAT]] axes [0] : tensor<2x24xf32> -> tensor<24xf32>
// CHECK: terra.reshape %[[SUM]] : tensor<24xf32> -> tensor<3x2x2x2xf32>
// CHECK-NOT: terra.conv2d_grad_weight
func.func @grad_weight(%x: tensor<2x2x4x4xf32>, %dy: tensor<2x3x3x3xf32>) -> tensor<3x2x2x2xf32> {
  %dw = terra.conv2d_grad_weight %x, %dy stride [1, 1] padding [0, 0] dilation [1, 1] groups 1
      : (tensor<2x2x4x4xf32>, tensor<2x3x3x3xf32>) -> tensor<3x2x2x2xf32>
  return %dw : tensor<3x2x2x2xf32>
}

// The input gradient scatters each tap's plane back (col2im): spread by the
// stride with pad + reshape, placed with pad, summed, and the padding cut off.
// CHECK-LABEL: func.func @grad_input
// CHECK: terra.matmul %{{.*}}, %{{.*}} {transpose_lhs} : (tensor<1x3x8xf32>, tensor<1x3x9xf32>) -> tensor<1x8x9xf32>
// CHECK: terra.pad %{{.*}} low [0, 0, 0, 0, 0, 0] high [0, 0, 0, 1, 0, 1] {{.*}} : tensor<1x2x3x1x3x1xf32> -> tensor<1x2x3x2x3x2xf32>
// CHECK: terra.add
// CHECK: terra.slice %{{.*}} [0, 0, 1, 1] [1, 2, 6, 6] [1, 1, 1, 1] : tensor<1x2x7x7xf32> -> tensor<1x2x5x5xf32>
// CHECK-NOT: terra.conv2d_grad_input
func.func @grad_input(%dy: tensor<1x3x3x3xf32>, %w: tensor<3x2x2x2xf32>) -> tensor<1x2x5x5xf32> {
  %dx = terra.conv2d_grad_input %dy, %w stride [2, 2] padding [1, 1] dilation [1, 1] groups 1
      : (tensor<1x3x3x3xf32>, tensor<3x2x2x2xf32>) -> tensor<1x2x5x5xf32>
  return %dx : tensor<1x2x5x5xf32>
}

// Dynamic shapes keep the op for the direct lowering.
// CHECK-LABEL: func.func @dynamic
// CHECK: terra.conv2d
func.func @dynamic(%x: tensor<?x2x4x4xf32>, %w: tensor<3x2x2x2xf32>) -> tensor<?x3x3x3xf32> {
  %y = terra.conv2d %x, %w stride [1, 1] padding [0, 0] dilation [1, 1] groups 1
      : (tensor<?x2x4x4xf32>, tensor<3x2x2x2xf32>) -> tensor<?x3x3x3xf32>
  return %y : tensor<?x3x3x3xf32>
}
