// RUN: terra-opt %s -convert-terra-to-linalg | FileCheck %s

// CHECK-DAG: #[[ID3:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[KEEP1:.*]] = affine_map<(d0, d1, d2) -> (d1)>
// CHECK-DAG: #[[KEEP0:.*]] = affine_map<(d0, d1, d2) -> (d0)>
// CHECK-DAG: #[[ID2:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d0)>

// sum over [0, 2] keepdim: zero-filled init, reduction iterators on the
// reduced dims, then the kept dims restored by expand_shape.
// CHECK-LABEL: func.func @sum_keepdim
// CHECK: %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[F:.*]] = linalg.fill ins(%[[Z]] : f32) outs(%{{.*}} : tensor<3xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[ID3]], #[[KEEP1]]], iterator_types = ["reduction", "parallel", "reduction"]}
// CHECK-SAME: outs(%[[F]] : tensor<3xf32>)
// CHECK: arith.addf
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1, 2]] output_shape [1, 3, 1] : tensor<3xf32> into tensor<1x3x1xf32>
func.func @sum_keepdim(%x: tensor<2x3x4xf32>) -> tensor<1x3x1xf32> {
  %0 = terra.sum %x axes [0, 2] keepdim : tensor<2x3x4xf32> -> tensor<1x3x1xf32>
  return %0 : tensor<1x3x1xf32>
}

// mean divides the sum by the number of reduced elements (2 * 4).
// CHECK-LABEL: func.func @mean
// CHECK: linalg.generic {indexing_maps = [#[[ID3]], #[[KEEP1]]]
// CHECK: arith.addf
// CHECK: arith.constant 8.000000e+00 : f32
// CHECK: arith.divf
func.func @mean(%x: tensor<2x3x4xf32>) -> tensor<3xf32> {
  %0 = terra.mean %x axes [0, 2] : tensor<2x3x4xf32> -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// max starts from -inf and uses the NaN-propagating maximumf; min from +inf.
// CHECK-LABEL: func.func @max_min
// CHECK: arith.constant 0xFF800000 : f32
// CHECK: linalg.generic {indexing_maps = [#[[ID3]], #[[KEEP0]]], iterator_types = ["parallel", "reduction", "reduction"]}
// CHECK: arith.maximumf
// CHECK: arith.constant 0x7F800000 : f32
// CHECK: arith.minimumf
func.func @max_min(%x: tensor<2x3x4xf32>) -> (tensor<2xf32>, tensor<2xf32>) {
  %0 = terra.max %x axes [1, 2] : tensor<2x3x4xf32> -> tensor<2xf32>
  %1 = terra.min %x axes [1, 2] : tensor<2x3x4xf32> -> tensor<2xf32>
  return %0, %1 : tensor<2xf32>, tensor<2xf32>
}

// Integer max/min are signed; boolean max/min are or/and.
// CHECK-LABEL: func.func @int_bool
// CHECK: arith.maxsi
// CHECK: arith.ori
// CHECK: arith.andi
func.func @int_bool(%x: tensor<2x3xi64>, %b: tensor<2x3xi1>) -> (tensor<2xi64>, tensor<2xi1>, tensor<2xi1>) {
  %0 = terra.max %x axes [1] : tensor<2x3xi64> -> tensor<2xi64>
  %1 = terra.max %b axes [1] : tensor<2x3xi1> -> tensor<2xi1>
  %2 = terra.min %b axes [1] : tensor<2x3xi1> -> tensor<2xi1>
  return %0, %1, %2 : tensor<2xi64>, tensor<2xi1>, tensor<2xi1>
}

// argmax carries (value, index) and keeps the first maximum (strict ogt),
// a NaN winning; keepdim restores the axis.
// CHECK-LABEL: func.func @argmax
// CHECK: linalg.generic {indexing_maps = [#[[ID2]], #[[ROW]], #[[ROW]]], iterator_types = ["parallel", "reduction"]}
// CHECK: linalg.index 1
// CHECK: arith.cmpf ogt
// CHECK: arith.cmpf uno
// CHECK: arith.select
// CHECK: arith.select
// CHECK: -> (tensor<2xf32>, tensor<2xi64>)
// CHECK: tensor.expand_shape {{.*}} : tensor<2xi64> into tensor<2x1xi64>
func.func @argmax(%x: tensor<2x3xf32>) -> tensor<2x1xi64> {
  %0 = terra.argmax %x axis 1 keepdim : tensor<2x3xf32> -> tensor<2x1xi64>
  return %0 : tensor<2x1xi64>
}

// Booleans compare unsigned in argmax.
// CHECK-LABEL: func.func @argmax_bool
// CHECK: arith.cmpi ugt
func.func @argmax_bool(%x: tensor<2x3xi1>) -> tensor<2xi64> {
  %0 = terra.argmax %x axis 1 : tensor<2x3xi1> -> tensor<2xi64>
  return %0 : tensor<2xi64>
}

// softmax is decomposed and lowered: max, subtract, exp, sum, divide.
// CHECK-LABEL: func.func @softmax
// CHECK: arith.maximumf
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: arith.addf
// CHECK: arith.divf
// CHECK-NOT: terra.
func.func @softmax(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = terra.softmax %x axis 1 : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// log_softmax: x - max - log(sum(exp(x - max))).
// CHECK-LABEL: func.func @log_softmax
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: math.log
// CHECK: arith.subf
func.func @log_softmax(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = terra.log_softmax %x axis 0 : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}
