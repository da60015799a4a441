// RUN: terra-opt %s -convert-terra-to-linalg | FileCheck %s

// Float unary ops become one parallel linalg.generic each.
// CHECK-LABEL: func.func @unary_float
// CHECK: tensor.empty() : tensor<2x3xf32>
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]
// CHECK: arith.negf
// CHECK: math.absf
// CHECK: math.exp
// CHECK: math.tanh
// CHECK: math.log
// CHECK: math.sqrt
// CHECK: math.rsqrt
// CHECK: math.erf
// relu is x < 0 ? 0 : x (NaN and -0.0 pass through, as torch.relu).
// CHECK: %[[NEG:.*]] = arith.cmpf olt, %[[E:.*]], %{{.*}} : f32
// CHECK: arith.select %[[NEG]], %{{.*}}, %[[E]] : f32
func.func @unary_float(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = terra.neg %x : tensor<2x3xf32>
  %1 = terra.abs %0 : tensor<2x3xf32>
  %2 = terra.exp %1 : tensor<2x3xf32>
  %3 = terra.tanh %2 : tensor<2x3xf32>
  %4 = terra.log %3 : tensor<2x3xf32>
  %5 = terra.sqrt %4 : tensor<2x3xf32>
  %6 = terra.rsqrt %5 : tensor<2x3xf32>
  %7 = terra.erf %6 : tensor<2x3xf32>
  %8 = terra.relu %7 : tensor<2x3xf32>
  return %8 : tensor<2x3xf32>
}

