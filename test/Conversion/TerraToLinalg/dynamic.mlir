// RUN: terra-opt %s -convert-terra-to-linalg | FileCheck %s
// RUN: terra-opt %s -terra-lower-to-cpu | FileCheck %s --check-prefix=LLVM

// Dynamic sizes (a sequence length that varies from pass to pass) are read
// from the operands with tensor.dim, or given to broadcast_to as `sizes`.

// LLVM-LABEL: llvm.func @broadcast_sizes
// LLVM-NOT: terra.
// CHECK-LABEL: func @broadcast_sizes
// CHECK-SAME: (%[[X:.*]]: tensor<4x1xf32>, %[[N:.*]]: index)
// CHECK: %[[E:.*]] = tensor.empty(%[[N]]) : tensor<4x?xf32>
// CHECK: linalg.generic {{.*}} ins(%[[X]] : tensor<4x1xf32>) outs(%[[E]] : tensor<4x?xf32>)
func.func @broadcast_sizes(%x: tensor<4x1xf32>, %n: index) -> tensor<4x?xf32> {
  %0 = terra.broadcast_to %x sizes(%n) : tensor<4x1xf32> -> tensor<4x?xf32>
  return %0 : tensor<4x?xf32>
}

// A dynamic input dimension gives the result's size.
// CHECK-LABEL: func @broadcast_from_input
// CHECK: %[[D:.*]] = tensor.dim %{{.*}}, %{{.*}} : tensor<?xf32>
// CHECK: tensor.empty(%[[D]]) : tensor<2x?xf32>
func.func @broadcast_from_input(%x: tensor<?xf32>) -> tensor<2x?xf32> {
  %0 = terra.broadcast_to %x : tensor<?xf32> -> tensor<2x?xf32>
  return %0 : tensor<2x?xf32>
}

