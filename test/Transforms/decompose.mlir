// terra-decompose rewrites softmax and log_softmax into reductions and
// elementwise ops, subtracting the row maximum first so that exp never
// overflows.
// RUN: terra-opt %s -terra-decompose | FileCheck %s
// RUN: terra-opt %s -terra-decompose | terra-opt -verify-diagnostics | FileCheck %s --check-prefix=VALID

// softmax(x) = exp(x - max) / sum(exp(x - max)), along axis 1.
// CHECK-LABEL: func @softmax
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT: %[[MAX:.*]] = terra.max %[[X]] axes [1] keepdim : tensor<2x3xf32> -> tensor<2x1xf32>
// CHECK-NEXT: %[[MAXB:.*]] = terra.broadcast_to %[[MAX]] : tensor<2x1xf32> -> tensor<2x3xf32>
// CHECK-NEXT: %[[SHIFTED:.*]] = terra.sub %[[X]], %[[MAXB]] : tensor<2x3xf32>
// CHECK-NEXT: %[[EXP:.*]] = terra.exp %[[SHIFTED]] : tensor<2x3xf32>
// CHECK-NEXT: %[[SUM:.*]] = terra.sum %[[EXP]] axes [1] keepdim : tensor<2x3xf32> -> tensor<2x1xf32>
// CHECK-NEXT: %[[SUMB:.*]] = terra.broadcast_to %[[SUM]] : tensor<2x1xf32> -> tensor<2x3xf32>
// CHECK-NEXT: %[[P:.*]] = terra.div %[[EXP]], %[[SUMB]] : tensor<2x3xf32>
// CHECK-NEXT: return %[[P]]
// VALID-LABEL: func @softmax
// VALID-NOT: terra.softmax
func.func @softmax(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = terra.softmax %x axis 1 : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// log_softmax(x) = (x - max) - log(sum(exp(x - max))), along axis 0, on a
// tensor with a dynamic dimension that is not reduced.
// CHECK-LABEL: func @log_softmax
// CHECK-SAME: (%[[X:.*]]: tensor<4x?x5xf64>)
// CHECK-NEXT: %[[MAX:.*]] = terra.max %[[X]] axes [0] keepdim : tensor<4x?x5xf64> -> tensor<1x?x5xf64>
// CHECK-NEXT: %[[MAXB:.*]] = terra.broadcast_to %[[MAX]] : tensor<1x?x5xf64> -> tensor<4x?x5xf64>
// CHECK-NEXT: %[[SHIFTED:.*]] = terra.sub %[[X]], %[[MAXB]] : tensor<4x?x5xf64>
// CHECK-NEXT: %[[EXP:.*]] = terra.exp %[[SHIFTED]] : tensor<4x?x5xf64>
// CHECK-NEXT: %[[SUM:.*]] = terra.sum %[[EXP]] axes [0] keepdim : tensor<4x?x5xf64> -> tensor<1x?x5xf64>
// CHECK-NEXT: %[[SUMB:.*]] = terra.broadcast_to %[[SUM]] : tensor<1x?x5xf64> -> tensor<4x?x5xf64>
// CHECK-NEXT: %[[LOG:.*]] = terra.log %[[SUMB]] : tensor<4x?x5xf64>
// CHECK-NEXT: %[[R:.*]] = terra.sub %[[SHIFTED]], %[[LOG]] : tensor<4x?x5xf64>
// CHECK-NEXT: return %[[R]]
// VALID-LABEL: func @log_softmax
// VALID-NOT: terra.log_softmax
func.func @log_softmax(%x: tensor<4x?x5xf64>) -> tensor<4x?x5xf64> {
  %0 = terra.log_softmax %x axis 0 : tensor<4x?x5xf64>
  return %0 : tensor<4x?x5xf64>
}

// Softmax over the last axis of a 3-D tensor (attention scores).
// CHECK-LABEL: func @softmax_3d
// CHECK: terra.max %{{.*}} axes [2] keepdim : tensor<2x4x8xf16> -> tensor<2x4x1xf16>
// CHECK: terra.sum %{{.*}} axes [2] keepdim : tensor<2x4x8xf16> -> tensor<2x4x1xf16>
// CHECK: terra.div
// CHECK-NOT: terra.softmax
func.func @softmax_3d(%x: tensor<2x4x8xf16>) -> tensor<2x4x8xf16> {
  %0 = terra.softmax %x axis 2 : tensor<2x4x8xf16>
  return %0 : tensor<2x4x8xf16>
}

// Primitive ops are left alone, including the reductions softmax uses.
// CHECK-LABEL: func @primitives
// CHECK-NEXT: terra.exp
// CHECK-NEXT: terra.max
// CHECK-NEXT: return
func.func @primitives(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  %0 = terra.exp %x : tensor<2x3xf32>
  %1 = terra.max %0 axes [1] : tensor<2x3xf32> -> tensor<2xf32>
  return %1 : tensor<2xf32>
}

// Over a dynamic axis, the broadcasts back take every dynamic size from
// the input.
// CHECK-LABEL: func @softmax_dynamic_axis
// CHECK-SAME: (%[[X:.*]]: tensor<2x?xf32>)
// CHECK: %[[C1:.*]] = arith.constant 1 : index
// CHECK: %[[MAX:.*]] = terra.max %[[X]] axes [1] keepdim : tensor<2x?xf32> -> tensor<2x1xf32>
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %[[C1]] : tensor<2x?xf32>
// CHECK: terra.broadcast_to %[[MAX]] sizes(%[[N]]) : tensor<2x1xf32> -> tensor<2x?xf32>
// CHECK: terra.broadcast_to %{{.*}} sizes(%{{.*}}) : tensor<2x1xf32> -> tensor<2x?xf32>
// CHECK-NOT: terra.softmax
func.func @softmax_dynamic_axis(%x: tensor<2x?xf32>) -> tensor<2x?xf32> {
  %0 = terra.softmax %x axis 1 : tensor<2x?xf32>
  return %0 : tensor<2x?xf32>
}
