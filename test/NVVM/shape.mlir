// RUN: terra-opt %s -terra-lower-to-nvvm="chip=sm_80" | FileCheck %s --check-prefix=HOST --implicit-check-not=llvm.intr.memcpy
// RUN: rm -rf %t && terra-opt %s -terra-lower-to-nvvm="chip=sm_80" | %python %S/../Utils/extract-ptx.py %t && cat %t/*.ptx | FileCheck %s --check-prefix=PTX --implicit-check-not=call.uni

// HOST-LABEL: llvm.func @shape
// Copies (scatter_add's table, the reshape's output) are kernels too, never
// a host memcpy of device memory.
// HOST: gpu.launch_func
// PTX: .visible .entry shape_kernel(
// PTX: ld.global.b32
// PTX: st.global.b32

func.func @shape(%x: tensor<8x16xf32>, %y: tensor<8x4xf32>, %b: tensor<16xf32>, %ids: tensor<6xi64>, %table: tensor<32x16xf32>, %g: tensor<6x16xf32>) -> (tensor<2x8x16xf32>, tensor<16x8xf32>, tensor<4x8xf32>, tensor<8x20xf32>, tensor<10x19xf32>, tensor<6x16xf32>, tensor<32x16xf32>, tensor<128xf32>) {
  %0 = terra.broadcast_to %b : tensor<16xf32> -> tensor<2x8x16xf32>
  %1 = terra.transpose %x, [1, 0] : tensor<8x16xf32> -> tensor<16x8xf32>
  %2 = terra.slice %1 [0, 0] [16, 8] [4, 1] : tensor<16x8xf32> -> tensor<4x8xf32>
  %3 = terra.concat %x, %y dim 1 : (tensor<8x16xf32>, tensor<8x4xf32>) -> tensor<8x20xf32>
  %4 = terra.pad %x low [1, 2] high [1, 1] value 0.0 : tensor<8x16xf32> -> tensor<10x19xf32>
  %5 = terra.gather %table[%ids] axis 0 : (tensor<32x16xf32>, tensor<6xi64>) -> tensor<6x16xf32>
  %6 = terra.scatter_add %table[%ids], %g axis 0 : (tensor<32x16xf32>, tensor<6xi64>, tensor<6x16xf32>) -> tensor<32x16xf32>
  %7 = terra.reshape %x : tensor<8x16xf32> -> tensor<128xf32>
  return %0, %1, %2, %3, %4, %5, %6, %7 : tensor<2x8x16xf32>, tensor<16x8xf32>, tensor<4x8xf32>, tensor<8x20xf32>, tensor<10x19xf32>, tensor<6x16xf32>, tensor<32x16xf32>, tensor<128xf32>
}
