// RUN: terra-opt %s -convert-terra-to-linalg | FileCheck %s

// CHECK-DAG: #[[LHS_T:.*]] = affine_map<(d0, d1, d2) -> (d2, d0)>
// CHECK-DAG: #[[RHS_T:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[BLHS_T:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d1)>
// CHECK-DAG: #[[BRHS:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
// CHECK-DAG: #[[BOUT:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-DAG: #[[CONV_IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d5, d3 * 2 + d6, d4 * 2 + d7)>
// CHECK-DAG: #[[CONV_W:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1, d2, d5, d6, d7)>
// CHECK-DAG: #[[CONV_OUT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d3, d4)>
// CHECK-DAG: #[[DIL_IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d5, d3 + d6 * 2, d4 + d7 * 3)>
// CHECK-DAG: #[[GI_DY:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d5, d3 - d6 + 2, d4 - d7 + 2)>
// CHECK-DAG: #[[GI_W:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1, d5, d2, d6, d7)>
// CHECK-DAG: #[[GW_DY:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d5, d0, d1, d6, d7)>
// CHECK-DAG: #[[GW_IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d5, d0, d2, d6 * 2 + d3, d7 * 2 + d4)>

// A plain matmul accumulates into a zero-filled init.
// CHECK-LABEL: func.func @matmul
// CHECK: %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[F:.*]] = linalg.fill ins(%[[Z]] : f32) outs(%{{.*}} : tensor<3x5xf32>)
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<3x4xf32>, tensor<4x5xf32>) outs(%[[F]] : tensor<3x5xf32>)
func.func @matmul(%a: tensor<3x4xf32>, %b: tensor<4x5xf32>) -> tensor<3x5xf32> {
  %0 = terra.matmul %a, %b : (tensor<3x4xf32>, tensor<4x5xf32>) -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}

// Transposes stay in the indexing maps instead of being materialised.
// CHECK-LABEL: func.func @matmul_transposed
// CHECK: linalg.matmul indexing_maps = [#[[LHS_T]], #[[RHS_T]], #[[OUT]]] ins(%{{.*}}, %{{.*}} : tensor<4x3xf32>, tensor<5x4xf32>)
// CHECK-NOT: linalg.transpose
func.func @matmul_transposed(%a: tensor<4x3xf32>, %b: tensor<5x4xf32>) -> tensor<3x5xf32> {
  %0 = terra.matmul %a, %b {transpose_lhs, transpose_rhs} : (tensor<4x3xf32>, tensor<5x4xf32>) -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}

// One batch dim: linalg.batch_matmul, here with a transposed lhs.
// CHECK-LABEL: func.func @batch_matmul
// CHECK: linalg.batch_matmul indexing_maps = [#[[BLHS_T]], #[[BRHS]], #[[BOUT]]] ins(%{{.*}}, %{{.*}} : tensor<2x4x3xf32>, tensor<2x4x5xf32>) outs(%{{.*}} : tensor<2x3x5xf32>)
func.func @batch_matmul(%a: tensor<2x4x3xf32>, %b: tensor<2x4x5xf32>) -> tensor<2x3x5xf32> {
  %0 = terra.matmul %a, %b {transpose_lhs} : (tensor<2x4x3xf32>, tensor<2x4x5xf32>) -> tensor<2x3x5xf32>
  return %0 : tensor<2x3x5xf32>
}

// Several batch dims collapse into one around the batch_matmul.
// CHECK-LABEL: func.func @batch_matmul_rank4
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2], [3]] : tensor<2x2x3x4xf32> into tensor<4x3x4xf32>
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2], [3]] : tensor<2x2x4x5xf32> into tensor<4x4x5xf32>
// CHECK: linalg.batch_matmul {{.*}} -> tensor<4x3x5xf32>
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1], [2], [3]] output_shape [2, 2, 3, 5]
func.func @batch_matmul_rank4(%a: tensor<2x2x3x4xf32>, %b: tensor<2x2x4x5xf32>) -> tensor<2x2x3x5xf32> {
  %0 = terra.matmul %a, %b : (tensor<2x2x3x4xf32>, tensor<2x2x4x5xf32>) -> tensor<2x2x3x5xf32>
  return %0 : tensor<2x2x3x5xf32>
}

