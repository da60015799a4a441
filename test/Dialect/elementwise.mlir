// Round trip of every elementwise op through the custom assembly format, and
// through the generic form (which must parse back to the same custom form).
// RUN: terra-opt %s | terra-opt | FileCheck %s
// RUN: terra-opt %s -mlir-print-op-generic | terra-opt | FileCheck %s
// RUN: terra-opt %s -mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// Unary float ops.
// CHECK-LABEL: func @unary_float
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// GENERIC-LABEL: sym_name = "unary_float"
func.func @unary_float(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // CHECK-NEXT: %[[NEG:.*]] = terra.neg %[[X]] : tensor<2x3xf32>
  // GENERIC: "terra.neg"(%{{.*}}) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %0 = terra.neg %x : tensor<2x3xf32>
  // CHECK-NEXT: %[[ABS:.*]] = terra.abs %[[NEG]] : tensor<2x3xf32>
  %1 = terra.abs %0 : tensor<2x3xf32>
  // CHECK-NEXT: %[[EXP:.*]] = terra.exp %[[ABS]] : tensor<2x3xf32>
  %2 = terra.exp %1 : tensor<2x3xf32>
  // CHECK-NEXT: %[[LOG:.*]] = terra.log %[[EXP]] : tensor<2x3xf32>
  %3 = terra.log %2 : tensor<2x3xf32>
  // CHECK-NEXT: %[[SQRT:.*]] = terra.sqrt %[[LOG]] : tensor<2x3xf32>
  %4 = terra.sqrt %3 : tensor<2x3xf32>
  // CHECK-NEXT: %[[RSQRT:.*]] = terra.rsqrt %[[SQRT]] : tensor<2x3xf32>
  %5 = terra.rsqrt %4 : tensor<2x3xf32>
  // CHECK-NEXT: %[[TANH:.*]] = terra.tanh %[[RSQRT]] : tensor<2x3xf32>
  %6 = terra.tanh %5 : tensor<2x3xf32>
  // CHECK-NEXT: %[[SIG:.*]] = terra.sigmoid %[[TANH]] : tensor<2x3xf32>
  %7 = terra.sigmoid %6 : tensor<2x3xf32>
  // CHECK-NEXT: %[[RELU:.*]] = terra.relu %[[SIG]] : tensor<2x3xf32>
  %8 = terra.relu %7 : tensor<2x3xf32>
  // CHECK-NEXT: %[[GELU:.*]] = terra.gelu %[[RELU]] : tensor<2x3xf32>
  %9 = terra.gelu %8 : tensor<2x3xf32>
  // CHECK-NEXT: %[[GELUT:.*]] = terra.gelu %[[GELU]] {approximate_tanh} : tensor<2x3xf32>
  // GENERIC: "terra.gelu"(%{{.*}}) <{approximate_tanh}> : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %10 = terra.gelu %9 {approximate_tanh} : tensor<2x3xf32>
  // CHECK-NEXT: %[[ERF:.*]] = terra.erf %[[GELUT]] : tensor<2x3xf32>
  %11 = terra.erf %10 : tensor<2x3xf32>
  // CHECK-NEXT: return %[[ERF]]
  return %11 : tensor<2x3xf32>
}

// Unary ops that also accept integers, on other element types and ranks.
// CHECK-LABEL: func @unary_int
func.func @unary_int(%x: tensor<4xi32>, %y: tensor<f64>) -> (tensor<4xi32>, tensor<f64>) {
  // CHECK: terra.neg %{{.*}} : tensor<4xi32>
  %0 = terra.neg %x : tensor<4xi32>
  // CHECK: terra.abs %{{.*}} : tensor<4xi32>
  %1 = terra.abs %0 : tensor<4xi32>
  // CHECK: terra.relu %{{.*}} : tensor<4xi32>
  %2 = terra.relu %1 : tensor<4xi32>
  // CHECK: terra.exp %{{.*}} : tensor<f64>
  %3 = terra.exp %y : tensor<f64>
  return %2, %3 : tensor<4xi32>, tensor<f64>
}

// Dynamic dimensions are allowed everywhere.
// CHECK-LABEL: func @dynamic
func.func @dynamic(%x: tensor<?x8xbf16>) -> tensor<?x8xbf16> {
  // CHECK: terra.tanh %{{.*}} : tensor<?x8xbf16>
  %0 = terra.tanh %x : tensor<?x8xbf16>
  return %0 : tensor<?x8xbf16>
}

// Binary ops.
// CHECK-LABEL: func @binary
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>, %[[Y:.*]]: tensor<2x3xf32>)
// GENERIC-LABEL: sym_name = "binary"
func.func @binary(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // CHECK-NEXT: %[[ADD:.*]] = terra.add %[[X]], %[[Y]] : tensor<2x3xf32>
  // GENERIC: "terra.add"(%{{.*}}, %{{.*}}) : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %0 = terra.add %x, %y : tensor<2x3xf32>
  // CHECK-NEXT: %[[SUB:.*]] = terra.sub %[[ADD]], %[[Y]] : tensor<2x3xf32>
  %1 = terra.sub %0, %y : tensor<2x3xf32>
  // CHECK-NEXT: %[[MUL:.*]] = terra.mul %[[SUB]], %[[X]] : tensor<2x3xf32>
  %2 = terra.mul %1, %x : tensor<2x3xf32>
  // CHECK-NEXT: %[[DIV:.*]] = terra.div %[[MUL]], %[[Y]] : tensor<2x3xf32>
  %3 = terra.div %2, %y : tensor<2x3xf32>
  // CHECK-NEXT: %[[POW:.*]] = terra.pow %[[DIV]], %[[X]] : tensor<2x3xf32>
  %4 = terra.pow %3, %x : tensor<2x3xf32>
  // CHECK-NEXT: %[[MAX:.*]] = terra.maximum %[[POW]], %[[Y]] : tensor<2x3xf32>
  %5 = terra.maximum %4, %y : tensor<2x3xf32>
  // CHECK-NEXT: %[[MIN:.*]] = terra.minimum %[[MAX]], %[[X]] : tensor<2x3xf32>
  %6 = terra.minimum %5, %x : tensor<2x3xf32>
  // CHECK-NEXT: return %[[MIN]]
  return %6 : tensor<2x3xf32>
}

