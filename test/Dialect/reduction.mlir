// Round trip of every reduction op, with and without keepdim.
// RUN: terra-opt %s | terra-opt | FileCheck %s
// RUN: terra-opt %s -mlir-print-op-generic | terra-opt | FileCheck %s

// sum over one axis, over all axes with keepdim, and over no axis.
// CHECK-LABEL: func @sum
func.func @sum(%x: tensor<2x3xf32>, %i: tensor<4x5xi32>)
    -> (tensor<2xf32>, tensor<1x1xf32>, tensor<f32>, tensor<4x5xi32>) {
  // CHECK: terra.sum %{{.*}} axes [1] : tensor<2x3xf32> -> tensor<2xf32>
  %0 = terra.sum %x axes [1] : tensor<2x3xf32> -> tensor<2xf32>
  // CHECK: terra.sum %{{.*}} axes [0, 1] keepdim : tensor<2x3xf32> -> tensor<1x1xf32>
  %1 = terra.sum %x axes [0, 1] keepdim : tensor<2x3xf32> -> tensor<1x1xf32>
  // CHECK: terra.sum %{{.*}} axes [1, 0] : tensor<2x3xf32> -> tensor<f32>
  %2 = terra.sum %x axes [1, 0] : tensor<2x3xf32> -> tensor<f32>
  // CHECK: terra.sum %{{.*}} axes [] : tensor<4x5xi32> -> tensor<4x5xi32>
  %3 = terra.sum %i axes [] : tensor<4x5xi32> -> tensor<4x5xi32>
  return %0, %1, %2, %3 : tensor<2xf32>, tensor<1x1xf32>, tensor<f32>, tensor<4x5xi32>
}

// mean, max and min, including a dynamic kept dimension.
// CHECK-LABEL: func @mean_max_min
func.func @mean_max_min(%x: tensor<2x3xf32>, %y: tensor<?x3xi64>)
    -> (tensor<1x3xf32>, tensor<2xf32>, tensor<?xi64>, tensor<?x1xi64>) {
  // CHECK: terra.mean %{{.*}} axes [0] keepdim : tensor<2x3xf32> -> tensor<1x3xf32>
  %0 = terra.mean %x axes [0] keepdim : tensor<2x3xf32> -> tensor<1x3xf32>
  // CHECK: terra.max %{{.*}} axes [1] : tensor<2x3xf32> -> tensor<2xf32>
  %1 = terra.max %x axes [1] : tensor<2x3xf32> -> tensor<2xf32>
  // CHECK: terra.min %{{.*}} axes [1] : tensor<?x3xi64> -> tensor<?xi64>
  %2 = terra.min %y axes [1] : tensor<?x3xi64> -> tensor<?xi64>
  // CHECK: terra.max %{{.*}} axes [1] keepdim : tensor<?x3xi64> -> tensor<?x1xi64>
  %3 = terra.max %y axes [1] keepdim : tensor<?x3xi64> -> tensor<?x1xi64>
  return %0, %1, %2, %3 : tensor<1x3xf32>, tensor<2xf32>, tensor<?xi64>, tensor<?x1xi64>
}

// argmax yields i64 indices.
// CHECK-LABEL: func @argmax
func.func @argmax(%x: tensor<2x3xf32>, %y: tensor<7xi32>) -> (tensor<2xi64>, tensor<1x3xi64>, tensor<i64>) {
  // CHECK: terra.argmax %{{.*}} axis 1 : tensor<2x3xf32> -> tensor<2xi64>
  %0 = terra.argmax %x axis 1 : tensor<2x3xf32> -> tensor<2xi64>
  // CHECK: terra.argmax %{{.*}} axis 0 keepdim : tensor<2x3xf32> -> tensor<1x3xi64>
  %1 = terra.argmax %x axis 0 keepdim : tensor<2x3xf32> -> tensor<1x3xi64>
  // CHECK: terra.argmax %{{.*}} axis 0 : tensor<7xi32> -> tensor<i64>
  %2 = terra.argmax %y axis 0 : tensor<7xi32> -> tensor<i64>
  return %0, %1, %2 : tensor<2xi64>, tensor<1x3xi64>, tensor<i64>
}

// softmax and log_softmax keep the input type.
// CHECK-LABEL: func @softmax
func.func @softmax(%x: tensor<2x3xf32>, %y: tensor<4x?xf16>) -> (tensor<2x3xf32>, tensor<4x?xf16>) {
  // CHECK: terra.softmax %{{.*}} axis 1 : tensor<2x3xf32>
  %0 = terra.softmax %x axis 1 : tensor<2x3xf32>
  // CHECK: terra.log_softmax %{{.*}} axis 0 : tensor<4x?xf16>
  %1 = terra.log_softmax %y axis 0 : tensor<4x?xf16>
  return %0, %1 : tensor<2x3xf32>, tensor<4x?xf16>
}
