// RUN: terra-opt %s -convert-linalg-to-terra-runtime | FileCheck %s

// The runtime functions are declared once, private, with C interfaces.
// CHECK-DAG: func.func private @terra_rt_sgemm(i32, i32, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>) attributes {llvm.emit_c_interface}
// CHECK-DAG: func.func private @terra_rt_batched_dgemm(i32, i32, memref<?x?x?xf64, strided<[?, ?, ?], offset: ?>>, {{.*}}) attributes {llvm.emit_c_interface}
// CHECK-NOT: func.func private @terra_rt_sgemm

#lhs_t = affine_map<(d0, d1, d2) -> (d2, d0)>
#rhs_t = affine_map<(d0, d1, d2) -> (d1, d2)>
#rhs = affine_map<(d0, d1, d2) -> (d2, d1)>
#out = affine_map<(d0, d1, d2) -> (d0, d1)>
#bcast = affine_map<(d0, d1, d2) -> (d2)>

// A plain f32 matmul: no transposes, operands cast to the strided type.
// CHECK-LABEL: func.func @sgemm
// CHECK-SAME: (%[[A:.*]]: memref<3x4xf32>, %[[B:.*]]: memref<4x5xf32>, %[[C:.*]]: memref<3x5xf32>)
// CHECK-DAG: %[[F:.*]] = arith.constant 0 : i32
// CHECK-DAG: %[[F2:.*]] = arith.constant 0 : i32
// CHECK-DAG: %[[CA:.*]] = memref.cast %[[A]] : memref<3x4xf32> to memref<?x?xf32, strided<[?, ?], offset: ?>>
// CHECK-DAG: %[[CB:.*]] = memref.cast %[[B]]
// CHECK-DAG: %[[CC:.*]] = memref.cast %[[C]]
// CHECK: call @terra_rt_sgemm(%[[F]], %[[F2]], %[[CA]], %[[CB]], %[[CC]])
// CHECK-NOT: linalg.matmul
func.func @sgemm(%a: memref<3x4xf32>, %b: memref<4x5xf32>, %c: memref<3x5xf32>) {
  linalg.matmul ins(%a, %b : memref<3x4xf32>, memref<4x5xf32>) outs(%c : memref<3x5xf32>)
  return
}

// Transposes in the indexing maps become the transa / transb flags.
// CHECK-LABEL: func.func @sgemm_transposed
// CHECK: %[[T:.*]] = arith.constant 1 : i32
// CHECK: %[[T2:.*]] = arith.constant 1 : i32
// CHECK: call @terra_rt_sgemm(%[[T]], %[[T2]],
// CHECK: %[[N:.*]] = arith.constant 0 : i32
// CHECK: %[[T3:.*]] = arith.constant 1 : i32
// CHECK: call @terra_rt_sgemm(%[[N]], %[[T3]],
func.func @sgemm_transposed(%a: memref<4x3xf32>, %b: memref<5x4xf32>, %a2: memref<3x4xf32>, %c: memref<3x5xf32>) {
  linalg.matmul indexing_maps = [#lhs_t, #rhs_t, #out] ins(%a, %b : memref<4x3xf32>, memref<5x4xf32>) outs(%c : memref<3x5xf32>)
  linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, #rhs_t, #out] ins(%a2, %b : memref<3x4xf32>, memref<5x4xf32>) outs(%c : memref<3x5xf32>)
  return
}

// f64 batch matmuls call the batched dgemm.
// CHECK-LABEL: func.func @batched_dgemm
// CHECK: call @terra_rt_batched_dgemm
// CHECK-NOT: linalg.batch_matmul
func.func @batched_dgemm(%a: memref<2x3x4xf64>, %b: memref<2x4x5xf64>, %c: memref<2x3x5xf64>) {
  linalg.batch_matmul ins(%a, %b : memref<2x3x4xf64>, memref<2x4x5xf64>) outs(%c : memref<2x3x5xf64>)
  return
}

// Strided views (here a subview) are passed with their layout.
// CHECK-LABEL: func.func @sgemm_subview
// CHECK: memref.cast %{{.*}} : memref<3x4xf32, strided<[8, 1], offset: 2>> to memref<?x?xf32, strided<[?, ?], offset: ?>>
// CHECK: call @terra_rt_sgemm
func.func @sgemm_subview(%big: memref<3x8xf32>, %b: memref<4x5xf32>, %c: memref<3x5xf32>) {
  %a = memref.subview %big[0, 2] [3, 4] [1, 1] : memref<3x8xf32> to memref<3x4xf32, strided<[8, 1], offset: 2>>
  linalg.matmul ins(%a, %b : memref<3x4xf32, strided<[8, 1], offset: 2>>, memref<4x5xf32>) outs(%c : memref<3x5xf32>)
  return
}

// Left alone: integer matmuls, matmuls on tensors (before bufferization),
// and indexing maps BLAS cannot express (a broadcast operand).
// CHECK-LABEL: func.func @not_converted
// CHECK-NOT: call
// CHECK: linalg.matmul ins({{.*}} : memref<2x3xi64>, memref<3x2xi64>)
// CHECK: linalg.matmul ins({{.*}} : tensor<3x4xf32>, tensor<4x5xf32>)
// CHECK: linalg.matmul indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}] ins({{.*}} : memref<4xf32>, memref<4x5xf32>)
// CHECK: return
func.func @not_converted(%a: memref<2x3xi64>, %b: memref<3x2xi64>, %c: memref<2x2xi64>, %ta: tensor<3x4xf32>, %tb: tensor<4x5xf32>, %tc: tensor<3x5xf32>, %v: memref<4xf32>, %fb: memref<4x5xf32>, %fc: memref<3x5xf32>) -> tensor<3x5xf32> {
  linalg.matmul ins(%a, %b : memref<2x3xi64>, memref<3x2xi64>) outs(%c : memref<2x2xi64>)
  %0 = linalg.matmul ins(%ta, %tb : tensor<3x4xf32>, tensor<4x5xf32>) outs(%tc : tensor<3x5xf32>) -> tensor<3x5xf32>
  linalg.matmul indexing_maps = [#bcast, #rhs, #out] ins(%v, %fb : memref<4xf32>, memref<4x5xf32>) outs(%fc : memref<3x5xf32>)
  return %0 : tensor<3x5xf32>
}
