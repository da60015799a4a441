// RUN: terra-opt %s -convert-terra-to-linalg | FileCheck %s

// broadcast_to reads size-1 and missing dims at 0 / not at all.
// CHECK-DAG: #[[BCAST:.*]] = affine_map<(d0, d1, d2) -> (d1, 0)>
// CHECK-DAG: #[[PERM:.*]] = affine_map<(d0, d1, d2) -> (d1, d2, d0)>
// CHECK-LABEL: func.func @broadcast
// CHECK: linalg.generic {indexing_maps = [#[[BCAST]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%{{.*}} : tensor<3x1xf32>) outs(%{{.*}} : tensor<2x3x4xf32>)
func.func @broadcast(%x: tensor<3x1xf32>) -> tensor<2x3x4xf32> {
  %0 = terra.broadcast_to %x : tensor<3x1xf32> -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// Collapses and expansions are single tensor ops; other reshapes go
// through 1-D.
// CHECK-LABEL: func.func @reshape
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1], [2]] output_shape [2, 3, 4]
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1, 2]] : tensor<2x3x4xf32> into tensor<24xf32>
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1]] output_shape [4, 6] : tensor<24xf32> into tensor<4x6xf32>
func.func @reshape(%x: tensor<2x3x4xf32>, %y: tensor<6x4xf32>) -> (tensor<6x4xf32>, tensor<2x3x4xf32>, tensor<4x6xf32>) {
  %0 = terra.reshape %x : tensor<2x3x4xf32> -> tensor<6x4xf32>
  %1 = terra.reshape %y : tensor<6x4xf32> -> tensor<2x3x4xf32>
  %2 = terra.reshape %x : tensor<2x3x4xf32> -> tensor<4x6xf32>
  return %0, %1, %2 : tensor<6x4xf32>, tensor<2x3x4xf32>, tensor<4x6xf32>
}

// Result dim i is input dim perm[i]: input dim perm[i] is read at d_i.
// CHECK-LABEL: func.func @transpose
// CHECK: linalg.generic {indexing_maps = [#[[PERM]], #{{.*}}]
// CHECK-SAME: ins(%{{.*}} : tensor<2x3x4xf32>) outs(%{{.*}} : tensor<4x2x3xf32>)
func.func @transpose(%x: tensor<2x3x4xf32>) -> tensor<4x2x3xf32> {
  %0 = terra.transpose %x, [2, 0, 1] : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
  return %0 : tensor<4x2x3xf32>
}

// A strided slice is one extract_slice with the op's strides.
// CHECK-LABEL: func.func @slice
// CHECK: tensor.extract_slice %{{.*}}[1, 0] [2, 2] [2, 3] : tensor<5x6xf32> to tensor<2x2xf32>
func.func @slice(%x: tensor<5x6xf32>) -> tensor<2x2xf32> {
  %0 = terra.slice %x [1, 0] [5, 6] [2, 3] : tensor<5x6xf32> -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// concat inserts each input at its running offset.
// CHECK-LABEL: func.func @concat
// CHECK: %[[E:.*]] = tensor.empty() : tensor<2x6xf32>
// CHECK: %[[I0:.*]] = tensor.insert_slice %{{.*}} into %[[E]][0, 0] [2, 2] [1, 1]
// CHECK: %[[I1:.*]] = tensor.insert_slice %{{.*}} into %[[I0]][0, 2] [2, 1] [1, 1]
// CHECK: tensor.insert_slice %{{.*}} into %[[I1]][0, 3] [2, 3] [1, 1]
func.func @concat(%a: tensor<2x2xf32>, %b: tensor<2x1xf32>, %c: tensor<2x3xf32>) -> tensor<2x6xf32> {
  %0 = terra.concat %a, %b, %c dim 1 : (tensor<2x2xf32>, tensor<2x1xf32>, tensor<2x3xf32>) -> tensor<2x6xf32>
  return %0 : tensor<2x6xf32>
}

// pad becomes tensor.pad yielding the pad value.
// CHECK-LABEL: func.func @pad
// CHECK: %[[V:.*]] = arith.constant -1.500000e+00 : f32
// CHECK: tensor.pad %{{.*}} low[1, 0] high[0, 2]
// CHECK: tensor.yield %[[V]]
func.func @pad(%x: tensor<2x3xf32>) -> tensor<3x5xf32> {
  %0 = terra.pad %x low [1, 0] high [0, 2] value -1.5 : tensor<2x3xf32> -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}

// gather: a generic over the result reading the index, clamping it to the
// table and extracting from the table.
// CHECK-LABEL: func.func @gather
// CHECK: linalg.generic
// CHECK-SAME: ins(%{{.*}} : tensor<4x8xi64>) outs(%{{.*}} : tensor<4x8x16xf32>)
// CHECK: arith.index_cast
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: linalg.index 2
// CHECK: tensor.extract %{{.*}} : tensor<100x16xf32>
func.func @gather(%t: tensor<100x16xf32>, %i: tensor<4x8xi64>) -> tensor<4x8x16xf32> {
  %0 = terra.gather %t[%i] axis 0 : (tensor<100x16xf32>, tensor<4x8xi64>) -> tensor<4x8x16xf32>
  return %0 : tensor<4x8x16xf32>
}

// scatter_add is a sequential loop nest carrying the result, so repeated
// indices accumulate.
// CHECK-LABEL: func.func @scatter_add
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for {{.*}} iter_args
// CHECK: tensor.extract %{{.*}} : tensor<4x8xi64>
// CHECK: arith.minsi
// CHECK: arith.addf
// CHECK: tensor.insert
func.func @scatter_add(%t: tensor<100x16xf32>, %i: tensor<4x8xi64>, %u: tensor<4x8x16xf32>) -> tensor<100x16xf32> {
  %0 = terra.scatter_add %t[%i], %u axis 0 : (tensor<100x16xf32>, tensor<4x8xi64>, tensor<4x8x16xf32>) -> tensor<100x16xf32>
  return %0 : tensor<100x16xf32>
}