// The mean divides by the element count of the reduced axes, computed.
// CHECK-LABEL: func @mean_dynamic_axis
// CHECK-SAME: (%[[X:.*]]: tensor<4x?xf32>)
// CHECK: %[[D:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<4x?xf32>
// CHECK: tensor.empty() : tensor<4xf32>
// CHECK: %[[I:.*]] = arith.index_castui %[[D]] : index to i64
// CHECK: %[[F:.*]] = arith.uitofp %[[I]] : i64 to f32
// CHECK: %[[COUNT:.*]] = arith.mulf %{{.*}}, %[[F]] : f32
// CHECK: arith.divf %{{.*}}, %[[COUNT]] : f32
func.func @mean_dynamic_axis(%x: tensor<4x?xf32>) -> tensor<4xf32> {
  %0 = terra.mean %x axes [1] : tensor<4x?xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// A kept dynamic dimension sizes the reduction's result.
// CHECK-LABEL: func @sum_kept_dynamic
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>)
// CHECK: %[[D:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x4xf32>
// CHECK: tensor.empty(%[[D]]) : tensor<?xf32>
func.func @sum_kept_dynamic(%x: tensor<?x4xf32>) -> tensor<?xf32> {
  %0 = terra.sum %x axes [1] : tensor<?x4xf32> -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// Rows from the lhs, columns from the rhs (read transposed here).
// CHECK-LABEL: func @matmul_dynamic
// CHECK-SAME: (%[[A:.*]]: tensor<?x4xf32>, %[[B:.*]]: tensor<?x4xf32>)
// CHECK-DAG: %[[M:.*]] = tensor.dim %[[A]], %{{.*}} : tensor<?x4xf32>
// CHECK-DAG: %[[N:.*]] = tensor.dim %[[B]], %{{.*}} : tensor<?x4xf32>
// CHECK: tensor.empty(%[[M]], %[[N]]) : tensor<?x?xf32>
// CHECK: linalg.matmul
func.func @matmul_dynamic(%a: tensor<?x4xf32>, %b: tensor<?x4xf32>) -> tensor<?x?xf32> {
  %0 = terra.matmul %a, %b {transpose_rhs} : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// Gathered rows: as many as indices; clamped to the table's size.
// CHECK-LABEL: func @gather_dynamic
// CHECK-SAME: (%[[T:.*]]: tensor<10x4xf32>, %[[I:.*]]: tensor<?xi64>)
// CHECK: %[[D:.*]] = tensor.dim %[[I]], %{{.*}} : tensor<?xi64>
// CHECK: tensor.empty(%[[D]]) : tensor<?x4xf32>
// CHECK: arith.minsi
func.func @gather_dynamic(%t: tensor<10x4xf32>, %i: tensor<?xi64>) -> tensor<?x4xf32> {
  %0 = terra.gather %t[%i] axis 0 : (tensor<10x4xf32>, tensor<?xi64>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// The scatter loops over however many updates there are.
// CHECK-LABEL: func @scatter_add_dynamic
// CHECK-SAME: (%[[T:.*]]: tensor<10x4xf32>, %[[I:.*]]: tensor<?xi64>, %[[U:.*]]: tensor<?x4xf32>)
// CHECK: %[[D:.*]] = tensor.dim %[[U]], %{{.*}} : tensor<?x4xf32>
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[D]]
func.func @scatter_add_dynamic(%t: tensor<10x4xf32>, %i: tensor<?xi64>, %u: tensor<?x4xf32>) -> tensor<10x4xf32> {
  %0 = terra.scatter_add %t[%i], %u axis 0 : (tensor<10x4xf32>, tensor<?xi64>, tensor<?x4xf32>) -> tensor<10x4xf32>
  return %0 : tensor<10x4xf32>
}

// A reshape with one dynamic size infers it from the element count.
// CHECK-LABEL: func @reshape_dynamic
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2]] : tensor<4x?x8xf32> into tensor<?x8xf32>
// CHECK: tensor.expand_shape
// CHECK-SAME: into tensor<2x?x8xf32>
func.func @reshape_dynamic(%x: tensor<4x?x8xf32>) -> tensor<2x?x8xf32> {
  %0 = terra.reshape %x : tensor<4x?x8xf32> -> tensor<?x8xf32>
  %1 = terra.reshape %0 : tensor<?x8xf32> -> tensor<2x?x8xf32>
  return %1 : tensor<2x?x8xf32>
}

// Two dynamic sizes, given: a tensor.reshape to a shape built from them.
// LLVM-LABEL: llvm.func @reshape_sizes
// CHECK-LABEL: func @reshape_sizes
// CHECK-SAME: (%[[X:.*]]: tensor<?x16xf32>, %[[B:.*]]: index, %[[N:.*]]: index)
// CHECK: %[[C16:.*]] = arith.constant 16 : index
// CHECK: %[[SHAPE:.*]] = tensor.from_elements %[[B]], %[[N]], %[[C16]] : tensor<3xindex>
// CHECK: tensor.reshape %[[X]](%[[SHAPE]]) : (tensor<?x16xf32>, tensor<3xindex>) -> tensor<?x?x16xf32>
func.func @reshape_sizes(%x: tensor<?x16xf32>, %b: index, %n: index) -> tensor<?x?x16xf32> {
  %0 = terra.reshape %x sizes(%b, %n) : tensor<?x16xf32> -> tensor<?x?x16xf32>
  return %0 : tensor<?x?x16xf32>
}

// A slice of a static dimension keeps a dynamic one whole.
// CHECK-LABEL: func @slice_keeps_dynamic
// CHECK-SAME: (%[[X:.*]]: tensor<4x?xf32>)
// CHECK: %[[D:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<4x?xf32>
// CHECK: tensor.extract_slice %[[X]][1, 0] [2, %[[D]]] [1, 1] : tensor<4x?xf32> to tensor<2x?xf32>
func.func @slice_keeps_dynamic(%x: tensor<4x?xf32>) -> tensor<2x?xf32> {
  %0 = terra.slice %x [1, 0] [3, -9223372036854775808] [1, 1] : tensor<4x?xf32> -> tensor<2x?xf32>
  return %0 : tensor<2x?xf32>
}

// CHECK-LABEL: func @transpose_dynamic
// CHECK-SAME: (%[[X:.*]]: tensor<?x3xf32>)
// CHECK: %[[D:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x3xf32>
// CHECK: tensor.empty(%[[D]]) : tensor<3x?xf32>
func.func @transpose_dynamic(%x: tensor<?x3xf32>) -> tensor<3x?xf32> {
  %0 = terra.transpose %x, [1, 0] : tensor<?x3xf32> -> tensor<3x?xf32>
  return %0 : tensor<3x?xf32>
}
