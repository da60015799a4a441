// RUN: terra-opt %s -terra-lower-to-nvvm="chip=sm_80" | FileCheck %s --check-prefix=HOST --implicit-check-not=llvm.intr.memcpy
// RUN: rm -rf %t && terra-opt %s -terra-lower-to-nvvm="chip=sm_80" | %python %S/../Utils/extract-ptx.py %t && cat %t/*.ptx | FileCheck %s --check-prefix=PTX --implicit-check-not=call.uni

// HOST-LABEL: llvm.func @contraction
// HOST-COUNT-5: gpu.launch_func
// PTX: .visible .entry contraction_kernel(
// PTX-DAG: mul.rn.f32
// PTX-DAG: add.rn.f32

func.func @contraction(%a: tensor<16x32xf32>, %b: tensor<32x8xf32>, %bt: tensor<8x32xf32>, %c: tensor<4x16x32xf32>, %d: tensor<4x32x8xf32>) -> (tensor<16x8xf32>, tensor<16x8xf32>, tensor<4x16x8xf32>) {
  %0 = terra.matmul %a, %b : (tensor<16x32xf32>, tensor<32x8xf32>) -> tensor<16x8xf32>
  %1 = terra.matmul %a, %bt {transpose_rhs} : (tensor<16x32xf32>, tensor<8x32xf32>) -> tensor<16x8xf32>
  %2 = terra.matmul %c, %d : (tensor<4x16x32xf32>, tensor<4x32x8xf32>) -> tensor<4x16x8xf32>
  return %0, %1, %2 : tensor<16x8xf32>, tensor<16x8xf32>, tensor<4x16x8xf32>
}
