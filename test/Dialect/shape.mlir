// Round trip of terra.constant and every shape op.
// RUN: terra-opt %s | terra-opt | FileCheck %s
// RUN: terra-opt %s -mlir-print-op-generic | terra-opt | FileCheck %s

// Dense, splat, integer, boolean and scalar constants.
// CHECK-LABEL: func @constants
func.func @constants() -> (tensor<2xf32>, tensor<2x3xf32>, tensor<3xi64>, tensor<2xi1>, tensor<f64>) {
  // CHECK: terra.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
  %0 = terra.constant dense<[1.0, 2.0]> : tensor<2xf32>
  // CHECK: terra.constant dense<0.000000e+00> : tensor<2x3xf32>
  %1 = terra.constant dense<0.0> : tensor<2x3xf32>
  // CHECK: terra.constant dense<[1, -2, 3]> : tensor<3xi64>
  %2 = terra.constant dense<[1, -2, 3]> : tensor<3xi64>
  // CHECK: terra.constant dense<[true, false]> : tensor<2xi1>
  %3 = terra.constant dense<[true, false]> : tensor<2xi1>
  // CHECK: terra.constant dense<5.000000e-01> : tensor<f64>
  %4 = terra.constant dense<0.5> : tensor<f64>
  return %0, %1, %2, %3, %4 : tensor<2xf32>, tensor<2x3xf32>, tensor<3xi64>, tensor<2xi1>, tensor<f64>
}

// Discardable attributes on a constant survive the round trip.
// CHECK-LABEL: func @constant_attrs
func.func @constant_attrs() -> tensor<2xi32> {
  // CHECK: terra.constant {note = "w"} dense<[1, 2]> : tensor<2xi32>
  %0 = terra.constant {note = "w"} dense<[1, 2]> : tensor<2xi32>
  return %0 : tensor<2xi32>
}

// broadcast_to: new leading dims, size-1 dims, and same rank.
// CHECK-LABEL: func @broadcast_to
func.func @broadcast_to(%x: tensor<3x1xf32>, %y: tensor<f32>, %z: tensor<?x4xf32>)
    -> (tensor<2x3x4xf32>, tensor<5x6xf32>, tensor<?x4xf32>) {
  // CHECK: terra.broadcast_to %{{.*}} : tensor<3x1xf32> -> tensor<2x3x4xf32>
  %0 = terra.broadcast_to %x : tensor<3x1xf32> -> tensor<2x3x4xf32>
  // CHECK: terra.broadcast_to %{{.*}} : tensor<f32> -> tensor<5x6xf32>
  %1 = terra.broadcast_to %y : tensor<f32> -> tensor<5x6xf32>
  // CHECK: terra.broadcast_to %{{.*}} : tensor<?x4xf32> -> tensor<?x4xf32>
  %2 = terra.broadcast_to %z : tensor<?x4xf32> -> tensor<?x4xf32>
  return %0, %1, %2 : tensor<2x3x4xf32>, tensor<5x6xf32>, tensor<?x4xf32>
}