// Integer matmul: same op, integer zero.
// CHECK-LABEL: func.func @matmul_int
// CHECK: arith.constant 0 : i64
// CHECK: linalg.matmul {{.*}} -> tensor<2x2xi64>
func.func @matmul_int(%a: tensor<2x3xi64>, %b: tensor<3x2xi64>) -> tensor<2x2xi64> {
  %0 = terra.matmul %a, %b : (tensor<2x3xi64>, tensor<3x2xi64>) -> tensor<2x2xi64>
  return %0 : tensor<2x2xi64>
}

// conv2d with groups: pad, split the channels into groups, one generic
// over (n, g, f, oh, ow, c, kh, kw) reading the input at oh * 2 + kh.
// CHECK-LABEL: func.func @conv2d_groups
// CHECK: tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2], [3], [4]] output_shape [1, 2, 2, 10, 10]
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1], [2], [3], [4]] output_shape [2, 3, 2, 3, 3]
// CHECK: linalg.generic {indexing_maps = [#[[CONV_IN]], #[[CONV_W]], #[[CONV_OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0], [1, 2], [3], [4]] : tensor<1x2x3x4x4xf32> into tensor<1x6x4x4xf32>
func.func @conv2d_groups(%x: tensor<1x4x8x8xf32>, %w: tensor<6x2x3x3xf32>) -> tensor<1x6x4x4xf32> {
  %0 = terra.conv2d %x, %w stride [2, 2] padding [1, 1] dilation [1, 1] groups 2 : (tensor<1x4x8x8xf32>, tensor<6x2x3x3xf32>) -> tensor<1x6x4x4xf32>
  return %0 : tensor<1x6x4x4xf32>
}

// Dilation scales the kernel index: oh + kh * 2, ow + kw * 3.
// CHECK-LABEL: func.func @conv2d_dilation
// CHECK: linalg.generic {indexing_maps = [#[[DIL_IN]], #[[CONV_W]], #[[CONV_OUT]]]
func.func @conv2d_dilation(%x: tensor<1x2x8x8xf32>, %w: tensor<3x2x3x3xf32>) -> tensor<1x3x4x2xf32> {
  %0 = terra.conv2d %x, %w stride [1, 1] padding [0, 0] dilation [2, 3] groups 1 : (tensor<1x2x8x8xf32>, tensor<3x2x3x3xf32>) -> tensor<1x3x4x2xf32>
  return %0 : tensor<1x3x4x2xf32>
}

// The input gradient spreads dy by the stride into a zero tensor
// (insert_slice with strides 2), reads the kernel flipped over the padded
// input positions, and crops the padding.
// CHECK-LABEL: func.func @conv2d_grad_input
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 2, 2] [1, 6, 4, 4] [1, 1, 2, 2] : tensor<1x6x4x4xf32> into tensor<1x6x12x12xf32>
// CHECK: linalg.generic {indexing_maps = [#[[GI_DY]], #[[GI_W]], #[[CONV_OUT]]]
// CHECK-SAME: outs(%{{.*}} : tensor<1x2x2x10x10xf32>)
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 0, 1, 1] [1, 2, 2, 8, 8] [1, 1, 1, 1, 1]
// CHECK: tensor.collapse_shape {{.*}} into tensor<1x4x8x8xf32>
func.func @conv2d_grad_input(%dy: tensor<1x6x4x4xf32>, %w: tensor<6x2x3x3xf32>) -> tensor<1x4x8x8xf32> {
  %0 = terra.conv2d_grad_input %dy, %w stride [2, 2] padding [1, 1] dilation [1, 1] groups 2 : (tensor<1x6x4x4xf32>, tensor<6x2x3x3xf32>) -> tensor<1x4x8x8xf32>
  return %0 : tensor<1x4x8x8xf32>
}

// The weight gradient reduces over (n, oh, ow) into a grouped weight.
// CHECK-LABEL: func.func @conv2d_grad_weight
// CHECK: tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: linalg.generic {indexing_maps = [#[[GW_IN]], #[[GW_DY]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
// CHECK-SAME: outs(%{{.*}} : tensor<2x3x2x3x3xf32>)
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2], [3], [4]] : tensor<2x3x2x3x3xf32> into tensor<6x2x3x3xf32>
func.func @conv2d_grad_weight(%x: tensor<1x4x8x8xf32>, %dy: tensor<1x6x4x4xf32>) -> tensor<6x2x3x3xf32> {
  %0 = terra.conv2d_grad_weight %x, %dy stride [2, 2] padding [1, 1] dilation [1, 1] groups 2 : (tensor<1x4x8x8xf32>, tensor<1x6x4x4xf32>) -> tensor<6x2x3x3xf32>
  return %0 : tensor<6x2x3x3xf32>
}
