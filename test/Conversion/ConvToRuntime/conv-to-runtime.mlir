// RUN: terra-opt %s -convert-terra-conv-to-runtime | FileCheck %s

// The runtime functions are declared once per name and element type,
// private, with C interfaces.
// CHECK-DAG: func.func private @terra_rt_conv2d_f32(memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, i64, i64, i64, i64, i64, i64, i64) attributes {llvm.emit_c_interface}
// CHECK-DAG: func.func private @terra_rt_conv2d_grad_input_f64(memref<?x?x?x?xf64, {{.*}}>, {{.*}}) attributes {llvm.emit_c_interface}
// CHECK-DAG: func.func private @terra_rt_conv2d_grad_weight_f32(
// CHECK-NOT: func.func private @terra_rt_conv2d_f32

// Each convolution becomes a call of a private function of its own, which
// takes the operands as read-only buffers, fills a new buffer with the
// runtime call (stride, padding, dilation as height, width; then groups)
// and returns it.
// CHECK-LABEL: func.func private @terra_conv2d_0
// CHECK-SAME: (%[[X:.*]]: tensor<2x4x8x8xf32>, %[[W:.*]]: tensor<6x2x3x3xf32>) -> tensor<2x6x4x2xf32>
// CHECK: %[[XB:.*]] = bufferization.to_buffer %[[X]] read_only : tensor<2x4x8x8xf32> to memref<2x4x8x8xf32, strided<[?, ?, ?, ?], offset: ?>>
// CHECK: %[[XC:.*]] = memref.cast %[[XB]]
// CHECK: %[[WB:.*]] = bufferization.to_buffer %[[W]] read_only
// CHECK: %[[WC:.*]] = memref.cast %[[WB]]
// CHECK: %[[Y:.*]] = memref.alloc() {alignment = 64 : i64} : memref<2x6x4x2xf32>
// CHECK: %[[YC:.*]] = memref.cast %[[Y]]
// CHECK-DAG: %[[S0:.*]] = arith.constant 2 : i64
// CHECK-DAG: %[[S1:.*]] = arith.constant 3 : i64
// CHECK-DAG: %[[P0:.*]] = arith.constant 1 : i64
// CHECK-DAG: %[[P1:.*]] = arith.constant 0 : i64
// CHECK: call @terra_rt_conv2d_f32(%[[XC]], %[[WC]], %[[YC]], %[[S0]], %[[S1]], %[[P0]], %[[P1]], {{.*}}, {{.*}}, %[[G:.*]])
// CHECK: %[[R:.*]] = bufferization.to_tensor %[[Y]] restrict writable : memref<2x6x4x2xf32> to tensor<2x6x4x2xf32>
// CHECK: return %[[R]]
// CHECK-LABEL: func.func @forward
// CHECK: %[[C:.*]] = call @terra_conv2d_0(%{{.*}}, %{{.*}}) : (tensor<2x4x8x8xf32>, tensor<6x2x3x3xf32>) -> tensor<2x6x4x2xf32>
// CHECK: return %[[C]]
// CHECK-NOT: terra.conv2d
func.func @forward(%x: tensor<2x4x8x8xf32>, %w: tensor<6x2x3x3xf32>) -> tensor<2x6x4x2xf32> {
  %y = terra.conv2d %x, %w stride [2, 3] padding [1, 0] dilation [1, 1] groups 2 : (tensor<2x4x8x8xf32>, tensor<6x2x3x3xf32>) -> tensor<2x6x4x2xf32>
  return %y : tensor<2x6x4x2xf32>
}

// CHECK-LABEL: func.func private @terra_conv2d_grad_input_1
// CHECK: call @terra_rt_conv2d_grad_input_f64(
// CHECK: bufferization.to_tensor {{.*}} : memref<1x2x5x5xf64> to tensor<1x2x5x5xf64>
// CHECK-LABEL: func.func private @terra_conv2d_grad_weight_2
// CHECK: call @terra_rt_conv2d_grad_weight_f32(
// CHECK: bufferization.to_tensor {{.*}} : memref<3x2x3x3xf32> to tensor<3x2x3x3xf32>
// CHECK-LABEL: func.func @gradients
// CHECK: call @terra_conv2d_grad_input_1(
// CHECK: call @terra_conv2d_grad_weight_2(
func.func @gradients(%dy: tensor<1x3x3x3xf64>, %w: tensor<3x2x3x3xf64>,
                     %x: tensor<1x2x5x5xf32>, %dy32: tensor<1x3x3x3xf32>)
    -> (tensor<1x2x5x5xf64>, tensor<3x2x3x3xf32>) {
  %dx = terra.conv2d_grad_input %dy, %w stride [1, 1] padding [0, 0] dilation [1, 1] groups 1 : (tensor<1x3x3x3xf64>, tensor<3x2x3x3xf64>) -> tensor<1x2x5x5xf64>
  %dw = terra.conv2d_grad_weight %x, %dy32 stride [1, 1] padding [0, 0] dilation [1, 1] groups 1 : (tensor<1x2x5x5xf32>, tensor<1x3x3x3xf32>) -> tensor<3x2x3x3xf32>
  return %dx, %dw : tensor<1x2x5x5xf64>, tensor<3x2x3x3xf32>
}

// Sizes known at run time only: left to terra-conv-to-matmul.
// CHECK-LABEL: func.func @dynamic
// CHECK: terra.conv2d
// CHECK-NOT: call
func.func @dynamic(%x: tensor<?x2x5x5xf32>, %w: tensor<3x2x3x3xf32>) -> tensor<?x3x3x3xf32> {
  %y = terra.conv2d %x, %w stride [1, 1] padding [0, 0] dilation [1, 1] groups 1 : (tensor<?x2x5x5xf32>, tensor<3x2x3x3xf32>) -> tensor<?x3x3x3xf32>
  return %y : tensor<?x3x3x3xf32>
}
