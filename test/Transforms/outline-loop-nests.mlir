// RUN: terra-opt %s -terra-outline-loop-nests | FileCheck %s

// Each top-level nest becomes a private noinline function; the constants it
// uses are copied in rather than passed.
func.func @two_nests(%a: memref<4xf32>, %b: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %two = arith.constant 2.0 : f32
  scf.for %i = %c0 to %c4 step %c1 {
    %x = memref.load %a[%i] : memref<4xf32>
    %y = arith.mulf %x, %two : f32
    memref.store %y, %b[%i] : memref<4xf32>
  }
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %x = memref.load %b[%i] : memref<4xf32>
    memref.store %x, %a[%i] : memref<4xf32>
  }
  return
}

// CHECK-LABEL: func.func private @two_nests_nest0(
// CHECK-SAME: %[[A:.*]]: memref<4xf32>, %[[B:.*]]: memref<4xf32>)
// CHECK-SAME: attributes {llvm.linkage = #llvm.linkage<internal>, passthrough = ["noinline"]}
// CHECK-DAG: arith.constant 2.000000e+00 : f32
// CHECK-DAG: arith.constant 4 : index
// CHECK: scf.for
// CHECK: arith.mulf
// CHECK-LABEL: func.func private @two_nests_nest1(
// CHECK: scf.parallel
// The straight-line rest is compiled without optimisation.
// CHECK-LABEL: func.func @two_nests(
// CHECK-SAME: %[[A:.*]]: memref<4xf32>, %[[B:.*]]: memref<4xf32>)
// CHECK-SAME: attributes {passthrough = ["noinline", "optnone"]}
// CHECK-NOT: scf.for
// CHECK: call @two_nests_nest0(%[[A]], %[[B]])
// CHECK-NEXT: call @two_nests_nest1(%[[B]], %[[A]])
// CHECK-NEXT: return

// One nest is left where it is: a call would gain nothing.
// CHECK-LABEL: func.func @one_nest(
// CHECK-NOT: optnone
// CHECK-NEXT: arith.constant
// CHECK: scf.for
// CHECK-NOT: call
func.func @one_nest(%a: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %i = %c0 to %c4 step %c1 {
    %x = memref.load %a[%i] : memref<4xf32>
    memref.store %x, %a[%i] : memref<4xf32>
  }
  return
}