// Integer binary ops.
// CHECK-LABEL: func @binary_int
func.func @binary_int(%x: tensor<8xi64>, %y: tensor<8xi64>) -> tensor<8xi64> {
  // CHECK: terra.add %{{.*}}, %{{.*}} : tensor<8xi64>
  %0 = terra.add %x, %y : tensor<8xi64>
  // CHECK: terra.div %{{.*}}, %{{.*}} : tensor<8xi64>
  %1 = terra.div %0, %y : tensor<8xi64>
  // CHECK: terra.maximum %{{.*}}, %{{.*}} : tensor<8xi64>
  %2 = terra.maximum %1, %x : tensor<8xi64>
  return %2 : tensor<8xi64>
}

// Every comparison direction, select and cast.
// CHECK-LABEL: func @compare_select_cast
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>, %[[Y:.*]]: tensor<4xf32>)
// GENERIC-LABEL: sym_name = "compare_select_cast"
func.func @compare_select_cast(%x: tensor<4xf32>, %y: tensor<4xf32>)
    -> (tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>,
        tensor<4xf32>, tensor<4xi64>, tensor<4xf32>, tensor<4xi1>) {
  // CHECK: %[[EQ:.*]] = terra.compare eq, %[[X]], %[[Y]] : tensor<4xf32>
  // GENERIC: "terra.compare"(%{{.*}}, %{{.*}}) <{direction = 0 : i32}> : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  %eq = terra.compare eq, %x, %y : tensor<4xf32>
  // CHECK: terra.compare ne, %[[X]], %[[Y]] : tensor<4xf32>
  %ne = terra.compare ne, %x, %y : tensor<4xf32>
  // CHECK: terra.compare lt, %[[X]], %[[Y]] : tensor<4xf32>
  %lt = terra.compare lt, %x, %y : tensor<4xf32>
  // CHECK: terra.compare le, %[[X]], %[[Y]] : tensor<4xf32>
  %le = terra.compare le, %x, %y : tensor<4xf32>
  // CHECK: terra.compare gt, %[[X]], %[[Y]] : tensor<4xf32>
  %gt = terra.compare gt, %x, %y : tensor<4xf32>
  // CHECK: %[[GE:.*]] = terra.compare ge, %[[X]], %[[Y]] : tensor<4xf32>
  %ge = terra.compare ge, %x, %y : tensor<4xf32>
  // CHECK: %[[SEL:.*]] = terra.select %[[GE]], %[[X]], %[[Y]] : tensor<4xi1>, tensor<4xf32>
  %sel = terra.select %ge, %x, %y : tensor<4xi1>, tensor<4xf32>
  // CHECK: %[[I:.*]] = terra.cast %[[SEL]] : tensor<4xf32> to tensor<4xi64>
  %i = terra.cast %sel : tensor<4xf32> to tensor<4xi64>
  // CHECK: terra.cast %[[I]] : tensor<4xi64> to tensor<4xf32>
  %f = terra.cast %i : tensor<4xi64> to tensor<4xf32>
  // CHECK: terra.cast %[[X]] : tensor<4xf32> to tensor<4xi1>
  %b = terra.cast %x : tensor<4xf32> to tensor<4xi1>
  return %eq, %ne, %lt, %le, %gt, %sel, %i, %f, %b
      : tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>,
        tensor<4xf32>, tensor<4xi64>, tensor<4xf32>, tensor<4xi1>
}

// Comparison on integers; select on integer and boolean values.
// CHECK-LABEL: func @compare_int
func.func @compare_int(%x: tensor<2x2xi32>, %m: tensor<2x2xi1>) -> (tensor<2x2xi32>, tensor<2x2xi1>) {
  // CHECK: %[[C:.*]] = terra.compare lt, %{{.*}}, %{{.*}} : tensor<2x2xi32>
  %c = terra.compare lt, %x, %x : tensor<2x2xi32>
  // CHECK: terra.select %[[C]], %{{.*}}, %{{.*}} : tensor<2x2xi1>, tensor<2x2xi32>
  %s = terra.select %c, %x, %x : tensor<2x2xi1>, tensor<2x2xi32>
  // CHECK: terra.select %[[C]], %{{.*}}, %{{.*}} : tensor<2x2xi1>, tensor<2x2xi1>
  %t = terra.select %c, %m, %c : tensor<2x2xi1>, tensor<2x2xi1>
  return %s, %t : tensor<2x2xi32>, tensor<2x2xi1>
}
