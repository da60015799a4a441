// Round trip of the counter-based random ops.
// RUN: terra-opt %s | terra-opt | FileCheck %s
// RUN: terra-opt %s -mlir-print-op-generic | terra-opt | FileCheck %s

// CHECK-LABEL: func @random
// CHECK-SAME: (%[[KEY:.*]]: tensor<i64>, %[[CTR:.*]]: tensor<i64>, %[[P:.*]]: tensor<4x4xf32>)
func.func @random(%key: tensor<i64>, %counter: tensor<i64>, %p: tensor<4x4xf32>)
    -> (tensor<4x4xf32>, tensor<8xf64>, tensor<4x4xf32>, tensor<f32>, tensor<4x4xf32>) {
  // CHECK: terra.random_uniform %[[KEY]], %[[CTR]] low 0.000000e+00 high 1.000000e+00 : tensor<4x4xf32>
  %0 = terra.random_uniform %key, %counter low 0.0 high 1.0 : tensor<4x4xf32>
  // CHECK: terra.random_uniform %[[KEY]], %[[CTR]] low -2.500000e+00 high -2.500000e+00 : tensor<8xf64>
  %1 = terra.random_uniform %key, %counter low -2.5 high -2.5 : tensor<8xf64>
  // CHECK: terra.random_normal %[[KEY]], %[[CTR]] mean 0.000000e+00 std 1.000000e+00 : tensor<4x4xf32>
  %2 = terra.random_normal %key, %counter mean 0.0 std 1.0 : tensor<4x4xf32>
  // CHECK: terra.random_normal %[[KEY]], %[[CTR]] mean 3.000000e+00 std 0.000000e+00 : tensor<f32>
  %3 = terra.random_normal %key, %counter mean 3.0 std 0.0 : tensor<f32>
  // CHECK: terra.random_bernoulli %[[KEY]], %[[CTR]], %[[P]] : tensor<4x4xf32>
  %4 = terra.random_bernoulli %key, %counter, %p : tensor<4x4xf32>
  return %0, %1, %2, %3, %4 : tensor<4x4xf32>, tensor<8xf64>, tensor<4x4xf32>, tensor<f32>, tensor<4x4xf32>
}

// Two draws with the same key and counter are the same value, and CSE may
// merge them; draws with different counters must stay apart.
// RUN: terra-opt %s -cse | FileCheck %s --check-prefix=CSE
// CSE-LABEL: func @cse
func.func @cse(%key: tensor<i64>, %c0: tensor<i64>, %c1: tensor<i64>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  // CSE-COUNT-2: terra.random_uniform
  // CSE-NOT: terra.random_uniform
  %0 = terra.random_uniform %key, %c0 low 0.0 high 1.0 : tensor<4xf32>
  %1 = terra.random_uniform %key, %c0 low 0.0 high 1.0 : tensor<4xf32>
  %2 = terra.random_uniform %key, %c1 low 0.0 high 1.0 : tensor<4xf32>
  return %0, %1, %2 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}
