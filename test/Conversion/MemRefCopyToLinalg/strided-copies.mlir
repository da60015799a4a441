// RUN: terra-opt %s -convert-memref-copy-to-linalg | FileCheck %s

// A copy out of a strided window becomes a linalg.copy loop nest.
// CHECK-LABEL: func.func @strided_source
// CHECK: linalg.copy ins(%{{.*}} : memref<4x3xf32, strided<[5, 1], offset: 6>>) outs(%{{.*}} : memref<4x3xf32>)
// CHECK-NOT: memref.copy
func.func @strided_source(%a: memref<4x3xf32, strided<[5, 1], offset: 6>>, %b: memref<4x3xf32>) {
  memref.copy %a, %b : memref<4x3xf32, strided<[5, 1], offset: 6>> to memref<4x3xf32>
  return
}

// So does a copy into one (a concat's insert_slice).
// CHECK-LABEL: func.func @strided_target
// CHECK: linalg.copy
func.func @strided_target(%a: memref<2x3xf32>, %b: memref<2x3xf32, strided<[9, 3]>>) {
  memref.copy %a, %b : memref<2x3xf32> to memref<2x3xf32, strided<[9, 3]>>
  return
}

// Contiguous copies stay memref.copy, which lowers to memcpy.
// CHECK-LABEL: func.func @contiguous
// CHECK: memref.copy
// CHECK-NOT: linalg.copy
func.func @contiguous(%a: memref<4x3xf32>, %b: memref<4x3xf32>) {
  memref.copy %a, %b : memref<4x3xf32> to memref<4x3xf32>
  return
}

// Unranked copies are left to the runtime routine.
// CHECK-LABEL: func.func @unranked
// CHECK: memref.copy
func.func @unranked(%a: memref<*xf32>, %b: memref<*xf32>) {
  memref.copy %a, %b : memref<*xf32> to memref<*xf32>
  return
}
