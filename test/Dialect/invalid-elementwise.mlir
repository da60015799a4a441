// Verifier errors of the elementwise ops.
// RUN: terra-opt %s -split-input-file -verify-diagnostics

// Operands of a binary op must have identical shapes (no implicit broadcast).
func.func @add_shape_mismatch(%x: tensor<2x3xf32>, %y: tensor<3x2xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'terra.add' op all non-scalar operands/results must have the same shape and base type}}
  %0 = "terra.add"(%x, %y) : (tensor<2x3xf32>, tensor<3x2xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Operands of a binary op must have the same rank.
func.func @sub_rank_mismatch(%x: tensor<2x3xf32>, %y: tensor<2x3x1xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'terra.sub' op all non-scalar operands/results must have the same shape and base type}}
  %0 = "terra.sub"(%x, %y) : (tensor<2x3xf32>, tensor<2x3x1xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// The custom syntax names one type for both operands.
// expected-note @+1 {{prior use here}}
func.func @add_custom_mismatch(%x: tensor<2x3xf32>, %y: tensor<3x2xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{use of value '%y' expects different type than prior uses: 'tensor<2x3xf32>' vs 'tensor<3x2xf32>'}}
  %0 = terra.add %x, %y : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Operands of a binary op must have the same element type.
func.func @mul_element_type_mismatch(%x: tensor<2x3xf32>, %y: tensor<2x3xf64>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'terra.mul' op requires the same type for all operands and results}}
  %0 = "terra.mul"(%x, %y) : (tensor<2x3xf32>, tensor<2x3xf64>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// The result element type must match the operands'.
func.func @div_result_type(%x: tensor<4xi32>) -> tensor<4xi64> {
  // expected-error @+1 {{'terra.div' op requires the same type for all operands and results}}
  %0 = "terra.div"(%x, %x) : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi64>
  return %0 : tensor<4xi64>
}

// -----

// A unary op keeps the shape of its input.
func.func @neg_result_shape(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error @+1 {{'terra.neg' op all non-scalar operands/results must have the same shape and base type}}
  %0 = "terra.neg"(%x) : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// Transcendental ops take floats only.
func.func @exp_int(%x: tensor<4xi32>) -> tensor<4xi32> {
  // expected-error @+1 {{'terra.exp' op operand #0 must be ranked tensor of floating-point values, but got 'tensor<4xi32>'}}
  %0 = terra.exp %x : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// pow takes floats only.
func.func @pow_int(%x: tensor<4xi32>) -> tensor<4xi32> {
  // expected-error @+1 {{'terra.pow' op operand #0 must be ranked tensor of floating-point values, but got 'tensor<4xi32>'}}
  %0 = terra.pow %x, %x : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// Unranked tensors are rejected.
func.func @tanh_unranked(%x: tensor<*xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{custom op 'terra.tanh' invalid kind of type specified: expected builtin.tensor, but found 'tensor<*xf32>'}}
  %0 = terra.tanh %x : tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// Unranked tensors are rejected in the generic form too.
func.func @sigmoid_unranked(%x: tensor<*xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'terra.sigmoid' op operand #0 must be ranked tensor of floating-point values, but got 'tensor<*xf32>'}}
  %0 = "terra.sigmoid"(%x) : (tensor<*xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// Vectors are not terra values.
func.func @relu_vector(%x: vector<4xf32>) -> vector<4xf32> {
  // expected-error @+1 {{'terra.relu' op operand #0 must be ranked tensor of floating-point or signless integer values, but got 'vector<4xf32>'}}
  %0 = "terra.relu"(%x) : (vector<4xf32>) -> vector<4xf32>
  return %0 : vector<4xf32>
}

// -----

// gelu's approximate_tanh is a unit attribute.
func.func @gelu_bad_flag(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'terra.gelu' op attribute 'approximate_tanh' failed to satisfy constraint: unit attribute}}
  %0 = terra.gelu %x {approximate_tanh = 1 : i32} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Both sides of a comparison have the same type.
func.func @compare_type_mismatch(%x: tensor<4xf32>, %y: tensor<4xf16>) -> tensor<4xi1> {
  // expected-error @+1 {{'terra.compare' op requires all operands to have the same type}}
  %0 = "terra.compare"(%x, %y) <{direction = 2 : i32}> : (tensor<4xf32>, tensor<4xf16>) -> tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

// Both sides of a comparison have the same shape.
func.func @compare_shape_mismatch(%x: tensor<4xf32>, %y: tensor<5xf32>) -> tensor<4xi1> {
  // expected-error @+1 {{'terra.compare' op all non-scalar operands/results must have the same shape and base type}}
  %0 = "terra.compare"(%x, %y) <{direction = 2 : i32}> : (tensor<4xf32>, tensor<5xf32>) -> tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

// A comparison yields booleans.
func.func @compare_result_type(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'terra.compare' op result #0 must be ranked tensor of 1-bit signless integer values, but got 'tensor<4xf32>'}}
  %0 = "terra.compare"(%x, %x) <{direction = 2 : i32}> : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// A comparison keeps the shape of its operands.
func.func @compare_result_shape(%x: tensor<4xf32>) -> tensor<2x2xi1> {
  // expected-error @+1 {{'terra.compare' op all non-scalar operands/results must have the same shape and base type}}
  %0 = "terra.compare"(%x, %x) <{direction = 2 : i32}> : (tensor<4xf32>, tensor<4xf32>) -> tensor<2x2xi1>
  return %0 : tensor<2x2xi1>
}

// -----

// Unknown comparison direction in the custom syntax.
func.func @compare_bad_direction(%x: tensor<4xf32>) -> tensor<4xi1> {
  // expected-error @+1 {{custom op 'terra.compare' expected string or keyword containing one of the following enum values for attribute 'direction' [eq, ne, lt, le, gt, ge]}}
  %0 = terra.compare foo, %x, %x : tensor<4xf32>
  return %0 : tensor<4xi1>
}

// -----

// Out-of-range comparison direction in the generic syntax.
func.func @compare_bad_direction_value(%x: tensor<4xf32>) -> tensor<4xi1> {
  // expected-error @+1 {{invalid properties {direction = 9 : i32} for op terra.compare: Invalid attribute `direction` in property conversion: 9 : i32}}
  %0 = "terra.compare"(%x, %x) <{direction = 9 : i32}> : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

// The two choices of a select have the same type.
func.func @select_type_mismatch(%c: tensor<4xi1>, %x: tensor<4xf32>, %y: tensor<4xf16>) -> tensor<4xf32> {
  // expected-error @+1 {{'terra.select' op failed to verify that all of {on_true, on_false, result} have same type}}
  %0 = "terra.select"(%c, %x, %y) : (tensor<4xi1>, tensor<4xf32>, tensor<4xf16>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// The condition of a select has the shape of the choices.
func.func @select_condition_shape(%c: tensor<3xi1>, %x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'terra.select' op failed to verify that all of {condition, on_true} have same shape}}
  %0 = terra.select %c, %x, %x : tensor<3xi1>, tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// The condition of a select is boolean.
func.func @select_condition_type(%c: tensor<4xi32>, %x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'terra.select' op operand #0 must be ranked tensor of 1-bit signless integer values, but got 'tensor<4xi32>'}}
  %0 = terra.select %c, %x, %x : tensor<4xi32>, tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// cast changes the element type only, never the shape.
func.func @cast_shape(%x: tensor<4xf32>) -> tensor<5xi32> {
  // expected-error @+1 {{'terra.cast' op all non-scalar operands/results must have the same shape and base type}}
  %0 = terra.cast %x : tensor<4xf32> to tensor<5xi32>
  return %0 : tensor<5xi32>
}

// -----

// The remaining float-only unary ops reject integers too.
func.func @log_int(%x: tensor<4xi64>) -> tensor<4xi64> {
  // expected-error @+1 {{'terra.log' op operand #0 must be ranked tensor of floating-point values, but got 'tensor<4xi64>'}}
  %0 = terra.log %x : tensor<4xi64>
  return %0 : tensor<4xi64>
}

// -----

func.func @sqrt_int(%x: tensor<4xi32>) -> tensor<4xi32> {
  // expected-error @+1 {{'terra.sqrt' op operand #0 must be ranked tensor of floating-point values, but got 'tensor<4xi32>'}}
  %0 = terra.sqrt %x : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

func.func @rsqrt_int(%x: tensor<4xi32>) -> tensor<4xi32> {
  // expected-error @+1 {{'terra.rsqrt' op operand #0 must be ranked tensor of floating-point values, but got 'tensor<4xi32>'}}
  %0 = terra.rsqrt %x : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

func.func @erf_int(%x: tensor<4xi32>) -> tensor<4xi32> {
  // expected-error @+1 {{'terra.erf' op operand #0 must be ranked tensor of floating-point values, but got 'tensor<4xi32>'}}
  %0 = terra.erf %x : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// abs keeps its input type.
func.func @abs_result_type(%x: tensor<4xf32>) -> tensor<4xf64> {
  // expected-error @+1 {{'terra.abs' op requires the same type for all operands and results}}
  %0 = "terra.abs"(%x) : (tensor<4xf32>) -> tensor<4xf64>
  return %0 : tensor<4xf64>
}

// -----

// maximum and minimum have no implicit broadcasting either.
func.func @maximum_shape_mismatch(%x: tensor<4xf32>, %y: tensor<1xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'terra.maximum' op all non-scalar operands/results must have the same shape and base type}}
  %0 = "terra.maximum"(%x, %y) : (tensor<4xf32>, tensor<1xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @minimum_element_type(%x: tensor<4xi32>, %y: tensor<4xi64>) -> tensor<4xi32> {
  // expected-error @+1 {{'terra.minimum' op requires the same type for all operands and results}}
  %0 = "terra.minimum"(%x, %y) : (tensor<4xi32>, tensor<4xi64>) -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// Arithmetic on booleans is not defined (PyTorch rejects bool - bool and
// sums bools into int64): the frontend casts first.
func.func @add_bool(%x: tensor<4xi1>) -> tensor<4xi1> {
  // expected-error @+1 {{'terra.add' op operand #0 must be ranked tensor of floating-point or 8/16/32/64-bit signless integer values, but got 'tensor<4xi1>'}}
  %0 = terra.add %x, %x : tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

func.func @neg_bool(%x: tensor<4xi1>) -> tensor<4xi1> {
  // expected-error @+1 {{'terra.neg' op operand #0 must be ranked tensor of floating-point or 8/16/32/64-bit signless integer values, but got 'tensor<4xi1>'}}
  %0 = terra.neg %x : tensor<4xi1>
  return %0 : tensor<4xi1>
}
