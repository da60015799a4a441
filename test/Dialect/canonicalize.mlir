// Every folder and canonicalisation pattern of the terra dialect, each with
// the cases where it must not fire.
// RUN: terra-opt %s -canonicalize -split-input-file | FileCheck %s

//===----------------------------------------------------------------------===//
// Unary involutions and idempotent ops
//===----------------------------------------------------------------------===//

// neg(neg(x)) is x.
// CHECK-LABEL: func @neg_neg
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK-NEXT: return %[[X]]
func.func @neg_neg(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = terra.neg %x : tensor<4xf32>
  %1 = terra.neg %0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// abs, relu are idempotent: the second application folds to the first.
// CHECK-LABEL: func @idempotent
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>, %[[Y:.*]]: tensor<4xi32>)
// CHECK-NEXT: %[[ABS:.*]] = terra.abs %[[X]]
// CHECK-NEXT: %[[RELU:.*]] = terra.relu %[[Y]]
// CHECK-NEXT: return %[[ABS]], %[[RELU]]
func.func @idempotent(%x: tensor<4xf32>, %y: tensor<4xi32>) -> (tensor<4xf32>, tensor<4xi32>) {
  %0 = terra.abs %x : tensor<4xf32>
  %1 = terra.abs %0 : tensor<4xf32>
  %2 = terra.relu %y : tensor<4xi32>
  %3 = terra.relu %2 : tensor<4xi32>
  return %1, %3 : tensor<4xf32>, tensor<4xi32>
}

// -----

// Negative: neg(x) is not idempotent, abs(neg(x)) and relu(abs(x)) stay.
// CHECK-LABEL: func @no_unary_fold
// CHECK-NEXT: terra.neg
// CHECK-NEXT: terra.abs
// CHECK-NEXT: terra.relu
// CHECK-NEXT: return
func.func @no_unary_fold(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = terra.neg %x : tensor<4xf32>
  %1 = terra.abs %0 : tensor<4xf32>
  %2 = terra.relu %1 : tensor<4xf32>
  return %2 : tensor<4xf32>
}

// -----

