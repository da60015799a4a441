// Verifier errors of the counter-based random ops.
// RUN: terra-opt %s -split-input-file -verify-diagnostics

// A uniform range with low above high.
func.func @uniform_inverted(%k: tensor<i64>, %c: tensor<i64>) -> tensor<4xf32> {
  // expected-error @+1 {{'terra.random_uniform' op low 1.000000e+00 must not exceed high 0.000000e+00}}
  %0 = terra.random_uniform %k, %c low 1.0 high 0.0 : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// A NaN bound would make every draw NaN.
func.func @uniform_nan(%k: tensor<i64>, %c: tensor<i64>) -> tensor<4xf32> {
  // expected-error @+1 {{'terra.random_uniform' op low must be finite, got NaN}}
  %0 = terra.random_uniform %k, %c low 0x7FF8000000000000 high 1.0 : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// An infinite bound would make draws infinite or NaN.
func.func @uniform_inf(%k: tensor<i64>, %c: tensor<i64>) -> tensor<4xf32> {
  // expected-error @+1 {{'terra.random_uniform' op high must be finite, got +Inf}}
  %0 = terra.random_uniform %k, %c low 0.0 high 0x7FF0000000000000 : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// A negative standard deviation.
func.func @normal_negative_std(%k: tensor<i64>, %c: tensor<i64>) -> tensor<4xf32> {
  // expected-error @+1 {{'terra.random_normal' op std -1.000000e+00 must be non-negative}}
  %0 = terra.random_normal %k, %c mean 0.0 std -1.0 : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// A NaN mean.
func.func @normal_nan_mean(%k: tensor<i64>, %c: tensor<i64>) -> tensor<4xf32> {
  // expected-error @+1 {{'terra.random_normal' op mean must be finite, got NaN}}
  %0 = terra.random_normal %k, %c mean 0x7FF8000000000000 std 1.0 : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// An infinite standard deviation.
func.func @normal_inf_std(%k: tensor<i64>, %c: tensor<i64>) -> tensor<4xf32> {
  // expected-error @+1 {{'terra.random_normal' op std must be finite, got +Inf}}
  %0 = terra.random_normal %k, %c mean 0.0 std 0x7FF0000000000000 : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// The key is a 64-bit scalar tensor.
func.func @uniform_i32_key(%k: tensor<i32>, %c: tensor<i64>) -> tensor<4xf32> {
  // expected-error @+1 {{'terra.random_uniform' op operand #0 must be 0D tensor of 64-bit signless integer values, but got 'tensor<i32>'}}
  %0 = "terra.random_uniform"(%k, %c) <{low = 0.0 : f64, high = 1.0 : f64}> : (tensor<i32>, tensor<i64>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// The key is a scalar, not a 1-element vector.
func.func @normal_rank1_key(%k: tensor<1xi64>, %c: tensor<i64>) -> tensor<4xf32> {
  // expected-error @+1 {{'terra.random_normal' op operand #0 must be 0D tensor of 64-bit signless integer values, but got 'tensor<1xi64>'}}
  %0 = "terra.random_normal"(%k, %c) <{mean = 0.0 : f64, std = 1.0 : f64}> : (tensor<1xi64>, tensor<i64>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// The counter is a 64-bit scalar tensor too.
func.func @bernoulli_counter(%k: tensor<i64>, %c: tensor<2xi64>, %p: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'terra.random_bernoulli' op operand #1 must be 0D tensor of 64-bit signless integer values, but got 'tensor<2xi64>'}}
  %0 = "terra.random_bernoulli"(%k, %c, %p) : (tensor<i64>, tensor<2xi64>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Random draws are floats.
func.func @uniform_int_result(%k: tensor<i64>, %c: tensor<i64>) -> tensor<4xi32> {
  // expected-error @+1 {{'terra.random_uniform' op result #0 must be ranked tensor of floating-point values, but got 'tensor<4xi32>'}}
  %0 = terra.random_uniform %k, %c low 0.0 high 1.0 : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// Bernoulli draws have the type of the probabilities.
func.func @bernoulli_shape(%k: tensor<i64>, %c: tensor<i64>, %p: tensor<4xf32>) -> tensor<5xf32> {
  // expected-error @+1 {{'terra.random_bernoulli' op failed to verify that all of {probs, result} have same type}}
  %0 = "terra.random_bernoulli"(%k, %c, %p) : (tensor<i64>, tensor<i64>, tensor<4xf32>) -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

// Bernoulli probabilities are floats.
func.func @bernoulli_bool_probs(%k: tensor<i64>, %c: tensor<i64>, %p: tensor<4xi1>) -> tensor<4xi1> {
  // expected-error @+1 {{'terra.random_bernoulli' op operand #2 must be ranked tensor of floating-point values, but got 'tensor<4xi1>'}}
  %0 = terra.random_bernoulli %k, %c, %p : tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

// Distribution parameters are f64 attributes.
func.func @uniform_f32_attr(%k: tensor<i64>, %c: tensor<i64>) -> tensor<4xf32> {
  // expected-error @+1 {{'terra.random_uniform' op attribute 'low' failed to satisfy constraint: 64-bit float attribute}}
  %0 = "terra.random_uniform"(%k, %c) <{low = 0.0 : f32, high = 1.0 : f64}> : (tensor<i64>, tensor<i64>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
