// RUN: terra-opt %s -convert-terra-to-linalg | FileCheck %s

// random_uniform: a generic over the result with no inputs; each element
// runs Philox-4x32-10 (10 rounds of two 32x32->64 multiplies) on
// counter + row-major index under the key, then scales the top 24 bits.
// CHECK-LABEL: func.func @uniform
// CHECK: %[[KEY:.*]] = tensor.extract %{{.*}}[] : tensor<i64>
// CHECK: %[[CTR:.*]] = tensor.extract %{{.*}}[] : tensor<i64>
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<2x3xf32>)
// CHECK: linalg.index 0
// CHECK: linalg.index 1
// CHECK: arith.addi %[[CTR]]
// CHECK: arith.shrui %[[KEY]]
// CHECK-DAG: arith.constant -766435501 : i32
// CHECK-DAG: arith.constant -845247145 : i32
// CHECK-DAG: arith.constant -1640531527 : i32
// CHECK-DAG: arith.constant -1150833019 : i32
// CHECK-COUNT-20: arith.mului_extended
// CHECK-NOT: arith.mului_extended
// CHECK: arith.shrui %{{.*}}, %c8_i32
// CHECK: arith.uitofp %{{.*}} : i32 to f32
// CHECK: arith.constant 5.96046448E-8 : f32
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: linalg.yield
func.func @uniform(%k: tensor<i64>, %c: tensor<i64>) -> tensor<2x3xf32> {
  %0 = terra.random_uniform %k, %c low -1.0 high 1.0 : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// random_normal: Box-Muller of u1 (shifted by one ulp, in (0, 1]) and u2.
// CHECK-LABEL: func.func @normal
// CHECK: linalg.generic
// CHECK: arith.addi %{{.*}}, %c1_i32
// CHECK: math.log
// CHECK: math.sqrt
// CHECK: arith.constant 6.28318548 : f32
// CHECK: math.cos
func.func @normal(%k: tensor<i64>, %c: tensor<i64>) -> tensor<4xf32> {
  %0 = terra.random_normal %k, %c mean 0.0 std 1.0 : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// f16 results are computed in f32 (f16 cannot hold 2^24) and rounded.
// CHECK-LABEL: func.func @uniform_f16
// CHECK: arith.uitofp %{{.*}} : i32 to f32
// CHECK: arith.truncf %{{.*}} : f32 to f16
// CHECK: linalg.yield %{{.*}} : f16
func.func @uniform_f16(%k: tensor<i64>, %c: tensor<i64>) -> tensor<4xf16> {
  %0 = terra.random_uniform %k, %c low 0.0 high 1.0 : tensor<4xf16>
  return %0 : tensor<4xf16>
}

// random_bernoulli compares the uniform draw with the probability operand.
// CHECK-LABEL: func.func @bernoulli
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<4xf32>) outs(%{{.*}} : tensor<4xf32>)
// CHECK: ^bb0(%[[P:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[HIT:.*]] = arith.cmpf olt, %{{.*}}, %[[P]] : f32
// CHECK: arith.uitofp %[[HIT]] : i1 to f32
func.func @bernoulli(%k: tensor<i64>, %c: tensor<i64>, %p: tensor<4xf32>) -> tensor<4xf32> {
  %0 = terra.random_bernoulli %k, %c, %p : tensor<4xf32>
  return %0 : tensor<4xf32>
}