// log(exp(x)) is x.
// CHECK-LABEL: func @log_exp
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK-NEXT: return %[[X]]
func.func @log_exp(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = terra.exp %x : tensor<4xf32>
  %1 = terra.log %0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// Negative: exp(log(x)) is not x (log of a negative number is NaN).
// CHECK-LABEL: func @exp_log
// CHECK-NEXT: terra.log
// CHECK-NEXT: terra.exp
func.func @exp_log(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = terra.log %x : tensor<4xf32>
  %1 = terra.exp %0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}

//===----------------------------------------------------------------------===//
// Unary constant folding
//===----------------------------------------------------------------------===//

// -----

// neg, abs and relu of float constants; relu keeps NaN and maps -0.0 to 0.0.
// CHECK-LABEL: func @unary_const_float
// CHECK-DAG: %[[NEG:.*]] = terra.constant dense<[-1.000000e+00, 2.000000e+00, -0.000000e+00]> : tensor<3xf32>
// CHECK-DAG: %[[ABS:.*]] = terra.constant dense<[1.000000e+00, 2.000000e+00, 0.000000e+00]> : tensor<3xf32>
// CHECK-DAG: %[[RELU:.*]] = terra.constant dense<[1.000000e+00, 0.000000e+00, 0.000000e+00, 0x7FC00000]> : tensor<4xf32>
// CHECK-NOT: terra.neg
// CHECK-NOT: terra.abs
// CHECK-NOT: terra.relu
// CHECK: return %[[NEG]], %[[ABS]], %[[RELU]]
func.func @unary_const_float() -> (tensor<3xf32>, tensor<3xf32>, tensor<4xf32>) {
  %c = terra.constant dense<[1.0, -2.0, 0.0]> : tensor<3xf32>
  %0 = terra.neg %c : tensor<3xf32>
  %1 = terra.abs %c : tensor<3xf32>
  %r = terra.constant dense<[1.0, -2.0, -0.0, 0x7FC00000]> : tensor<4xf32>
  %2 = terra.relu %r : tensor<4xf32>
  return %0, %1, %2 : tensor<3xf32>, tensor<3xf32>, tensor<4xf32>
}

// -----

// neg, abs and relu of integer constants.
// CHECK-LABEL: func @unary_const_int
// CHECK-DAG: %[[NEG:.*]] = terra.constant dense<[-3, 4, 0]> : tensor<3xi32>
// CHECK-DAG: %[[ABS:.*]] = terra.constant dense<[3, 4, 0]> : tensor<3xi32>
// CHECK-DAG: %[[RELU:.*]] = terra.constant dense<[3, 0, 0]> : tensor<3xi32>
// CHECK: return %[[NEG]], %[[ABS]], %[[RELU]]
func.func @unary_const_int() -> (tensor<3xi32>, tensor<3xi32>, tensor<3xi32>) {
  %c = terra.constant dense<[3, -4, 0]> : tensor<3xi32>
  %0 = terra.neg %c : tensor<3xi32>
  %1 = terra.abs %c : tensor<3xi32>
  %2 = terra.relu %c : tensor<3xi32>
  return %0, %1, %2 : tensor<3xi32>, tensor<3xi32>, tensor<3xi32>
}

// -----

// exp, log, sqrt and rsqrt of f32 and f64 constants, rounded once.
// CHECK-LABEL: func @transcendental_const
// CHECK-DAG: terra.constant dense<[1.000000e+00, 2.71828175]> : tensor<2xf32>
// CHECK-DAG: terra.constant dense<[0.000000e+00, 1.38629436]> : tensor<2xf32>
// CHECK-DAG: terra.constant dense<[2.000000e+00, 1.41421354]> : tensor<2xf32>
// CHECK-DAG: terra.constant dense<[5.000000e-01, 0.70710678118654746]> : tensor<2xf64>
// CHECK-NOT: terra.exp
// CHECK-NOT: terra.log
// CHECK-NOT: terra.sqrt
// CHECK-NOT: terra.rsqrt
// CHECK: return
func.func @transcendental_const() -> (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf64>) {
  %c = terra.constant dense<[0.0, 1.0]> : tensor<2xf32>
  %0 = terra.exp %c : tensor<2xf32>
  %l = terra.constant dense<[1.0, 4.0]> : tensor<2xf32>
  %1 = terra.log %l : tensor<2xf32>
  %s = terra.constant dense<[4.0, 2.0]> : tensor<2xf32>
  %2 = terra.sqrt %s : tensor<2xf32>
  %d = terra.constant dense<[4.0, 2.0]> : tensor<2xf64>
  %3 = terra.rsqrt %d : tensor<2xf64>
  return %0, %1, %2, %3 : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf64>
}

// -----

// Negative: f16 transcendentals are not folded (no correctly rounded path),
// and ops without a folder (tanh, sigmoid, gelu, erf) keep constant inputs.
// CHECK-LABEL: func @transcendental_no_fold
// CHECK: terra.exp
// CHECK: terra.tanh
// CHECK: terra.sigmoid
// CHECK: terra.gelu
// CHECK: terra.erf
func.func @transcendental_no_fold() -> (tensor<2xf16>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) {
  %h = terra.constant dense<[0.0, 1.0]> : tensor<2xf16>
  %0 = terra.exp %h : tensor<2xf16>
  %c = terra.constant dense<[0.0, 1.0]> : tensor<2xf32>
  %1 = terra.tanh %c : tensor<2xf32>
  %2 = terra.sigmoid %c : tensor<2xf32>
  %3 = terra.gelu %c : tensor<2xf32>
  %4 = terra.erf %c : tensor<2xf32>
  return %0, %1, %2, %3, %4 : tensor<2xf16>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
}

//===----------------------------------------------------------------------===//
// Binary identities
//===----------------------------------------------------------------------===//

// -----

// x + (-0.0), x - (+0.0), x * 1 and x / 1 are x; integer x + 0 and x - 0 too.
// CHECK-LABEL: func @binary_identities
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>, %[[I:.*]]: tensor<4xi64>)
// CHECK-NOT: terra.add
// CHECK-NOT: terra.sub
// CHECK-NOT: terra.mul
// CHECK-NOT: terra.div
// CHECK: return %[[X]], %[[X]], %[[X]], %[[X]], %[[I]], %[[I]], %[[I]], %[[I]]
func.func @binary_identities(%x: tensor<4xf32>, %i: tensor<4xi64>)
    -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>,
        tensor<4xi64>, tensor<4xi64>, tensor<4xi64>, tensor<4xi64>) {
  %nz = terra.constant dense<-0.0> : tensor<4xf32>
  %pz = terra.constant dense<0.0> : tensor<4xf32>
  %one = terra.constant dense<1.0> : tensor<4xf32>
  %izero = terra.constant dense<0> : tensor<4xi64>
  %ione = terra.constant dense<1> : tensor<4xi64>
  %0 = terra.add %x, %nz : tensor<4xf32>
  %1 = terra.sub %x, %pz : tensor<4xf32>
  %2 = terra.mul %x, %one : tensor<4xf32>
  %3 = terra.div %x, %one : tensor<4xf32>
  %4 = terra.add %i, %izero : tensor<4xi64>
  %5 = terra.sub %i, %izero : tensor<4xi64>
  %6 = terra.mul %i, %ione : tensor<4xi64>
  %7 = terra.div %i, %ione : tensor<4xi64>
  return %0, %1, %2, %3, %4, %5, %6, %7
      : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>,
        tensor<4xi64>, tensor<4xi64>, tensor<4xi64>, tensor<4xi64>
}

// -----

