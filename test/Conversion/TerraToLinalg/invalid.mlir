// RUN: terra-opt %s -convert-terra-to-linalg -split-input-file -verify-diagnostics

// Convolutions, pooling, random numbers, slices, concatenation and padding
// are lowered for static shapes only, and a broadcast needs the sizes of
// the dynamic dimensions its input does not have: otherwise the pass fails
// with a diagnostic naming the op, not a crash.

func.func @broadcast_without_sizes(%x: tensor<1xf32>) -> tensor<?xf32> {
  // expected-error @+1 {{failed to legalize operation 'terra.broadcast_to'}}
  %0 = terra.broadcast_to %x : tensor<1xf32> -> tensor<?xf32>
  return %0 : tensor<?xf32>
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

func.func @random_dynamic(%k: tensor<i64>, %c: tensor<i64>, %p: tensor<?xf32>) -> tensor<?xf32> {
  // expected-error @+1 {{failed to legalize operation 'terra.random_bernoulli'}}
  %0 = terra.random_bernoulli %k, %c, %p : tensor<?xf32>
  return %0 : tensor<?xf32>
}
