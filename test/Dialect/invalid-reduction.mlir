// Verifier errors of the reductions, argmax and softmax. Ops that infer their
// result type report the specific problem, then that inference failed.
// RUN: terra-opt %s -split-input-file -verify-diagnostics

// A reduction axis past the last dimension.
func.func @sum_axis_out_of_range(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error @+2 {{'terra.sum' op axis 2 is out of range for a tensor of rank 2}}
  // expected-error @+1 {{'terra.sum' op failed to infer returned types}}
  %0 = terra.sum %x axes [2] : tensor<2x3xf32> -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// Negative axes are normalised before they reach the dialect.
func.func @mean_negative_axis(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error @+2 {{'terra.mean' op axis -1 is out of range for a tensor of rank 2}}
  // expected-error @+1 {{'terra.mean' op failed to infer returned types}}
  %0 = terra.mean %x axes [-1] : tensor<2x3xf32> -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// An axis listed twice.
func.func @max_duplicate_axis(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error @+2 {{'terra.max' op axis 1 appears twice}}
  // expected-error @+1 {{'terra.max' op failed to infer returned types}}
  %0 = terra.max %x axes [1, 1] : tensor<2x3xf32> -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// The result drops the reduced dimension, not another one.
func.func @min_wrong_result(%x: tensor<2x3xf32>) -> tensor<3xf32> {
  // expected-error @+2 {{'terra.min' op inferred type(s) 'tensor<2xf32>' are incompatible with return type(s) of operation 'tensor<3xf32>'}}
  // expected-error @+1 {{'terra.min' op failed to infer returned types}}
  %0 = terra.min %x axes [1] : tensor<2x3xf32> -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// keepdim keeps the reduced dimension with size 1.
func.func @sum_keepdim_result(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error @+2 {{'terra.sum' op inferred type(s) 'tensor<2x1xf32>' are incompatible with return type(s) of operation 'tensor<2xf32>'}}
  // expected-error @+1 {{'terra.sum' op failed to infer returned types}}
  %0 = terra.sum %x axes [1] keepdim : tensor<2x3xf32> -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// A reduction keeps the element type (no implicit accumulation type).
func.func @sum_element_type(%x: tensor<2x3xf32>) -> tensor<2xf64> {
  // expected-error @+1 {{'terra.sum' op requires the same element type for all operands and results}}
  %0 = terra.sum %x axes [1] : tensor<2x3xf32> -> tensor<2xf64>
  return %0 : tensor<2xf64>
}

// -----

// mean is defined for floats only.
func.func @mean_int(%x: tensor<2x3xi32>) -> tensor<2xi32> {
  // expected-error @+1 {{'terra.mean' op operand #0 must be ranked tensor of floating-point values, but got 'tensor<2x3xi32>'}}
  %0 = terra.mean %x axes [1] : tensor<2x3xi32> -> tensor<2xi32>
  return %0 : tensor<2xi32>
}

// -----

// The argmax axis must be a dimension of the input.
func.func @argmax_axis(%x: tensor<2x3xf32>) -> tensor<2xi64> {
  // expected-error @+2 {{'terra.argmax' op axis 2 is out of range for a tensor of rank 2}}
  // expected-error @+1 {{'terra.argmax' op failed to infer returned types}}
  %0 = terra.argmax %x axis 2 : tensor<2x3xf32> -> tensor<2xi64>
  return %0 : tensor<2xi64>
}

// -----

// argmax yields i64 indices.
func.func @argmax_i32(%x: tensor<2x3xf32>) -> tensor<2xi32> {
  // expected-error @+1 {{'terra.argmax' op result #0 must be ranked tensor of 64-bit signless integer values, but got 'tensor<2xi32>'}}
  %0 = terra.argmax %x axis 1 : tensor<2x3xf32> -> tensor<2xi32>
  return %0 : tensor<2xi32>
}

// -----

// argmax with keepdim keeps the axis as size 1.
func.func @argmax_keepdim(%x: tensor<2x3xf32>) -> tensor<2xi64> {
  // expected-error @+2 {{'terra.argmax' op inferred type(s) 'tensor<2x1xi64>' are incompatible with return type(s) of operation 'tensor<2xi64>'}}
  // expected-error @+1 {{'terra.argmax' op failed to infer returned types}}
  %0 = terra.argmax %x axis 1 keepdim : tensor<2x3xf32> -> tensor<2xi64>
  return %0 : tensor<2xi64>
}

// -----

// The softmax axis must be a dimension of the input.
func.func @softmax_axis(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'terra.softmax' op axis 2 is out of range for a tensor of rank 2}}
  %0 = terra.softmax %x axis 2 : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// log_softmax rejects negative axes too.
func.func @log_softmax_negative_axis(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'terra.log_softmax' op axis -1 is out of range for a tensor of rank 2}}
  %0 = terra.log_softmax %x axis -1 : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// softmax is defined for floats only.
func.func @softmax_int(%x: tensor<2x3xi32>) -> tensor<2x3xi32> {
  // expected-error @+1 {{'terra.softmax' op operand #0 must be ranked tensor of floating-point values, but got 'tensor<2x3xi32>'}}
  %0 = terra.softmax %x axis 1 : tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}

// -----

// softmax keeps the input type.
func.func @softmax_result(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error @+1 {{'terra.softmax' op requires the same type for all operands and results}}
  %0 = "terra.softmax"(%x) <{axis = 1 : i64}> : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// A sum of booleans would count modulo 2 in i1; torch.sum gives int64, so
// the frontend casts first.
func.func @sum_bool(%x: tensor<2x3xi1>) -> tensor<2xi1> {
  // expected-error @+1 {{'terra.sum' op operand #0 must be ranked tensor of floating-point or 8/16/32/64-bit signless integer values, but got 'tensor<2x3xi1>'}}
  %0 = terra.sum %x axes [1] : tensor<2x3xi1> -> tensor<2xi1>
  return %0 : tensor<2xi1>
}
