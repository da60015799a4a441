// RUN: terra-opt %s -convert-terra-to-linalg | FileCheck %s

// CHECK-DAG: #[[WIN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 * 2 + d4, d3 * 2 + d5)>
// CHECK-DAG: #[[KER:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d4, d5)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[SPREAD:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 - d4 + 2, d3 - d5 + 2)>
// CHECK-DAG: #[[DIL:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 + d4 * 2, d3 + d5 * 2)>

// max_pool2d pads with -inf and takes the NaN-propagating maximum over a
// (kh, kw) reduction driven by a kernel-shaped operand.
// CHECK-LABEL: func.func @max_pool
// CHECK: %[[NINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: tensor.yield %[[NINF]]
// CHECK: tensor.empty() : tensor<3x3xf32>
// CHECK: linalg.generic {indexing_maps = [#[[WIN]], #[[KER]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
// CHECK: arith.maximumf
func.func @max_pool(%x: tensor<1x2x5x5xf32>) -> tensor<1x2x3x3xf32> {
  %0 = terra.max_pool2d %x kernel [3, 3] stride [2, 2] padding [1, 1] dilation [1, 1] : tensor<1x2x5x5xf32> -> tensor<1x2x3x3xf32>
  return %0 : tensor<1x2x3x3xf32>
}

// Dilation scales the window offsets.
// CHECK-LABEL: func.func @max_pool_dilated
// CHECK: linalg.generic {indexing_maps = [#[[DIL]], #{{.*}}, #[[OUT]]]
func.func @max_pool_dilated(%x: tensor<1x2x5x5xf32>) -> tensor<1x2x3x3xf32> {
  %0 = terra.max_pool2d %x kernel [2, 2] stride [1, 1] padding [0, 0] dilation [2, 2] : tensor<1x2x5x5xf32> -> tensor<1x2x3x3xf32>
  return %0 : tensor<1x2x3x3xf32>
}

// max_pool2d_grad: first the window position of each maximum (strictly
// greater or NaN; the first position inside the input otherwise), then each
// padded input position gathers the gradients of the windows whose maximum
// it is, and the padding is cropped.
// CHECK-LABEL: func.func @max_pool_grad
// CHECK: %[[NONE:.*]] = arith.constant -1 : i64
// CHECK: %[[POS:.*]]:2 = linalg.generic {indexing_maps = [#[[WIN]], #[[KER]], #[[OUT]], #[[OUT]]]
// CHECK: arith.cmpf ogt
// CHECK: arith.cmpf uno
// CHECK: arith.cmpi sge
// CHECK: arith.cmpi slt
// CHECK: arith.select
// CHECK: -> (tensor<1x2x3x3xf32>, tensor<1x2x3x3xi64>)
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 2, 2] [1, 2, 3, 3] [1, 1, 2, 2] : tensor<1x2x3x3xf32> into tensor<1x2x9x9xf32>
// CHECK: tensor.insert_slice %[[POS]]#1 into %{{.*}}[0, 0, 2, 2] [1, 2, 3, 3] [1, 1, 2, 2] : tensor<1x2x3x3xi64> into tensor<1x2x9x9xi64>
// CHECK: linalg.generic {indexing_maps = [#[[SPREAD]], #[[SPREAD]], #[[KER]], #[[OUT]]]
// CHECK: arith.cmpi eq
// CHECK: arith.select
// CHECK: arith.addf
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 1, 1] [1, 2, 5, 5] [1, 1, 1, 1]
func.func @max_pool_grad(%dy: tensor<1x2x3x3xf32>, %x: tensor<1x2x5x5xf32>) -> tensor<1x2x5x5xf32> {
  %0 = terra.max_pool2d_grad %dy, %x kernel [3, 3] stride [2, 2] padding [1, 1] dilation [1, 1] : (tensor<1x2x3x3xf32>, tensor<1x2x5x5xf32>) -> tensor<1x2x5x5xf32>
  return %0 : tensor<1x2x5x5xf32>
}

// avg_pool2d sums the zero-padded window, then divides by the window size.
// CHECK-LABEL: func.func @avg_pool
// CHECK: linalg.generic {indexing_maps = [#[[WIN]], #[[KER]], #[[OUT]]]
// CHECK: arith.addf
// CHECK: arith.constant 9.000000e+00 : f32
// CHECK: arith.divf
func.func @avg_pool(%x: tensor<1x2x5x5xf32>) -> tensor<1x2x3x3xf32> {
  %0 = terra.avg_pool2d %x kernel [3, 3] stride [2, 2] padding [1, 1] : tensor<1x2x5x5xf32> -> tensor<1x2x3x3xf32>
  return %0 : tensor<1x2x3x3xf32>
}

// Without count_include_pad the divisor is the window clipped to the input.
// CHECK-LABEL: func.func @avg_pool_exclude_pad
// CHECK: arith.addf
// CHECK: linalg.index 2
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: linalg.index 3
// CHECK: arith.sitofp
// CHECK: arith.divf
func.func @avg_pool_exclude_pad(%x: tensor<1x2x5x5xf32>) -> tensor<1x2x3x3xf32> {
  %0 = terra.avg_pool2d %x kernel [3, 3] stride [2, 2] padding [1, 1] {count_include_pad = false} : tensor<1x2x5x5xf32> -> tensor<1x2x3x3xf32>
  return %0 : tensor<1x2x3x3xf32>
}

// avg_pool2d_grad scales dy by the divisor, spreads it by the stride and
// sums the windows covering each input position.
// CHECK-LABEL: func.func @avg_pool_grad
// CHECK: arith.constant 9.000000e+00 : f32
// CHECK: arith.divf
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 2, 2] [1, 2, 3, 3] [1, 1, 2, 2]
// CHECK: linalg.generic {indexing_maps = [#[[SPREAD]], #[[KER]], #[[OUT]]]
// CHECK: arith.addf
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 1, 1] [1, 2, 5, 5] [1, 1, 1, 1]
func.func @avg_pool_grad(%dy: tensor<1x2x3x3xf32>) -> tensor<1x2x5x5xf32> {
  %0 = terra.avg_pool2d_grad %dy kernel [3, 3] stride [2, 2] padding [1, 1] : tensor<1x2x3x3xf32> -> tensor<1x2x5x5xf32>
  return %0 : tensor<1x2x5x5xf32>
}
