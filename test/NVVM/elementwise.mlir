// RUN: terra-opt %s -terra-lower-to-nvvm="chip=sm_80" | FileCheck %s --check-prefix=HOST --implicit-check-not=llvm.intr.memcpy
// RUN: rm -rf %t && terra-opt %s -terra-lower-to-nvvm="chip=sm_80" | %python %S/../Utils/extract-ptx.py %t && cat %t/*.ptx | FileCheck %s --check-prefix=PTX --implicit-check-not=call.uni

// The whole chain is fused; the three results each get a kernel.
// HOST-LABEL: llvm.func @elementwise
// HOST-COUNT-4: gpu.launch_func
// HOST: gpu.binary @elementwise_kernel {{.*}}#nvvm.target<chip = "sm_80"
// PTX: .target sm_80
// PTX: .visible .entry elementwise_kernel(
// exp, sigmoid, tanh and gelu use ex2; the erf and pow from libdevice are inlined.
// PTX: ex2.approx.ftz.f32
// PTX: max.NaN.f32
// PTX: min.NaN.f32
// The float-to-int cast truncates toward zero.
// PTX: cvt.rzi.s32.f32

func.func @elementwise(%x: tensor<64x32xf32>, %y: tensor<64x32xf32>, %m: tensor<64x32xi1>) -> (tensor<64x32xf32>, tensor<64x32xi1>, tensor<64x32xi32>) {
  %0 = terra.add %x, %y : tensor<64x32xf32>
  %1 = terra.sub %0, %y : tensor<64x32xf32>
  %2 = terra.mul %1, %x : tensor<64x32xf32>
  %3 = terra.div %2, %y : tensor<64x32xf32>
  %4 = terra.neg %3 : tensor<64x32xf32>
  %5 = terra.abs %4 : tensor<64x32xf32>
  %6 = terra.exp %5 : tensor<64x32xf32>
  %7 = terra.log %6 : tensor<64x32xf32>
  %8 = terra.sqrt %7 : tensor<64x32xf32>
  %9 = terra.rsqrt %8 : tensor<64x32xf32>
  %10 = terra.pow %9, %x : tensor<64x32xf32>
  %11 = terra.tanh %10 : tensor<64x32xf32>
  %12 = terra.sigmoid %11 : tensor<64x32xf32>
  %13 = terra.relu %12 : tensor<64x32xf32>
  %14 = terra.gelu %13 : tensor<64x32xf32>
  %15 = terra.gelu %14 {approximate_tanh} : tensor<64x32xf32>
  %16 = terra.erf %15 : tensor<64x32xf32>
  %17 = terra.maximum %16, %x : tensor<64x32xf32>
  %18 = terra.minimum %17, %y : tensor<64x32xf32>
  %19 = terra.select %m, %18, %x : tensor<64x32xi1>, tensor<64x32xf32>
  %20 = terra.compare lt, %19, %y : tensor<64x32xf32>
  %21 = terra.cast %19 : tensor<64x32xf32> to tensor<64x32xi32>
  return %19, %20, %21 : tensor<64x32xf32>, tensor<64x32xi1>, tensor<64x32xi32>
}

// A splat terra.constant folds into the fused loop as a scalar, which the
// kernel receives as a parameter (no constant tensor in host memory).
// HOST-LABEL: llvm.func @scale_by_constant
// HOST: llvm.mlir.constant(2.500000e+00 : f32)
// HOST-COUNT-1: gpu.launch_func
// PTX: .visible .entry scale_by_constant_kernel(
// PTX: .param .f32 scale_by_constant_kernel_param_{{[0-9]+}}
// PTX: ld.param.b32 [[SCALE:%r[0-9]+]], [scale_by_constant_kernel_param_{{[0-9]+}}]
// PTX: mul.rn.f32 {{%r[0-9]+}}, {{.*}}[[SCALE]]
func.func @scale_by_constant(%x: tensor<64x32xf32>) -> tensor<64x32xf32> {
  %c = terra.constant dense<2.5> : tensor<64x32xf32>
  %0 = terra.mul %x, %c : tensor<64x32xf32>
  return %0 : tensor<64x32xf32>
}
