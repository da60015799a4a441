// terra-fuse-elementwise after convert-terra-to-linalg: a chain of
// elementwise terra ops becomes one linalg.generic; fusion pulls
// elementwise producers into reductions but never fuses a reduction or a
// matmul into its consumers.
// RUN: terra-opt %s -split-input-file -convert-terra-to-linalg -terra-fuse-elementwise | FileCheck %s
// Without the fusion pass every op stays its own loop nest (the test above
// would fail if the lowering fused by itself).
// RUN: terra-opt %s -split-input-file -convert-terra-to-linalg | FileCheck %s --check-prefix=UNFUSED

// A 5-op chain reads x and y once and writes one result.
// CHECK-LABEL: func @chain
// CHECK-SAME: (%[[X:.*]]: tensor<16x1024xf32>, %[[Y:.*]]: tensor<16x1024xf32>)
// CHECK-COUNT-1: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel"]
// CHECK-SAME: ins(%[[X]], %[[Y]] : tensor<16x1024xf32>, tensor<16x1024xf32>)
// CHECK-NEXT: ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[ADD:.*]] = arith.addf %[[A]], %[[B]] : f32
// CHECK-NEXT: %[[MUL:.*]] = arith.mulf %[[ADD]], %[[A]] : f32
// CHECK-NEXT: %[[EXP:.*]] = math.exp %[[MUL]] : f32
// CHECK-NEXT: %[[TANH:.*]] = math.tanh %[[EXP]] : f32
// CHECK-NEXT: %[[NEG:.*]] = arith.cmpf olt, %[[TANH]], %{{.*}} : f32
// CHECK-NEXT: %[[RELU:.*]] = arith.select %[[NEG]], %{{.*}}, %[[TANH]] : f32
// CHECK-NEXT: linalg.yield %[[RELU]] : f32
// CHECK-NOT: linalg.generic
// CHECK: return
// UNFUSED-LABEL: func @chain
// UNFUSED-COUNT-5: linalg.generic
// UNFUSED-NOT: linalg.generic
// UNFUSED: return
func.func @chain(%x: tensor<16x1024xf32>, %y: tensor<16x1024xf32>) -> tensor<16x1024xf32> {
  %0 = terra.add %x, %y : tensor<16x1024xf32>
  %1 = terra.mul %0, %x : tensor<16x1024xf32>
  %2 = terra.exp %1 : tensor<16x1024xf32>
  %3 = terra.tanh %2 : tensor<16x1024xf32>
  %4 = terra.relu %3 : tensor<16x1024xf32>
  return %4 : tensor<16x1024xf32>
}

// -----

// A broadcast bias (x + b then tanh) fuses too: the broadcast becomes the
// indexing map of b, with no materialised 16x1024 copy of it.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func @broadcast_bias
// CHECK-SAME: (%[[X:.*]]: tensor<16x1024xf32>, %[[B:.*]]: tensor<1024xf32>)
// CHECK-COUNT-1: linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]]
// CHECK-SAME: ins(%[[X]], %[[B]] : tensor<16x1024xf32>, tensor<1024xf32>)
// CHECK: arith.addf
// CHECK-NEXT: math.tanh
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @broadcast_bias(%x: tensor<16x1024xf32>, %b: tensor<1024xf32>) -> tensor<16x1024xf32> {
  %bb = terra.broadcast_to %b : tensor<1024xf32> -> tensor<16x1024xf32>
  %0 = terra.add %x, %bb : tensor<16x1024xf32>
  %1 = terra.tanh %0 : tensor<16x1024xf32>
  return %1 : tensor<16x1024xf32>
}

// -----