// sigmoid is 1 / (1 + exp(-x)).
// CHECK-LABEL: func.func @sigmoid
// CHECK: arith.negf
// CHECK: math.exp
// CHECK: arith.addf
// CHECK: arith.divf
func.func @sigmoid(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = terra.sigmoid %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// Exact gelu uses erf(x / sqrt(2)); the tanh approximation uses tanh.
// CHECK-LABEL: func.func @gelu
// CHECK: arith.constant 0.707106
// CHECK: math.erf
// CHECK: math.tanh
func.func @gelu(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = terra.gelu %x : tensor<4xf32>
  %1 = terra.gelu %0 {approximate_tanh} : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// Float binary ops; maximum/minimum are the NaN-propagating arith ops.
// CHECK-LABEL: func.func @binary_float
// CHECK: arith.addf
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: arith.divf
// CHECK: math.powf
// CHECK: arith.maximumf
// CHECK: arith.minimumf
func.func @binary_float(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  %0 = terra.add %x, %y : tensor<4xf32>
  %1 = terra.sub %0, %y : tensor<4xf32>
  %2 = terra.mul %1, %y : tensor<4xf32>
  %3 = terra.div %2, %y : tensor<4xf32>
  %4 = terra.pow %3, %y : tensor<4xf32>
  %5 = terra.maximum %4, %y : tensor<4xf32>
  %6 = terra.minimum %5, %y : tensor<4xf32>
  return %6 : tensor<4xf32>
}

// An exponent known only at run time: the exponents PyTorch computes
// without pow() are selected by value, so compiled code gives the same
// bits as the eager kernel.
// CHECK-LABEL: func.func @pow_runtime_exponent
// CHECK: linalg.generic
// CHECK: %[[POW:.*]] = math.powf %[[X:.*]], %[[E:[a-z_0-9]*]]
// CHECK: %[[SQUARE:.*]] = arith.mulf %[[X]], %[[X]]
// CHECK: %[[ROOT:.*]] = math.sqrt %[[X]]
// CHECK: %[[CUBE:.*]] = arith.mulf %[[SQUARE]], %[[X]]
// CHECK: %[[IS1:.*]] = arith.cmpf oeq, %[[E]], %{{.*}}
// CHECK: %[[R1:.*]] = arith.select %[[IS1]], %[[X]], %[[POW]]
// CHECK: %[[IS2:.*]] = arith.cmpf oeq, %[[E]], %{{.*}}
// CHECK: %[[R2:.*]] = arith.select %[[IS2]], %[[SQUARE]], %[[R1]]
// CHECK: arith.select %{{.*}}, %[[CUBE]], %[[R2]]
// CHECK-COUNT-4: arith.select
// CHECK-NEXT: linalg.yield
func.func @pow_runtime_exponent(%x: tensor<4xf64>, %e: tensor<f64>) -> tensor<4xf64> {
  %b = terra.broadcast_to %e : tensor<f64> -> tensor<4xf64>
  %0 = terra.pow %x, %b : tensor<4xf64>
  return %0 : tensor<4xf64>
}

// Integer ops are signed; division truncates (divsi).
// CHECK-LABEL: func.func @binary_int
// CHECK: arith.addi
// CHECK: arith.subi
// CHECK: arith.muli
// CHECK: arith.divsi
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: math.absi
// CHECK: arith.maxsi
func.func @binary_int(%x: tensor<4xi64>, %y: tensor<4xi64>) -> tensor<4xi64> {
  %0 = terra.add %x, %y : tensor<4xi64>
  %1 = terra.sub %0, %y : tensor<4xi64>
  %2 = terra.mul %1, %y : tensor<4xi64>
  %3 = terra.div %2, %y : tensor<4xi64>
  %4 = terra.maximum %3, %y : tensor<4xi64>
  %5 = terra.minimum %4, %y : tensor<4xi64>
  %6 = terra.abs %5 : tensor<4xi64>
  %7 = terra.relu %6 : tensor<4xi64>
  return %7 : tensor<4xi64>
}

// Booleans: maximum is or, minimum is and, relu is the identity.
// CHECK-LABEL: func.func @binary_bool
// CHECK: arith.ori
// CHECK: arith.andi
// CHECK-NOT: arith.maxsi
// CHECK: return
func.func @binary_bool(%x: tensor<4xi1>, %y: tensor<4xi1>) -> tensor<4xi1> {
  %0 = terra.maximum %x, %y : tensor<4xi1>
  %1 = terra.minimum %0, %y : tensor<4xi1>
  %2 = terra.relu %1 : tensor<4xi1>
  return %2 : tensor<4xi1>
}

// Float compares are ordered except ne (une); select becomes arith.select.
// CHECK-LABEL: func.func @compare_select
// CHECK: arith.cmpf oeq
// CHECK: arith.cmpf une
// CHECK: arith.cmpf olt
// CHECK: arith.cmpf ole
// CHECK: arith.cmpf ogt
// CHECK: arith.cmpf oge
// CHECK: -> tensor<4xi1>
// CHECK: arith.select
func.func @compare_select(%x: tensor<4xf32>, %y: tensor<4xf32>) -> (tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xf32>) {
  %0 = terra.compare eq, %x, %y : tensor<4xf32>
  %1 = terra.compare ne, %x, %y : tensor<4xf32>
  %2 = terra.compare lt, %x, %y : tensor<4xf32>
  %3 = terra.compare le, %x, %y : tensor<4xf32>
  %4 = terra.compare gt, %x, %y : tensor<4xf32>
  %5 = terra.compare ge, %x, %y : tensor<4xf32>
  %6 = terra.select %5, %x, %y : tensor<4xi1>, tensor<4xf32>
  return %0, %1, %2, %3, %4, %6 : tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xf32>
}

// Integers compare signed, booleans unsigned.
// CHECK-LABEL: func.func @compare_int
// CHECK: arith.cmpi slt
// CHECK: arith.cmpi ugt
func.func @compare_int(%x: tensor<4xi64>, %y: tensor<4xi64>, %a: tensor<4xi1>, %b: tensor<4xi1>) -> (tensor<4xi1>, tensor<4xi1>) {
  %0 = terra.compare lt, %x, %y : tensor<4xi64>
  %1 = terra.compare gt, %a, %b : tensor<4xi1>
  return %0, %1 : tensor<4xi1>, tensor<4xi1>
}

// Casts with Tensor.to semantics.
// CHECK-LABEL: func.func @casts
// CHECK: arith.fptosi {{.*}} : f32 to i64
// CHECK: arith.sitofp {{.*}} : i64 to f32
// CHECK: arith.cmpf une
// CHECK: arith.uitofp {{.*}} : i1 to f32
// CHECK: arith.extui {{.*}} : i1 to i64
// CHECK: arith.cmpi ne
// CHECK: arith.extf {{.*}} : f32 to f64
// CHECK: arith.truncf {{.*}} : f64 to f16
func.func @casts(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xi64>, tensor<4xi1>, tensor<4xf16>) {
  %0 = terra.cast %x : tensor<4xf32> to tensor<4xi64>
  %1 = terra.cast %0 : tensor<4xi64> to tensor<4xf32>
  %2 = terra.cast %1 : tensor<4xf32> to tensor<4xi1>
  %3 = terra.cast %2 : tensor<4xi1> to tensor<4xf32>
  %4 = terra.cast %2 : tensor<4xi1> to tensor<4xi64>
  %5 = terra.cast %4 : tensor<4xi64> to tensor<4xi1>
  %6 = terra.cast %3 : tensor<4xf32> to tensor<4xf64>
  %7 = terra.cast %6 : tensor<4xf64> to tensor<4xf16>
  return %3, %4, %5, %7 : tensor<4xf32>, tensor<4xi64>, tensor<4xi1>, tensor<4xf16>
}

// bf16 and f16 have the same width: the cast goes through f32 instead of
// an invalid truncf bf16 -> f16.
// CHECK-LABEL: func.func @cast_bf16_f16
// CHECK: arith.extf {{.*}} : bf16 to f32
// CHECK: arith.truncf {{.*}} : f32 to f16
// CHECK: arith.extf {{.*}} : f16 to f32
// CHECK: arith.truncf {{.*}} : f32 to bf16
func.func @cast_bf16_f16(%x: tensor<4xbf16>) -> tensor<4xbf16> {
  %0 = terra.cast %x : tensor<4xbf16> to tensor<4xf16>
  %1 = terra.cast %0 : tensor<4xf16> to tensor<4xbf16>
  return %1 : tensor<4xbf16>
}

// A constant becomes arith.constant.
// CHECK-LABEL: func.func @constant
// CHECK: arith.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
func.func @constant() -> tensor<2xf32> {
  %0 = terra.constant dense<[1.0, 2.0]> : tensor<2xf32>
  return %0 : tensor<2xf32>
}

// Dynamic dims of elementwise ops are read from the operand.
// CHECK-LABEL: func.func @dynamic
// CHECK: %[[D:.*]] = tensor.dim %{{.*}}, %c0
// CHECK: tensor.empty(%[[D]]) : tensor<?x4xf32>
// CHECK: math.exp
func.func @dynamic(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %0 = terra.exp %x : tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}
