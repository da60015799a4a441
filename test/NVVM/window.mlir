// RUN: terra-opt %s -terra-lower-to-nvvm="chip=sm_80" | FileCheck %s --check-prefix=HOST --implicit-check-not=llvm.intr.memcpy
// RUN: rm -rf %t && terra-opt %s -terra-lower-to-nvvm="chip=sm_80" | %python %S/../Utils/extract-ptx.py %t && cat %t/*.ptx | FileCheck %s --check-prefix=PTX --implicit-check-not=call.uni

// HOST-LABEL: llvm.func @window
// HOST-COUNT-24: gpu.launch_func
// PTX: .visible .entry window_kernel(
// PTX-DAG: mul.rn.f32
// PTX-DAG: add.rn.f32
// max_pool2d takes the NaN-propagating maximum.
// PTX-DAG: max.NaN.f32

func.func @window(%x: tensor<2x4x8x8xf32>, %w: tensor<6x2x3x3xf32>, %dy: tensor<2x6x4x4xf32>, %py: tensor<2x4x4x4xf32>) -> (tensor<2x6x4x4xf32>, tensor<2x4x8x8xf32>, tensor<6x2x3x3xf32>, tensor<2x4x4x4xf32>, tensor<2x4x8x8xf32>, tensor<2x4x4x4xf32>, tensor<2x4x8x8xf32>) {
  %0 = terra.conv2d %x, %w stride [2, 2] padding [1, 1] dilation [1, 1] groups 2 : (tensor<2x4x8x8xf32>, tensor<6x2x3x3xf32>) -> tensor<2x6x4x4xf32>
  %1 = terra.conv2d_grad_input %dy, %w stride [2, 2] padding [1, 1] dilation [1, 1] groups 2 : (tensor<2x6x4x4xf32>, tensor<6x2x3x3xf32>) -> tensor<2x4x8x8xf32>
  %2 = terra.conv2d_grad_weight %x, %dy stride [2, 2] padding [1, 1] dilation [1, 1] groups 2 : (tensor<2x4x8x8xf32>, tensor<2x6x4x4xf32>) -> tensor<6x2x3x3xf32>
  %3 = terra.max_pool2d %x kernel [3, 3] stride [2, 2] padding [1, 1] dilation [1, 1] : tensor<2x4x8x8xf32> -> tensor<2x4x4x4xf32>
  %4 = terra.max_pool2d_grad %py, %x kernel [3, 3] stride [2, 2] padding [1, 1] dilation [1, 1] : (tensor<2x4x4x4xf32>, tensor<2x4x8x8xf32>) -> tensor<2x4x8x8xf32>
  %5 = terra.avg_pool2d %x kernel [2, 2] stride [2, 2] padding [0, 0] : tensor<2x4x8x8xf32> -> tensor<2x4x4x4xf32>
  %6 = terra.avg_pool2d_grad %py kernel [2, 2] stride [2, 2] padding [0, 0] : tensor<2x4x4x4xf32> -> tensor<2x4x8x8xf32>
  return %0, %1, %2, %3, %4, %5, %6 : tensor<2x6x4x4xf32>, tensor<2x4x8x8xf32>, tensor<6x2x3x3xf32>, tensor<2x4x4x4xf32>, tensor<2x4x8x8xf32>, tensor<2x4x4x4xf32>, tensor<2x4x8x8xf32>
}