// broadcast_to with the sizes of its dynamic result dimensions.
// CHECK-LABEL: func @broadcast_to_sizes
// CHECK: terra.broadcast_to %{{.*}} sizes(%{{.*}}, %{{.*}}) : tensor<1xf32> -> tensor<?x?xf32>
func.func @broadcast_to_sizes(%x: tensor<1xf32>, %m: index, %n: index) -> tensor<?x?xf32> {
  %0 = terra.broadcast_to %x sizes(%m, %n) : tensor<1xf32> -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// reshape with the sizes of two dynamic result dimensions.
// CHECK-LABEL: func @reshape_sizes
// CHECK: terra.reshape %{{.*}} sizes(%{{.*}}, %{{.*}}) : tensor<?x16xf32> -> tensor<?x?x16xf32>
func.func @reshape_sizes(%x: tensor<?x16xf32>, %b: index, %n: index) -> tensor<?x?x16xf32> {
  %0 = terra.reshape %x sizes(%b, %n) : tensor<?x16xf32> -> tensor<?x?x16xf32>
  return %0 : tensor<?x?x16xf32>
}

// reshape: static, to a scalar, and with one dynamic result dimension.
// CHECK-LABEL: func @reshape
func.func @reshape(%x: tensor<2x6xf32>, %y: tensor<1x1xi32>, %z: tensor<?x4xf32>)
    -> (tensor<3x4xf32>, tensor<i32>, tensor<?xf32>) {
  // CHECK: terra.reshape %{{.*}} : tensor<2x6xf32> -> tensor<3x4xf32>
  %0 = terra.reshape %x : tensor<2x6xf32> -> tensor<3x4xf32>
  // CHECK: terra.reshape %{{.*}} : tensor<1x1xi32> -> tensor<i32>
  %1 = terra.reshape %y : tensor<1x1xi32> -> tensor<i32>
  // CHECK: terra.reshape %{{.*}} : tensor<?x4xf32> -> tensor<?xf32>
  %2 = terra.reshape %z : tensor<?x4xf32> -> tensor<?xf32>
  return %0, %1, %2 : tensor<3x4xf32>, tensor<i32>, tensor<?xf32>
}

// transpose: 2-D and a 3-D rotation.
// CHECK-LABEL: func @transpose
func.func @transpose(%x: tensor<2x3xf32>, %y: tensor<2x3x4xi64>) -> (tensor<3x2xf32>, tensor<4x2x3xi64>) {
  // CHECK: terra.transpose %{{.*}}, [1, 0] : tensor<2x3xf32> -> tensor<3x2xf32>
  %0 = terra.transpose %x, [1, 0] : tensor<2x3xf32> -> tensor<3x2xf32>
  // CHECK: terra.transpose %{{.*}}, [2, 0, 1] : tensor<2x3x4xi64> -> tensor<4x2x3xi64>
  %1 = terra.transpose %y, [2, 0, 1] : tensor<2x3x4xi64> -> tensor<4x2x3xi64>
  return %0, %1 : tensor<3x2xf32>, tensor<4x2x3xi64>
}

// slice: strided, empty, and on a dynamic dimension.
// CHECK-LABEL: func @slice
func.func @slice(%x: tensor<4x3xf32>, %y: tensor<?x8xf32>)
    -> (tensor<2x2xf32>, tensor<0x3xf32>, tensor<2x3xf32>) {
  // CHECK: terra.slice %{{.*}} [0, 1] [4, 3] [2, 1] : tensor<4x3xf32> -> tensor<2x2xf32>
  %0 = terra.slice %x [0, 1] [4, 3] [2, 1] : tensor<4x3xf32> -> tensor<2x2xf32>
  // CHECK: terra.slice %{{.*}} [2, 0] [2, 3] [1, 1] : tensor<4x3xf32> -> tensor<0x3xf32>
  %1 = terra.slice %x [2, 0] [2, 3] [1, 1] : tensor<4x3xf32> -> tensor<0x3xf32>
  // CHECK: terra.slice %{{.*}} [1, 0] [3, 8] [1, 3] : tensor<?x8xf32> -> tensor<2x3xf32>
  %2 = terra.slice %y [1, 0] [3, 8] [1, 3] : tensor<?x8xf32> -> tensor<2x3xf32>
  return %0, %1, %2 : tensor<2x2xf32>, tensor<0x3xf32>, tensor<2x3xf32>
}

// concat: two and three inputs, along inner and outer dimensions.
// CHECK-LABEL: func @concat
func.func @concat(%x: tensor<2x3xf32>, %y: tensor<2x1xf32>, %z: tensor<1x3xf32>)
    -> (tensor<2x4xf32>, tensor<4x3xf32>) {
  // CHECK: terra.concat %{{.*}}, %{{.*}} dim 1 : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x4xf32>
  %0 = terra.concat %x, %y dim 1 : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x4xf32>
  // CHECK: terra.concat %{{.*}}, %{{.*}}, %{{.*}} dim 0 : (tensor<2x3xf32>, tensor<1x3xf32>, tensor<1x3xf32>) -> tensor<4x3xf32>
  %1 = terra.concat %x, %z, %z dim 0 : (tensor<2x3xf32>, tensor<1x3xf32>, tensor<1x3xf32>) -> tensor<4x3xf32>
  return %0, %1 : tensor<2x4xf32>, tensor<4x3xf32>
}

// pad with a float and an integer tensor.
// CHECK-LABEL: func @pad
func.func @pad(%x: tensor<2x3xf32>, %y: tensor<5xi32>) -> (tensor<2x6xf32>, tensor<7xi32>) {
  // CHECK: terra.pad %{{.*}} low [0, 1] high [0, 2] value 0.000000e+00 : tensor<2x3xf32> -> tensor<2x6xf32>
  %0 = terra.pad %x low [0, 1] high [0, 2] value 0.0 : tensor<2x3xf32> -> tensor<2x6xf32>
  // CHECK: terra.pad %{{.*}} low [1] high [1] value -1.000000e+00 : tensor<5xi32> -> tensor<7xi32>
  %1 = terra.pad %y low [1] high [1] value -1.0 : tensor<5xi32> -> tensor<7xi32>
  return %0, %1 : tensor<2x6xf32>, tensor<7xi32>
}

// gather: embedding lookup (axis 0) and index_select on an inner axis.
// CHECK-LABEL: func @gather
func.func @gather(%table: tensor<100x16xf32>, %ids: tensor<4x8xi64>, %idx: tensor<5xi32>)
    -> (tensor<4x8x16xf32>, tensor<100x5xf32>) {
  // CHECK: terra.gather %{{.*}}[%{{.*}}] axis 0 : (tensor<100x16xf32>, tensor<4x8xi64>) -> tensor<4x8x16xf32>
  %0 = terra.gather %table[%ids] axis 0 : (tensor<100x16xf32>, tensor<4x8xi64>) -> tensor<4x8x16xf32>
  // CHECK: terra.gather %{{.*}}[%{{.*}}] axis 1 : (tensor<100x16xf32>, tensor<5xi32>) -> tensor<100x5xf32>
  %1 = terra.gather %table[%idx] axis 1 : (tensor<100x16xf32>, tensor<5xi32>) -> tensor<100x5xf32>
  return %0, %1 : tensor<4x8x16xf32>, tensor<100x5xf32>
}

// scatter_add, the adjoint of gather.
// CHECK-LABEL: func @scatter_add
func.func @scatter_add(%zeros: tensor<100x16xf32>, %ids: tensor<4x8xi64>, %grad: tensor<4x8x16xf32>)
    -> tensor<100x16xf32> {
  // CHECK: terra.scatter_add %{{.*}}[%{{.*}}], %{{.*}} axis 0 : (tensor<100x16xf32>, tensor<4x8xi64>, tensor<4x8x16xf32>) -> tensor<100x16xf32>
  %0 = terra.scatter_add %zeros[%ids], %grad axis 0 : (tensor<100x16xf32>, tensor<4x8xi64>, tensor<4x8x16xf32>) -> tensor<100x16xf32>
  return %0 : tensor<100x16xf32>
}
