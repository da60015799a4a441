// REQUIRES: ptxas
// RUN: terra-opt %s -terra-lower-to-nvvm="chip=sm_80" | FileCheck %s --check-prefix=HOST --implicit-check-not=llvm.intr.memcpy
// RUN: rm -rf %t && terra-opt %s -terra-lower-to-nvvm="chip=sm_80" | %python %S/../Utils/extract-ptx.py %t --ptxas %ptxas --arch sm_80 && cat %t/*.ptx | FileCheck %s --check-prefix=PTX

// A block whose outputs are its input and a reshape of it (recorded from a
// model-suite program) only copies buffers. On the GPU the copies are
// kernels: a host memcpy over device pointers would crash.
// HOST-LABEL: llvm.func @copies
// HOST-COUNT-3: gpu.launch_func
// PTX: .visible .entry copies_kernel(
// PTX: ld.global
// PTX: st.global

func.func @copies(%arg0: memref<1x32x1x1xf32>, %arg1: memref<1x32x1x1xf32>, %arg2: memref<1x32x1x1xf32>, %arg3: memref<32xf32>) {
  %0 = bufferization.to_tensor %arg0 restrict : memref<1x32x1x1xf32> to tensor<1x32x1x1xf32>
  %1 = terra.reshape %0 : tensor<1x32x1x1xf32> -> tensor<32xf32>
  bufferization.materialize_in_destination %0 in restrict writable %arg1 : (tensor<1x32x1x1xf32>, memref<1x32x1x1xf32>) -> ()
  bufferization.materialize_in_destination %0 in restrict writable %arg2 : (tensor<1x32x1x1xf32>, memref<1x32x1x1xf32>) -> ()
  bufferization.materialize_in_destination %1 in restrict writable %arg3 : (tensor<32xf32>, memref<32xf32>) -> ()
  return
}
