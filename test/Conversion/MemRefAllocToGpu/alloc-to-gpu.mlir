// RUN: terra-opt %s -convert-memref-alloc-to-gpu | FileCheck %s

// Host-side buffers are allocated and freed on the device.
// CHECK-LABEL: func.func @host_buffers
// CHECK: %[[A:.*]] = gpu.alloc (%{{.*}}) : memref<?x16xf32>
// CHECK: %[[B:.*]] = gpu.alloc () : memref<8xf32>
// CHECK: gpu.dealloc %[[A]] : memref<?x16xf32>
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.dealloc
// CHECK: return %[[B]]
func.func @host_buffers(%n: index) -> memref<8xf32> {
  %a = memref.alloc(%n) {alignment = 64 : i64} : memref<?x16xf32>
  %b = memref.alloc() : memref<8xf32>
  memref.dealloc %a : memref<?x16xf32>
  return %b : memref<8xf32>
}

// Allocations inside GPU code are the kernel's own.
// CHECK-LABEL: gpu.func @kernel
// CHECK: memref.alloc() : memref<4xf32, 5>
// CHECK: memref.dealloc
gpu.module @kernels {
  gpu.func @kernel() kernel {
    %t = memref.alloc() : memref<4xf32, 5>
    memref.dealloc %t : memref<4xf32, 5>
    gpu.return
  }
}