// Commutative ops move the constant to the right first: 1 * x and -0.0 + x fold.
// CHECK-LABEL: func @commuted_identities
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK-NEXT: return %[[X]], %[[X]]
func.func @commuted_identities(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %nz = terra.constant dense<-0.0> : tensor<4xf32>
  %one = terra.constant dense<1.0> : tensor<4xf32>
  %0 = terra.mul %one, %x : tensor<4xf32>
  %1 = terra.add %nz, %x : tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

// -----

// Negative: x + (+0.0) is not x for x = -0.0, x - (-0.0) likewise; x * 0 is
// not 0 for NaN or infinity; 1 / x and 0 - x are not identities.
// CHECK-LABEL: func @binary_no_identity
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK-DAG: %[[PZ:.*]] = terra.constant dense<0.000000e+00>
// CHECK-DAG: %[[NZ:.*]] = terra.constant dense<-0.000000e+00>
// CHECK-DAG: %[[ONE:.*]] = terra.constant dense<1.000000e+00>
// CHECK: terra.add %[[X]], %[[PZ]]
// CHECK: terra.sub %[[X]], %[[NZ]]
// CHECK: terra.mul %[[X]], %[[PZ]]
// CHECK: terra.div %[[ONE]], %[[X]]
// CHECK: terra.sub %[[PZ]], %[[X]]
func.func @binary_no_identity(%x: tensor<4xf32>)
    -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %pz = terra.constant dense<0.0> : tensor<4xf32>
  %nz = terra.constant dense<-0.0> : tensor<4xf32>
  %one = terra.constant dense<1.0> : tensor<4xf32>
  %0 = terra.add %x, %pz : tensor<4xf32>
  %1 = terra.sub %x, %nz : tensor<4xf32>
  %2 = terra.mul %x, %pz : tensor<4xf32>
  %3 = terra.div %one, %x : tensor<4xf32>
  %4 = terra.sub %pz, %x : tensor<4xf32>
  return %0, %1, %2, %3, %4 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// maximum(x, x) and minimum(x, x) are x.
// CHECK-LABEL: func @max_min_same
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK-NEXT: return %[[X]], %[[X]]
func.func @max_min_same(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = terra.maximum %x, %x : tensor<4xf32>
  %1 = terra.minimum %x, %x : tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

// -----

// Negative: maximum(x, y) of distinct values stays.
// CHECK-LABEL: func @max_min_distinct
// CHECK: terra.maximum
// CHECK: terra.minimum
func.func @max_min_distinct(%x: tensor<4xf32>, %y: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = terra.maximum %x, %y : tensor<4xf32>
  %1 = terra.minimum %x, %y : tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

//===----------------------------------------------------------------------===//
// Binary constant folding
//===----------------------------------------------------------------------===//

// -----

// Float arithmetic on constants; maximum/minimum propagate NaN.
// CHECK-LABEL: func @binary_const_float
// CHECK-DAG: %[[ADD:.*]] = terra.constant dense<[4.000000e+00, 1.000000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[SUB:.*]] = terra.constant dense<[-2.000000e+00, -5.000000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[MUL:.*]] = terra.constant dense<[3.000000e+00, -6.000000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[DIV:.*]] = terra.constant dense<[0.333333343, -0.666666686]> : tensor<2xf32>
// CHECK-DAG: %[[MAX:.*]] = terra.constant dense<[3.000000e+00, 0x7FC00000]> : tensor<2xf32>
// CHECK-DAG: %[[MIN:.*]] = terra.constant dense<[1.000000e+00, 0x7FC00000]> : tensor<2xf32>
// CHECK: return %[[ADD]], %[[SUB]], %[[MUL]], %[[DIV]], %[[MAX]], %[[MIN]]
func.func @binary_const_float() -> (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) {
  %a = terra.constant dense<[1.0, -2.0]> : tensor<2xf32>
  %b = terra.constant dense<[3.0, 3.0]> : tensor<2xf32>
  %n = terra.constant dense<[3.0, 0x7FC00000]> : tensor<2xf32>
  %m = terra.constant dense<[1.0, 5.0]> : tensor<2xf32>
  %0 = terra.add %a, %b : tensor<2xf32>
  %1 = terra.sub %a, %b : tensor<2xf32>
  %2 = terra.mul %a, %b : tensor<2xf32>
  %3 = terra.div %a, %b : tensor<2xf32>
  %4 = terra.maximum %n, %m : tensor<2xf32>
  %5 = terra.minimum %n, %m : tensor<2xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
}

// -----

// Integer arithmetic on constants: division truncates toward zero,
// maximum/minimum compare signed.
// CHECK-LABEL: func @binary_const_int
// CHECK-DAG: %[[ADD:.*]] = terra.constant dense<[9, -5]> : tensor<2xi32>
// CHECK-DAG: %[[SUB:.*]] = terra.constant dense<[5, -9]> : tensor<2xi32>
// CHECK-DAG: %[[MUL:.*]] = terra.constant dense<[14, -14]> : tensor<2xi32>
// CHECK-DAG: %[[DIV:.*]] = terra.constant dense<[3, -3]> : tensor<2xi32>
// CHECK-DAG: %[[MAX:.*]] = terra.constant dense<[7, 2]> : tensor<2xi32>
// CHECK-DAG: %[[MIN:.*]] = terra.constant dense<[2, -7]> : tensor<2xi32>
// CHECK: return %[[ADD]], %[[SUB]], %[[MUL]], %[[DIV]], %[[MAX]], %[[MIN]]
func.func @binary_const_int() -> (tensor<2xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32>) {
  %a = terra.constant dense<[7, -7]> : tensor<2xi32>
  %b = terra.constant dense<2> : tensor<2xi32>
  %0 = terra.add %a, %b : tensor<2xi32>
  %1 = terra.sub %a, %b : tensor<2xi32>
  %2 = terra.mul %a, %b : tensor<2xi32>
  %3 = terra.div %a, %b : tensor<2xi32>
  %4 = terra.maximum %a, %b : tensor<2xi32>
  %5 = terra.minimum %a, %b : tensor<2xi32>
  return %0, %1, %2, %3, %4, %5 : tensor<2xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32>
}

// -----

// Boolean maximum is logical or and minimum logical and (false < true), as
// the lowering computes them, not a signed i1 comparison (true == -1).
// CHECK-LABEL: func @binary_const_bool
// CHECK-DAG: %[[MAX:.*]] = terra.constant dense<[true, true, true, false]> : tensor<4xi1>
// CHECK-DAG: %[[MIN:.*]] = terra.constant dense<[true, false, false, false]> : tensor<4xi1>
// CHECK: return %[[MAX]], %[[MIN]]
func.func @binary_const_bool() -> (tensor<4xi1>, tensor<4xi1>) {
  %a = terra.constant dense<[true, true, false, false]> : tensor<4xi1>
  %b = terra.constant dense<[true, false, true, false]> : tensor<4xi1>
  %0 = terra.maximum %a, %b : tensor<4xi1>
  %1 = terra.minimum %a, %b : tensor<4xi1>
  return %0, %1 : tensor<4xi1>, tensor<4xi1>
}

// -----

// relu of a boolean constant is the constant: true is not negative.
// CHECK-LABEL: func @relu_const_bool
// CHECK: %[[C:.*]] = terra.constant dense<[true, false]> : tensor<2xi1>
// CHECK-NOT: terra.relu
// CHECK: return %[[C]]
func.func @relu_const_bool() -> tensor<2xi1> {
  %a = terra.constant dense<[true, false]> : tensor<2xi1>
  %0 = terra.relu %a : tensor<2xi1>
  return %0 : tensor<2xi1>
}

// -----

// Negative: integer division by a zero constant is left for run time.
// CHECK-LABEL: func @int_div_by_zero
// CHECK: terra.div
func.func @int_div_by_zero() -> tensor<2xi32> {
  %a = terra.constant dense<[7, -7]> : tensor<2xi32>
  %z = terra.constant dense<[0, 1]> : tensor<2xi32>
  %0 = terra.div %a, %z : tensor<2xi32>
  return %0 : tensor<2xi32>
}

// -----

// Float division by zero folds to IEEE infinities.
// CHECK-LABEL: func @float_div_by_zero
// CHECK: %[[C:.*]] = terra.constant dense<[0x7F800000, 0xFF800000]> : tensor<2xf32>
// CHECK-NEXT: return %[[C]]
func.func @float_div_by_zero() -> tensor<2xf32> {
  %a = terra.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %z = terra.constant dense<0.0> : tensor<2xf32>
  %0 = terra.div %a, %z : tensor<2xf32>
  return %0 : tensor<2xf32>
}

//===----------------------------------------------------------------------===//
// pow canonicalisation
//===----------------------------------------------------------------------===//

// -----

// pow(x, 1) is x, pow(x, 2) is x * x, pow(x, 0.5) is sqrt(x).
// CHECK-LABEL: func @pow_special
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK-NOT: terra.pow
// CHECK-DAG: %[[SQ:.*]] = terra.mul %[[X]], %[[X]] : tensor<4xf32>
// CHECK-DAG: %[[RT:.*]] = terra.sqrt %[[X]] : tensor<4xf32>
// CHECK-NOT: terra.pow
// CHECK: return %[[X]], %[[SQ]], %[[RT]]
func.func @pow_special(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %one = terra.constant dense<1.0> : tensor<4xf32>
  %two = terra.constant dense<2.0> : tensor<4xf32>
  %half = terra.constant dense<0.5> : tensor<4xf32>
  %0 = terra.pow %x, %one : tensor<4xf32>
  %1 = terra.pow %x, %two : tensor<4xf32>
  %2 = terra.pow %x, %half : tensor<4xf32>
  return %0, %1, %2 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// Negative: other exponents, non-splat exponents, non-constant exponents and
// a constant base are left alone.
// CHECK-LABEL: func @pow_other
// CHECK-COUNT-4: terra.pow
// CHECK-NOT: terra.mul
// CHECK-NOT: terra.sqrt
func.func @pow_other(%x: tensor<2xf32>, %y: tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) {
  %three = terra.constant dense<3.0> : tensor<2xf32>
  %mixed = terra.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %0 = terra.pow %x, %three : tensor<2xf32>
  %1 = terra.pow %x, %mixed : tensor<2xf32>
  %2 = terra.pow %x, %y : tensor<2xf32>
  %3 = terra.pow %three, %x : tensor<2xf32>
  return %0, %1, %2, %3 : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
}

//===----------------------------------------------------------------------===//
// select, cast, constant
//===----------------------------------------------------------------------===//

// -----

// select with equal choices, or with a splat condition, picks a choice.
// CHECK-LABEL: func @select_fold
// CHECK-SAME: (%[[C:.*]]: tensor<4xi1>, %[[X:.*]]: tensor<4xf32>, %[[Y:.*]]: tensor<4xf32>)
// CHECK-NEXT: return %[[X]], %[[X]], %[[Y]]
func.func @select_fold(%c: tensor<4xi1>, %x: tensor<4xf32>, %y: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %t = terra.constant dense<true> : tensor<4xi1>
  %f = terra.constant dense<false> : tensor<4xi1>
  %0 = terra.select %c, %x, %x : tensor<4xi1>, tensor<4xf32>
  %1 = terra.select %t, %x, %y : tensor<4xi1>, tensor<4xf32>
  %2 = terra.select %f, %x, %y : tensor<4xi1>, tensor<4xf32>
  return %0, %1, %2 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// Negative: a non-splat constant or an unknown condition keeps the select.
// CHECK-LABEL: func @select_no_fold
// CHECK-COUNT-2: terra.select
func.func @select_no_fold(%c: tensor<2xi1>, %x: tensor<2xf32>, %y: tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>) {
  %m = terra.constant dense<[true, false]> : tensor<2xi1>
  %0 = terra.select %m, %x, %y : tensor<2xi1>, tensor<2xf32>
  %1 = terra.select %c, %x, %y : tensor<2xi1>, tensor<2xf32>
  return %0, %1 : tensor<2xf32>, tensor<2xf32>
}

// -----

// A cast to the same type folds; a real conversion stays.
// CHECK-LABEL: func @cast
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK-NEXT: %[[I:.*]] = terra.cast %[[X]] : tensor<4xf32> to tensor<4xi32>
// CHECK-NEXT: return %[[X]], %[[I]]
func.func @cast(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xi32>) {
  %0 = terra.cast %x : tensor<4xf32> to tensor<4xf32>
  %1 = terra.cast %x : tensor<4xf32> to tensor<4xi32>
  return %0, %1 : tensor<4xf32>, tensor<4xi32>
}

// -----

// Equal constants are uniqued; unused ones disappear.
// CHECK-LABEL: func @constant_cse
// CHECK-NEXT: %[[C:.*]] = terra.constant dense<2.000000e+00> : tensor<4xf32>
// CHECK-NEXT: return %[[C]], %[[C]]
func.func @constant_cse() -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = terra.constant dense<2.0> : tensor<4xf32>
  %1 = terra.constant dense<2.0> : tensor<4xf32>
  %2 = terra.constant dense<3.0> : tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

//===----------------------------------------------------------------------===//
// Shape ops
//===----------------------------------------------------------------------===//

// -----

// broadcast_to its own type folds; two broadcasts merge into one.
// CHECK-LABEL: func @broadcast
// CHECK-SAME: (%[[X:.*]]: tensor<3x1xf32>)
// CHECK-NEXT: %[[B:.*]] = terra.broadcast_to %[[X]] : tensor<3x1xf32> -> tensor<5x2x3x4xf32>
// CHECK-NEXT: return %[[X]], %[[B]]
func.func @broadcast(%x: tensor<3x1xf32>) -> (tensor<3x1xf32>, tensor<5x2x3x4xf32>) {
  %0 = terra.broadcast_to %x : tensor<3x1xf32> -> tensor<3x1xf32>
  %1 = terra.broadcast_to %x : tensor<3x1xf32> -> tensor<2x3x4xf32>
  %2 = terra.broadcast_to %1 : tensor<2x3x4xf32> -> tensor<5x2x3x4xf32>
  return %0, %2 : tensor<3x1xf32>, tensor<5x2x3x4xf32>
}

// -----

// Broadcasts merge through a dynamic intermediate size when the merged
// broadcast is valid (1 -> ? -> 7 is 1 -> 7).
// CHECK-LABEL: func @broadcast_merge_dynamic
// CHECK-SAME: (%[[X:.*]]: tensor<1xf32>)
// CHECK-NEXT: %[[B:.*]] = terra.broadcast_to %[[X]] : tensor<1xf32> -> tensor<7xf32>
// CHECK-NEXT: return %[[B]]
func.func @broadcast_merge_dynamic(%x: tensor<1xf32>) -> tensor<7xf32> {
  %0 = terra.broadcast_to %x : tensor<1xf32> -> tensor<?xf32>
  %1 = terra.broadcast_to %0 : tensor<?xf32> -> tensor<7xf32>
  return %1 : tensor<7xf32>
}

// -----

// Negative: 5 -> ? -> 7 verifies (and fails at run time), but the merged
// 5 -> 7 would not verify, so the broadcasts are not merged.
// CHECK-LABEL: func @broadcast_no_invalid_merge
// CHECK-NEXT: terra.broadcast_to %{{.*}} : tensor<5xf32> -> tensor<?xf32>
// CHECK-NEXT: terra.broadcast_to %{{.*}} : tensor<?xf32> -> tensor<7xf32>
func.func @broadcast_no_invalid_merge(%x: tensor<5xf32>) -> tensor<7xf32> {
  %0 = terra.broadcast_to %x : tensor<5xf32> -> tensor<?xf32>
  %1 = terra.broadcast_to %0 : tensor<?xf32> -> tensor<7xf32>
  return %1 : tensor<7xf32>
}

// -----

// A broadcast splat constant becomes a bigger splat; a non-splat does not.
// CHECK-LABEL: func @broadcast_const
// CHECK-DAG: %[[S:.*]] = terra.constant dense<1.500000e+00> : tensor<2x3xf32>
// CHECK-DAG: %[[V:.*]] = terra.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>
// CHECK: %[[B:.*]] = terra.broadcast_to %[[V]] : tensor<3xf32> -> tensor<2x3xf32>
// CHECK: return %[[S]], %[[B]]
func.func @broadcast_const() -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %s = terra.constant dense<1.5> : tensor<3xf32>
  %v = terra.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %0 = terra.broadcast_to %s : tensor<3xf32> -> tensor<2x3xf32>
  %1 = terra.broadcast_to %v : tensor<3xf32> -> tensor<2x3xf32>
  return %0, %1 : tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// Negative: a splat broadcast to a dynamic shape cannot become a constant.
// CHECK-LABEL: func @broadcast_const_dynamic
// CHECK: terra.broadcast_to %{{.*}} : tensor<3xf32> -> tensor<?x3xf32>
func.func @broadcast_const_dynamic() -> tensor<?x3xf32> {
  %s = terra.constant dense<1.5> : tensor<3xf32>
  %0 = terra.broadcast_to %s : tensor<3xf32> -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// -----

// reshape to its own type folds, two reshapes merge, a reshaped constant
// is a constant.
// CHECK-LABEL: func @reshape
// CHECK-SAME: (%[[X:.*]]: tensor<2x6xf32>)
// CHECK-DAG: %[[C:.*]] = terra.constant dense<{{\[}}[1, 2], [3, 4]]> : tensor<2x2xi32>
// CHECK-DAG: %[[R:.*]] = terra.reshape %[[X]] : tensor<2x6xf32> -> tensor<4x3xf32>
// CHECK: return %[[X]], %[[R]], %[[C]]
func.func @reshape(%x: tensor<2x6xf32>) -> (tensor<2x6xf32>, tensor<4x3xf32>, tensor<2x2xi32>) {
  %0 = terra.reshape %x : tensor<2x6xf32> -> tensor<2x6xf32>
  %1 = terra.reshape %x : tensor<2x6xf32> -> tensor<12xf32>
  %2 = terra.reshape %1 : tensor<12xf32> -> tensor<4x3xf32>
  %c = terra.constant dense<[1, 2, 3, 4]> : tensor<4xi32>
  %3 = terra.reshape %c : tensor<4xi32> -> tensor<2x2xi32>
  return %0, %2, %3 : tensor<2x6xf32>, tensor<4x3xf32>, tensor<2x2xi32>
}

// -----

// Negative: 12 -> ? -> 5 elements verifies (and fails at run time), but the
// merged reshape of 12 elements into 5 would not, so it is not formed.
// CHECK-LABEL: func @reshape_no_invalid_merge
// CHECK-NEXT: terra.reshape %{{.*}} : tensor<2x6xf32> -> tensor<?xf32>
// CHECK-NEXT: terra.reshape %{{.*}} : tensor<?xf32> -> tensor<5xf32>
func.func @reshape_no_invalid_merge(%x: tensor<2x6xf32>) -> tensor<5xf32> {
  %0 = terra.reshape %x : tensor<2x6xf32> -> tensor<?xf32>
  %1 = terra.reshape %0 : tensor<?xf32> -> tensor<5xf32>
  return %1 : tensor<5xf32>
}

// -----

// A reshape back to the original shape cancels out.
// CHECK-LABEL: func @reshape_roundtrip
// CHECK-SAME: (%[[X:.*]]: tensor<2x6xf32>)
// CHECK-NEXT: return %[[X]]
func.func @reshape_roundtrip(%x: tensor<2x6xf32>) -> tensor<2x6xf32> {
  %0 = terra.reshape %x : tensor<2x6xf32> -> tensor<3x4xf32>
  %1 = terra.reshape %0 : tensor<3x4xf32> -> tensor<2x6xf32>
  return %1 : tensor<2x6xf32>
}

// -----

// The identity permutation folds; two transposes compose into one, and
// into nothing when they cancel.
// CHECK-LABEL: func @transpose
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK-NEXT: %[[T:.*]] = terra.transpose %[[X]], [1, 2, 0] : tensor<2x3x4xf32> -> tensor<3x4x2xf32>
// CHECK-NEXT: return %[[X]], %[[T]], %[[X]]
func.func @transpose(%x: tensor<2x3x4xf32>) -> (tensor<2x3x4xf32>, tensor<3x4x2xf32>, tensor<2x3x4xf32>) {
  %0 = terra.transpose %x, [0, 1, 2] : tensor<2x3x4xf32> -> tensor<2x3x4xf32>
  // result dim i = x dim p1[p2[i]]: p1 = [1, 0, 2], p2 = [0, 2, 1] -> [1, 2, 0].
  %1 = terra.transpose %x, [1, 0, 2] : tensor<2x3x4xf32> -> tensor<3x2x4xf32>
  %2 = terra.transpose %1, [0, 2, 1] : tensor<3x2x4xf32> -> tensor<3x4x2xf32>
  %3 = terra.transpose %x, [2, 0, 1] : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
  %4 = terra.transpose %3, [1, 2, 0] : tensor<4x2x3xf32> -> tensor<2x3x4xf32>
  return %0, %2, %4 : tensor<2x3x4xf32>, tensor<3x4x2xf32>, tensor<2x3x4xf32>
}

// -----

// A slice of the whole tensor folds; a proper or strided slice stays.
// CHECK-LABEL: func @slice
// CHECK-SAME: (%[[X:.*]]: tensor<4x3xf32>)
// CHECK-NEXT: %[[S:.*]] = terra.slice %[[X]] [1, 0] [4, 3] [1, 1]
// CHECK-NEXT: %[[T:.*]] = terra.slice %[[X]] [0, 0] [4, 3] [2, 1]
// CHECK-NEXT: return %[[X]], %[[S]], %[[T]]
func.func @slice(%x: tensor<4x3xf32>) -> (tensor<4x3xf32>, tensor<3x3xf32>, tensor<2x3xf32>) {
  %0 = terra.slice %x [0, 0] [4, 3] [1, 1] : tensor<4x3xf32> -> tensor<4x3xf32>
  %1 = terra.slice %x [1, 0] [4, 3] [1, 1] : tensor<4x3xf32> -> tensor<3x3xf32>
  %2 = terra.slice %x [0, 0] [4, 3] [2, 1] : tensor<4x3xf32> -> tensor<2x3xf32>
  return %0, %1, %2 : tensor<4x3xf32>, tensor<3x3xf32>, tensor<2x3xf32>
}

// -----

// A concatenation of one tensor folds; of two it stays.
// CHECK-LABEL: func @concat
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT: %[[C:.*]] = terra.concat %[[X]], %[[X]] dim 0
// CHECK-NEXT: return %[[X]], %[[C]]
func.func @concat(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<4x3xf32>) {
  %0 = terra.concat %x dim 1 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = terra.concat %x, %x dim 0 : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  return %0, %1 : tensor<2x3xf32>, tensor<4x3xf32>
}

// -----

// Padding by nothing folds; any padding stays.
// CHECK-LABEL: func @pad
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT: %[[P:.*]] = terra.pad %[[X]] low [0, 0] high [0, 1]
// CHECK-NEXT: return %[[X]], %[[P]]
func.func @pad(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x4xf32>) {
  %0 = terra.pad %x low [0, 0] high [0, 0] value 1.0 : tensor<2x3xf32> -> tensor<2x3xf32>
  %1 = terra.pad %x low [0, 0] high [0, 1] value 1.0 : tensor<2x3xf32> -> tensor<2x4xf32>
  return %0, %1 : tensor<2x3xf32>, tensor<2x4xf32>
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

// -----

// A reduction over no axes is its input, for every reduction op.
// CHECK-LABEL: func @reduce_no_axes
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT: return %[[X]], %[[X]], %[[X]], %[[X]]
func.func @reduce_no_axes(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  %0 = terra.sum %x axes [] : tensor<2x3xf32> -> tensor<2x3xf32>
  %1 = terra.mean %x axes [] keepdim : tensor<2x3xf32> -> tensor<2x3xf32>
  %2 = terra.max %x axes [] : tensor<2x3xf32> -> tensor<2x3xf32>
  %3 = terra.min %x axes [] : tensor<2x3xf32> -> tensor<2x3xf32>
  return %0, %1, %2, %3 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// Negative: a reduction over a size-1 axis with keepdim keeps the type but
// is not folded, and argmax / softmax have no folder.
// CHECK-LABEL: func @reduce_no_fold
// CHECK: terra.sum
// CHECK: terra.argmax
// CHECK: terra.softmax
func.func @reduce_no_fold(%x: tensor<1x3xf32>) -> (tensor<1x3xf32>, tensor<3xi64>, tensor<1x3xf32>) {
  %0 = terra.sum %x axes [0] keepdim : tensor<1x3xf32> -> tensor<1x3xf32>
  %1 = terra.argmax %x axis 0 : tensor<1x3xf32> -> tensor<3xi64>
  %2 = terra.softmax %x axis 1 : tensor<1x3xf32>
  return %0, %1, %2 : tensor<1x3xf32>, tensor<3xi64>, tensor<1x3xf32>
}

// -----

// Folding composes: an elementwise chain on constants becomes one constant.
// CHECK-LABEL: func @fold_chain
// CHECK-NEXT: %[[C:.*]] = terra.constant dense<[4.000000e+00, 0.000000e+00]> : tensor<2xf32>
// CHECK-NEXT: return %[[C]]
func.func @fold_chain() -> tensor<2xf32> {
  %a = terra.constant dense<[2.0, -3.0]> : tensor<2xf32>
  %0 = terra.relu %a : tensor<2xf32>
  %1 = terra.mul %0, %0 : tensor<2xf32>
  %2 = terra.neg %1 : tensor<2xf32>
  %3 = terra.neg %2 : tensor<2xf32>
  return %3 : tensor<2xf32>
}

// -----

//===----------------------------------------------------------------------===//
// Transposes into matmul
//===----------------------------------------------------------------------===//

// x @ w.T reads w transposed: no transpose is materialised.
// CHECK-LABEL: func @matmul_transposed_rhs
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>, %[[W:.*]]: tensor<16x8xf32>)
// CHECK-NEXT: %[[R:.*]] = terra.matmul %[[X]], %[[W]] {transpose_rhs} : (tensor<4x8xf32>, tensor<16x8xf32>) -> tensor<4x16xf32>
// CHECK-NEXT: return %[[R]]
func.func @matmul_transposed_rhs(%x: tensor<4x8xf32>, %w: tensor<16x8xf32>) -> tensor<4x16xf32> {
  %t = terra.transpose %w, [1, 0] : tensor<16x8xf32> -> tensor<8x16xf32>
  %0 = terra.matmul %x, %t : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

// A transposed operand already read transposed is read plainly; batched
// operands fold too.
// CHECK-LABEL: func @matmul_transpose_toggles
// CHECK-SAME: (%[[A:.*]]: tensor<2x4x8xf32>, %[[B:.*]]: tensor<2x8x3xf32>)
// CHECK-NEXT: %[[R:.*]] = terra.matmul %[[A]], %[[B]] : (tensor<2x4x8xf32>, tensor<2x8x3xf32>) -> tensor<2x4x3xf32>
// CHECK-NEXT: return %[[R]]
func.func @matmul_transpose_toggles(%a: tensor<2x4x8xf32>, %b: tensor<2x8x3xf32>) -> tensor<2x4x3xf32> {
  %t = terra.transpose %a, [0, 2, 1] : tensor<2x4x8xf32> -> tensor<2x8x4xf32>
  %0 = terra.matmul %t, %b {transpose_lhs} : (tensor<2x8x4xf32>, tensor<2x8x3xf32>) -> tensor<2x4x3xf32>
  return %0 : tensor<2x4x3xf32>
}

// -----

// A permutation that moves a batch dimension is not a matrix transpose.
// CHECK-LABEL: func @matmul_batch_permutation_stays
// CHECK: terra.transpose
// CHECK: terra.matmul
func.func @matmul_batch_permutation_stays(%a: tensor<2x3x4xf32>, %b: tensor<3x4x5xf32>) -> tensor<3x2x5xf32> {
  %t = terra.transpose %a, [1, 0, 2] : tensor<2x3x4xf32> -> tensor<3x2x4xf32>
  %0 = terra.matmul %t, %b : (tensor<3x2x4xf32>, tensor<3x4x5xf32>) -> tensor<3x2x5xf32>
  return %0 : tensor<3x2x5xf32>
}

// -----

// (x^T g)^T is computed as g^T x: the product comes out in the layout its
// user reads.
// CHECK-LABEL: func @transpose_of_matmul
// CHECK-SAME: (%[[X:.*]]: tensor<64x784xf32>, %[[G:.*]]: tensor<64x256xf32>)
// CHECK-NEXT: %[[R:.*]] = terra.matmul %[[G]], %[[X]] {transpose_lhs} : (tensor<64x256xf32>, tensor<64x784xf32>) -> tensor<256x784xf32>
// CHECK-NEXT: return %[[R]]
func.func @transpose_of_matmul(%x: tensor<64x784xf32>, %g: tensor<64x256xf32>) -> tensor<256x784xf32> {
  %0 = terra.matmul %x, %g {transpose_lhs} : (tensor<64x784xf32>, tensor<64x256xf32>) -> tensor<784x256xf32>
  %1 = terra.transpose %0, [1, 0] : tensor<784x256xf32> -> tensor<256x784xf32>
  return %1 : tensor<256x784xf32>
}

// -----

// A product used elsewhere too is not computed twice.
// CHECK-LABEL: func @transpose_of_shared_matmul
// CHECK: terra.matmul
// CHECK: terra.transpose
// CHECK-NOT: terra.matmul
func.func @transpose_of_shared_matmul(%a: tensor<4x8xf32>, %b: tensor<8x3xf32>) -> (tensor<4x3xf32>, tensor<3x4xf32>) {
  %0 = terra.matmul %a, %b : (tensor<4x8xf32>, tensor<8x3xf32>) -> tensor<4x3xf32>
  %1 = terra.transpose %0, [1, 0] : tensor<4x3xf32> -> tensor<3x4xf32>
  return %0, %1 : tensor<4x3xf32>, tensor<3x4xf32>
}
