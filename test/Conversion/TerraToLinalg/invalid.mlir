// RUN: terra-opt %s -convert-terra-to-linalg -split-input-file -verify-diagnostics

// Ops other than the elementwise ones are lowered for static shapes only: a
// dynamic shape fails the pass with a diagnostic naming the op, not a crash.

func.func @sum_dynamic(%x: tensor<?x4xf32>) -> tensor<?xf32> {
  // expected-error @+1 {{failed to legalize operation 'terra.sum'}}
  %0 = terra.sum %x axes [1] : tensor<?x4xf32> -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

func.func @matmul_dynamic(%a: tensor<?x4xf32>, %b: tensor<4x?xf32>) -> tensor<?x?xf32> {
  // expected-error @+1 {{failed to legalize operation 'terra.matmul'}}
  %0 = terra.matmul %a, %b : (tensor<?x4xf32>, tensor<4x?xf32>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

func.func @conv_dynamic(%x: tensor<?x2x5x5xf32>, %w: tensor<3x2x3x3xf32>) -> tensor<?x3x3x3xf32> {
  // expected-error @+1 {{failed to legalize operation 'terra.conv2d'}}
  %0 = terra.conv2d %x, %w stride [1, 1] padding [0, 0] dilation [1, 1] groups 1 : (tensor<?x2x5x5xf32>, tensor<3x2x3x3xf32>) -> tensor<?x3x3x3xf32>
  return %0 : tensor<?x3x3x3xf32>
}

// -----

func.func @max_pool_dynamic(%x: tensor<1x2x?x5xf32>) -> tensor<1x2x?x2xf32> {
  // expected-error @+1 {{failed to legalize operation 'terra.max_pool2d'}}
  %0 = terra.max_pool2d %x kernel [2, 2] stride [2, 2] padding [0, 0] dilation [1, 1] : tensor<1x2x?x5xf32> -> tensor<1x2x?x2xf32>
  return %0 : tensor<1x2x?x2xf32>
}

// -----

func.func @broadcast_dynamic(%x: tensor<?xf32>) -> tensor<2x?xf32> {
  // expected-error @+1 {{failed to legalize operation 'terra.broadcast_to'}}
  %0 = terra.broadcast_to %x : tensor<?xf32> -> tensor<2x?xf32>
  return %0 : tensor<2x?xf32>
}

// -----

func.func @gather_dynamic(%t: tensor<10x4xf32>, %i: tensor<?xi64>) -> tensor<?x4xf32> {
  // expected-error @+1 {{failed to legalize operation 'terra.gather'}}
  %0 = terra.gather %t[%i] axis 0 : (tensor<10x4xf32>, tensor<?xi64>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

func.func @scatter_add_dynamic(%t: tensor<?x4xf32>, %i: tensor<3xi64>, %u: tensor<3x4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{failed to legalize operation 'terra.scatter_add'}}
  %0 = terra.scatter_add %t[%i], %u axis 0 : (tensor<?x4xf32>, tensor<3xi64>, tensor<3x4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

func.func @softmax_dynamic(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{failed to legalize operation 'terra.softmax'}}
  %0 = terra.softmax %x axis 1 : tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

func.func @random_dynamic(%k: tensor<i64>, %c: tensor<i64>, %p: tensor<?xf32>) -> tensor<?xf32> {
  // expected-error @+1 {{failed to legalize operation 'terra.random_bernoulli'}}
  %0 = terra.random_bernoulli %k, %c, %p : tensor<?xf32>
  return %0 : tensor<?xf32>
}