// exp(x) / sum(exp(x)): exp fuses into the reduction and into the division,
// but the reduction stays its own loop nest whose result the division reads.
// CHECK-LABEL: func @reduction_boundary
// CHECK: %[[SUM:.*]] = linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "reduction"]
// CHECK: math.exp
// CHECK-NEXT: arith.addf
// CHECK: %[[KEEP:.*]] = tensor.expand_shape %[[SUM]]
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel"]
// CHECK-SAME: ins(%{{.*}}, %[[KEEP]] :
// CHECK: math.exp
// CHECK-NEXT: arith.divf
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @reduction_boundary(%x: tensor<16x1024xf32>) -> tensor<16x1024xf32> {
  %0 = terra.exp %x : tensor<16x1024xf32>
  %1 = terra.sum %0 axes [1] keepdim : tensor<16x1024xf32> -> tensor<16x1xf32>
  %2 = terra.broadcast_to %1 : tensor<16x1xf32> -> tensor<16x1024xf32>
  %3 = terra.div %0, %2 : tensor<16x1024xf32>
  return %3 : tensor<16x1024xf32>
}

// -----

// A reduction followed by elementwise ops on its result: the elementwise
// consumer does not absorb the reduction.
// CHECK-LABEL: func @reduction_then_elementwise
// CHECK: %[[MAX:.*]] = linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "reduction"]
// CHECK: arith.maximumf
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel"]
// CHECK-SAME: ins(%[[MAX]] : tensor<16xf32>)
// CHECK: math.exp
// CHECK-NEXT: math.sqrt
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @reduction_then_elementwise(%x: tensor<16x1024xf32>) -> tensor<16xf32> {
  %0 = terra.max %x axes [1] : tensor<16x1024xf32> -> tensor<16xf32>
  %1 = terra.exp %0 : tensor<16xf32>
  %2 = terra.sqrt %1 : tensor<16xf32>
  return %2 : tensor<16xf32>
}

// -----

// Fusion stops at a matmul on both sides: tanh before it, the matmul and
// relu after it remain three ops.
// CHECK-LABEL: func @matmul_boundary
// CHECK: %[[T:.*]] = linalg.generic
// CHECK: math.tanh
// CHECK: %[[MM:.*]] = linalg.matmul ins(%[[T]], %{{.*}} : tensor<16x64xf32>, tensor<64x32xf32>)
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[MM]] : tensor<16x32xf32>)
// CHECK: arith.select
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @matmul_boundary(%x: tensor<16x64xf32>, %w: tensor<64x32xf32>) -> tensor<16x32xf32> {
  %0 = terra.tanh %x : tensor<16x64xf32>
  %1 = terra.matmul %0, %w : (tensor<16x64xf32>, tensor<64x32xf32>) -> tensor<16x32xf32>
  %2 = terra.relu %1 : tensor<16x32xf32>
  return %2 : tensor<16x32xf32>
}

// -----

// A cheap producer with two elementwise users is recomputed in each of
// them rather than written to memory: two loop nests, each with the exp.
// CHECK-LABEL: func @shared_producer
// CHECK-COUNT-2: linalg.generic
// CHECK-NOT: linalg.generic
// CHECK: return
// UNFUSED-LABEL: func @shared_producer
// UNFUSED-COUNT-3: linalg.generic
func.func @shared_producer(%x: tensor<16x1024xf32>) -> (tensor<16x1024xf32>, tensor<16x1024xf32>) {
  %0 = terra.exp %x : tensor<16x1024xf32>
  %1 = terra.tanh %0 : tensor<16x1024xf32>
  %2 = terra.neg %0 : tensor<16x1024xf32>
  return %1, %2 : tensor<16x1024xf32>, tensor<16x1024xf32>
}

// -----

// Decomposed softmax: three loop nests (max, sum of exp, normalisation),
// with the max subtracted before every exp.
// CHECK-LABEL: func @softmax
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "reduction"]
// CHECK: arith.maximumf
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "reduction"]
// CHECK: arith.subf
// CHECK-NEXT: math.exp
// CHECK-NEXT: arith.addf
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel"]
// CHECK: arith.subf
// CHECK-NEXT: math.exp
// CHECK-NEXT: arith.divf
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @softmax(%x: tensor<16x1024xf32>) -> tensor<16x1024xf32> {
  %0 = terra.softmax %x axis 1 : tensor<16x1024xf32>
  return %0 : tensor<16x1024xf32>
}
