// RUN: terra-opt %s -terra-lower-to-nvvm="chip=sm_80" | FileCheck %s --check-prefix=HOST --implicit-check-not=llvm.intr.memcpy
// RUN: rm -rf %t && terra-opt %s -terra-lower-to-nvvm="chip=sm_80" | %python %S/../Utils/extract-ptx.py %t && cat %t/*.ptx | FileCheck %s --check-prefix=PTX --implicit-check-not=call.uni

// HOST-LABEL: llvm.func @random
// HOST-COUNT-3: gpu.launch_func
// Philox rounds: 32x32->64 multiplies, high halves and xors.
// PTX: .visible .entry random_kernel(
// PTX-DAG: mul.hi.u32
// PTX-DAG: xor.b32
// Box-Muller needs a square root.
// PTX-DAG: sqrt

func.func @random(%key: tensor<i64>, %counter: tensor<i64>, %p: tensor<64x32xf32>) -> (tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x32xf32>) {
  %0 = terra.random_uniform %key, %counter low 0.0 high 1.0 : tensor<64x32xf32>
  %1 = terra.random_normal %key, %counter mean 0.0 std 1.0 : tensor<64x32xf32>
  %2 = terra.random_bernoulli %key, %counter, %p : tensor<64x32xf32>
  return %0, %1, %2 : tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x32xf32>
}
