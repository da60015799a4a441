// Verifier errors of terra.constant and the shape ops. Ops that infer their
// result type report the specific problem, then that inference failed.
// RUN: terra-opt %s -split-input-file -verify-diagnostics

// A constant needs an elements attribute.
func.func @constant_scalar_attr() -> tensor<2xf32> {
  // expected-error @+1 {{custom op 'terra.constant' invalid kind of attribute specified}}
  %0 = terra.constant 1.0 : f32
  return %0 : tensor<2xf32>
}

// -----

// The result type of a constant is the type of its value.
func.func @constant_type_mismatch() -> tensor<3xf32> {
  // expected-error @+1 {{'terra.constant' op failed to verify that all of {value, result} have same type}}
  %0 = "terra.constant"() <{value = dense<1.0> : tensor<2xf32>}> : () -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// Constants are tensors, not vectors.
func.func @constant_vector() -> vector<2xf32> {
  // expected-error @+1 {{'terra.constant' op result #0 must be ranked tensor of any type values, but got 'vector<2xf32>'}}
  %0 = terra.constant dense<1.0> : vector<2xf32>
  return %0 : vector<2xf32>
}

// -----

// A dimension that is neither 1 nor the target size cannot broadcast.
func.func @broadcast_bad_dim(%x: tensor<3x2xf32>) -> tensor<2x3x4xf32> {
  // expected-error @+1 {{'terra.broadcast_to' op input dimension 1 of size 2 cannot be broadcast to size 4}}
  %0 = terra.broadcast_to %x : tensor<3x2xf32> -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// Broadcasting never drops dimensions.
func.func @broadcast_lower_rank(%x: tensor<2x3x4xf32>) -> tensor<3x4xf32> {
  // expected-error @+1 {{'terra.broadcast_to' op cannot broadcast a tensor of rank 3 to the lower rank 2}}
  %0 = terra.broadcast_to %x : tensor<2x3x4xf32> -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// Broadcasting keeps the element type.
func.func @broadcast_element_type(%x: tensor<3xf32>) -> tensor<2x3xf64> {
  // expected-error @+1 {{'terra.broadcast_to' op element type 'f32' differs from the result's 'f64'}}
  %0 = terra.broadcast_to %x : tensor<3xf32> -> tensor<2x3xf64>
  return %0 : tensor<2x3xf64>
}

// -----

// A reshape keeps the number of elements.
func.func @reshape_count(%x: tensor<2x6xf32>) -> tensor<5xf32> {
  // expected-error @+1 {{'terra.reshape' op cannot reshape 12 elements into 5}}
  %0 = terra.reshape %x : tensor<2x6xf32> -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

// A reshape keeps the element type.
func.func @reshape_element_type(%x: tensor<2x6xf32>) -> tensor<12xi32> {
  // expected-error @+1 {{'terra.reshape' op element type 'f32' differs from the result's 'i32'}}
  %0 = terra.reshape %x : tensor<2x6xf32> -> tensor<12xi32>
  return %0 : tensor<12xi32>
}

// -----

// At most one result dimension may be inferred (like one -1 in torch.reshape).
func.func @reshape_two_dynamic(%x: tensor<?x6xf32>) -> tensor<?x?xf32> {
  // expected-error @+1 {{'terra.reshape' op result may have at most one dynamic dimension}}
  %0 = terra.reshape %x : tensor<?x6xf32> -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// A static input must split evenly over the static result dimensions.
func.func @reshape_dynamic_result_count(%x: tensor<2x6xf32>) -> tensor<?x5xf32> {
  // expected-error @+1 {{'terra.reshape' op cannot reshape 'tensor<2x6xf32>' into 'tensor<?x5xf32>': 12 elements are not a multiple of 5}}
  %0 = terra.reshape %x : tensor<2x6xf32> -> tensor<?x5xf32>
  return %0 : tensor<?x5xf32>
}

// -----

// A static result must be a multiple of the static input dimensions.
func.func @reshape_dynamic_input_count(%x: tensor<?x4xf32>) -> tensor<6xf32> {
  // expected-error @+1 {{'terra.reshape' op cannot reshape 'tensor<?x4xf32>' into 'tensor<6xf32>': 6 elements are not a multiple of 4}}
  %0 = terra.reshape %x : tensor<?x4xf32> -> tensor<6xf32>
  return %0 : tensor<6xf32>
}

// -----

// A non-empty tensor cannot be reshaped into an empty one.
func.func @reshape_into_empty(%x: tensor<2x6xf32>) -> tensor<?x0xf32> {
  // expected-error @+1 {{'terra.reshape' op cannot reshape 'tensor<2x6xf32>' into 'tensor<?x0xf32>': 12 elements are not a multiple of 0}}
  %0 = terra.reshape %x : tensor<2x6xf32> -> tensor<?x0xf32>
  return %0 : tensor<?x0xf32>
}

// -----

// A permutation may not repeat a dimension.
func.func @transpose_duplicate(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error @+2 {{'terra.transpose' op permutation is not a permutation of [0, 2)}}
  // expected-error @+1 {{'terra.transpose' op failed to infer returned types}}
  %0 = terra.transpose %x, [1, 1] : tensor<2x3xf32> -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// A permutation entry must name a dimension of the input.
func.func @transpose_out_of_range(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error @+2 {{'terra.transpose' op permutation is not a permutation of [0, 2)}}
  // expected-error @+1 {{'terra.transpose' op failed to infer returned types}}
  %0 = terra.transpose %x, [1, 2] : tensor<2x3xf32> -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// Negative permutation entries are rejected.
func.func @transpose_negative(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error @+2 {{'terra.transpose' op permutation is not a permutation of [0, 2)}}
  // expected-error @+1 {{'terra.transpose' op failed to infer returned types}}
  %0 = terra.transpose %x, [-1, 0] : tensor<2x3xf32> -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// A permutation has one entry per dimension.
func.func @transpose_length(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error @+2 {{'terra.transpose' op permutation has 3 entries for a tensor of rank 2}}
  // expected-error @+1 {{'terra.transpose' op failed to infer returned types}}
  %0 = terra.transpose %x, [1, 0, 2] : tensor<2x3xf32> -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// The result type must be the permuted input type.
func.func @transpose_result(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+2 {{'terra.transpose' op inferred type(s) 'tensor<3x2xf32>' are incompatible with return type(s) of operation 'tensor<2x3xf32>'}}
  // expected-error @+1 {{'terra.transpose' op failed to infer returned types}}
  %0 = terra.transpose %x, [1, 0] : tensor<2x3xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// A slice limit beyond the dimension size.
func.func @slice_limit(%x: tensor<4x3xf32>) -> tensor<2x2xf32> {
  // expected-error @+2 {{'terra.slice' op range [0, 5) of dimension 0 does not fit in size 4}}
  // expected-error @+1 {{'terra.slice' op failed to infer returned types}}
  %0 = terra.slice %x [0, 1] [5, 3] [2, 1] : tensor<4x3xf32> -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

// A slice start after its limit.
func.func @slice_inverted(%x: tensor<4x3xf32>) -> tensor<2x2xf32> {
  // expected-error @+2 {{'terra.slice' op start 2 of dimension 1 exceeds its limit 1}}
  // expected-error @+1 {{'terra.slice' op failed to infer returned types}}
  %0 = terra.slice %x [0, 2] [4, 1] [2, 1] : tensor<4x3xf32> -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

// A negative slice start (Python's negative indices are normalised before).
func.func @slice_negative_start(%x: tensor<4x3xf32>) -> tensor<2x2xf32> {
  // expected-error @+2 {{'terra.slice' op start -1 of dimension 0 is negative}}
  // expected-error @+1 {{'terra.slice' op failed to infer returned types}}
  %0 = terra.slice %x [-1, 1] [4, 3] [2, 1] : tensor<4x3xf32> -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

// A zero slice stride.
func.func @slice_zero_stride(%x: tensor<4x3xf32>) -> tensor<2x2xf32> {
  // expected-error @+2 {{'terra.slice' op stride 0 of dimension 0 is not positive}}
  // expected-error @+1 {{'terra.slice' op failed to infer returned types}}
  %0 = terra.slice %x [0, 1] [4, 3] [0, 1] : tensor<4x3xf32> -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

// A negative slice stride.
func.func @slice_negative_stride(%x: tensor<4x3xf32>) -> tensor<2x2xf32> {
  // expected-error @+2 {{'terra.slice' op stride -1 of dimension 1 is not positive}}
  // expected-error @+1 {{'terra.slice' op failed to infer returned types}}
  %0 = terra.slice %x [0, 1] [4, 3] [1, -1] : tensor<4x3xf32> -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

// One start, limit and stride per dimension.
func.func @slice_arity(%x: tensor<4x3xf32>) -> tensor<2x2xf32> {
  // expected-error @+2 {{'terra.slice' op needs one start, limit and stride per dimension (rank 2)}}
  // expected-error @+1 {{'terra.slice' op failed to infer returned types}}
  %0 = terra.slice %x [0] [4, 3] [2, 1] : tensor<4x3xf32> -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

// The result size is ceil((limit - start) / stride).
func.func @slice_result(%x: tensor<4x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+2 {{'terra.slice' op inferred type(s) 'tensor<2x2xf32>' are incompatible with return type(s) of operation 'tensor<2x3xf32>'}}
  // expected-error @+1 {{'terra.slice' op failed to infer returned types}}
  %0 = terra.slice %x [0, 1] [4, 3] [2, 1] : tensor<4x3xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// The concat axis must be a dimension of the inputs.
func.func @concat_axis(%x: tensor<2x3xf32>, %y: tensor<2x1xf32>) -> tensor<2x4xf32> {
  // expected-error @+2 {{'terra.concat' op axis 2 is out of range for a tensor of rank 2}}
  // expected-error @+1 {{'terra.concat' op failed to infer returned types}}
  %0 = terra.concat %x, %y dim 2 : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// Negative axes are normalised before they reach the dialect.
func.func @concat_negative_axis(%x: tensor<2x3xf32>, %y: tensor<2x1xf32>) -> tensor<2x4xf32> {
  // expected-error @+2 {{'terra.concat' op axis -1 is out of range for a tensor of rank 2}}
  // expected-error @+1 {{'terra.concat' op failed to infer returned types}}
  %0 = terra.concat %x, %y dim -1 : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// Inputs agree on every dimension but the concat axis.
func.func @concat_size(%x: tensor<2x3xf32>, %y: tensor<2x1xf32>) -> tensor<4x3xf32> {
  // expected-error @+2 {{'terra.concat' op input 1 has size 1 in dimension 1, expected 3}}
  // expected-error @+1 {{'terra.concat' op failed to infer returned types}}
  %0 = terra.concat %x, %y dim 0 : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

// Inputs have the same rank.
func.func @concat_rank(%x: tensor<2x3xf32>, %y: tensor<2xf32>) -> tensor<4x3xf32> {
  // expected-error @+2 {{'terra.concat' op input 1 has rank 1, expected 2}}
  // expected-error @+1 {{'terra.concat' op failed to infer returned types}}
  %0 = terra.concat %x, %y dim 0 : (tensor<2x3xf32>, tensor<2xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

// Inputs have the same element type.
func.func @concat_element_type(%x: tensor<2x3xf32>, %y: tensor<2x1xi32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'terra.concat' op requires the same element type for all operands}}
  %0 = terra.concat %x, %y dim 1 : (tensor<2x3xf32>, tensor<2x1xi32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// A concatenation of nothing.
func.func @concat_empty() -> tensor<2x4xf32> {
  // expected-error @+1 {{'terra.concat' op expected 1 or more operands, but found 0}}
  %0 = terra.concat dim 1 : () -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// The result size along the axis is the sum of the inputs'.
func.func @concat_result(%x: tensor<2x3xf32>, %y: tensor<2x1xf32>) -> tensor<2x5xf32> {
  // expected-error @+2 {{'terra.concat' op inferred type(s) 'tensor<2x4xf32>' are incompatible with return type(s) of operation 'tensor<2x5xf32>'}}
  // expected-error @+1 {{'terra.concat' op failed to infer returned types}}
  %0 = terra.concat %x, %y dim 1 : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

// Negative padding (cropping) is not a pad.
func.func @pad_negative(%x: tensor<2x3xf32>) -> tensor<2x6xf32> {
  // expected-error @+2 {{'terra.pad' op padding of dimension 1 is negative}}
  // expected-error @+1 {{'terra.pad' op failed to infer returned types}}
  %0 = terra.pad %x low [0, -1] high [0, 2] value 0.0 : tensor<2x3xf32> -> tensor<2x6xf32>
  return %0 : tensor<2x6xf32>
}

// -----

// One low and one high padding per dimension.
func.func @pad_arity(%x: tensor<2x3xf32>) -> tensor<2x6xf32> {
  // expected-error @+2 {{'terra.pad' op needs one low and one high padding per dimension (rank 2)}}
  // expected-error @+1 {{'terra.pad' op failed to infer returned types}}
  %0 = terra.pad %x low [1] high [0, 2] value 0.0 : tensor<2x3xf32> -> tensor<2x6xf32>
  return %0 : tensor<2x6xf32>
}

// -----

// The padded result type.
func.func @pad_result(%x: tensor<2x3xf32>) -> tensor<2x7xf32> {
  // expected-error @+2 {{'terra.pad' op inferred type(s) 'tensor<2x6xf32>' are incompatible with return type(s) of operation 'tensor<2x7xf32>'}}
  // expected-error @+1 {{'terra.pad' op failed to infer returned types}}
  %0 = terra.pad %x low [0, 1] high [0, 2] value 0.0 : tensor<2x3xf32> -> tensor<2x7xf32>
  return %0 : tensor<2x7xf32>
}

// -----

// Gather indices are integers.
func.func @gather_float_indices(%t: tensor<100x16xf32>, %i: tensor<4xf32>) -> tensor<4x16xf32> {
  // expected-error @+1 {{'terra.gather' op operand #1 must be ranked tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<4xf32>'}}
  %0 = terra.gather %t[%i] axis 0 : (tensor<100x16xf32>, tensor<4xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

// Gather indices are i32 or i64.
func.func @gather_i16_indices(%t: tensor<100x16xf32>, %i: tensor<4xi16>) -> tensor<4x16xf32> {
  // expected-error @+1 {{'terra.gather' op operand #1 must be ranked tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<4xi16>'}}
  %0 = terra.gather %t[%i] axis 0 : (tensor<100x16xf32>, tensor<4xi16>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

// The gather axis must be a dimension of the input.
func.func @gather_axis(%t: tensor<100x16xf32>, %i: tensor<4xi64>) -> tensor<4x16xf32> {
  // expected-error @+2 {{'terra.gather' op axis 2 is out of range for a tensor of rank 2}}
  // expected-error @+1 {{'terra.gather' op failed to infer returned types}}
  %0 = terra.gather %t[%i] axis 2 : (tensor<100x16xf32>, tensor<4xi64>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

// The gathered shape replaces the axis by the index shape.
func.func @gather_result(%t: tensor<100x16xf32>, %i: tensor<4xi64>) -> tensor<16x4xf32> {
  // expected-error @+2 {{'terra.gather' op inferred type(s) 'tensor<4x16xf32>' are incompatible with return type(s) of operation 'tensor<16x4xf32>'}}
  // expected-error @+1 {{'terra.gather' op failed to infer returned types}}
  %0 = terra.gather %t[%i] axis 0 : (tensor<100x16xf32>, tensor<4xi64>) -> tensor<16x4xf32>
  return %0 : tensor<16x4xf32>
}

// -----

// scatter_add updates have the gathered shape.
func.func @scatter_updates_shape(%t: tensor<100x16xf32>, %i: tensor<4xi64>, %u: tensor<4x8xf32>) -> tensor<100x16xf32> {
  // expected-error @+1 {{'terra.scatter_add' op updates of type 'tensor<4x8xf32>' do not match the gathered shape 'tensor<4x16xf32>'}}
  %0 = terra.scatter_add %t[%i], %u axis 0 : (tensor<100x16xf32>, tensor<4xi64>, tensor<4x8xf32>) -> tensor<100x16xf32>
  return %0 : tensor<100x16xf32>
}

// -----

// scatter_add updates have the input's element type.
func.func @scatter_updates_type(%t: tensor<100x16xf32>, %i: tensor<4xi64>, %u: tensor<4x16xf64>) -> tensor<100x16xf32> {
  // expected-error @+1 {{'terra.scatter_add' op updates have element type 'f64', expected 'f32'}}
  %0 = terra.scatter_add %t[%i], %u axis 0 : (tensor<100x16xf32>, tensor<4xi64>, tensor<4x16xf64>) -> tensor<100x16xf32>
  return %0 : tensor<100x16xf32>
}

// -----

// The scatter_add axis must be a dimension of the input.
func.func @scatter_axis(%t: tensor<100x16xf32>, %i: tensor<4xi64>, %u: tensor<4x16xf32>) -> tensor<100x16xf32> {
  // expected-error @+1 {{'terra.scatter_add' op axis 3 is out of range for a tensor of rank 2}}
  %0 = terra.scatter_add %t[%i], %u axis 3 : (tensor<100x16xf32>, tensor<4xi64>, tensor<4x16xf32>) -> tensor<100x16xf32>
  return %0 : tensor<100x16xf32>
}

// -----

// scatter_add indices are integers.
func.func @scatter_float_indices(%t: tensor<100x16xf32>, %i: tensor<4xf32>, %u: tensor<4x16xf32>) -> tensor<100x16xf32> {
  // expected-error @+1 {{'terra.scatter_add' op operand #1 must be ranked tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<4xf32>'}}
  %0 = terra.scatter_add %t[%i], %u axis 0 : (tensor<100x16xf32>, tensor<4xf32>, tensor<4x16xf32>) -> tensor<100x16xf32>
  return %0 : tensor<100x16xf32>
}

// -----

// scatter_add returns the type of its input.
func.func @scatter_result(%t: tensor<100x16xf32>, %i: tensor<4xi64>, %u: tensor<4x16xf32>) -> tensor<100x8xf32> {
  // expected-error @+1 {{'terra.scatter_add' op failed to verify that all of {input, result} have same type}}
  %0 = terra.scatter_add %t[%i], %u axis 0 : (tensor<100x16xf32>, tensor<4xi64>, tensor<4x16xf32>) -> tensor<100x8xf32>
  return %0 : tensor<100x8xf32>
}

// -----

// An integer tensor cannot be padded with a fraction.
func.func @pad_fraction_on_int(%x: tensor<2xi32>) -> tensor<4xi32> {
  // expected-error @+2 {{'terra.pad' op padding value 5.000000e-01 is not a value of element type 'i32'}}
  // expected-error @+1 {{'terra.pad' op failed to infer returned types}}
  %0 = terra.pad %x low [1] high [1] value 0.5 : tensor<2xi32> -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// Booleans pad with 0 or 1 only.
func.func @pad_two_on_bool(%x: tensor<2xi1>) -> tensor<4xi1> {
  // expected-error @+2 {{'terra.pad' op padding value 2.000000e+00 is not a value of element type 'i1'}}
  // expected-error @+1 {{'terra.pad' op failed to infer returned types}}
  %0 = terra.pad %x low [1] high [1] value 2.0 : tensor<2xi1> -> tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

// One size per dynamic result dimension, or none.
func.func @broadcast_to_sizes_count(%x: tensor<1xf32>, %n: index) -> tensor<?x?xf32> {
  // expected-error @+1 {{'terra.broadcast_to' op has 1 sizes for 2 dynamic result dimensions}}
  %0 = terra.broadcast_to %x sizes(%n) : tensor<1xf32> -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// Two dynamic result dimensions need their sizes.
func.func @reshape_two_dynamic(%x: tensor<?x16xf32>) -> tensor<?x?x16xf32> {
  // expected-error @+1 {{'terra.reshape' op result may have at most one dynamic dimension without sizes}}
  %0 = terra.reshape %x : tensor<?x16xf32> -> tensor<?x?x16xf32>
  return %0 : tensor<?x?x16xf32>
}

// -----

func.func @reshape_sizes_count(%x: tensor<?x16xf32>, %n: index) -> tensor<?x?x16xf32> {
  // expected-error @+1 {{'terra.reshape' op has 1 sizes for 2 dynamic result dimensions}}
  %0 = terra.reshape %x sizes(%n) : tensor<?x16xf32> -> tensor<?x?x16xf32>
  return %0 : tensor<?x?x16xf32>
}

// -----

// A dynamic limit takes a whole dynamic dimension only.
func.func @slice_dynamic_limit(%x: tensor<4x?xf32>) -> tensor<4x?xf32> {
  // expected-error @+2 {{'terra.slice' op a dynamic limit takes the whole of a dynamic dimension (start 0, stride 1); dimension 1 is not one}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = terra.slice %x [0, 1] [4, -9223372036854775808] [1, 1] : tensor<4x?xf32> -> tensor<4x?xf32>
  return %0 : tensor<4x?xf32>
}
