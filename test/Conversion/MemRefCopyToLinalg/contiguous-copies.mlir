// RUN: terra-opt %s -convert-memref-copy-to-linalg=contiguous | FileCheck %s

// With `contiguous` (terra-lower-to-nvvm), contiguous copies become
// linalg.copy too: on the GPU they must be kernels, not a host memcpy.
// CHECK-LABEL: func.func @contiguous
// CHECK: linalg.copy ins(%{{.*}} : memref<4x3xf32>) outs(%{{.*}} : memref<4x3xf32>)
// CHECK-NOT: memref.copy
func.func @contiguous(%a: memref<4x3xf32>, %b: memref<4x3xf32>) {
  memref.copy %a, %b : memref<4x3xf32> to memref<4x3xf32>
  return
}

// CHECK-LABEL: func.func @strided
// CHECK: linalg.copy
func.func @strided(%a: memref<4x3xf32, strided<[5, 1], offset: 6>>, %b: memref<4x3xf32>) {
  memref.copy %a, %b : memref<4x3xf32, strided<[5, 1], offset: 6>> to memref<4x3xf32>
  return
}

// Unranked copies are still left alone.
// CHECK-LABEL: func.func @unranked
// CHECK: memref.copy
func.func @unranked(%a: memref<*xf32>, %b: memref<*xf32>) {
  memref.copy %a, %b : memref<*xf32> to memref<*xf32>
  return
}
