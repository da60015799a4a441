// RUN: terra-opt %s -terra-lower-to-nvvm="chip=sm_80" | FileCheck %s --check-prefix=HOST --implicit-check-not=llvm.intr.memcpy --implicit-check-not=@malloc --implicit-check-not=@free
// RUN: rm -rf %t && terra-opt %s -terra-lower-to-nvvm="chip=sm_80" | %python %S/../Utils/extract-ptx.py %t && cat %t/*.ptx | FileCheck %s --check-prefix=PTX --implicit-check-not=call.uni

// Intermediate buffers are device memory on the launches' stream
// (convert-memref-alloc-to-gpu, gpu-async-region), never malloc'd.
// HOST-LABEL: llvm.func @reduction
// HOST: llvm.call @mgpuStreamCreate
// HOST: llvm.call @mgpuMemAlloc
// HOST: gpu.launch_func <%{{.*}} : !llvm.ptr>
// HOST: llvm.call @mgpuMemFree
// HOST: llvm.call @mgpuStreamSynchronize
// PTX: .visible .entry reduction_kernel(
// max and min reductions propagate NaN.
// PTX-DAG: max.NaN.f32
// PTX-DAG: min.NaN.f32
// softmax and log_softmax exponentiate the shifted logits.
// PTX-DAG: ex2.approx.ftz.f32

func.func @reduction(%x: tensor<8x16xf32>) -> (tensor<8xf32>, tensor<1x16xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xi64>, tensor<8x16xf32>, tensor<8x16xf32>) {
  %0 = terra.sum %x axes [1] : tensor<8x16xf32> -> tensor<8xf32>
  %1 = terra.mean %x axes [0] keepdim : tensor<8x16xf32> -> tensor<1x16xf32>
  %2 = terra.max %x axes [1] : tensor<8x16xf32> -> tensor<8xf32>
  %3 = terra.min %x axes [1] : tensor<8x16xf32> -> tensor<8xf32>
  %4 = terra.argmax %x axis 1 : tensor<8x16xf32> -> tensor<8xi64>
  %5 = terra.softmax %x axis 1 : tensor<8x16xf32>
  %6 = terra.log_softmax %x axis 1 : tensor<8x16xf32>
  return %0, %1, %2, %3, %4, %5, %6 : tensor<8xf32>, tensor<1x16xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xi64>, tensor<8x16xf32>, tensor<8x16xf32>
}
